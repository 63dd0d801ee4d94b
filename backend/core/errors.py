"""User errors: stable codes with a message in bokmål, nynorsk and English.

A service raises `UserErrors`; the surrounding transaction rolls back, so bad input
changes nothing, and the API turns the errors into the payload's `errors` list.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from backend.core.i18n import Text, pick


class ErrorCode(enum.Enum):
    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    TOO_MANY = "TOO_MANY"
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
    COORDINATING_UNIT_REQUIRED = "COORDINATING_UNIT_REQUIRED"
    # A plan's measure names the need or goal it serves.
    REASON_REQUIRED = "REASON_REQUIRED"
    # The right to a barnekoordinator (backend/right): a step out of its order.
    NOT_AWAITING_DECISION = "NOT_AWAITING_DECISION"
    APPEAL_NOT_POSSIBLE = "APPEAL_NOT_POSSIBLE"
    APPEAL_ALREADY_OPEN = "APPEAL_ALREADY_OPEN"
    STEP_ALREADY_RECORDED = "STEP_ALREADY_RECORDED"
    OUTCOME_BEFORE_APPEAL = "OUTCOME_BEFORE_APPEAL"
    # Meetings (backend/meeting).
    MEETING_IN_PAST = "MEETING_IN_PAST"
    ENDS_BEFORE_START = "ENDS_BEFORE_START"
    ALREADY_INVITED = "ALREADY_INVITED"
    MEETING_CANCELLED = "MEETING_CANCELLED"
    GUEST_ACCESS_ENDED = "GUEST_ACCESS_ENDED"
    MINUTES_CLOSED = "MINUTES_CLOSED"
    MINUTES_NOT_CLOSED = "MINUTES_NOT_CLOSED"
    MEETING_STARTED = "MEETING_STARTED"
    PLAN_REQUIRED = "PLAN_REQUIRED"
    # Request refusals (before the document is run): too costly, or over the caller's budget.
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    RATE_LIMITED = "RATE_LIMITED"
    # Request-level errors (top-level GraphQL `errors`, `extensions.code`): see docs/api.md.
    INVALID_INPUT = "INVALID_INPUT"
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"
    BAD_REQUEST = "BAD_REQUEST"
    UNAVAILABLE = "UNAVAILABLE"
    UNKNOWN_DOCUMENT = "UNKNOWN_DOCUMENT"
    SAVED_RESULT_UNAVAILABLE = "SAVED_RESULT_UNAVAILABLE"
    OUTCOME_UNKNOWN = "OUTCOME_UNKNOWN"
    INTERNAL_ERROR = "INTERNAL_ERROR"


# Messages per code; `{field}`-free so they read well on their own.
MESSAGES: dict[ErrorCode, Text] = {
    ErrorCode.INVALID: ("Ugyldig verdi.", "Ugyldig verdi.", "Invalid value."),
    ErrorCode.REQUIRED: (
        "Feltet må fylles ut.",
        "Feltet må fyllast ut.",
        "This field is required.",
    ),
    ErrorCode.TOO_LONG: ("Teksten er for lang.", "Teksten er for lang.", "The text is too long."),
    ErrorCode.TOO_MANY: ("For mange elementer.", "For mange element.", "Too many items."),
    ErrorCode.INVALID_NATIONAL_ID: (
        "Fødselsnummeret eller D-nummeret er ikke gyldig.",
        "Fødselsnummeret eller D-nummeret er ikkje gyldig.",
        "The national identity number or D number is not valid.",
    ),
    ErrorCode.INVALID_ORG_NUMBER: (
        "Organisasjonsnummeret er ikke gyldig.",
        "Organisasjonsnummeret er ikkje gyldig.",
        "The organisation number is not valid.",
    ),
    ErrorCode.INVALID_DATE: (
        "Datoen er ikke gyldig.",
        "Datoen er ikkje gyldig.",
        "The date is not valid.",
    ),
    ErrorCode.INVALID_DATE_RANGE: (
        "Sluttdatoen kan ikke være før startdatoen.",
        "Sluttdatoen kan ikkje vere før startdatoen.",
        "The end date cannot be before the start date.",
    ),
    ErrorCode.NOT_FOUND: ("Fant ikke det du ba om.", "Fann ikkje det du bad om.", "Not found."),
    ErrorCode.DUPLICATE: (
        "Dette finnes allerede.",
        "Dette finst allereie.",
        "This already exists.",
    ),
    ErrorCode.DUPLICATE_MEMBER: (
        "Personen er allerede aktiv i barnets nettverk.",
        "Personen er allereie aktiv i nettverket til barnet.",
        "This person is already an active member of the child's network.",
    ),
    ErrorCode.ALREADY_ENDED: (
        "Medlemskapet er allerede avsluttet.",
        "Medlemskapet er allereie avslutta.",
        "The membership has already ended.",
    ),
    ErrorCode.ALREADY_WITHDRAWN: (
        "Samtykket er allerede trukket tilbake.",
        "Samtykket er allereie trekt tilbake.",
        "The consent has already been withdrawn.",
    ),
    ErrorCode.GUARDIAN_REQUIRED: (
        "Barnet må ha minst én foresatt med foreldreansvar.",
        "Barnet må ha minst éin føresett med foreldreansvar.",
        "The child must have at least one guardian with parental responsibility.",
    ),
    ErrorCode.CONFLICT: (
        "Noen andre har endret dette i mellomtiden. Last inn på nytt og prøv igjen.",
        "Nokon andre har endra dette i mellomtida. Last inn på nytt og prøv igjen.",
        "Someone else changed this in the meantime. Reload and try again.",
    ),
    ErrorCode.UNAUTHENTICATED: ("Du må logge inn.", "Du må logge inn.", "You must sign in."),
    ErrorCode.NOT_ALLOWED: (
        "Du har ikke lov til å gjøre dette.",
        "Du har ikkje lov til å gjere dette.",
        "You are not allowed to do this.",
    ),
    ErrorCode.COORDINATING_UNIT_REQUIRED: (
        "Barn registreres av koordinerende enhet, som også tildeler barnekoordinator. "
        "Ta kontakt med enheten i kommunen.",
        "Barn blir registrerte av koordinerande eining, som også tildeler barnekoordinator. "
        "Ta kontakt med eininga i kommunen.",
        "Children are registered by the coordinating unit, which also appoints the "
        "barnekoordinator. Contact the unit in the kommune.",
    ),
    ErrorCode.REASON_REQUIRED: (
        "Tiltaket må vise til minst ett behov eller mål det skal hjelpe på.",
        "Tiltaket må vise til minst eitt behov eller mål det skal hjelpe på.",
        "A measure must name at least one need or goal it serves.",
    ),
    ErrorCode.NOT_AWAITING_DECISION: (
        "Anmodningen venter ikke på vedtak.",
        "Oppmodinga ventar ikkje på vedtak.",
        "The request is not awaiting a decision.",
    ),
    ErrorCode.APPEAL_NOT_POSSIBLE: (
        "Bare det siste vedtaket om avslag kan påklages.",
        "Berre det siste vedtaket om avslag kan klagast på.",
        "Only the latest decision, and only a refusal, can be appealed.",
    ),
    ErrorCode.APPEAL_ALREADY_OPEN: (
        "Det er allerede en klage som ikke er avgjort.",
        "Det er allereie ei klage som ikkje er avgjord.",
        "An appeal is already open.",
    ),
    ErrorCode.STEP_ALREADY_RECORDED: (
        "Dette er allerede registrert.",
        "Dette er allereie registrert.",
        "This has already been recorded.",
    ),
    ErrorCode.OUTCOME_BEFORE_APPEAL: (
        "Statsforvalterens avgjørelse kan først registreres når kommunen har opprettholdt "
        "avslaget og sendt klagen videre.",
        "Avgjerda til Statsforvaltaren kan først registrerast når kommunen har halde oppe "
        "avslaget og sendt klaga vidare.",
        "The Statsforvalteren's outcome can only be recorded after the kommune upheld the "
        "refusal and forwarded the appeal.",
    ),
    ErrorCode.MEETING_IN_PAST: (
        "Møtet kan ikke starte i fortiden.",
        "Møtet kan ikkje starte i fortida.",
        "The meeting cannot start in the past.",
    ),
    ErrorCode.ENDS_BEFORE_START: (
        "Møtet må slutte etter at det starter.",
        "Møtet må slutte etter at det startar.",
        "The meeting must end after it starts.",
    ),
    ErrorCode.ALREADY_INVITED: (
        "Personen er allerede invitert til møtet.",
        "Personen er allereie invitert til møtet.",
        "This person is already invited to the meeting.",
    ),
    ErrorCode.MEETING_CANCELLED: (
        "Møtet er avlyst.",
        "Møtet er avlyst.",
        "The meeting has been cancelled.",
    ),
    ErrorCode.GUEST_ACCESS_ENDED: (
        "Gjestetilgangen til møtet er avsluttet.",
        "Gjestetilgangen til møtet er avslutta.",
        "The guest's access to the meeting has ended.",
    ),
    ErrorCode.MINUTES_CLOSED: (
        "Referatet er lukket.",
        "Referatet er lukka.",
        "The minutes are closed.",
    ),
    ErrorCode.MINUTES_NOT_CLOSED: (
        "Referatet er ikke lukket ennå.",
        "Referatet er ikkje lukka enno.",
        "The minutes have not been closed yet.",
    ),
    ErrorCode.MEETING_STARTED: (
        "Møtet har allerede startet.",
        "Møtet har allereie starta.",
        "The meeting has already started.",
    ),
    ErrorCode.PLAN_REQUIRED: (
        "Barnet har ingen plan ennå. Opprett planen først.",
        "Barnet har ingen plan enno. Opprett planen først.",
        "The child has no plan yet. Create the plan first.",
    ),
    ErrorCode.QUERY_TOO_COMPLEX: (
        "Forespørselen er for stor eller for sammensatt.",
        "Førespurnaden er for stor eller for samansett.",
        "The request is too large or too complex.",
    ),
    ErrorCode.RATE_LIMITED: (
        "For mange forespørsler. Vent litt og prøv igjen.",
        "For mange førespurnader. Vent litt og prøv igjen.",
        "Too many requests. Wait a moment and try again.",
    ),
    ErrorCode.INVALID_INPUT: (
        "En verdi i forespørselen har feil form.",
        "Ein verdi i førespurnaden har feil form.",
        "A value in the request has the wrong form.",
    ),
    ErrorCode.GRAPHQL_PARSE_FAILED: (
        "Forespørselen kan ikke leses.",
        "Førespurnaden kan ikkje lesast.",
        "The request cannot be read.",
    ),
    ErrorCode.GRAPHQL_VALIDATION_FAILED: (
        "Forespørselen passer ikke med API-et.",
        "Førespurnaden passar ikkje med API-et.",
        "The request does not match the API.",
    ),
    ErrorCode.INTROSPECTION_DISABLED: (
        "Skjemaet kan ikke hentes her.",
        "Skjemaet kan ikkje hentast her.",
        "The schema cannot be fetched here.",
    ),
    ErrorCode.BAD_REQUEST: (
        "Forespørselen er ikke gyldig.",
        "Førespurnaden er ikkje gyldig.",
        "The request is not valid.",
    ),
    ErrorCode.UNKNOWN_DOCUMENT: (
        "Denne forespørselen er ikke en av dem Koordinat-appen sender.",
        "Denne førespurnaden er ikkje ein av dei Koordinat-appen sender.",
        "This request is not one of those the Koordinat app sends.",
    ),
    ErrorCode.UNAVAILABLE: (
        "Koordinat er ikke tilgjengelig akkurat nå, og ingenting ble endret. Prøv igjen om litt.",
        "Koordinat er ikkje tilgjengeleg akkurat no, og ingenting vart endra. Prøv igjen om litt.",
        "Koordinat is not available right now, and nothing was changed. Try again shortly.",
    ),
    ErrorCode.SAVED_RESULT_UNAVAILABLE: (
        "Endringen er lagret, men kan ikke vises akkurat nå. Last inn på nytt om litt.",
        "Endringa er lagra, men kan ikkje visast akkurat no. Last inn på nytt om litt.",
        "The change was saved, but cannot be shown right now. Reload shortly.",
    ),
    ErrorCode.OUTCOME_UNKNOWN: (
        "Vi fikk ikke bekreftet om endringen ble lagret. "
        "Last inn på nytt og sjekk før du prøver igjen.",
        "Vi fekk ikkje stadfesta om endringa vart lagra. "
        "Last inn på nytt og sjekk før du prøver igjen.",
        "We could not confirm whether the change was saved. Reload and check before trying again.",
    ),
    ErrorCode.INTERNAL_ERROR: (
        "Det oppstod en intern feil.",
        "Det oppstod ein intern feil.",
        "Internal error.",
    ),
}

# Top-level errors a client may simply send again (nothing was changed).
RETRYABLE = frozenset({ErrorCode.UNAVAILABLE, ErrorCode.RATE_LIMITED})


@dataclass(frozen=True)
class UserError:
    code: ErrorCode
    field: str | None = None
    # An optional, more specific message (nb, nn, en); defaults to the code's.
    detail: Text | None = None

    def message(self, language: str) -> str:
        return pick(self.detail or MESSAGES[self.code], language)


@dataclass
class UserErrors(Exception):
    """Raised by services; aborts the transaction."""

    errors: list[UserError] = field(default_factory=list)

    def __str__(self) -> str:
        return ", ".join(f"{e.code.value}:{e.field}" for e in self.errors)


def fail(code: ErrorCode, field: str | None = None, detail: Text | None = None) -> None:
    raise UserErrors([UserError(code, field, detail)])


class Collector:
    """Collects every validation error of an input before failing once."""

    def __init__(self) -> None:
        self.errors: list[UserError] = []

    def add(self, code: ErrorCode, field: str | None = None, detail: Text | None = None) -> None:
        self.errors.append(UserError(code, field, detail))

    def has(self, field: str) -> bool:
        """Whether `field` already has an error."""
        return any(error.field == field for error in self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise UserErrors(list(self.errors))
