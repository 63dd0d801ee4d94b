"""Notification kinds and their e-mail texts, in Norwegian bokmål and English.

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

Payload = Mapping[str, Any]
Text = tuple[str, str]  # (subject, body)

SIGN_IN = {
    "nb": "Logg inn i Koordinat for å se mer.",
    "en": "Sign in to Koordinat to see more.",
}
FOOTER = {
    "nb": "Du får denne e-posten fordi du er med i et barns nettverk i Koordinat. "
    "Du kan velge hvilke varsler du får på e-post i Koordinat.",
    "en": "You receive this e-mail because you take part in a child's network in Koordinat. "
    "You can choose which notifications you receive by e-mail in Koordinat.",
}

ROLE_NAMES = {
    "coordinator": ("barnekoordinator", "barnekoordinator (child coordinator)"),
    "guardian": ("foresatt", "guardian"),
    "child": ("barnet selv", "the child"),
    "member": ("medlem", "member"),
    "specialist": ("spesialisthelsetjenesten", "specialist health services"),
    "observer": ("observatør", "observer"),
}


def _lang(language: str) -> int:
    return 1 if language == "en" else 0


def role_name(role: object, language: str) -> str:
    names = ROLE_NAMES.get(str(role))
    return names[_lang(language)] if names else str(role)


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
    lang = "en" if language == "en" else "nb"
    return subject, f"{body}\n\n{SIGN_IN[lang]}\n\n-- \n{FOOTER[lang]}\n"


WELCOME = "network.welcome"
COORDINATOR_ASSIGNED = "network.coordinator_assigned"
CONSENT_RECORDED = "consent.recorded"
CONSENT_WITHDRAWN = "consent.withdrawn"
DIGEST = "digest.daily"
REMINDER = "reminder"


@register(WELCOME, "You were added to a child's network.")
def _welcome(payload: Payload, language: str) -> Text:
    role = role_name(payload.get("role"), language)
    if language == "en":
        return (
            "Welcome to a child's network in Koordinat",
            f"You have been added to a child's network in Koordinat, with the role: {role}.",
        )
    return (
        "Velkommen til et barns nettverk i Koordinat",
        f"Du er lagt til i et barns nettverk i Koordinat, med rollen: {role}.",
    )


@register(COORDINATOR_ASSIGNED, "A barnekoordinator was assigned or handed over.")
def _coordinator(payload: Payload, language: str) -> Text:
    position = payload.get("position")
    en = language == "en"
    if position == "new":
        return (
            ("You are now the barnekoordinator", "You are now the barnekoordinator for a child.")
            if en
            else ("Du er nå barnekoordinator", "Du er nå barnekoordinator for et barn.")
        )
    if position == "previous":
        return (
            (
                "Your barnekoordinator role was handed over",
                "Your role as barnekoordinator for a child has been handed over to a colleague.",
            )
            if en
            else (
                "Barnekoordinatorrollen er overlevert",
                "Rollen din som barnekoordinator for et barn er overlevert til en kollega.",
            )
        )
    return (
        ("New barnekoordinator", "Your child has a new barnekoordinator.")
        if en
        else ("Ny barnekoordinator", "Barnet ditt har fått en ny barnekoordinator.")
    )


@register(CONSENT_RECORDED, "Consent was given for a child you coordinate.")
def _consent_recorded(payload: Payload, language: str) -> Text:
    if language == "en":
        return ("Consent recorded", "A consent was recorded for a child you coordinate.")
    return ("Samtykke registrert", "Et samtykke er registrert for et barn du koordinerer.")


@register(CONSENT_WITHDRAWN, "Consent was withdrawn for a child you coordinate.")
def _consent_withdrawn(payload: Payload, language: str) -> Text:
    if language == "en":
        return (
            "Consent withdrawn",
            "A consent was withdrawn for a child you coordinate. Check what may no longer "
            "be shared.",
        )
    return (
        "Samtykke trukket tilbake",
        "Et samtykke er trukket tilbake for et barn du koordinerer. Sjekk hva som ikke "
        "lenger kan deles.",
    )


@register(DIGEST, "Daily summary of changes in your children's networks.")
def _digest(payload: Payload, language: str) -> Text:
    total = int(payload.get("total", 0))
    children = len(payload.get("children", []))
    if language == "en":
        return (
            "Koordinat: changes since yesterday",
            f"There were {total} change(s) in the networks of {children} "
            f"child(ren) you coordinate since your last summary.",
        )
    return (
        "Koordinat: endringer siden sist",
        f"Det har vært {total} endring(er) i nettverkene til {children} "
        f"barn du koordinerer siden forrige oppsummering.",
    )


@register(REMINDER, "A reminder at a set time.")
def _reminder(payload: Payload, language: str) -> Text:
    if language == "en":
        return ("Reminder from Koordinat", "You have a reminder in Koordinat.")
    return ("Påminnelse fra Koordinat", "Du har en påminnelse i Koordinat.")
