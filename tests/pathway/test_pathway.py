"""A granted request starts the child's pathway; the decision, the plan and its evaluations
meet their milestones in the same transaction; the coordinator deviates and meets."""

from __future__ import annotations

import datetime as dt

from backend.core.clock import today
from backend.core.deadlines import deadline_after
from tests.conftest import Api, World
from tests.pathway.support import (
    by_key,
    call,
    codes,
    events,
    grant,
    ok,
    pathway_rows,
    read_child,
)
from tests.plan.support import family, with_plan
from tests.plan.support import ok as plan_ok


def ago(days: int) -> dt.date:
    return today() - dt.timedelta(days=days)


async def test_a_grant_starts_the_pathway_and_the_plan_meets_its_milestones(
    api: Api, world: World
) -> None:
    fam = await family(api, world)
    submitted, decided = ago(40), ago(10)
    await grant(
        api,
        fam.child_id,
        submitted_on=submitted,
        decided_on=decided,
        municipality_id=world.municipality.id,
    )
    child = await read_child(api, fam.child_id, world.coordinator, language="en")
    pathway = child["pathway"]
    assert pathway["startedOn"] == decided.isoformat()
    milestones = by_key(pathway)
    assert set(milestones) == {"decision", "first_network_meeting", "first_plan"}
    decision = milestones["decision"]
    assert decision["dueOn"] == deadline_after(submitted, days=21).isoformat()
    # Decided after its due date: met, and late.
    assert (decision["status"], decision["metOn"]) == ("MET", decided.isoformat())
    assert decision["metBy"] == "The decision was made (after the due date)"
    meeting = milestones["first_network_meeting"]
    assert meeting["dueOn"] == deadline_after(decided, days=14).isoformat()
    assert meeting["status"] in ("DUE", "SOON_DUE")
    assert milestones["first_plan"]["dueOn"] == deadline_after(decided, days=42).isoformat()
    # The pathway's own events, once; a second grant event starts nothing new.
    assert len(await events(api, "pathway.started")) == 1
    (met,) = await events(api, "pathway.milestone_met")
    assert met.payload["key"] == "decision" and met.payload["late"] is True
    await grant(
        api,
        fam.child_id,
        submitted_on=submitted,
        decided_on=decided,
        municipality_id=world.municipality.id,
    )
    assert len(await events(api, "pathway.started")) == 1

    # The plan meets the first plan; the first evaluation is counted from it.
    await with_plan(api, world, fam)
    pathway = (await read_child(api, fam.child_id, world.parent, language="nb"))["pathway"]
    milestones = by_key(pathway)
    assert milestones["first_plan"]["status"] == "MET"
    assert milestones["first_plan"]["metOn"] == today().isoformat()
    assert milestones["first_plan"]["metBy"] == "Planen ble laget"
    evaluation = milestones["plan_evaluation"]
    assert evaluation["dueOn"] == deadline_after(today(), days=182).isoformat()
    assert evaluation["status"] == "DUE"

    # An evaluation meets it, and the next one is due six months later.
    need = await plan_ok(
        api, "addNeed", world.coordinator, planId=fam.plan_id, lifeArea="HEALTH", description="x"
    )
    goal = await plan_ok(
        api,
        "addGoal",
        world.coordinator,
        planId=fam.plan_id,
        text="Gå til butikken",
        inWhoseWords="CHILD",
        needIds=[need["id"]],
    )
    await plan_ok(
        api,
        "recordEvaluation",
        world.coordinator,
        goalId=goal["id"],
        evaluatedOn=ago(1).isoformat(),
        observed="Går bedre.",
        decision="CONTINUE",
    )
    pathway = (await read_child(api, fam.child_id, world.coordinator))["pathway"]
    evaluations = [m for m in pathway["milestones"] if m["key"] == "plan_evaluation"]
    assert sorted((m["status"], m["metOn"] or "", m["dueOn"]) for m in evaluations) == [
        ("DUE", "", deadline_after(ago(1), days=182).isoformat()),
        ("MET", ago(1).isoformat(), deadline_after(today(), days=182).isoformat()),
    ]
    # Milestones by due date: the family's "what happens next, and by when".
    dues = [m["dueOn"] for m in pathway["milestones"]]
    assert dues == sorted(dues)


