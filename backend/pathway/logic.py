"""The pathway's rules that need no database: the default template, due dates, a milestone's
status, the default checklists of transitions and the words the family reads.

The read side (types.py), the write side (service.py) and the daily job (jobs.py) decide
"soon due" and "missed" here, so a list, a field and a reminder never disagree.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from backend.core.deadlines import deadline_after
from backend.core.i18n import Text, pick
from backend.pathway.models import (
    MilestoneAnchor,
    MilestoneState,
    MilestoneTrigger,
    TransitionKind,
)

# A milestone due within this many days reminds its owner (and counts as soon due).
SOON_DAYS = 3
# Target times and repeats: at most two years (more is a typing error).
TARGET_DAYS_MAX = 730
MILESTONES_MAX = 20
KEY_MAX = 40
TITLE_MAX = 200
NAME_MAX = 200
REASON_MAX = 4000

# What a signal's kind is, when its recorder names no category and their service has none
# of its own (the coordinating unit): a hospital admission is health information and a
# school absence school information, never general information the whole network reads.
SIGNAL_CATEGORY: dict[str, str] = {
    "hospital_admission": "health",
    "school_absence": "school",
}

# The default template's name and milestones, as the kommune's coordinating unit finds it.
DEFAULT_NAME = "Barnekoordinator: standard forløp"
DEFAULT_MILESTONES: tuple[dict[str, Any], ...] = (
    {
        "key": "decision",
        "title": "Vedtak innen 3 uker etter søknaden",
        "anchor": MilestoneAnchor.REQUEST_SUBMITTED.value,
        "targetDays": 21,
        "repeatEveryDays": None,
        "trigger": MilestoneTrigger.DECISION.value,
    },
    {
        "key": "first_network_meeting",
        "title": "Første nettverksmøte innen 2 uker etter vedtaket",
        "anchor": MilestoneAnchor.DECISION_GRANTED.value,
        "targetDays": 14,
        "repeatEveryDays": None,
        "trigger": MilestoneTrigger.NETWORK_MEETING.value,
    },
    {
        "key": "first_plan",
        "title": "Første plan innen 6 uker etter vedtaket",
        "anchor": MilestoneAnchor.DECISION_GRANTED.value,
        "targetDays": 42,
        "repeatEveryDays": None,
        "trigger": MilestoneTrigger.PLAN_CREATED.value,
    },
    {
        "key": "plan_evaluation",
        "title": "Evaluering av planen hvert halvår",
        "anchor": MilestoneAnchor.PREVIOUS_MET.value,
        "targetDays": 182,
        "repeatEveryDays": 182,
        "trigger": MilestoneTrigger.PLAN_EVALUATED.value,
    },
)

# The default template of a kommune has an id of its own, known before it is stored: the
# kommune's unit reads it, and its first edit (or the first pathway) stores it under that id.
_TEMPLATE_NAMESPACE = uuid.UUID("0192f2a0-7d3e-7c41-9b7e-5a1f3c2d4e60")


def default_template_id(municipality_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(_TEMPLATE_NAMESPACE, str(municipality_id))


def due_after(start: dt.date, days: int) -> dt.date:
    """A target time in Norwegian dates: `days` after `start`, on a working day."""
    return deadline_after(start, days=days)


def status_of(state: str, due_on: dt.date, day: dt.date) -> str:
    """DUE, SOON_DUE, MET, MISSED or DEVIATED on `day` (an open milestone past its date is
    missed whether or not the daily job has marked it yet)."""
    if state == MilestoneState.MET.value:
        return "MET"
    if state == MilestoneState.DEVIATED.value:
        return "DEVIATED"
    if state == MilestoneState.MISSED.value or due_on < day:
        return "MISSED"
    if due_on <= day + dt.timedelta(days=SOON_DAYS):
        return "SOON_DUE"
    return "DUE"


def needs_attention(state: str, due_on: dt.date, day: dt.date) -> bool:
    return status_of(state, due_on, day) in ("MISSED", "SOON_DUE")


# ---- Words --------------------------------------------------------------------------------

MET_BY: dict[str, Text] = {
    MilestoneTrigger.DECISION.value: (
        "Vedtaket ble fattet",
        "Vedtaket vart gjort",
        "The decision was made",
    ),
    MilestoneTrigger.NETWORK_MEETING.value: (
        "Nettverksmøtet ble holdt",
        "Nettverksmøtet vart halde",
        "The network meeting was held",
    ),
    MilestoneTrigger.PLAN_CREATED.value: (
        "Planen ble laget",
        "Planen vart laga",
        "The plan was made",
    ),
    MilestoneTrigger.PLAN_EVALUATED.value: (
        "Planen ble evaluert",
        "Planen vart evaluert",
        "The plan was evaluated",
    ),
    MilestoneTrigger.MANUAL.value: (
        "Markert som nådd av barnekoordinatoren",
        "Markert som nådd av barnekoordinatoren",
        "Marked as met by the coordinator",
    ),
}
_LATE: Text = (" (etter fristen)", " (etter fristen)", " (after the due date)")


def met_by_words(met_by: str | None, late: bool, language: str) -> str | None:
    if met_by is None:
        return None
    words = pick(MET_BY.get(met_by, MET_BY[MilestoneTrigger.MANUAL.value]), language)
    return words + (pick(_LATE, language) if late else "")


@dataclass(frozen=True)
class ItemTemplate:
    key: str
    title: Text


TRANSITION_TITLES: dict[str, Text] = {
    TransitionKind.HOSPITAL_TO_HOME.value: (
        "Fra sykehus til hjem",
        "Frå sjukehus til heim",
        "From hospital to home",
    ),
    TransitionKind.BARNEHAGE_TO_SCHOOL.value: (
        "Fra barnehage til skole",
        "Frå barnehage til skule",
        "From barnehage to school",
    ),
    TransitionKind.CHANGE_OF_SCHOOL.value: (
        "Bytte av skole",
        "Byte av skule",
        "Change of school",
    ),
    TransitionKind.TURNING_18.value: (
        "Overgang til voksen (18 år)",
        "Overgang til vaksen (18 år)",
        "Turning 18: adult services",
    ),
}

_TRANSPORT = ItemTemplate("transport", ("Skoleskyss", "Skuleskyss", "School transport"))

TRANSITION_ITEMS: dict[str, tuple[ItemTemplate, ...]] = {
    TransitionKind.HOSPITAL_TO_HOME.value: (
        ItemTemplate(
            "discharge_meeting", ("Utskrivingsmøte", "Utskrivingsmøte", "Discharge meeting")
        ),
        ItemTemplate(
            "home_nursing",
            ("Hjemmesykepleie avtalt", "Heimesjukepleie avtalt", "Home nursing arranged"),
        ),
        ItemTemplate(
            "aids_and_adaptations",
            (
                "Hjelpemidler og tilrettelegging i hjemmet",
                "Hjelpemiddel og tilrettelegging i heimen",
                "Aids and adaptations at home",
            ),
        ),
        ItemTemplate("respite", ("Avlastning", "Avlastning", "Respite care")),
        ItemTemplate(
            "school_return",
            (
                "Tilbake i barnehage eller skole",
                "Tilbake i barnehage eller skule",
                "Return to barnehage or school",
            ),
        ),
        ItemTemplate("gp_informed", ("Fastlegen informert", "Fastlegen informert", "GP informed")),
    ),
    TransitionKind.BARNEHAGE_TO_SCHOOL.value: (
        ItemTemplate(
            "transfer_meeting",
            (
                "Overføringsmøte barnehage og skole",
                "Overføringsmøte barnehage og skule",
                "Transfer meeting, barnehage and school",
            ),
        ),
        ItemTemplate(
            "ppt_assessment",
            (
                "Sakkyndig vurdering fra PPT",
                "Sakkunnig vurdering frå PPT",
                "Expert assessment by PPT",
            ),
        ),
        ItemTemplate(
            "school_adaptations",
            (
                "Tilrettelegging og hjelpemidler på skolen",
                "Tilrettelegging og hjelpemiddel på skulen",
                "Adaptations and aids at school",
            ),
        ),
        ItemTemplate("sfo", ("SFO", "SFO", "After-school care (SFO)")),
        _TRANSPORT,
        ItemTemplate(
            "school_visit",
            (
                "Besøk på skolen før skolestart",
                "Besøk på skulen før skulestart",
                "A visit to the school before the first day",
            ),
        ),
    ),
    TransitionKind.CHANGE_OF_SCHOOL.value: (
        ItemTemplate(
            "handover_meeting",
            (
                "Overføringsmøte mellom skolene",
                "Overføringsmøte mellom skulane",
                "Handover meeting between the schools",
            ),
        ),
        ItemTemplate(
            "documents",
            (
                "Vedtak og planer overført",
                "Vedtak og planar overførte",
                "Decisions and plans handed over",
            ),
        ),
        ItemTemplate(
            "new_school_adaptations",
            (
                "Tilrettelegging på ny skole",
                "Tilrettelegging på ny skule",
                "Adaptations at the new school",
            ),
        ),
        _TRANSPORT,
    ),
    TransitionKind.TURNING_18.value: (
        ItemTemplate(
            "adult_services",
            (
                "Overføring til voksentjenester",
                "Overføring til vaksentenester",
                "Transfer to adult services",
            ),
        ),
        ItemTemplate(
            "adult_health",
            (
                "Helse: fra barne- til voksenavdeling",
                "Helse: frå barne- til vaksenavdeling",
                "Health: from paediatric to adult care",
            ),
        ),
        ItemTemplate(
            "nav_rights",
            ("NAV: rettigheter fra 18 år", "NAV: rettar frå 18 år", "NAV: rights from 18"),
        ),
        ItemTemplate(
            "consent_and_guardianship",
            (
                "Samtykke og vergemål vurdert",
                "Samtykke og verjemål vurdert",
                "Consent and guardianship considered",
            ),
        ),
        ItemTemplate(
            "housing", ("Bolig og avlastning", "Bustad og avlastning", "Housing and respite")
        ),
    ),
}
ITEM_TITLES: dict[str, Text] = {
    item.key: item.title for items in TRANSITION_ITEMS.values() for item in items
}


def item_title(item_key: str | None, stored: str, language: str) -> str:
    """A default item in the reader's language; one the coordinator wrote as written."""
    words = ITEM_TITLES.get(item_key) if item_key else None
    return pick(words, language) if words else stored
