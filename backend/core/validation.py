"""Field validators shared by the domains. Each returns the cleaned value or records an error."""

from __future__ import annotations

import datetime as dt

import email_validator
import phonenumbers
from stdnum import exceptions as stdnum_errors
from stdnum.no import fodselsnummer, orgnr

from backend.core.errors import Collector, ErrorCode

# Weights of the first check digit, k1 included (weight 1), as in the register's rule.
_K1_WEIGHTS = (3, 7, 6, 1, 8, 9, 4, 5, 2, 1)


def _first_check_digit_ok_2032(number: str) -> bool:
    """From 2032 the first check digit may take four values: weighted sum mod 11 in 0..3."""
    return sum(w * int(d) for w, d in zip(_K1_WEIGHTS, number[:10], strict=True)) % 11 in (
        0,
        1,
        2,
        3,
    )


def _date_part_ok(number: str, *, allow_synthetic: bool) -> bool:
    day, month = int(number[0:2]), int(number[2:4])
    if day > 40:  # D-nummer
        day -= 40
    if month > 80 and allow_synthetic:  # synthetic test numbers
        month -= 80
    elif month > 40:  # H-nummer (help number)
        month -= 40
    try:
        # Leap year 2000 admits 29 February for any two-digit year we cannot place.
        dt.date(2000, month, day)
    except ValueError:
        return False
    return True


def check_national_id(number: str, *, allow_synthetic: bool = False) -> str:
    """Validate a fødselsnummer or D-nummer; raise stdnum's ValidationError when invalid.

    python-stdnum checks the classic rule. Numbers issued from 2032 have a first check digit
    with four accepted values and no century or gender in the individual number, so a
    number that stdnum rejects for its first check digit or its century is checked again
    under that rule. The second check digit is unchanged.
    """
    number = fodselsnummer.compact(number)
    if len(number) != 11:
        raise stdnum_errors.InvalidLength()
    if not number.isdigit() or not number.isascii():
        raise stdnum_errors.InvalidFormat()
    try:
        fodselsnummer.validate(number)
        return number
    except (stdnum_errors.InvalidChecksum, stdnum_errors.InvalidComponent):
        pass
    if number[-1] != fodselsnummer.calc_check_digit2(number):
        raise stdnum_errors.InvalidChecksum()
    if not _first_check_digit_ok_2032(number):
        raise stdnum_errors.InvalidChecksum()
    if not _date_part_ok(number, allow_synthetic=allow_synthetic):
        raise stdnum_errors.InvalidComponent()
    return number


def national_id(
    errors: Collector, field: str, value: str | None, *, allow_synthetic: bool
) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return check_national_id(value, allow_synthetic=allow_synthetic)
    except stdnum_errors.ValidationError:
        errors.add(ErrorCode.INVALID_NATIONAL_ID, field)
        return None


def org_number(errors: Collector, field: str, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return str(orgnr.validate(value))
    except stdnum_errors.ValidationError:
        errors.add(ErrorCode.INVALID_ORG_NUMBER, field)
        return None


def text(
    errors: Collector,
    field: str,
    value: str | None,
    *,
    max_length: int,
    required: bool = False,
) -> str | None:
    cleaned = value.strip() if value is not None else None
    if not cleaned:
        if required:
            errors.add(ErrorCode.REQUIRED, field)
        return None
    if len(cleaned) > max_length:
        errors.add(ErrorCode.TOO_LONG, field)
        return None
    if any(ord(c) < 32 and c not in "\n\t" for c in cleaned):
        errors.add(ErrorCode.INVALID, field)
        return None
    return cleaned


def date_range(errors: Collector, field: str, start: dt.date | None, end: dt.date | None) -> None:
    if start is not None and end is not None and end < start:
        errors.add(ErrorCode.INVALID_DATE_RANGE, field)


def email(errors: Collector, field: str, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        # No DNS lookups: validation must not depend on the network.
        return str(
            email_validator.validate_email(value.strip(), check_deliverability=False).normalized
        )
    except email_validator.EmailNotValidError:
        errors.add(ErrorCode.INVALID, field)
        return None


def phone(errors: Collector, field: str, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        parsed = phonenumbers.parse(value, "NO")
    except phonenumbers.NumberParseException:
        errors.add(ErrorCode.INVALID, field)
        return None
    if not phonenumbers.is_valid_number(parsed):
        errors.add(ErrorCode.INVALID, field)
        return None
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
