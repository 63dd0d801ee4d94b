"""Koordinat speaks bokmål, nynorsk and English: every user error, word list and e-mail."""

from __future__ import annotations

import pytest

from backend.app import pick_language
from backend.consent.types import WHAT_IN_WORDS, in_words
from backend.core.errors import MESSAGES, ErrorCode, UserError
from backend.core.i18n import LANGUAGES
from backend.notify.kinds import KINDS, render_email


def test_every_error_code_has_three_distinct_languages() -> None:
    for code in ErrorCode:
        nb, nn, en = MESSAGES[code]
        assert nb and nn and en, code
        assert en != nb, code
    assert UserError(ErrorCode.NOT_FOUND).message("nn") == "Fann ikkje det du bad om."


@pytest.mark.parametrize(
    ("header", "expected"),
    [("nn-NO,nn;q=0.9", "nn"), ("nb", "nb"), ("no", "nb"), ("en-GB", "en"), ("de", "nb")],
)
def test_accept_language(header: str, expected: str) -> None:
    assert pick_language(header, None, "nb") == expected


def test_person_choice_of_nynorsk_is_kept() -> None:
    assert pick_language(None, "nn", "nb") == "nn"


def test_access_log_words_in_nynorsk() -> None:
    assert set(WHAT_IN_WORDS) and in_words("health", "nn") == "helseopplysningar"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_email_kind_renders_in_each_language(language: str) -> None:
    bodies = {name: render_email(name, {"role": "guardian"}, language) for name in KINDS}
    for subject, body in bodies.values():
        assert subject and body
    if language == "nn":
        assert "Logg inn i Koordinat for å sjå meir." in bodies["reminder"][1]
