"""The pathway's daily job: a milestone due soon reminds the coordinator, a milestone past
its due date becomes missed and alerts the coordinator and the kommune's coordinating unit.

For every milestone concerned on the day, one event (`pathway.milestone_due_soon`,
`pathway.milestone_missed`) per milestone and due date, recorded through `record_change`,
so the notification rules write their rows in the same transaction. A reminder row per
milestone, kind and due date makes the job idempotent: run it twice, on two workers at
once, or again after a restart, and each milestone is told once per due date.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.core.clock import today
from backend.core.database import Database
from backend.events.service import record_change
from backend.pathway.logic import SOON_DAYS
from backend.pathway.models import Milestone, MilestoneState, PathwayReminder

log = logging.getLogger("koordinat.pathway")

DUE_SOON = "pathway.milestone_due_soon"
MISSED = "pathway.milestone_missed"

# Milestones read per pass.
BATCH = 500


def _kind(milestone: Milestone, day: dt.date) -> str | None:
    if milestone.due_on < day:
        return MISSED
    if milestone.due_on <= day + dt.timedelta(days=SOON_DAYS):
        return DUE_SOON
    return None


async def record_due(db: Database, day: dt.date | None = None) -> int:
    """Record what is due soon or missed on `day` (default: today) and not recorded yet;
    returns how many events were recorded."""
    day = day or today()
    soon = day + dt.timedelta(days=SOON_DAYS)
    recorded = 0
    after: uuid.UUID | None = None
    while True:
        async with db.reading() as session:
            query = (
                select(Milestone)
                .where(
                    Milestone.state == MilestoneState.OPEN.value,
                    col(Milestone.due_on) <= soon,
                )
                .order_by(col(Milestone.id))
            )
            if after is not None:
                query = query.where(col(Milestone.id) > after)
            milestones = list((await session.exec(query.limit(BATCH))).all())
            if not milestones:
                return recorded
            wanted = [m.id for m in milestones]
            rows = await session.exec(
                select(PathwayReminder).where(col(PathwayReminder.milestone_id).in_(wanted))
            )
            done = {(r.milestone_id, r.kind, r.due_on) for r in rows.all()}
        for milestone in milestones:
            kind = _kind(milestone, day)
            if kind is not None and (milestone.id, kind, milestone.due_on) not in done:
                recorded += await _record(db, milestone.id, kind)
        after = milestones[-1].id


async def _record(db: Database, milestone_id: uuid.UUID, kind: str) -> int:
    """One milestone's reminder (or alert) in one transaction; another run at the same
    moment wins and this one changes nothing."""
    try:
        async with db.writing() as session:
            milestone = await session.get(Milestone, milestone_id, with_for_update=True)
            if milestone is None or milestone.state != MilestoneState.OPEN.value:
                return 0
            await record_reminder(session, milestone, kind)
    except IntegrityError:
        log.info("the reminder of milestone %s was recorded by another run", milestone_id)
        return 0
    return 1


async def record_reminder(session: AsyncSession, milestone: Milestone, kind: str) -> None:
    """The reminder row first (a second run stops at its uniqueness), then the milestone
    missed (for an alert) and the event whose notification rules tell whom."""
    session.add(
        PathwayReminder(
            child_id=milestone.child_id,
            milestone_id=milestone.id,
            kind=kind,
            due_on=milestone.due_on,
        )
    )
    await session.flush()
    if kind == MISSED:
        milestone.state = MilestoneState.MISSED.value
        milestone.version += 1
        session.add(milestone)
    await record_change(
        session,
        None,
        kind=kind,
        entity_type="pathway_milestone",
        entity_id=milestone.id,
        child_id=milestone.child_id,
        payload={
            "pathwayId": str(milestone.pathway_id),
            "key": milestone.key,
            "dueOn": milestone.due_on.isoformat(),
        },
    )
