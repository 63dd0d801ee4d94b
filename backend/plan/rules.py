"""What the plan's events reveal, how their entity is shown, and whom they tell.

- `categorize`: knowing that a part of the plan changed tells its category (a health
  measure was added: health information), so a stream, a notification and a digest pass
  an event on only to readers of that category (or whose own part it is).
- `render`: `Event.entity` for every plan entity type, built as the plan is for a query and
  shown only if the reader may see it.
- `apply_rules`: the notification rules, run in the writer's transaction; every recipient
  must be allowed to know of the event. The kinds and their texts are registered here.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.authz.policy import ChildFacts
from backend.events.models import Event
from backend.events.registry import EventEntity
from backend.events.visibility import Reveals
from backend.network.models import NetworkMember, NetworkRole
from backend.notify import kinds
from backend.notify.rules import allowed
from backend.notify.service import notify
from backend.plan.leader import leaders_for
from backend.plan.logic import policy_category

if TYPE_CHECKING:
    from backend.api.context import Info

# The entity types of the plan's events.
ENTITY_TYPES = (
    "plan",
    "plan_need",
    "plan_goal",
    "plan_measure",
    "plan_evaluation",
    "plan_task",
    "plan_voice",
    "plan_disagreement",
)


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _ids(*values: Any) -> frozenset[uuid.UUID]:
    return frozenset(u for v in values if (u := _uuid(v)) is not None)


async def categorize(event: Event, lookups: Any) -> Reveals:
    """The part's category, read as anyone's unless the part is the reader's own (their
    service's part, the task or measure they are responsible for, what they raised)."""
    category = event.payload.get("category")
    policy = policy_category(category if isinstance(category, str) else "")
    return Reveals(
        owned=(policy,),
        own_people=_ids(
            event.payload.get("assigneePersonId"),
            event.payload.get("responsiblePersonId"),
            event.payload.get("raisedByPersonId"),
        ),
        own_services=_ids(event.payload.get("serviceId")),
    )


async def render(info: Info, event: Event, facts: ChildFacts) -> EventEntity | None:
    """The changed part as it is now, as far as this reader may see it."""
    from backend.plan.loaders import plan_loaders
    from backend.plan.types import build_plan, part_of, shown

    plan_id = _uuid(event.payload.get("planId"))
    if plan_id is None:
        return None
    loaders = plan_loaders(info.context.loaders)
    row = await loaders.plan.load(plan_id)
    if row is None or row.child_id != event.child_id:
        return None
    plan = await build_plan(info, facts, row, await loaders.parts.load(row.id), historical=False)
    return shown(info, part_of(plan, event.entity_type, event.entity_id))


RENDERERS = dict.fromkeys(ENTITY_TYPES, render)
CATEGORIZERS = {f"entity:{t}": categorize for t in ENTITY_TYPES}


# ---- Notification kinds ----------------------------------------------------------------------

EVALUATION_OVERDUE = "plan.evaluation_overdue"
TASK_OVERDUE = "plan.task_overdue"
TASK_ASSIGNED = "plan.task_assigned"
DISAGREEMENT_RECORDED = "plan.disagreement_recorded"
DISAGREEMENT_RAISED = "plan.disagreement_raised"
DISAGREEMENT_ANSWERED = "plan.disagreement_answered"
RAISED_TO_LEADER = "plan.disagreement_raised_to_leader"
PLAN_CONFIRMED = "plan.confirmed"


@kinds.register(EVALUATION_OVERDUE, "An evaluation in a child's plan is overdue.")
def _text_evaluation_overdue(payload: kinds.Payload, language: str) -> kinds.Text:
    return kinds.both(
        ("Evaluering på overtid", "Evaluering på overtid", "Evaluation overdue"),
        (
            "En evaluering i en plan du har ansvar for skulle vært gjort.",
            "Ei evaluering i ein plan du har ansvar for skulle vore gjord.",
            "An evaluation in a plan you are responsible for is overdue.",
        ),
        language,
    )


