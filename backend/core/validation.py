"""Field validators shared by the domains. Each returns the cleaned value or records an error."""

from __future__ import annotations

import datetime as dt
import unicodedata

import email_validator
import phonenumbers
from stdnum import exceptions as stdnum_errors
from stdnum.no import fodselsnummer, orgnr

from backend.core.clock import today
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
        number = str(orgnr.validate(value))
    except stdnum_errors.ValidationError:
        errors.add(ErrorCode.INVALID_ORG_NUMBER, field)
        return None
    # Enhetsregisteret issues organisation numbers from the 8 and 9 series only.
    if number[0] not in "89":
        errors.add(ErrorCode.INVALID_ORG_NUMBER, field)
        return None
    return number


# Joiners shape Persian, Arabic and Indic spelling (e.g. a Dari name): not controls to refuse.
_JOINERS = frozenset("\u200c\u200d")
# Control (Cc), format (Cf: bidi overrides such as U+202E, invisible marks), surrogate,
# private use, and line/paragraph separators: none belongs in a name or a note.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})

_NO_LETTER = (
    "Navnet må inneholde minst én bokstav.",
    "Namnet må innehalde minst éin bokstav.",
    "A name must contain at least one letter.",
)
_CONTROL = (
    "Teksten inneholder usynlige tegn eller styretegn.",
    "Teksten inneheld usynlege teikn eller styreteikn.",
    "The text contains invisible or control characters.",
)


def has_refused_characters(value: str, *, multiline: bool) -> bool:
    allowed = "\n\t" if multiline else ""
    return any(
        unicodedata.category(c) in _REFUSED_CATEGORIES and c not in _JOINERS and c not in allowed
        for c in value
    )


def text(
    errors: Collector,
    field: str,
    value: str | None,
    *,
    max_length: int,
    required: bool = False,
    multiline: bool = True,
) -> str | None:
    """Free text: trimmed, NFC, at most `max_length`; no control or bidi characters
    (newline and tab only where `multiline`)."""
    cleaned = unicodedata.normalize("NFC", value.strip()) if value is not None else None
    if not cleaned:
        if required:
            errors.add(ErrorCode.REQUIRED, field)
        return None
    if len(cleaned) > max_length:
        errors.add(ErrorCode.TOO_LONG, field)
        return None
    if has_refused_characters(cleaned, multiline=multiline):
        errors.add(ErrorCode.INVALID, field, _CONTROL)
        return None
    return cleaned


def name(
    errors: Collector, field: str, value: str | None, *, max_length: int, required: bool = False
) -> str | None:
    """A person's, child's or service's name: one line of text with at least one letter."""
    cleaned = text(errors, field, value, max_length=max_length, required=required, multiline=False)
    if cleaned is not None and not any(unicodedata.category(c).startswith("L") for c in cleaned):
        errors.add(ErrorCode.INVALID, field, _NO_LETTER)
        return None
    return cleaned


# A start date far in the past is a typing error (1900-01-01), not a history.
_TOO_EARLY = (
    "Datoen er for langt tilbake i tid.",
    "Datoen er for langt tilbake i tid.",
    "The date is too far in the past.",
)


# Memberships and consents may be recorded back to a year before the child's birth
# (follow-up in pregnancy); further back is a typing error.
START_DAYS_BEFORE_BIRTH = 366


def earliest_start(birth_date: dt.date | None) -> dt.date:
    """The earliest `activeFrom`/`validFrom` for a child born on `birth_date` (None: expected)."""
    return (birth_date or today()) - dt.timedelta(days=START_DAYS_BEFORE_BIRTH)


def not_before(errors: Collector, field: str, value: dt.date | None, earliest: dt.date) -> None:
    if value is not None and value < earliest:
        errors.add(ErrorCode.INVALID_DATE, field, _TOO_EARLY)


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
