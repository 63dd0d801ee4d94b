"""The languages Koordinat speaks: bokmål (default), nynorsk and English.

A text in all three is a `Text` triple `(nb, nn, en)`; `pick` chooses by language code.
"""

from __future__ import annotations

LANGUAGES = ("nb", "nn", "en")
DEFAULT_LANGUAGE = "nb"

Text = tuple[str, str, str]


def normalise(language: str | None) -> str:
    """One of LANGUAGES: `no` and unknown codes read as bokmål."""
    if language in LANGUAGES:
        return str(language)
    return DEFAULT_LANGUAGE


def pick(text: Text, language: str | None) -> str:
    nb, nn, en = text
    if language == "en":
        return en
    if language == "nn":
        return nn
    return nb
