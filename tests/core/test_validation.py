"""National identity numbers and organisation numbers (python-stdnum, plus the 2032 rule)."""

from __future__ import annotations

import pytest
from stdnum import exceptions as stdnum_errors
from stdnum.no import fodselsnummer

from backend.core.errors import Collector, ErrorCode
from backend.core.languages import language_code
from backend.core.validation import check_national_id, name, org_number, text
from backend.demo.seed import synthetic_national_id

K1_WEIGHTS = (3, 7, 6, 1, 8, 9, 4, 5, 2)


def with_check_digits(first_nine: str, k1_offset: int = 0) -> str | None:
    """Build a number whose weighted k1 sum leaves remainder `k1_offset` (2032 rule)."""
    weighted = sum(w * int(d) for w, d in zip(K1_WEIGHTS, first_nine, strict=True))
    k1 = (k1_offset - weighted) % 11
    if k1 == 10:
        return None
    k2 = fodselsnummer.calc_check_digit2(first_nine + str(k1))
    if k2 == "10":
        return None
    return first_nine + str(k1) + k2


def test_classic_number_is_valid() -> None:
    assert check_national_id("151086 95088") == "15108695088"


def test_wrong_check_digit_fails() -> None:
    with pytest.raises(stdnum_errors.InvalidChecksum):
        check_national_id("15108695077")


@pytest.mark.parametrize("value", ["1510869508", "151086950888", "1510869508a", "", "١٥١٠٨٦٩٥٠٨٨"])
def test_malformed_numbers_fail(value: str) -> None:
    with pytest.raises(stdnum_errors.ValidationError):
        check_national_id(value)


def test_d_number_passes() -> None:
    number = with_check_digits("551086950")  # day 15 + 40
    assert number is not None
    assert check_national_id(number) == number


@pytest.mark.parametrize("offset", [1, 2, 3])
def test_2032_rule_accepts_the_other_three_first_check_digits(offset: int) -> None:
    # Individual numbers from 2032 no longer encode the century: use one that stdnum can't place.
    for individual in range(100, 999):
        number = with_check_digits(f"150532{individual:03d}", offset)
        if number is not None:
            break
    assert number is not None
    assert not fodselsnummer.is_valid(number)  # the classic rule rejects it
    assert check_national_id(number) == number


def test_2032_rule_still_rejects_remainder_four() -> None:
    number = next(
        n for i in range(100, 999) if (n := with_check_digits(f"150532{i:03d}", 4)) is not None
    )
    with pytest.raises(stdnum_errors.InvalidChecksum):
        check_national_id(number)


def test_second_check_digit_is_always_checked() -> None:
    number = with_check_digits("551086950")
    assert number is not None
    broken = number[:10] + str((int(number[10]) + 1) % 10)
    with pytest.raises(stdnum_errors.InvalidChecksum):
        check_national_id(broken)


def test_impossible_date_fails() -> None:
    number = next(
        n for i in range(100, 999) if (n := with_check_digits(f"321386{i:03d}", 2)) is not None
    )
    with pytest.raises(stdnum_errors.ValidationError):
        check_national_id(number)


def test_synthetic_numbers_only_when_allowed() -> None:
    import datetime as dt

    number = synthetic_national_id(dt.date(2015, 3, 9), 0)
    assert check_national_id(number, allow_synthetic=True) == number
    with pytest.raises(stdnum_errors.ValidationError):
        check_national_id(number, allow_synthetic=False)


def test_org_number() -> None:
    errors = Collector()
    assert org_number(errors, "orgNumber", "974 760 673") == "974760673"
    assert org_number(errors, "orgNumber", "974760674") is None
    assert [e.code for e in errors.errors] == [ErrorCode.INVALID_ORG_NUMBER]


@pytest.mark.parametrize("number", ["100000008", "700000001"])
def test_org_number_outside_the_8_and_9_series_fails(number: str) -> None:
    errors = Collector()
    assert org_number(errors, "orgNumber", number) is None
    assert [e.code for e in errors.errors] == [ErrorCode.INVALID_ORG_NUMBER]


@pytest.mark.parametrize(
    "value",
    [
        "Anna\u202eNOB",
        "An\u200bna",
        "Anna\u2066",
        "An\x00na",
        "An\tna",
        "An\nna",
        "An\u2028na",
        "\U0001f600",
        "\u2764\ufe0f",
        "123",
        "-",
    ],
)
def test_names_refuse_controls_and_need_a_letter(value: str) -> None:
    errors = Collector()
    assert name(errors, "name", value, max_length=100) is None
    assert [e.code for e in errors.errors] == [ErrorCode.INVALID]


@pytest.mark.parametrize("value", ["Ødegård", "Mehr\u200cnaz", "محمد", "Nguyễn Văn An", "O'Brien"])
def test_names_in_any_script_pass(value: str) -> None:
    errors = Collector()
    assert name(errors, "name", value, max_length=100) == value
    assert errors.errors == []


def test_free_text_keeps_lines_but_not_bidi_overrides() -> None:
    errors = Collector()
    assert text(errors, "note", "Lekser\n\tfriminutt", max_length=100) == "Lekser\n\tfriminutt"
    assert text(errors, "note", "Lekser\u202e", max_length=100) is None
    assert [e.code for e in errors.errors] == [ErrorCode.INVALID]


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("nb", True),
        ("se", True),
        ("sme", True),
        ("prs", True),
        ("zz", False),
        ("qqq", False),
        ("und", False),
        ("zxx", False),
    ],
)
def test_language_codes_are_iso_639(code: str, valid: bool) -> None:
    errors = Collector()
    assert (language_code(errors, "language", code) is not None) is valid
