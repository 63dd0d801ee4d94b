"""User errors: stable codes with a message in Norwegian bokmål and English.

A service raises `UserErrors`; the surrounding transaction rolls back, so bad input
changes nothing, and the API turns the errors into the payload's `errors` list.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class ErrorCode(enum.Enum):
    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    INVALID_NATIONAL_ID = "INVALID_NATIONAL_ID"
    INVALID_ORG_NUMBER = "INVALID_ORG_NUMBER"
    INVALID_DATE = "INVALID_DATE"
    INVALID_DATE_RANGE = "INVALID_DATE_RANGE"
    NOT_FOUND = "NOT_FOUND"
    DUPLICATE = "DUPLICATE"
    DUPLICATE_MEMBER = "DUPLICATE_MEMBER"
    ALREADY_ENDED = "ALREADY_ENDED"
    ALREADY_WITHDRAWN = "ALREADY_WITHDRAWN"
    GUARDIAN_REQUIRED = "GUARDIAN_REQUIRED"
    CONFLICT = "CONFLICT"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    NOT_ALLOWED = "NOT_ALLOWED"


# Messages per code; `{field}`-free so they read well on their own.
MESSAGES: dict[ErrorCode, tuple[str, str]] = {
    ErrorCode.INVALID: ("Ugyldig verdi.", "Invalid value."),
    ErrorCode.REQUIRED: ("Feltet må fylles ut.", "This field is required."),
    ErrorCode.TOO_LONG: ("Teksten er for lang.", "The text is too long."),
    ErrorCode.INVALID_NATIONAL_ID: (
        "Fødselsnummeret eller D-nummeret er ikke gyldig.",
        "The national identity number or D number is not valid.",
    ),
    ErrorCode.INVALID_ORG_NUMBER: (
        "Organisasjonsnummeret er ikke gyldig.",
        "The organisation number is not valid.",
    ),
    ErrorCode.INVALID_DATE: ("Datoen er ikke gyldig.", "The date is not valid."),
    ErrorCode.INVALID_DATE_RANGE: (
        "Sluttdatoen kan ikke være før startdatoen.",
        "The end date cannot be before the start date.",
    ),
    ErrorCode.NOT_FOUND: ("Fant ikke det du ba om.", "Not found."),
    ErrorCode.DUPLICATE: ("Dette finnes allerede.", "This already exists."),
    ErrorCode.DUPLICATE_MEMBER: (
        "Personen er allerede aktiv i barnets nettverk.",
        "This person is already an active member of the child's network.",
    ),
    ErrorCode.ALREADY_ENDED: (
        "Medlemskapet er allerede avsluttet.",
        "The membership has already ended.",
    ),
    ErrorCode.ALREADY_WITHDRAWN: (
        "Samtykket er allerede trukket tilbake.",
        "The consent has already been withdrawn.",
    ),
    ErrorCode.GUARDIAN_REQUIRED: (
        "Barnet må ha minst én foresatt med foreldreansvar.",
        "The child must have at least one guardian with parental responsibility.",
    ),
    ErrorCode.CONFLICT: (
        "Noen andre har endret dette i mellomtiden. Last inn på nytt og prøv igjen.",
        "Someone else changed this in the meantime. Reload and try again.",
    ),
    ErrorCode.UNAUTHENTICATED: ("Du må logge inn.", "You must sign in."),
    ErrorCode.NOT_ALLOWED: (
        "Du har ikke lov til å gjøre dette.",
        "You are not allowed to do this.",
    ),
}


@dataclass(frozen=True)
class UserError:
    code: ErrorCode
    field: str | None = None
    # An optional, more specific message pair (nb, en); defaults to the code's.
    detail: tuple[str, str] | None = None

    def message(self, language: str) -> str:
        nb, en = self.detail or MESSAGES[self.code]
        return en if language == "en" else nb


@dataclass
class UserErrors(Exception):
    """Raised by services; aborts the transaction."""

    errors: list[UserError] = field(default_factory=list)

    def __str__(self) -> str:
        return ", ".join(f"{e.code.value}:{e.field}" for e in self.errors)


def fail(code: ErrorCode, field: str | None = None, detail: tuple[str, str] | None = None) -> None:
    raise UserErrors([UserError(code, field, detail)])


class Collector:
    """Collects every validation error of an input before failing once."""

    def __init__(self) -> None:
        self.errors: list[UserError] = []

    def add(
        self, code: ErrorCode, field: str | None = None, detail: tuple[str, str] | None = None
    ) -> None:
        self.errors.append(UserError(code, field, detail))

    def raise_if_any(self) -> None:
        if self.errors:
            raise UserErrors(list(self.errors))
