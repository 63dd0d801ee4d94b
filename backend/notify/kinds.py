"""Notification kinds and their e-mail texts, in bokmål, nynorsk and English.

A later capability (meeting reminders, tasks due, decision deadlines...) adds its kind here
with `register`, and either a rule in `rules.py` (when an event causes it) or a call to
`service.schedule_reminder` from its own service (when a time does).

The texts say what happened, never to whom: an e-mail leaves Koordinat's protection, so it
carries no names, diagnoses or free text, only a prompt to sign in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from backend.core.i18n import Text as Words
from backend.core.i18n import pick

Payload = Mapping[str, Any]
Text = tuple[str, str]  # (subject, body)

SIGN_IN: Words = (
    "Logg inn i Koordinat for å se mer.",
    "Logg inn i Koordinat for å sjå meir.",
    "Sign in to Koordinat to see more.",
)
FOOTER: Words = (
    "Du får denne e-posten fordi du er med i et barns nettverk i Koordinat. "
    "Du kan velge hvilke varsler du får på e-post i Koordinat.",
    "Du får denne e-posten fordi du er med i nettverket til eit barn i Koordinat. "
    "Du kan velje kva varsel du får på e-post i Koordinat.",
    "You receive this e-mail because you take part in a child's network in Koordinat. "
    "You can choose which notifications you receive by e-mail in Koordinat.",
)

ROLE_NAMES: dict[str, Words] = {
    "coordinator": (
        "barnekoordinator",
        "barnekoordinator",
        "barnekoordinator (child coordinator)",
    ),
    "guardian": ("foresatt", "føresett", "guardian"),
    "child": ("barnet selv", "barnet sjølv", "the child"),
    "member": ("medlem", "medlem", "member"),
    "specialist": (
        "spesialisthelsetjenesten",
        "spesialisthelsetenesta",
        "specialist health services",
    ),
    "observer": ("observatør", "observatør", "observer"),
}


def role_name(role: object, language: str) -> str:
    names = ROLE_NAMES.get(str(role))
    return pick(names, language) if names else str(role)


def both(subject: Words, body: Words, language: str) -> Text:
    return pick(subject, language), pick(body, language)


@dataclass(frozen=True)
class Kind:
    name: str
    description: str
    render: Callable[[Payload, str], Text]


KINDS: dict[str, Kind] = {}


def register(name: str, description: str) -> Callable[[Callable[[Payload, str], Text]], Kind]:
    def wrap(render: Callable[[Payload, str], Text]) -> Kind:
        if name in KINDS:
            raise ValueError(f"notification kind {name!r} is registered twice")
        kind = Kind(name=name, description=description, render=render)
        KINDS[name] = kind
        return kind

    return wrap


def render_email(kind: str, payload: Payload, language: str) -> Text:
    """Subject and plain-text body; an unknown kind falls back to the generic reminder text."""
    found = KINDS.get(kind) or KINDS[REMINDER]
    subject, body = found.render(payload, language)
    return subject, f"{body}\n\n{pick(SIGN_IN, language)}\n\n-- \n{pick(FOOTER, language)}\n"


WELCOME = "network.welcome"
COORDINATOR_ASSIGNED = "network.coordinator_assigned"
CONSENT_RECORDED = "consent.recorded"
CONSENT_WITHDRAWN = "consent.withdrawn"
DIGEST = "digest.daily"
REMINDER = "reminder"


@register(WELCOME, "You were added to a child's network.")
def _welcome(payload: Payload, language: str) -> Text:
    role = role_name(payload.get("role"), language)
    return both(
        (
            "Velkommen til et barns nettverk i Koordinat",
            "Velkommen til nettverket til eit barn i Koordinat",
            "Welcome to a child's network in Koordinat",
        ),
        (
            f"Du er lagt til i et barns nettverk i Koordinat, med rollen: {role}.",
            f"Du er lagd til i nettverket til eit barn i Koordinat, med rolla: {role}.",
            f"You have been added to a child's network in Koordinat, with the role: {role}.",
        ),
        language,
    )


@register(COORDINATOR_ASSIGNED, "A barnekoordinator was assigned or handed over.")
def _coordinator(payload: Payload, language: str) -> Text:
    position = payload.get("position")
    if position == "new":
        return both(
            (
                "Du er nå barnekoordinator",
                "Du er no barnekoordinator",
                "You are now the barnekoordinator",
            ),
            (
                "Du er nå barnekoordinator for et barn.",
                "Du er no barnekoordinator for eit barn.",
                "You are now the barnekoordinator for a child.",
            ),
            language,
        )
    if position == "previous":
        return both(
            (
                "Barnekoordinatorrollen er overlevert",
                "Barnekoordinatorrolla er overlevert",
                "Your barnekoordinator role was handed over",
            ),
            (
                "Rollen din som barnekoordinator for et barn er overlevert til en kollega.",
                "Rolla di som barnekoordinator for eit barn er overlevert til ein kollega.",
                "Your role as barnekoordinator for a child has been handed over to a colleague.",
            ),
            language,
        )
    return both(
        ("Ny barnekoordinator", "Ny barnekoordinator", "New barnekoordinator"),
        (
            "Barnet ditt har fått en ny barnekoordinator.",
            "Barnet ditt har fått ein ny barnekoordinator.",
            "Your child has a new barnekoordinator.",
        ),
        language,
    )


@register(CONSENT_RECORDED, "Consent was given for a child you coordinate.")
def _consent_recorded(payload: Payload, language: str) -> Text:
    return both(
        ("Samtykke registrert", "Samtykke registrert", "Consent recorded"),
        (
            "Et samtykke er registrert for et barn du koordinerer.",
            "Eit samtykke er registrert for eit barn du koordinerer.",
            "A consent was recorded for a child you coordinate.",
        ),
        language,
    )


@register(CONSENT_WITHDRAWN, "Consent was withdrawn for a child you coordinate.")
def _consent_withdrawn(payload: Payload, language: str) -> Text:
    return both(
        ("Samtykke trukket tilbake", "Samtykke trekt tilbake", "Consent withdrawn"),
        (
            "Et samtykke er trukket tilbake for et barn du koordinerer. Sjekk hva som ikke "
            "lenger kan deles.",
            "Eit samtykke er trekt tilbake for eit barn du koordinerer. Sjekk kva som ikkje "
            "lenger kan delast.",
            "A consent was withdrawn for a child you coordinate. Check what may no longer "
            "be shared.",
        ),
        language,
    )


@register(DIGEST, "Daily summary of changes in your children's networks.")
def _digest(payload: Payload, language: str) -> Text:
    total = int(payload.get("total", 0))
    children = len(payload.get("children", []))
    return both(
        (
            "Koordinat: endringer siden sist",
            "Koordinat: endringar sidan sist",
            "Koordinat: changes since yesterday",
        ),
        (
            f"Det har vært {total} endring(er) i nettverkene til {children} "
            f"barn du koordinerer siden forrige oppsummering.",
            f"Det har vore {total} endring(ar) i nettverka til {children} "
            f"barn du koordinerer sidan førre oppsummering.",
            f"There were {total} change(s) in the networks of {children} "
            f"child(ren) you coordinate since your last summary.",
        ),
        language,
    )


@register(REMINDER, "A reminder at a set time.")
def _reminder(payload: Payload, language: str) -> Text:
    return both(
        ("Påminnelse fra Koordinat", "Påminning frå Koordinat", "Reminder from Koordinat"),
        (
            "Du har en påminnelse i Koordinat.",
            "Du har ei påminning i Koordinat.",
            "You have a reminder in Koordinat.",
        ),
        language,
    )


PROTECTION_LOWERED = "child.protection_lowered"


@register(PROTECTION_LOWERED, "The coordinating unit lowered your child's address protection.")
def _protection_lowered(payload: Payload, language: str) -> Text:
    return both(
        (
            "Adressebeskyttelsen er endret",
            "Adressevernet er endra",
            "The address protection was changed",
        ),
        (
            "Koordinerende enhet har senket adressebeskyttelsen for barnet ditt i Koordinat. "
            "Ta kontakt med barnekoordinatoren om dette er feil.",
            "Koordinerande eining har senka adressevernet for barnet ditt i Koordinat. "
            "Ta kontakt med barnekoordinatoren om dette er feil.",
            "The coordinating unit lowered the address protection for your child in "
            "Koordinat. Contact the barnekoordinator if this is wrong.",
        ),
        language,
    )
