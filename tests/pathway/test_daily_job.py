"""The daily job with a controllable clock: a milestone due within three days reminds the
coordinator once, a missed one alerts the coordinator and the kommune's coordinating unit
once, on the right day, also when the job runs twice, on two workers at once, and after a
restart. Due dates are Norwegian working days (Easter, and across a DST change)."""

from __future__ import annotations

import asyncio
import datetime as dt

from backend.core.clock import today
from backend.core.database import Database
from backend.core.deadlines import deadline_after
from backend.events.registry import daily_jobs
from backend.pathway.jobs import record_due
from backend.pathway.logic import due_after
from tests.conftest import Api, World
from tests.pathway.support import by_key, events, grant, notifications, read_child
from tests.plan.support import family


def test_due_dates_are_norwegian_working_days() -> None:
    # Easter 2027: Maundy Thursday 25 March to Easter Monday 29 March are holidays; a
    # target time ending on Good Friday moves to Tuesday 30 March.
    assert due_after(dt.date(2027, 3, 12), 14) == dt.date(2027, 3, 30)
    assert due_after(dt.date(2027, 3, 11), 14) == dt.date(2027, 3, 30)
    assert due_after(dt.date(2027, 3, 10), 14) == dt.date(2027, 3, 24)
    # Summer time begins 28 March 2027 (02:00 -> 03:00): dates, not hours, are counted,
    # so 21 days from 20 March is Saturday 10 April -> Monday 12 April, never a day off.
    assert due_after(dt.date(2027, 3, 20), 21) == dt.date(2027, 4, 12)
    # And winter time, 31 October 2027: 7 days from 27 October is Wednesday 3 November.
    assert due_after(dt.date(2027, 10, 27), 7) == dt.date(2027, 11, 3)


async def test_a_pathway_over_easter_and_across_dst(api: Api, world: World) -> None:
    fam = await family(api, world)
    # Requested 4 March 2027, granted Wednesday 24 March (summer time starts that Sunday,
    # Easter follows): the dates are counted in Oslo days and moved past the holidays.
    await grant(
        api,
        fam.child_id,
        submitted_on=dt.date(2027, 3, 4),
        decided_on=dt.date(2027, 3, 24),
        municipality_id=world.municipality.id,
    )
    milestones = by_key((await read_child(api, fam.child_id, world.coordinator))["pathway"])
    # 4 March + 21 days = Thursday 25 March (Maundy Thursday) -> Tuesday 30 March.
    assert milestones["decision"]["dueOn"] == "2027-03-30"
    assert milestones["first_network_meeting"]["dueOn"] == "2027-04-07"
    assert milestones["first_plan"]["dueOn"] == "2027-05-05"


async def test_each_reminder_and_alert_fires_once_on_the_right_day(api: Api, world: World) -> None:
    fam = await family(api, world)
    await grant(
        api,
        fam.child_id,
        submitted_on=today() - dt.timedelta(days=5),
        decided_on=today(),
        municipality_id=world.municipality.id,
    )
    due = deadline_after(today(), days=14)  # the first network meeting
    db = api.aut.db
    assert await record_due(db, due - dt.timedelta(days=4)) == 0
    assert await notifications(api, "pathway.milestone_due_soon") == []
    # Three days before: the coordinator is reminded, once, however often the job runs.
    soon = due - dt.timedelta(days=3)
    assert await record_due(db, soon) == 1
    assert await record_due(db, soon) == 0
    assert sum(await asyncio.gather(record_due(db, soon), record_due(db, soon))) == 0
    assert await record_due(db, due) == 0
    (reminded,) = await notifications(api, "pathway.milestone_due_soon")
    assert reminded.recipient_person_id == world.coordinator.id

    # The day after: missed. Two workers at once: one alert.
    late = due + dt.timedelta(days=1)
    assert sum(await asyncio.gather(record_due(db, late), record_due(db, late))) == 1
    (event,) = await events(api, "pathway.milestone_missed")
    assert event.payload["dueOn"] == due.isoformat()
    (alerted,) = await notifications(api, "pathway.milestone_missed")
    assert alerted.recipient_person_id == world.coordinator.id
    # The coordinating unit's other staff are told of the kommune's deadline, not of whose.
    (unit,) = await notifications(api, "pathway.milestone_missed_in_kommune")
    assert unit.recipient_person_id == world.coordinator2.id
    assert unit.child_id is None and "childId" not in unit.payload

    # A restart: a fresh database object (a new worker process) records nothing again.
    fresh = Database(api.aut.settings.database_url)
    try:
        assert await record_due(fresh, late) == 0
        assert await record_due(fresh, late + dt.timedelta(days=1)) == 0
    finally:
        await fresh.engine.dispose()
    assert len(await events(api, "pathway.milestone_missed")) == 1
    assert len(await notifications(api, "pathway.milestone_missed_in_kommune")) == 1
    # The job runner runs it with the other domains' daily jobs.
    assert record_due in daily_jobs()
