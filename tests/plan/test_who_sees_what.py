"""Who reads which part of the plan: every part's information category decides, by the same
Cedar policies and consents as every other read, on every path (the lists, nested links,
counts, history, an earlier revision), and the reads are in the access log."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from backend.core.clock import today
from tests.conftest import Api, World
from tests.plan.support import (
    Family,
    family,
    ok,
    read_plan,
    read_plan_at,
    start,
    with_plan,
    young_person,
)

CATEGORIES = ("GENERAL", "HEALTH", "SCHOOL", "NAV", "BARNEVERN")

ACCESS_LOG = """query($id: ID!) { child(id: $id) { accessLog(first: 50) { edges { node {
  who what purpose } } } } }"""


async def _parts_in_every_category(api: Api, world: World, fam: Family) -> None:
    """For each category, written by a service of that field: a need, a measure overdue for
    evaluation, an overdue task and a disagreement; and one general goal over all needs."""
    writers = {
        "GENERAL": (world.coordinator, None, fam.members["parent"]),
        "HEALTH": (world.doctor, world.hospital.id, fam.members["doctor"]),
        "SCHOOL": (world.teacher, world.school.id, fam.members["teacher"]),
        "NAV": (fam.nav_worker, fam.nav.id, fam.members["nav"]),
        "BARNEVERN": (world.caseworker, world.barnevern.id, fam.members["barnevern"]),
    }
    needs = []
    for category, (writer, service, assignee) in writers.items():
        need = await ok(
            api,
            "addNeed",
            writer,
            planId=fam.plan_id,
            lifeArea="HOME_AND_FAMILY",
            description=f"Behov {category}",
            category=category,
        )
        needs.append(need["id"])
        measure = await ok(
            api,
            "addMeasure",
            writer,
            planId=fam.plan_id,
            title=f"Tiltak {category}",
            provision="IN_HOUSE",
            needIds=[need["id"]],
            category=category,
            startsOn=start(30),
            evaluationEveryWeeks=1,
            **({"serviceId": str(service)} if service else {}),
        )
        assert measure["evaluationOverdue"] is True
        await ok(
            api,
            "addTask",
            writer,
            planId=fam.plan_id,
            title=f"Oppgave {category}",
            assigneeMemberId=fam.members["coordinator"] if category == "GENERAL" else assignee,
            dueOn=(today() - dt.timedelta(days=2)).isoformat(),
            measureId=measure["id"],
        )
        # The family, or the service itself, disagrees.
        await ok(
            api,
            "recordDisagreement",
            world.parent if category == "GENERAL" else writer,
            planId=fam.plan_id,
            text=f"Uenig {category}",
            measureId=measure["id"],
        )
    await ok(
        api,
        "addGoal",
        world.coordinator,
        planId=fam.plan_id,
        text="Mål over alle behov",
        inWhoseWords="FAMILY",
        # Not barnevern's: the coordinator may not read it.
        needIds=needs[:4],
    )


def _seen(plan: dict[str, Any]) -> set[str]:
    return {n["description"].split()[-1] for n in plan["needs"]}


def _check(plan: dict[str, Any], expected: set[str], who: str) -> None:
    assert _seen(plan) == expected, who
    assert {m["title"].split()[-1] for m in plan["measures"]} == expected, who
    assert {t["title"].split()[-1] for t in plan["tasks"]} == expected, who
    assert {d["text"].split()[-1] for d in plan["disagreements"]} == expected, who
    # Counts count only what the reader may see.
    assert plan["overdueEvaluationCount"] == len(expected), who
    assert plan["overdueTaskCount"] == len(expected), who
    assert plan["openDisagreementCount"] == len(expected), who
    # Nested: a goal's and a measure's needs.
    (goal,) = plan["goals"]
    linked = {n["id"] for n in goal["needs"]}
    visible = {n["id"]: n["description"].split()[-1] for n in plan["needs"]}
    assert {visible[i] for i in linked} == expected & {"GENERAL", "HEALTH", "SCHOOL", "NAV"}, who
    for measure in plan["measures"]:
        assert [visible[n["id"]] for n in measure["needs"]] == [measure["title"].split()[-1]]
    # The history tells only what the reader may see.
    lines = {h["summary"].split()[-1] for h in plan["history"] if "Tiltak" in h["summary"]}
    assert lines == expected, who


async def _reader_matrix(api: Api, fam: Family, readers: dict[str, tuple[Any, set[str]]]) -> None:
    latest = await read_plan(api, fam.child_id, readers["coordinator"][0])
    assert latest is not None
    for who, (person, expected) in readers.items():
        plan = await read_plan(api, fam.child_id, person)
        assert plan is not None, who
        _check(plan, expected, who)
        then = await read_plan_at(api, fam.child_id, plan["revision"], person)
        assert then is not None and then["isHistorical"] is True
        _check(then, expected, f"{who} (planAt)")


async def test_each_reader_sees_the_categories_the_policies_allow(api: Api, world: World) -> None:
    fam = await family(api, world)
    await with_plan(api, world, fam)
    await _parts_in_every_category(api, world, fam)
    everything = set(CATEGORIES)
    await _reader_matrix(
        api,
        fam,
        {
            # The coordinator's unit has every consent but barnevern's.
            "coordinator": (world.coordinator, everything - {"BARNEVERN"}),
            "guardian with parental responsibility": (world.parent, everything),
            "guardian without parental responsibility": (world.other_parent, {"GENERAL"}),
            "teacher": (world.teacher, {"GENERAL", "SCHOOL"}),
            "doctor": (world.doctor, {"GENERAL", "HEALTH"}),
            "NAV with consent": (fam.nav_worker, {"GENERAL", "NAV"}),
            "barnevern": (world.caseworker, {"GENERAL", "BARNEVERN"}),
        },
    )
    assert await read_plan(api, fam.child_id, world.outsider_staff) is None


async def test_nav_without_consent_sees_the_general_part_and_its_own(
    api: Api, world: World
) -> None:
    fam = await family(api, world, nav_consent=False)
    await with_plan(api, world, fam)
    await ok(
        api,
        "addNeed",
        world.coordinator,
        planId=fam.plan_id,
        lifeArea="HOME_AND_FAMILY",
        description="Behov GENERAL",
    )
    await ok(
        api,
        "addNeed",
        world.coordinator,
        planId=fam.plan_id,
        lifeArea="HOME_AND_FAMILY",
        description="Behov NAV",
        category="NAV",
    )
    # NAV writes in its own field and reads its own part without a consent.
    own = await ok(
        api,
        "addNeed",
        fam.nav_worker,
        planId=fam.plan_id,
        lifeArea="HOME_AND_FAMILY",
        description="Hjelpestønad er søkt",
    )
    assert own["category"] == "NAV"
    plan = await read_plan(api, fam.child_id, fam.nav_worker)
    assert plan is not None
    assert {n["description"] for n in plan["needs"]} == {"Behov GENERAL", "Hjelpestønad er søkt"}


async def test_a_task_for_you_is_yours_to_see(api: Api, world: World) -> None:
    fam = await family(api, world)
    await with_plan(api, world, fam)
    await ok(
        api,
        "addTask",
        world.coordinator,
        planId=fam.plan_id,
        title="Ta med anfallsplanen til skolen",
        assigneeMemberId=fam.members["teacher"],
        dueOn=today().isoformat(),
        category="HEALTH",
    )
    plan = await read_plan(api, fam.child_id, world.teacher)
    assert plan is not None
    assert [t["title"] for t in plan["tasks"]] == ["Ta med anfallsplanen til skolen"]
    other = await read_plan(api, fam.child_id, fam.nav_worker)
    assert other is not None and other["tasks"] == []


@pytest.mark.parametrize("age", [15, 16])
async def test_the_young_person_and_the_guardians_by_age(api: Api, world: World, age: int) -> None:
    fam = await family(api, world, age=age, child_member=True)
    await with_plan(api, world, fam)
    await _parts_in_every_category(api, world, fam)
    me = await young_person(api, world, fam)
    everything = set(CATEGORIES)
    await _reader_matrix(
        api,
        fam,
        {
            "coordinator": (world.coordinator, everything - {"BARNEVERN"}),
            f"the young person at {age}": (me, everything),
            # From 16 the guardians need the young person's consent for health.
            "guardian with parental responsibility": (
                world.parent,
                everything if age < 16 else everything - {"HEALTH"},
            ),
        },
    )


async def test_reads_of_the_plan_are_in_the_access_log(api: Api, world: World) -> None:
    fam = await family(api, world)
    await with_plan(api, world, fam)
    await ok(
        api,
        "addNeed",
        world.coordinator,
        planId=fam.plan_id,
        lifeArea="HEALTH",
        description="Epilepsi",
        category="HEALTH",
    )
    await read_plan(api, fam.child_id, world.teacher)
    response = await api.gql(
        "query($id: ID!) { child(id: $id) { plan { needs { id } } } }",
        {"id": fam.child_id},
        as_=world.coordinator,
    )
    assert response["child"]["plan"]["needs"]
    log = await api.gql(ACCESS_LOG, {"id": fam.child_id}, as_=world.parent)
    rows = [e["node"] for e in log["child"]["accessLog"]["edges"]]
    teacher = next(r for r in rows if r["who"] == "Tina Lærer")
    coordinator = next(
        r for r in rows if r["who"] == "Kari Koordinator" and r["purpose"] != "Arbeid med planen"
    )
    assert teacher["what"] and coordinator["what"]
    # Staff choose the purpose: work on the plan.
    chosen = await api.client.post(
        "/graphql",
        json={
            "query": "query($id: ID!) { child(id: $id) { plan { id } } }",
            "variables": {"id": fam.child_id},
            "extensions": {"purpose": "PLAN_WORK"},
        },
        headers={"x-koordinat-dev-person": str(world.doctor.id)},
    )
    assert chosen.status_code == 200 and "errors" not in chosen.json()
    log = await api.gql(ACCESS_LOG, {"id": fam.child_id}, as_=world.parent)
    rows = [e["node"] for e in log["child"]["accessLog"]["edges"]]
    assert any(r["who"] == "Dag Doktor" and r["purpose"] == "Arbeid med planen" for r in rows)
