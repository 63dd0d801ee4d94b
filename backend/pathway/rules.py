"""What the pathway's events reveal, how their entity is shown, and whom they tell.

- `categorize`: a signal tells its category (a hospital admission is health information),
  so a stream, a notification and a digest pass it on only to readers of that category (or
  whose own service recorded it). Milestones and transitions are basic information.
- `render`: `Event.entity` for the pathway's entity types, as a query builds them.
- `apply_rules`: the notification rules, run in the writer's transaction; a recipient in the
  child's network must be allowed to know of the event. The coordinating unit, which is not
  in the network, is told that a milestone of its kommune was missed, never whose.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.authz.policy import ChildFacts
from backend.children.models import Child
from backend.events.models import Event
from backend.events.registry import EventEntity
from backend.events.visibility import Reveals
from backend.identity.models import Person, PersonKind
from backend.network.models import NetworkMember, NetworkRole, ServiceProvider, ServiceType
from backend.notify import kinds
from backend.notify.rules import allowed
from backend.notify.service import notify
from backend.plan.logic import policy_category

if TYPE_CHECKING:
    from backend.api.context import Info


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _ids(*values: Any) -> frozenset[uuid.UUID]:
    return frozenset(u for v in values if (u := _uuid(v)) is not None)


async def categorize_signal(event: Event, lookups: Any) -> Reveals:
    category = event.payload.get("category")
    return Reveals(
        owned=(policy_category(category if isinstance(category, str) else ""),),
        own_people=_ids(event.payload.get("recordedByPersonId")),
        own_services=_ids(event.payload.get("serviceId")),
    )


async def render(info: Info, event: Event, facts: ChildFacts) -> EventEntity | None:
    """The milestone, transition (item) or signal as it is now, as this reader may see it."""
    from backend.pathway.types import milestone_by_id, signal_by_id, transition_by_id

    if event.child_id is None:
        return None
    if event.entity_type == "pathway_milestone":
        return await milestone_by_id(info, event.entity_id)
    if event.entity_type == "pathway_signal":
        return await signal_by_id(info, event.entity_id, event.child_id)
    transition_id = _uuid(event.payload.get("transitionId"))
    if transition_id is None:
        return None
    transition = await transition_by_id(info, transition_id)
    if transition is None or event.entity_type == "pathway_transition":
        return transition
    for item in transition.items:
        if item.id == str(event.entity_id):
            return item
    return None


ENTITY_TYPES = (
    "pathway_milestone",
    "pathway_transition",
    "pathway_transition_item",
    "pathway_signal",
)
RENDERERS = dict.fromkeys(ENTITY_TYPES, render)
CATEGORIZERS = {"entity:pathway_signal": categorize_signal}


# ---- Notification kinds ----------------------------------------------------------------------

DUE_SOON = "pathway.milestone_due_soon"
MISSED = "pathway.milestone_missed"
MISSED_IN_KOMMUNE = "pathway.milestone_missed_in_kommune"
SIGNAL_RECORDED = "pathway.signal_recorded"


@kinds.register(DUE_SOON, "A milestone of a child's pathway you coordinate is due soon.")
def _text_due_soon(payload: kinds.Payload, language: str) -> kinds.Text:
    return kinds.both(
        ("Milepæl snart på frist", "Milepæl snart på frist", "Milestone due soon"),
        (
            "En milepæl i et forløp du koordinerer har frist om få dager.",
            "Ein milepæl i eit forløp du koordinerer har frist om få dagar.",
            "A milestone in a pathway you coordinate is due in a few days.",
        ),
        language,
    )


@kinds.register(MISSED, "A milestone of a child's pathway you coordinate was missed.")
def _text_missed(payload: kinds.Payload, language: str) -> kinds.Text:
    return kinds.both(
        ("Milepæl passert", "Milepæl passert", "Milestone missed"),
        (
            "En milepæl i et forløp du koordinerer har passert fristen.",
            "Ein milepæl i eit forløp du koordinerer har passert fristen.",
            "A milestone in a pathway you coordinate is past its due date.",
        ),
        language,
    )


@kinds.register(MISSED_IN_KOMMUNE, "A milestone of a pathway in your kommune was missed.")
def _text_missed_in_kommune(payload: kinds.Payload, language: str) -> kinds.Text:
    return kinds.both(
        ("Milepæl passert i kommunen", "Milepæl passert i kommunen", "Milestone missed"),
        (
            "En milepæl i et barns forløp i kommunen har passert fristen.",
            "Ein milepæl i forløpet til eit barn i kommunen har passert fristen.",
            "A milestone in a child's pathway in your kommune is past its due date.",
        ),
        language,
    )


@kinds.register(SIGNAL_RECORDED, "A signal was recorded for a child you coordinate.")
def _text_signal(payload: kinds.Payload, language: str) -> kinds.Text:
    return kinds.both(
        ("Nytt signal", "Nytt signal", "New signal"),
        (
            "Noen i nettverket har registrert et signal om et barn du koordinerer.",
            "Nokon i nettverket har registrert eit signal om eit barn du koordinerer.",
            "Someone in the network recorded a signal about a child you coordinate.",
        ),
        language,
    )


# ---- Notification rules ----------------------------------------------------------------------


async def _coordinators(session: AsyncSession, child_id: uuid.UUID) -> set[uuid.UUID]:
    rows = await session.exec(
        select(NetworkMember.person_id).where(
            NetworkMember.child_id == child_id,
            NetworkMember.role == NetworkRole.COORDINATOR.value,
            col(NetworkMember.ended_at).is_(None),
        )
    )
    return set(rows.all())


async def _tell(
    session: AsyncSession, event: Event, kind: str, people: set[uuid.UUID], **extra: Any
) -> None:
    """One notification per person who may know of the event (not the one who did it);
    ids only, never the text."""
    assert event.child_id is not None
    if event.actor_person_id is not None:
        people.discard(event.actor_person_id)
    for person_id in sorted(await allowed(session, event, sorted(people))):
        await notify(
            session,
            recipient_id=person_id,
            kind=kind,
            key=f"{kind}:{event.id}:{person_id}",
            child_id=event.child_id,
            payload={
                "childId": str(event.child_id),
                "entityType": event.entity_type,
                "entityId": str(event.entity_id),
                **extra,
            },
            event_id=event.id,
        )


async def _due_soon(session: AsyncSession, event: Event) -> None:
    assert event.child_id is not None
    people = await _coordinators(session, event.child_id)
    await _tell(session, event, DUE_SOON, people, dueOn=event.payload.get("dueOn"))


async def _missed(session: AsyncSession, event: Event) -> None:
    """The coordinator, and every staff member of the kommune's coordinating unit (told of
    the kommune's deadline, not of the child: the unit's list shows which)."""
    assert event.child_id is not None
    coordinators = await _coordinators(session, event.child_id)
    await _tell(session, event, MISSED, set(coordinators), dueOn=event.payload.get("dueOn"))
    child = await session.get(Child, event.child_id)
    if child is None:
        return
    unit = (
        await session.exec(
            select(Person.id)
            .join(ServiceProvider, col(ServiceProvider.id) == col(Person.employer_service_id))
            .where(
                ServiceProvider.type == ServiceType.COORDINATING_UNIT.value,
                ServiceProvider.municipality_id == child.municipality_id,
                Person.kind == PersonKind.STAFF.value,
            )
        )
    ).all()
    for person_id in sorted(set(unit) - coordinators):
        await notify(
            session,
            recipient_id=person_id,
            kind=MISSED_IN_KOMMUNE,
            key=f"{MISSED_IN_KOMMUNE}:{event.id}:{person_id}",
            payload={
                "municipalityId": str(child.municipality_id),
                "dueOn": event.payload.get("dueOn"),
            },
            event_id=event.id,
        )


async def _signal(session: AsyncSession, event: Event) -> None:
    assert event.child_id is not None
    people = await _coordinators(session, event.child_id)
    await _tell(session, event, SIGNAL_RECORDED, people, signalKind=event.payload.get("kind"))


RULES: dict[str, Callable[[AsyncSession, Event], Awaitable[None]]] = {
    "pathway.milestone_due_soon": _due_soon,
    "pathway.milestone_missed": _missed,
    "pathway.signal_recorded": _signal,
}


async def apply_rules(session: AsyncSession, event: Event) -> None:
    """The pathway's notification rules (a listener of every recorded change)."""
    rule = RULES.get(event.kind)
    if rule is not None and event.child_id is not None:
        await rule(session, event)