@kinds.register(TASK_OVERDUE, "A task for you in a child's plan is overdue.")
def _text_task_overdue(payload: kinds.Payload, language: str) -> kinds.Text:
    return kinds.both(
        ("Oppgave på overtid", "Oppgåve på overtid", "Task overdue"),
        (
            "En oppgave du har i en plan har passert fristen.",
            "Ei oppgåve du har i ein plan har passert fristen.",
            "A task you have in a plan is past its due date.",
        ),
        language,
    )


@kinds.register(TASK_ASSIGNED, "You were given a task in a child's plan.")
def _text_task_assigned(payload: kinds.Payload, language: str) -> kinds.Text:
    return kinds.both(
        ("Ny oppgave", "Ny oppgåve", "New task"),
        (
            "Du har fått en oppgave i en plan i Koordinat.",
            "Du har fått ei oppgåve i ein plan i Koordinat.",
            "You were given a task in a plan in Koordinat.",
        ),
        language,
    )


@kinds.register(DISAGREEMENT_RECORDED, "A disagreement was recorded in a plan you coordinate.")
def _text_disagreement_recorded(payload: kinds.Payload, language: str) -> kinds.Text:
    return kinds.both(
        ("Uenighet i planen", "Usemje i planen", "Disagreement with the plan"),
        (
            "Noen er uenige i noe i en plan du koordinerer, og venter på svar.",
            "Nokon er usamde i noko i ein plan du koordinerer, og ventar på svar.",
            "Someone disagrees with part of a plan you coordinate and awaits an answer.",
        ),
        language,
    )


@kinds.register(DISAGREEMENT_RAISED, "A disagreement was raised to the coordinating unit.")
def _text_disagreement_raised(payload: kinds.Payload, language: str) -> kinds.Text:
    return kinds.both(
        (
            "Uenighet tatt videre",
            "Usemje teken vidare",
            "Disagreement raised",
        ),
        (
            "En uenighet i en plan du koordinerer er tatt videre til lederen for "
            "koordinerende enhet.",
            "Ei usemje i ein plan du koordinerer er teken vidare til leiaren for "
            "koordinerande eining.",
            "A disagreement in a plan you coordinate was raised to the coordinating unit's leader.",
        ),
        language,
    )


@kinds.register(
    RAISED_TO_LEADER, "A disagreement was raised to you as the coordinating unit's leader."
)
def _text_raised_to_leader(payload: kinds.Payload, language: str) -> kinds.Text:
    return kinds.both(
        (
            "Uenighet tatt videre til deg",
            "Usemje teken vidare til deg",
            "A disagreement was raised to you",
        ),
        (
            "En uenighet i en plan er tatt videre til deg som leder for koordinerende enhet, "
            "og venter på svar.",
            "Ei usemje i ein plan er teken vidare til deg som leiar for koordinerande eining, "
            "og ventar på svar.",
            "A disagreement in a plan was raised to you as leader of the coordinating unit "
            "and awaits your answer.",
        ),
        language,
    )


@kinds.register(DISAGREEMENT_ANSWERED, "Your disagreement was answered.")
def _text_disagreement_answered(payload: kinds.Payload, language: str) -> kinds.Text:
    return kinds.both(
        ("Svar på uenighet", "Svar på usemje", "Your disagreement was answered"),
        (
            "Du har fått svar på en uenighet du registrerte i en plan.",
            "Du har fått svar på ei usemje du registrerte i ein plan.",
            "There is an answer to a disagreement you recorded in a plan.",
        ),
        language,
    )


@kinds.register(PLAN_CONFIRMED, "The family confirmed a plan you coordinate.")
def _text_plan_confirmed(payload: kinds.Payload, language: str) -> kinds.Text:
    return kinds.both(
        ("Planen er bekreftet", "Planen er stadfesta", "The plan was confirmed"),
        (
            "Familien har bekreftet en plan du koordinerer.",
            "Familien har stadfesta ein plan du koordinerer.",
            "The family confirmed a plan you coordinate.",
        ),
        language,
    )


# ---- Notification rules ----------------------------------------------------------------------


