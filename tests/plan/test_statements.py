"""No N+1: reading a plan costs the same SQL statements whatever its size, and a caseload's
plan counts the same for 5 children as for 50."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlmodel import select

from backend.api.operations import document
from backend.core.clock import today
from backend.network.models import NetworkMember
from backend.plan.models import (
    Plan,
    PlanDisagreement,
    PlanEvaluation,
    PlanGoal,
    PlanGoalNeed,
    PlanMeasure,
    PlanMeasureGoal,
    PlanMeasureNeed,
    PlanNeed,
    PlanTask,
    PlanVoice,
)
from tests.children.test_caseload import count_statements, make_caseload
from tests.conftest import Api, World
from tests.plan.support import CHILD_PLAN, Family, family, ok, start, with_plan

CASELOAD = """query($first: Int) { myChildren(first: $first, role: COORDINATOR) { edges { node {
  id plan { overdueEvaluationCount overdueTaskCount openDisagreementCount } } } } }"""


async def _grow(api: Api, fam: Family, measures: int) -> None:
    """Parts inserted directly (this test is about reading them): per measure a need, a
    goal, an evaluation, a task, a voice and a disagreement, in every category."""
    plan_id, child_id = uuid.UUID(fam.plan_id), uuid.UUID(fam.child_id)
    categories = ["general", "health", "school", "nav", "barnevern"]
    members = [uuid.UUID(m) for m in fam.members.values()]
    async with api.aut.db.writing() as session:
        for n in range(measures):
            category = categories[n % len(categories)]
            # Barnevern's parts are barnevern's own (the coordinator may not read them).
            who = (
                uuid.UUID(fam.members["barnevern"])
                if category == "barnevern"
                else members[n % len(members)]
            )
            common = {"plan_id": plan_id, "child_id": child_id}
            need = PlanNeed(
                **common, life_area="health", description=f"Behov {n}", category=category
            )
            goal = PlanGoal(
                **common,
                text=f"Mål {n}",
                in_whose_words="family",
                category=category,
                evaluation_every_weeks=2,
            )
            measure = PlanMeasure(
                **common,
                title=f"Tiltak {n}",
                provision="in_house",
                status="active",
                category=category,
                responsible_member_id=who,
                starts_on=today() - dt.timedelta(days=60),
                evaluation_every_weeks=4,
            )
            session.add_all([need, goal, measure])
            await session.flush()
            session.add_all(
                [
                    PlanGoalNeed(goal_id=goal.id, need_id=need.id, plan_id=plan_id),
                    PlanMeasureNeed(measure_id=measure.id, need_id=need.id, plan_id=plan_id),
                    PlanMeasureGoal(measure_id=measure.id, goal_id=goal.id, plan_id=plan_id),
                    PlanEvaluation(
                        **common,
                        measure_id=measure.id,
                        evaluated_on=today() - dt.timedelta(days=20),
                        score=n % 5 - 2,
                        observed="Observert",
                        decision="continue",
                        participant_member_ids=[str(m) for m in members[:3]],
                    ),
                    PlanTask(
                        **common,
                        title=f"Oppgave {n}",
                        assignee_member_id=who,
                        due_on=today() - dt.timedelta(days=1),
                        measure_id=measure.id,
                        category=category,
                    ),
                    PlanVoice(**common, text=f"Stemme {n}", form="told", goal_id=goal.id),
                    PlanDisagreement(**common, text=f"Uenig {n}", measure_id=measure.id),
                ]
            )


async def _statements(
    api: Api, world: World, fam: Family, workspace: bool
) -> tuple[int, int, list[str]]:
    """The statements of the child workspace's plan query (the web app's document), or of
    one asking for every field of the plan."""
    with count_statements(api.aut) as statements:
        if workspace:
            data = await api.gql(
                document("PlanOfChild"), {"childId": fam.child_id}, as_=world.coordinator
            )
        else:
            data = await api.gql(CHILD_PLAN, {"id": fam.child_id}, as_=world.coordinator)
    plan = data["child"]["plan"]
    return len(plan["measures"]), len(statements), [s.split("\n")[0][:90] for s in statements]


async def test_a_plan_of_5_or_50_measures_costs_the_same_statements(api: Api, world: World) -> None:
    fam = await family(api, world)
    await with_plan(api, world, fam, periodStart=start(100))
    await _grow(api, fam, 5)
    small = [await _statements(api, world, fam, workspace) for workspace in (True, False)]
    await _grow(api, fam, 45)
    large = [await _statements(api, world, fam, workspace) for workspace in (True, False)]
    for (small_seen, small_count, _), (large_seen, large_count, text) in zip(
        small, large, strict=True
    ):
        # Barnevern's fifth is hidden from the coordinator: 4 of 5, 40 of 50.
        assert (small_seen, large_seen) == (4, 40)
        assert small_count == large_count, text
        assert large_count <= 30, text


async def _plans_for_every_child(api: Api) -> None:
    """A plan for every child that has none, each with an open disagreement, an overdue task
    and a measure overdue for evaluation (inserted directly)."""
    async with api.aut.db.writing() as session:
        planned = set((await session.exec(select(Plan.child_id))).all())
        members = (await session.exec(select(NetworkMember))).all()
        for member in members:
            if member.child_id in planned or member.role != "coordinator":
                continue
            planned.add(member.child_id)
            plan = Plan(child_id=member.child_id, period_start=today() - dt.timedelta(days=90))
            session.add(plan)
            await session.flush()
            common = {"plan_id": plan.id, "child_id": member.child_id}
            measure = PlanMeasure(
                **common,
                title="Tiltak",
                provision="in_house",
                status="active",
                evaluation_every_weeks=4,
                starts_on=today() - dt.timedelta(days=60),
            )
            session.add(measure)
            await session.flush()
            session.add_all(
                [
                    PlanDisagreement(**common, text="Uenig", measure_id=measure.id),
                    PlanTask(
                        **common,
                        title="Oppgave",
                        assignee_member_id=member.id,
                        due_on=today() - dt.timedelta(days=1),
                    ),
                ]
            )


async def test_a_caseload_of_plans_costs_the_same_for_5_or_50_children(
    api: Api, world: World
) -> None:
    async def caseload() -> tuple[int, int]:
        with count_statements(api.aut) as statements:
            data = await api.gql(CASELOAD, {"first": 50}, as_=world.coordinator)
        edges = data["myChildren"]["edges"]
        assert all(
            e["node"]["plan"]
            == {"overdueEvaluationCount": 1, "overdueTaskCount": 1, "openDisagreementCount": 1}
            for e in edges
        )
        return len(edges), len(statements)

    await make_caseload(api.aut, world, 5)
    await _plans_for_every_child(api)
    small_count, small = await caseload()
    await make_caseload(api.aut, world, 45)
    await _plans_for_every_child(api)
    large_count, large = await caseload()
    assert (small_count, large_count) == (5, 50)
    assert small == large


async def test_a_write_costs_the_same_statements_for_a_plan_of_5_or_50_measures(
    api: Api, world: World
) -> None:
    fam = await family(api, world)
    await with_plan(api, world, fam, periodStart=start(100))

    async def add_need(n: int) -> int:
        with count_statements(api.aut) as statements:
            need = await ok(
                api,
                "addNeed",
                world.coordinator,
                planId=fam.plan_id,
                lifeArea="HEALTH",
                description=f"Nytt behov {n}",
            )
        assert need["description"] == f"Nytt behov {n}"
        return len(statements)

    await _grow(api, fam, 5)
    small = await add_need(1)
    await _grow(api, fam, 45)
    large = await add_need(2)
    assert small == large
