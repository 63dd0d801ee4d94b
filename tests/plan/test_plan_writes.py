"""Writing the plan over HTTP GraphQL: every mutation's happy path, the version rule, one
event and one revision per change, the history, and earlier revisions as they were."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlmodel import col, select

from backend.audit.models import AuditEntry
from backend.core.clock import today
from backend.events.models import Event
from backend.plan.models import PlanRevision
from tests.conftest import Api, World
from tests.plan.support import (
    Family,
    call,
    codes,
    family,
    ok,
    plan_rows,
    read_plan,
    read_plan_at,
    start,
    with_plan,
)


async def _events(api: Api, child_id: str) -> list[Event]:
    async with api.aut.db.reading() as session:
        rows = await session.exec(
            select(Event)
            .where(Event.child_id == uuid.UUID(child_id), col(Event.kind).startswith("plan."))
            .order_by(col(Event.seq))
        )
        return list(rows.all())


async def _full_plan(api: Api, world: World, fam: Family) -> dict[str, Any]:
    """A need, a goal, a measure, an evaluation, a task, a voice and a disagreement."""
    need = await ok(
        api,
        "addNeed",
        world.coordinator,
        planId=fam.plan_id,
        lifeArea="HEALTH",
        description="Emma har epilepsi med anfall flere ganger i uka.",
        raisedBy="Foreldrene",
        category="HEALTH",
    )
    goal = await ok(
        api,
        "addGoal",
        world.coordinator,
        planId=fam.plan_id,
        text="Emma skal være med på skoleturene.",
        inWhoseWords="FAMILY",
        needIds=[need["id"]],
        evaluationEveryWeeks=13,
    )
    measure = await ok(
        api,
        "addMeasure",
        world.coordinator,
        planId=fam.plan_id,
        title="Anfallsplan",
        description="Skriftlig anfallsplan og opplæring.",
        provision="SPECIALIST_HEALTH",
        serviceId=str(world.hospital.id),
        responsibleMemberId=fam.members["doctor"],
        frequency="Hvert halvår",
        startsOn=start(100),
        endsOn=(today() + dt.timedelta(days=200)).isoformat(),
        monthlyCost=0,
        status="ACTIVE",
        needIds=[need["id"]],
        goalIds=[goal["id"]],
        evaluationEveryWeeks=13,
    )
    evaluation = await ok(
        api,
        "recordEvaluation",
        world.coordinator,
        measureId=measure["id"],
        evaluatedOn=start(10),
        score=1,
        observed="Planen er på plass.",
        familyView="Vi er tryggere.",
        participantMemberIds=[fam.members["parent"], fam.members["doctor"]],
        decision="CONTINUE",
    )
    task = await ok(
        api,
        "addTask",
        world.coordinator,
        planId=fam.plan_id,
        title="Søke om hjelpestønad",
        assigneeMemberId=fam.members["parent"],
        dueOn=(today() + dt.timedelta(days=14)).isoformat(),
    )
    voice = await ok(
        api,
        "addChildVoice",
        world.parent,
        planId=fam.plan_id,
        text="Jeg vil være med på turen.",
        form="TOLD",
        recordedHow="Fortalt til mamma",
        goalId=goal["id"],
    )
    disagreement = await ok(
        api,
        "recordDisagreement",
        world.parent,
        planId=fam.plan_id,
        text="Vi er uenige i at planen bare oppdateres hvert halvår.",
        measureId=measure["id"],
    )
    return {
        "need": need,
        "goal": goal,
        "measure": measure,
        "evaluation": evaluation,
        "task": task,
        "voice": voice,
        "disagreement": disagreement,
    }


async def test_every_part_of_the_plan_is_written_and_read_back(api: Api, world: World) -> None:
    fam = await family(api, world)
    plan = await with_plan(
        api, world, fam, nextRevisionOn=(today() + dt.timedelta(days=30)).isoformat()
    )
    assert (plan["revision"], plan["version"], plan["isHistorical"]) == (1, 1, False)
    assert plan["coordinator"]["person"]["name"] == "Kari Koordinator"
    parts = await _full_plan(api, world, fam)

    assert parts["need"]["category"] == "HEALTH"
    assert parts["goal"]["needs"] == [{"id": parts["need"]["id"]}]
    measure = parts["measure"]
    assert measure["category"] == "HEALTH"  # from the hospital's type
    assert measure["service"]["name"] == "Testvik sykehus"
    assert measure["responsible"]["person"]["name"] == "Dag Doktor"
    assert (measure["needs"], measure["goals"]) == (
        [{"id": parts["need"]["id"]}],
        [{"id": parts["goal"]["id"]}],
    )
    evaluation = parts["evaluation"]
    assert (evaluation["score"], evaluation["decision"], evaluation["measureId"]) == (
        1,
        "CONTINUE",
        measure["id"],
    )
    assert evaluation["recordedByName"] == "Kari Koordinator"
    assert {p["id"] for p in evaluation["participants"]} == {
        fam.members["parent"],
        fam.members["doctor"],
    }
    assert parts["task"]["category"] == "GENERAL"  # the guardian has no service
    assert parts["task"]["assignee"]["person"]["name"] == "Pia Forelder"
    voice = parts["voice"]
    assert (voice["childAgeYears"], voice["weighsMore"], voice["category"]) == (9, False, "GENERAL")
    assert voice["recordedByName"] == "Pia Forelder"
    disagreement = parts["disagreement"]
    assert (disagreement["status"], disagreement["category"]) == ("OPEN", "HEALTH")
    assert disagreement["raisedByName"] == "Pia Forelder"

    read = await read_plan(api, fam.child_id, world.coordinator)
    assert read is not None
    assert read["revision"] == 8  # created, then seven parts
    assert [len(read[k]) for k in ("needs", "goals", "measures", "tasks", "voices")] == [1] * 5
    assert read["openDisagreementCount"] == 1
    assert read["measures"][0]["evaluations"] == [{"id": evaluation["id"], "score": 1}]
    history = read["history"]
    assert [h["revision"] for h in history] == [8, 7, 6, 5, 4, 3, 2, 1]
    assert history[0]["kind"] == "plan.disagreement_recorded"
    assert history[0]["byName"] == "Pia Forelder"
    assert history[4]["summary"] == "Nytt tiltak: Anfallsplan"

    # One event per change, each with its audit row, numbered in order.
    events = await _events(api, fam.child_id)
    assert [e.kind for e in events] == [
        "plan.created",
        "plan.need_added",
        "plan.goal_added",
        "plan.measure_added",
        "plan.evaluation_recorded",
        "plan.task_added",
        "plan.voice_added",
        "plan.disagreement_recorded",
    ]
    assert [e.entity_type for e in events] == [
        "plan",
        "plan_need",
        "plan_goal",
        "plan_measure",
        "plan_evaluation",
        "plan_task",
        "plan_voice",
        "plan_disagreement",
    ]
    async with api.aut.db.reading() as session:
        audited = (
            await session.exec(
                select(AuditEntry.entity_id).where(col(AuditEntry.action).startswith("plan."))
            )
        ).all()
        revisions = (
            await session.exec(
                select(PlanRevision.revision).where(PlanRevision.plan_id == uuid.UUID(fam.plan_id))
            )
        ).all()
    assert {e.entity_id for e in events} <= set(audited)
    assert sorted(revisions) == list(range(1, 9))


async def test_updates_follow_the_version_rule(api: Api, world: World) -> None:
    fam = await family(api, world)
    plan = await with_plan(api, world, fam)
    parts = await _full_plan(api, world, fam)
    updated = await ok(
        api,
        "updatePlan",
        world.coordinator,
        id=fam.plan_id,
        version=plan["version"],
        periodEnd=(today() + dt.timedelta(days=300)).isoformat(),
        familySummary="Trygghet og venner.",
    )
    assert (updated["version"], updated["familySummary"]) == (2, "Trygghet og venner.")
    stale = await call(api, "updatePlan", world.coordinator, id=fam.plan_id, version=1)
    assert codes(stale) == [("CONFLICT", "version")]

    for name, key, change in [
        ("updateNeed", "need", {"description": "Anfall om natta."}),
        ("updateGoal", "goal", {"text": "Emma skal være med på alle turene."}),
        ("updateMeasure", "measure", {"status": "PAUSED", "frequency": "Hver måned"}),
        ("updateTask", "task", {"status": "DONE"}),
    ]:
        part = parts[key]
        fresh = await ok(
            api, name, world.coordinator, id=part["id"], version=part["version"], **change
        )
        assert fresh["version"] == part["version"] + 1
        for field, value in change.items():
            assert fresh[field] == value
        before = await plan_rows(api)
        again = await call(
            api, name, world.coordinator, id=part["id"], version=part["version"], **change
        )
        assert codes(again) == [("CONFLICT", "version")], name
        assert await plan_rows(api) == before

    disagreement = parts["disagreement"]
    answered = await ok(
        api,
        "answerDisagreement",
        world.coordinator,
        id=disagreement["id"],
        version=disagreement["version"],
        answer="Vi ser på det i neste møte.",
    )
    assert (answered["status"], answered["answeredByName"]) == ("ANSWERED", "Kari Koordinator")
    raised = await ok(
        api, "raiseDisagreement", world.parent, id=answered["id"], version=answered["version"]
    )
    assert raised["status"] == "RAISED" and raised["raisedToLeaderAt"]
    stale = await call(
        api, "raiseDisagreement", world.parent, id=answered["id"], version=answered["version"]
    )
    assert codes(stale) == [("CONFLICT", "version")]
    resolved = await ok(
        api,
        "answerDisagreement",
        world.coordinator,
        id=raised["id"],
        version=raised["version"],
        answer="Avlastningen flyttes til Fjordvik fra neste måned.",
        resolved=True,
    )
    assert resolved["status"] == "RESOLVED"
    read = await read_plan(api, fam.child_id, world.coordinator)
    assert read is not None and read["openDisagreementCount"] == 0


async def test_goal_and_measure_links_are_replaced(api: Api, world: World) -> None:
    fam = await family(api, world)
    await with_plan(api, world, fam)
    parts = await _full_plan(api, world, fam)
    other = await ok(
        api,
        "addNeed",
        world.coordinator,
        planId=fam.plan_id,
        lifeArea="SCHOOL",
        description="Tilrettelegging i klassen.",
        category="SCHOOL",
    )
    goal = await ok(
        api,
        "updateGoal",
        world.coordinator,
        id=parts["goal"]["id"],
        version=parts["goal"]["version"],
        needIds=[other["id"]],
    )
    assert goal["needs"] == [{"id": other["id"]}]
    measure = await ok(
        api,
        "updateMeasure",
        world.coordinator,
        id=parts["measure"]["id"],
        version=parts["measure"]["version"],
        needIds=[],
    )
    # The measure still serves its goal: it has a reason.
    assert (measure["needs"], measure["goals"]) == ([], [{"id": parts["goal"]["id"]}])


async def test_the_family_confirms_and_what_it_confirmed_stays_readable(
    api: Api, world: World
) -> None:
    fam = await family(api, world)
    await with_plan(api, world, fam)
    need = await ok(
        api,
        "addNeed",
        world.coordinator,
        planId=fam.plan_id,
        lifeArea="HOME_AND_FAMILY",
        description="Foreldrene trenger avlastning.",
    )
    read = await read_plan(api, fam.child_id, world.parent)
    assert read is not None and read["needsConfirmation"] is True
    confirmed = await ok(
        api, "confirmPlan", world.parent, planId=fam.plan_id, revision=read["revision"]
    )
    assert confirmed["needsConfirmation"] is False
    assert confirmed["confirmedRevision"] == 2
    assert confirmed["confirmations"][0]["personName"] == "Pia Forelder"
    assert confirmed["revision"] == 2  # a confirmation is no new revision
    assert confirmed["history"][0]["kind"] == "plan.confirmed"
    # Confirming the same revision again changes nothing.
    rows = await plan_rows(api)
    await ok(api, "confirmPlan", world.parent, planId=fam.plan_id, revision=2)
    assert await plan_rows(api) == rows

    await ok(
        api,
        "updateNeed",
        world.coordinator,
        id=need["id"],
        version=need["version"],
        description="Foreldrene trenger avlastning to helger i måneden.",
    )
    now = await read_plan(api, fam.child_id, world.parent)
    assert now is not None
    assert (now["revision"], now["confirmedRevision"], now["needsConfirmation"]) == (3, 2, True)
    # An older revision cannot be confirmed once the plan moved on.
    stale = await call(api, "confirmPlan", world.parent, planId=fam.plan_id, revision=2)
    assert codes(stale) == [("CONFLICT", "revision")]

    then = await read_plan_at(api, fam.child_id, 2, world.parent)
    assert then is not None
    assert then["isHistorical"] is True and then["revision"] == 2
    assert then["needs"][0]["description"] == "Foreldrene trenger avlastning."
    assert then["confirmations"][0]["personName"] == "Pia Forelder"
    assert then["needsConfirmation"] is False
    assert [h["revision"] for h in then["history"]] == [2, 2, 1]
    assert await read_plan_at(api, fam.child_id, 99, world.parent) is None


async def test_the_family_writes_its_own_summary_only(api: Api, world: World) -> None:
    fam = await family(api, world)
    plan = await with_plan(api, world, fam)
    mine = await ok(
        api,
        "updatePlan",
        world.parent,
        id=fam.plan_id,
        version=plan["version"],
        familySummary="At Emma har venner.",
    )
    assert mine["familySummary"] == "At Emma har venner."
    refused = await call(
        api,
        "updatePlan",
        world.parent,
        id=fam.plan_id,
        version=mine["version"],
        periodEnd=(today() + dt.timedelta(days=10)).isoformat(),
    )
    assert codes(refused) == [("NOT_ALLOWED", None)]


async def test_the_assignee_marks_a_task_done(api: Api, world: World) -> None:
    fam = await family(api, world)
    await with_plan(api, world, fam)
    task = await ok(
        api,
        "addTask",
        world.coordinator,
        planId=fam.plan_id,
        title="Sende vedtaket fra NAV",
        assigneeMemberId=fam.members["parent"],
        dueOn=(today() + dt.timedelta(days=3)).isoformat(),
    )
    retitled = await call(
        api, "updateTask", world.parent, id=task["id"], version=task["version"], title="Noe annet"
    )
    assert codes(retitled) == [("NOT_ALLOWED", None)]
    done = await ok(
        api, "updateTask", world.parent, id=task["id"], version=task["version"], status="DONE"
    )
    assert done["status"] == "DONE"
    other = await call(
        api, "updateTask", world.other_parent, id=task["id"], version=done["version"], status="OPEN"
    )
    assert codes(other) == [("NOT_ALLOWED", None)]


async def test_services_write_in_their_own_field(api: Api, world: World) -> None:
    fam = await family(api, world)
    await with_plan(api, world, fam)
    need = await ok(
        api,
        "addNeed",
        world.teacher,
        planId=fam.plan_id,
        lifeArea="SCHOOL",
        description="Emma blir fort sliten i timene.",
    )
    assert need["category"] == "SCHOOL"  # the school's own field
    measure = await ok(
        api,
        "addMeasure",
        world.teacher,
        planId=fam.plan_id,
        title="Hvilepauser",
        provision="IN_HOUSE",
        serviceId=str(world.school.id),
        needIds=[need["id"]],
    )
    assert measure["category"] == "SCHOOL"
    # Not the health field, nor a general need.
    health = await call(
        api,
        "addNeed",
        world.teacher,
        planId=fam.plan_id,
        lifeArea="HEALTH",
        description="Medisiner.",
        category="HEALTH",
    )
    assert codes(health) == [("NOT_ALLOWED", None)]
    general = await call(
        api,
        "addNeed",
        world.teacher,
        planId=fam.plan_id,
        lifeArea="HOME_AND_FAMILY",
        description="Avlastning.",
        category="GENERAL",
    )
    assert codes(general) == [("NOT_ALLOWED", None)]
    evaluation = await ok(
        api,
        "recordEvaluation",
        world.teacher,
        measureId=measure["id"],
        evaluatedOn=today().isoformat(),
        observed="Pausene hjelper.",
        decision="CONTINUE",
    )
    assert evaluation["recordedByName"] == "Tina Lærer"
    # A guardian does not write needs, goals or measures.
    refused = await call(
        api,
        "addNeed",
        world.parent,
        planId=fam.plan_id,
        lifeArea="HEALTH",
        description="x",
    )
    assert codes(refused) == [("NOT_ALLOWED", None)]


async def test_a_measure_picked_from_the_catalogue_takes_its_defaults(
    api: Api, world: World
) -> None:
    fam = await family(api, world)
    await with_plan(api, world, fam)
    async with api.aut.db.writing() as session:
        from backend.catalogue.models import CatalogueMeasureRow

        entry = CatalogueMeasureRow(
            municipality_id=world.municipality.id,
            title="Avlastning hos privat leverandør",
            description="Kjøpt avlastning.",
            life_areas=["home_and_family"],
            provision="private_provider",
            monthly_cost=68_000,
        )
        session.add(entry)
    need = await ok(
        api,
        "addNeed",
        world.coordinator,
        planId=fam.plan_id,
        lifeArea="HOME_AND_FAMILY",
        description="Avlastning.",
    )
    measure = await ok(
        api,
        "addMeasure",
        world.coordinator,
        planId=fam.plan_id,
        catalogueMeasureId=str(entry.id),
        needIds=[need["id"]],
        frequency="To helger i måneden",
    )
    assert (measure["title"], measure["provision"], measure["monthlyCost"]) == (
        "Avlastning hos privat leverandør",
        "PRIVATE_PROVIDER",
        68_000,
    )
    assert measure["catalogueMeasure"] == {"id": str(entry.id), "title": entry.title}


async def test_the_young_person_from_16_confirms_and_speaks(api: Api, world: World) -> None:
    from tests.plan.support import young_person

    fam = await family(api, world, age=16, child_member=True)
    plan = await with_plan(api, world, fam)
    me = await young_person(api, world, fam)
    guardian = await call(
        api, "confirmPlan", world.parent, planId=fam.plan_id, revision=plan["revision"]
    )
    assert codes(guardian) == [("NOT_ALLOWED", None)]
    confirmed = await ok(api, "confirmPlan", me, planId=fam.plan_id, revision=plan["revision"])
    assert confirmed["confirmations"][0]["personName"] == "Emma Testesen"
    voice = await ok(
        api, "addChildVoice", me, planId=fam.plan_id, text="Jeg vil bo hjemme.", form="WRITTEN"
    )
    assert (voice["childAgeYears"], voice["weighsMore"]) == (16, True)
    said = await ok(api, "recordDisagreement", me, planId=fam.plan_id, text="Jeg er uenig.")
    assert said["status"] == "OPEN"


async def test_an_evaluation_that_decides_to_end_a_measure_ends_it(api: Api, world: World) -> None:
    """END on a measure ends it (status ENDED, endsOn the evaluation's day when it would
    have run longer) in the evaluation's revision, with the measure's own event; END on a
    goal changes nothing but the evaluation."""
    fam = await family(api, world)
    await with_plan(api, world, fam)
    need = await ok(
        api,
        "addNeed",
        world.coordinator,
        planId=fam.plan_id,
        lifeArea="HOME_AND_FAMILY",
        description="Avlastning.",
        category="GENERAL",
    )
    goal = await ok(
        api,
        "addGoal",
        world.coordinator,
        planId=fam.plan_id,
        text="Foreldrene får hvile.",
        inWhoseWords="FAMILY",
        needIds=[need["id"]],
        category="GENERAL",
    )
    running = await ok(
        api,
        "addMeasure",
        world.coordinator,
        planId=fam.plan_id,
        title="Avlastning hver tredje helg",
        provision="IN_HOUSE",
        startsOn=start(100),
        endsOn=(today() + dt.timedelta(days=200)).isoformat(),
        status="ACTIVE",
        needIds=[need["id"]],
        category="GENERAL",
    )
    short = await ok(
        api,
        "addMeasure",
        world.coordinator,
        planId=fam.plan_id,
        title="Støttekontakt",
        provision="IN_HOUSE",
        startsOn=start(100),
        endsOn=start(30),
        status="ACTIVE",
        needIds=[need["id"]],
        category="GENERAL",
    )
    before = await read_plan(api, fam.child_id, world.coordinator)
    assert before is not None
    await ok(
        api,
        "recordEvaluation",
        world.coordinator,
        goalId=goal["id"],
        evaluatedOn=start(5),
        observed="Målet er nådd.",
        decision="END",
    )
    after_goal = await read_plan(api, fam.child_id, world.coordinator)
    assert after_goal is not None
    assert after_goal["goals"] == [
        {**before["goals"][0], "evaluations": after_goal["goals"][0]["evaluations"]}
    ]
    assert after_goal["measures"] == before["measures"]
    assert after_goal["revision"] == before["revision"] + 1
    for measure in (running, short):
        await ok(
            api,
            "recordEvaluation",
            world.coordinator,
            measureId=measure["id"],
            evaluatedOn=start(10),
            observed="Ikke lenger behov.",
            decision="END",
        )
    plan = await read_plan(api, fam.child_id, world.coordinator)
    assert plan is not None
    ended = {m["id"]: m for m in plan["measures"]}
    assert ended[running["id"]]["status"] == "ENDED"
    assert ended[running["id"]]["endsOn"] == start(10)
    assert ended[running["id"]]["version"] == running["version"] + 1
    # An end already earlier than the evaluation stays.
    assert ended[short["id"]]["status"] == "ENDED"
    assert ended[short["id"]]["endsOn"] == start(30)
    # One revision per evaluation, the measure's change in it.
    assert plan["revision"] == after_goal["revision"] + 2
    kinds = [e.kind for e in await _events(api, fam.child_id)]
    assert kinds[-4:] == [
        "plan.evaluation_recorded",
        "plan.measure_updated",
        "plan.evaluation_recorded",
        "plan.measure_updated",
    ]
    assert kinds.count("plan.measure_updated") == 2
    lines = [(h["revision"], h["kind"]) for h in plan["history"]]
    assert (plan["revision"], "plan.measure_updated") in lines
    assert (plan["revision"], "plan.evaluation_recorded") in lines
    # The revision of the first end shows it ended already.
    then = await read_plan_at(api, fam.child_id, plan["revision"] - 1, world.coordinator)
    assert then is not None
    assert {m["id"]: m["status"] for m in then["measures"]}[running["id"]] == "ENDED"
