"""Emma's pathway in the demo, written through the pathway's own service (every rule applies).

Her request was granted about seven weeks ago (the right's demo): the decision was met on
time, the first network meeting was missed and then deviated from with the parents' reason,
her plan exists (the first plan is met), and the next evaluation of the plan is due. A
transition from hospital to home is half done, and the habilitation service recorded a
signal of a hospital admission.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import strawberry
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.core.actor import Actor
from backend.core.clock import today
from backend.events.models import Event
from backend.identity.models import Person
from backend.pathway import jobs, logic, service
from backend.pathway.models import (
    Milestone,
    MilestoneState,
    MilestoneTrigger,
    Pathway,
    SignalKind,
    TransitionItem,
    TransitionItemStatus,
    TransitionKind,
)
from backend.pathway.types import (
    DeviateMilestoneInput,
    RecordSignalInput,
    StartTransitionInput,
    UpdateTransitionItemInput,
)
from backend.plan.models import Plan

DEVIATION = "Foreldrene ønsket å vente til etter sykehusinnleggelsen"


def _id(value: uuid.UUID) -> Any:
    """An id as the inputs take it."""
    return strawberry.ID(str(value))


async def _granted_on(session: AsyncSession, child_id: uuid.UUID) -> tuple[dt.date, dt.date]:
    """The days of the request and of its grant, as the right's demo dated them."""
    event = (
        await session.exec(
            select(Event)
            .where(Event.child_id == child_id, Event.kind == "right.decided")
            .order_by(col(Event.occurred_at).desc())
        )
    ).first()
    decided = today() - dt.timedelta(days=49)
    submitted = decided - dt.timedelta(days=14)
    if event is not None:
        decided = dt.date.fromisoformat(str(event.payload.get("decided_on", decided)))
        submitted = dt.date.fromisoformat(str(event.payload.get("submitted_on", submitted)))
    return submitted, decided


async def _dated(
    session: AsyncSession, pathway: Pathway, submitted: dt.date, decided: dt.date
) -> None:
    """The pathway as of the grant's day: the right's demo dates its request and decision
    back after they were made, so the milestones are counted from those days."""
    pathway.started_on = pathway.decision_granted_on = decided
    pathway.request_submitted_on = submitted
    session.add(pathway)
    plan = (
        await session.exec(
            select(Plan).where(Plan.child_id == pathway.child_id, col(Plan.ended_at).is_(None))
        )
    ).first()
    rows = (await session.exec(select(Milestone).where(Milestone.pathway_id == pathway.id))).all()
    met_plan_on = max(plan.period_start, decided) if plan is not None else None
    for milestone in rows:
        entry = pathway.milestones[milestone.position]
        if milestone.trigger == MilestoneTrigger.DECISION.value:
            milestone.due_on = logic.due_after(submitted, entry["targetDays"])
            milestone.met_on = decided
        elif milestone.trigger == MilestoneTrigger.PLAN_EVALUATED.value and met_plan_on:
            milestone.due_on = logic.due_after(met_plan_on, entry["targetDays"])
        else:
            milestone.due_on = logic.due_after(decided, entry["targetDays"])
            if milestone.trigger == MilestoneTrigger.PLAN_CREATED.value and met_plan_on:
                milestone.met_on = met_plan_on
        if milestone.met_on is not None:
            milestone.met_late = milestone.met_on > milestone.due_on
        session.add(milestone)
    await session.flush()


async def seed_pathway(
    session: AsyncSession,
    *,
    child_id: uuid.UUID,
    coordinator: Person,
    recorder: Person,
) -> Pathway:
    """Emma's pathway, transition and signal; `recorder` is the habilitation service's
    specialist in her network."""
    as_coordinator = Actor.from_person(coordinator, auth_method="demo")
    submitted, decided = await _granted_on(session, child_id)
    pathway = (await session.exec(select(Pathway).where(Pathway.child_id == child_id))).first()
    if pathway is None:
        # Without the right's granted request, the pathway starts as its grant starts it.
        pathway = await service.start_pathway(
            session, None, child_id=child_id, submitted_on=submitted, granted_on=decided
        )
    await _dated(session, pathway, submitted, decided)
    # The first network meeting: missed (the daily job's alert), then deviated from.
    meeting = (
        await session.exec(
            select(Milestone).where(
                Milestone.pathway_id == pathway.id,
                Milestone.trigger == MilestoneTrigger.NETWORK_MEETING.value,
            )
        )
    ).first()
    if meeting is not None and meeting.state == MilestoneState.OPEN.value:
        await jobs.record_reminder(session, meeting, jobs.MISSED)
        await service.deviate_milestone(
            session,
            as_coordinator,
            DeviateMilestoneInput(
                milestone_id=_id(meeting.id), version=meeting.version, reason=DEVIATION
            ),
        )
    # Home from hospital: half of the checklist is done.
    transition = await service.start_transition(
        session,
        as_coordinator,
        StartTransitionInput(
            child_id=_id(child_id),
            kind=TransitionKind.HOSPITAL_TO_HOME,
            due_on=today() + dt.timedelta(days=10),
        ),
        "nb",
    )
    items = (
        await session.exec(
            select(TransitionItem)
            .where(TransitionItem.transition_id == transition.id)
            .order_by(col(TransitionItem.position))
        )
    ).all()
    for item in items[: len(items) // 2]:
        await service.update_transition_item(
            session,
            as_coordinator,
            UpdateTransitionItemInput(
                item_id=_id(item.id), version=item.version, status=TransitionItemStatus.DONE
            ),
        )
    await service.record_signal(
        session,
        Actor.from_person(recorder, auth_method="demo"),
        RecordSignalInput(
            child_id=_id(child_id),
            kind=SignalKind.HOSPITAL_ADMISSION,
            description=(
                "Emma er innlagt på barneavdelingen etter flere anfall. Vi venter en "
                "innleggelse på to til tre uker; utskrivingsmøte avtales med koordinator."
            ),
        ),
    )
    return pathway