async def _active_people(
    session: AsyncSession, child_id: uuid.UUID, role: NetworkRole | None = None
) -> set[uuid.UUID]:
    query = select(NetworkMember.person_id).where(
        NetworkMember.child_id == child_id, col(NetworkMember.ended_at).is_(None)
    )
    if role is not None:
        query = query.where(NetworkMember.role == role.value)
    return set((await session.exec(query)).all())


async def _tell(
    session: AsyncSession, event: Event, kind: str, people: set[uuid.UUID], **extra: Any
) -> None:
    """One notification per person who may know of the event (not the one who did it)."""
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
                "planId": event.payload.get("planId"),
                "entityType": event.entity_type,
                "entityId": str(event.entity_id),
                **extra,
            },
            event_id=event.id,
        )


async def _responsible_or_coordinator(
    session: AsyncSession, event: Event, key: str
) -> set[uuid.UUID]:
    """The person named in the event, while they are in the network; else the coordinator."""
    assert event.child_id is not None
    active = await _active_people(session, event.child_id)
    person = _uuid(event.payload.get(key))
    if person is not None and person in active:
        return {person}
    return await _active_people(session, event.child_id, NetworkRole.COORDINATOR)


async def _overdue_evaluation(session: AsyncSession, event: Event) -> None:
    people = await _responsible_or_coordinator(session, event, "responsiblePersonId")
    await _tell(session, event, EVALUATION_OVERDUE, people, dueOn=event.payload.get("dueOn"))


async def _overdue_task(session: AsyncSession, event: Event) -> None:
    people = await _responsible_or_coordinator(session, event, "assigneePersonId")
    await _tell(session, event, TASK_OVERDUE, people, dueOn=event.payload.get("dueOn"))


async def _task_added(session: AsyncSession, event: Event) -> None:
    assert event.child_id is not None
    person = _uuid(event.payload.get("assigneePersonId"))
    if person is not None and person in await _active_people(session, event.child_id):
        await _tell(session, event, TASK_ASSIGNED, {person})


def _coordinators_told(kind: str) -> Callable[[AsyncSession, Event], Awaitable[None]]:
    async def rule(session: AsyncSession, event: Event) -> None:
        assert event.child_id is not None
        people = await _active_people(session, event.child_id, NetworkRole.COORDINATOR)
        await _tell(session, event, kind, people)

    return rule


async def _disagreement_raised(session: AsyncSession, event: Event) -> None:
    """The coordinator is told, and so is the leader of the coordinating unit of the child's
    kommune: the disagreement is now theirs to answer (backend/plan/leader.py)."""
    await _coordinators_told(DISAGREEMENT_RAISED)(session, event)
    assert event.child_id is not None
    for person_id in await leaders_for(session, event.child_id):
        # No child on the notification: the leader is not in the network, and opens the
        # raised disagreements of their kommune instead.
        await notify(
            session,
            recipient_id=person_id,
            kind=RAISED_TO_LEADER,
            key=f"{RAISED_TO_LEADER}:{event.id}:{person_id}",
            payload={"disagreementId": str(event.entity_id)},
            event_id=event.id,
        )


async def _disagreement_answered(session: AsyncSession, event: Event) -> None:
    assert event.child_id is not None
    person = _uuid(event.payload.get("raisedByPersonId"))
    if person is not None and person in await _active_people(session, event.child_id):
        await _tell(session, event, DISAGREEMENT_ANSWERED, {person})


RULES: dict[str, Callable[[AsyncSession, Event], Awaitable[None]]] = {
    "plan.evaluation_overdue": _overdue_evaluation,
    "plan.task_overdue": _overdue_task,
    "plan.task_added": _task_added,
    "plan.disagreement_recorded": _coordinators_told(DISAGREEMENT_RECORDED),
    "plan.disagreement_raised": _disagreement_raised,
    "plan.disagreement_answered": _disagreement_answered,
    "plan.confirmed": _coordinators_told(PLAN_CONFIRMED),
}


async def apply_rules(session: AsyncSession, event: Event) -> None:
    """The plan's notification rules (a listener of every recorded change)."""
    rule = RULES.get(event.kind)
    if rule is not None and event.child_id is not None:
        await rule(session, event)
