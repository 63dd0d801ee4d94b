"""Overdue evaluations and tasks: visible on the plan, and the daily job reminds the
responsible person once per item and due date (a notification in the event's transaction)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

from sqlmodel import select

from backend.core.clock import today
from backend.events.models import Event
from backend.jobs.runner import daily_jobs_forever
from backend.notify.models import Notification
from backend.plan.jobs import record_overdue
from tests.conftest import Api, World, make_settings
from tests.plan.support import family, ok, read_plan, start, with_plan


def days(n: int) -> str:
    return (today() + dt.timedelta(days=n)).isoformat()


async def _notifications(api: Api, kind: str) -> list[Notification]:
    async with api.aut.db.reading() as session:
        rows = await session.exec(
            select(Notification).where(Notification.kind == kind, Notification.channel == "in_app")
        )
        return list(rows.all())


async def _events(api: Api, kind: str) -> list[Event]:
    async with api.aut.db.reading() as session:
        return list((await session.exec(select(Event).where(Event.kind == kind))).all())


async def test_next_evaluation_and_overdue_on_the_plan(api: Api, world: World) -> None:
    fam = await family(api, world)
    await with_plan(api, world, fam, periodStart=start(120))
    need = await ok(
        api, "addNeed", world.coordinator, planId=fam.plan_id, lifeArea="HEALTH", description="x"
    )
    measure = await ok(
        api,
        "addMeasure",
        world.coordinator,
        planId=fam.plan_id,
        title="Fysioterapi",
        provision="IN_HOUSE",
        needIds=[need["id"]],
        startsOn=start(100),
        evaluationEveryWeeks=13,
    )
    # Started 100 days ago, every 13 weeks: due 9 days ago.
    assert measure["nextEvaluationOn"] == (today() - dt.timedelta(days=9)).isoformat()
    assert measure["evaluationOverdue"] is True
    evaluated = await ok(
        api,
        "recordEvaluation",
        world.coordinator,
        measureId=measure["id"],
        evaluatedOn=start(2),
        score=0,
        observed="Går bedre.",
        decision="CONTINUE",
    )
    assert evaluated["score"] == 0
    plan = await read_plan(api, fam.child_id, world.coordinator)
    assert plan is not None
    (read,) = plan["measures"]
    assert read["nextEvaluationOn"] == (today() + dt.timedelta(weeks=13, days=-2)).isoformat()
    assert read["evaluationOverdue"] is False
    assert plan["overdueEvaluationCount"] == 0
    # An ended measure is not evaluated any more.
    ended = await ok(
        api,
        "updateMeasure",
        world.coordinator,
        id=measure["id"],
        version=read["version"],
        status="ENDED",
    )
    assert (ended["nextEvaluationOn"], ended["evaluationOverdue"]) == (None, False)
    # Goals: the scores over time, oldest first.
    goal = await ok(
        api,
        "addGoal",
        world.coordinator,
        planId=fam.plan_id,
        text="Gå til butikken",
        inWhoseWords="CHILD",
        needIds=[need["id"]],
        evaluationEveryWeeks=4,
    )
    for n, score in [(30, -1), (10, 1)]:
        await ok(
            api,
            "recordEvaluation",
            world.coordinator,
            goalId=goal["id"],
            evaluatedOn=start(n),
            score=score,
            observed="x",
            decision="ADJUST",
        )
    plan = await read_plan(api, fam.child_id, world.coordinator)
    assert plan is not None
    assert plan["goals"][0]["scores"] == [
        {"evaluatedOn": start(30), "score": -1},
        {"evaluatedOn": start(10), "score": 1},
    ]


async def test_the_daily_job_reminds_once_per_item_and_due_date(api: Api, world: World) -> None:
    fam = await family(api, world)
    await with_plan(api, world, fam, periodStart=start(120))
    need = await ok(
        api, "addNeed", world.coordinator, planId=fam.plan_id, lifeArea="SCHOOL", description="x"
    )
    measure = await ok(
        api,
        "addMeasure",
        world.teacher,
        planId=fam.plan_id,
        title="Tilrettelagt skoledag",
        provision="IN_HOUSE",
        serviceId=str(world.school.id),
        responsibleMemberId=fam.members["teacher"],
        needIds=[need["id"]],
        startsOn=start(100),
        evaluationEveryWeeks=13,
    )
    task = await ok(
        api,
        "addTask",
        world.coordinator,
        planId=fam.plan_id,
        title="Søke hjelpestønad",
        assigneeMemberId=fam.members["parent"],
        dueOn=days(-1),
    )
    await ok(
        api,
        "addTask",
        world.coordinator,
        planId=fam.plan_id,
        title="Ikke forfalt",
        assigneeMemberId=fam.members["parent"],
        dueOn=days(5),
    )
    plan = await read_plan(api, fam.child_id, world.coordinator)
    assert plan is not None
    assert (plan["overdueEvaluationCount"], plan["overdueTaskCount"]) == (1, 1)

    db = api.aut.db
    # Twice, and twice at the same moment: each item is told once.
    assert await record_overdue(db) == 2
    assert await record_overdue(db) == 0
    assert sum(await asyncio.gather(record_overdue(db), record_overdue(db))) == 0

    (evaluation_event,) = await _events(api, "plan.evaluation_overdue")
    (task_event,) = await _events(api, "plan.task_overdue")
    assert evaluation_event.entity_id == uuid.UUID(measure["id"])
    assert task_event.entity_id == uuid.UUID(task["id"])
    assert evaluation_event.payload["dueOn"] == (today() - dt.timedelta(days=9)).isoformat()
    # The responsible teacher, and the guardian whose task it is, are reminded.
    (told,) = await _notifications(api, "plan.evaluation_overdue")
    assert told.recipient_person_id == world.teacher.id
    assert told.event_id == evaluation_event.id
    (reminded,) = await _notifications(api, "plan.task_overdue")
    assert reminded.recipient_person_id == world.parent.id

    # Done: no new reminder. Evaluated: the next due date is a new one.
    await ok(api, "updateTask", world.parent, id=task["id"], version=task["version"], status="DONE")
    await ok(
        api,
        "recordEvaluation",
        world.teacher,
        measureId=measure["id"],
        evaluatedOn=days(0),
        observed="Fungerer.",
        decision="CONTINUE",
    )
    later = today() + dt.timedelta(weeks=13, days=1)
    # The evaluation due in 13 weeks and the task due in 5 days.
    assert await record_overdue(db, later) == 2
    assert await record_overdue(db, later) == 0
    assert len(await _events(api, "plan.evaluation_overdue")) == 2
    assert len(await _events(api, "plan.task_overdue")) == 2


async def test_a_reminder_goes_only_to_who_may_know(api: Api, world: World) -> None:
    fam = await family(api, world)
    await with_plan(api, world, fam, periodStart=start(120))
    need = await ok(
        api,
        "addNeed",
        world.caseworker,
        planId=fam.plan_id,
        lifeArea="HOME_AND_FAMILY",
        description="Hjelpetiltak i hjemmet",
    )
    assert need["category"] == "BARNEVERN"
    # Barnevern's measure with no responsible person: the coordinator would be told, but may
    # not know of barnevern's part of the plan.
    await ok(
        api,
        "addMeasure",
        world.caseworker,
        planId=fam.plan_id,
        title="Hjelpetiltak",
        provision="IN_HOUSE",
        serviceId=str(world.barnevern.id),
        needIds=[need["id"]],
        startsOn=start(100),
        evaluationEveryWeeks=4,
    )
    assert await record_overdue(api.aut.db) == 1
    assert await _notifications(api, "plan.evaluation_overdue") == []


async def test_the_job_runner_runs_the_plans_daily_job(api: Api, world: World) -> None:
    fam = await family(api, world)
    await with_plan(api, world, fam, periodStart=start(120))
    task = await ok(
        api,
        "addTask",
        world.coordinator,
        planId=fam.plan_id,
        title="Søke hjelpestønad",
        assigneeMemberId=fam.members["parent"],
        dueOn=days(-1),
    )
    settings = make_settings(api.aut.settings.database_url, jobs_sweep_seconds=1)
    runner = asyncio.create_task(daily_jobs_forever(api.aut.db, settings))
    try:
        async with asyncio.timeout(30):
            while not await _events(api, "plan.task_overdue"):
                await asyncio.sleep(0.2)
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
    (event,) = await _events(api, "plan.task_overdue")
    assert event.entity_id == uuid.UUID(task["id"])


async def test_who_is_told_of_tasks_disagreements_and_confirmations(api: Api, world: World) -> None:
    fam = await family(api, world)
    plan = await with_plan(api, world, fam)
    await ok(
        api,
        "addTask",
        world.coordinator,
        planId=fam.plan_id,
        title="Søke hjelpestønad",
        assigneeMemberId=fam.members["parent"],
        dueOn=days(7),
    )
    (assigned,) = await _notifications(api, "plan.task_assigned")
    assert assigned.recipient_person_id == world.parent.id
    assert assigned.payload["planId"] == fam.plan_id
    said = await ok(api, "recordDisagreement", world.parent, planId=fam.plan_id, text="Uenig.")
    (recorded,) = await _notifications(api, "plan.disagreement_recorded")
    assert recorded.recipient_person_id == world.coordinator.id
    # Notifications carry ids, never the text.
    assert "Uenig." not in str(recorded.payload)
    answered = await ok(
        api,
        "answerDisagreement",
        world.coordinator,
        id=said["id"],
        version=said["version"],
        answer="Vi tar det opp.",
    )
    (told,) = await _notifications(api, "plan.disagreement_answered")
    assert told.recipient_person_id == world.parent.id
    await ok(api, "raiseDisagreement", world.parent, id=said["id"], version=answered["version"])
    (raised,) = await _notifications(api, "plan.disagreement_raised")
    assert raised.recipient_person_id == world.coordinator.id
    read = await read_plan(api, fam.child_id, world.parent)
    assert read is not None
    await ok(api, "confirmPlan", world.parent, planId=fam.plan_id, revision=read["revision"])
    (confirmed,) = await _notifications(api, "plan.confirmed")
    assert confirmed.recipient_person_id == world.coordinator.id
    assert plan["revision"] == 1