async def test_a_refusal_starts_nothing(api: Api, world: World) -> None:
    fam = await family(api, world)
    await grant(
        api,
        fam.child_id,
        submitted_on=ago(5),
        decided_on=ago(1),
        municipality_id=world.municipality.id,
        outcome="REFUSED",
    )
    assert (await read_child(api, fam.child_id, world.coordinator))["pathway"] is None
    assert await events(api, "pathway.started") == []


async def test_the_coordinator_deviates_with_a_reason_and_meets_the_meeting(
    api: Api, world: World
) -> None:
    fam = await family(api, world)
    await grant(
        api,
        fam.child_id,
        submitted_on=ago(60),
        decided_on=ago(50),
        municipality_id=world.municipality.id,
    )
    milestones = by_key((await read_child(api, fam.child_id, world.coordinator))["pathway"])
    meeting = milestones["first_network_meeting"]
    assert meeting["status"] == "MISSED"  # past its date, before any job ran
    before = await pathway_rows(api)
    # No reason: a typed error in the caller's language, nothing written.
    for language, text in [
        ("nb", "Skriv hvorfor forløpet avviker."),
        ("nn", "Skriv kvifor forløpet avvik."),
        ("en", "Write why the pathway deviates."),
    ]:
        refused = await call(
            api,
            "deviateMilestone",
            world.coordinator,
            language=language,
            milestoneId=meeting["id"],
            version=meeting["version"],
            reason="  ",
        )
        assert codes(refused) == [("REASON_REQUIRED", "reason")]
        assert refused["errors"][0]["message"] == text
    # Only the coordinator (and the coordinating unit) keep the pathway.
    for who in (world.parent, world.teacher):
        refused = await call(
            api,
            "deviateMilestone",
            who,
            milestoneId=meeting["id"],
            version=meeting["version"],
            reason="Nei.",
        )
        assert codes(refused) == [("NOT_ALLOWED", None)]
    # Outside the network: the answer of an id that exists nowhere.
    outside = await call(
        api,
        "deviateMilestone",
        world.outsider_staff,
        milestoneId=meeting["id"],
        version=meeting["version"],
        reason="Nei.",
    )
    nowhere = await call(
        api,
        "deviateMilestone",
        world.outsider_staff,
        milestoneId="01900000-0000-7000-8000-000000000000",
        version=1,
        reason="Nei.",
    )
    assert codes(outside) == codes(nowhere) == [("NOT_FOUND", "milestoneId")]
    assert outside["errors"][0]["message"] == nowhere["errors"][0]["message"]
    assert await pathway_rows(api) == before

    reason = "Foreldrene ønsket å vente til etter sykehusinnleggelsen"
    deviated = await ok(
        api,
        "deviateMilestone",
        world.coordinator,
        milestoneId=meeting["id"],
        version=meeting["version"],
        reason=reason,
    )
    assert (deviated["status"], deviated["deviationReason"]) == ("DEVIATED", reason)
    assert deviated["version"] == meeting["version"] + 1
    # A stale version is a conflict.
    stale = await call(
        api, "meetMilestone", world.coordinator, milestoneId=meeting["id"], version=1
    )
    assert codes(stale) == [("CONFLICT", "version")]
    met = await ok(
        api,
        "meetMilestone",
        world.coordinator,
        language="en",
        milestoneId=meeting["id"],
        version=deviated["version"],
    )
    assert (met["status"], met["metOn"]) == ("MET", today().isoformat())
    # The first plan is met by the plan itself, not by hand.
    plan = milestones["first_plan"]
    refused = await call(
        api, "meetMilestone", world.coordinator, milestoneId=plan["id"], version=plan["version"]
    )
    assert codes(refused) == [("INVALID", "milestoneId")]
    # The coordinating unit of the child's kommune keeps the pathway too (not in the network).
    unit = await ok(
        api,
        "deviateMilestone",
        world.coordinator2,
        milestoneId=plan["id"],
        version=plan["version"],
        reason="Venter på utredning.",
    )
    assert unit["status"] == "DEVIATED"
    assert [e.payload["wasMissed"] for e in await events(api, "pathway.milestone_deviated")] == [
        True,
        True,
    ]
