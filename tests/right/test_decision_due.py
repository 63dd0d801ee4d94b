"""A decision that will be late reminds the coordinating unit in advance, and one that is
late alerts it: once each, on the right day, also when the job runs twice, on two workers at
once, or after a restart. The day is the job's argument (the clock under test control)."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlmodel import col, select

from backend.core.database import Database
from backend.events.models import Event
from backend.events.registry import daily_jobs
from backend.notify.models import Notification
from backend.right.jobs import record_decisions_due
from backend.right.logic import decision_due_on
from tests.conftest import Api, World
from tests.right.support import refuse, unregistered

SOON = "right.decision_due_soon"
LATE = "right.decision_overdue"


async def _told(api: Api, kind: str) -> list[Notification]:
    async with api.aut.db.reading() as session:
        rows = await session.exec(
            select(Notification).where(Notification.kind == kind, Notification.channel == "in_app")
        )
        return list(rows.all())


async def _events(api: Api, kind: str) -> list[Event]:
    async with api.aut.db.reading() as session:
        return list((await session.exec(select(Event).where(col(Event.kind) == kind))).all())


async def test_the_unit_is_reminded_before_and_alerted_after_the_due_day_once(
    api: Api, world: World
) -> None:
    assert record_decisions_due in daily_jobs()
    request = await unregistered(api, world)
    due = dt.date.fromisoformat(request["decisionDueOn"])
    db = api.aut.db

    assert await record_decisions_due(db, due - dt.timedelta(days=4)) == 0
    assert await record_decisions_due(db, due - dt.timedelta(days=3)) == 1
    # Again that day, the next days up to the due day, and two workers at once: nothing new.
    assert await record_decisions_due(db, due - dt.timedelta(days=3)) == 0
    assert sum(await asyncio.gather(*(record_decisions_due(db, due) for _ in range(2)))) == 0
    soon = await _told(api, SOON)
    assert sorted(n.recipient_person_id for n in soon) == sorted(
        [world.coordinator.id, world.coordinator2.id]
    )
    # Nothing of the family's situation, and no child, in what the unit is told.
    assert all(n.child_id is None and set(n.payload) == {"requestId"} for n in soon)
    assert await _told(api, LATE) == []

    # The day after the due day: late, told once, two workers at once included.
    late = due + dt.timedelta(days=1)
    assert sum(await asyncio.gather(*(record_decisions_due(db, late) for _ in range(2)))) == 1
    assert len(await _told(api, LATE)) == 2
    # A restart (a new worker process: a fresh database object) records nothing again.
    fresh = Database(api.aut.settings.database_url)
    try:
        assert await record_decisions_due(fresh, late) == 0
        assert await record_decisions_due(fresh, late + dt.timedelta(days=7)) == 0
    finally:
        await fresh.engine.dispose()
    assert len(await _events(api, SOON)) == 1 and len(await _events(api, LATE)) == 1


async def test_a_decided_request_is_no_longer_reminded(api: Api, world: World) -> None:
    request = await unregistered(api, world)
    await refuse(api, world, request)
    due = dt.date.fromisoformat(request["decisionDueOn"])
    assert await record_decisions_due(api.aut.db, due - dt.timedelta(days=1)) == 0
    assert await record_decisions_due(api.aut.db, due + dt.timedelta(days=1)) == 0
    assert await _told(api, SOON) == [] and await _told(api, LATE) == []


def test_the_decision_due_day_moves_past_easter() -> None:
    # Sent Friday 5 March 2027: three weeks end on Good Friday; the decision is due on the
    # Tuesday after Easter Monday.
    sent = dt.datetime(2027, 3, 5, 9, 0, tzinfo=dt.UTC)
    assert decision_due_on(sent) == dt.date(2027, 3, 30)
