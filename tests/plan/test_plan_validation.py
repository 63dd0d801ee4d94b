"""Bad input to the plan gets a clear error with a stable code, in bokmål, nynorsk and English,
and changes nothing (no row, no event)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from backend.core.clock import today
from backend.plan.models import PlanNeed
from tests.conftest import Api, World
from tests.plan.support import (
    NOWHERE,
    Family,
    call,
    codes,
    family,
    mutation_document,
    ok,
    plan_rows,
    start,
    with_plan,
)


def days(n: int) -> str:
    return (today() + dt.timedelta(days=n)).isoformat()


async def _setup(api: Api, world: World) -> tuple[Family, dict[str, Any]]:
    fam = await family(api, world)
    await with_plan(api, world, fam)
    need = await ok(
        api,
        "addNeed",
        world.coordinator,
        planId=fam.plan_id,
        lifeArea="HEALTH",
        description="Epilepsi.",
        category="HEALTH",
    )
    goal = await ok(
        api,
        "addGoal",
        world.coordinator,
        planId=fam.plan_id,
        text="Trygghet.",
        inWhoseWords="CHILD",
        needIds=[need["id"]],
    )
    measure = await ok(
        api,
        "addMeasure",
        world.coordinator,
        planId=fam.plan_id,
        title="Anfallsplan",
        provision="SPECIALIST_HEALTH",
        startsOn=start(30),
        needIds=[need["id"]],
    )
    return fam, {"need": need, "goal": goal, "measure": measure}


async def test_every_refusal_is_clear_and_changes_nothing(api: Api, world: World) -> None:
    fam, parts = await _setup(api, world)
    # An outsider's membership: someone in another child's network.
    other = await family(api, world, barnevern=False, serial=1)
    plan, need, measure, goal = (
        fam.plan_id,
        parts["need"]["id"],
        parts["measure"]["id"],
        parts["goal"]["id"],
    )
    cases: list[tuple[str, dict[str, Any], tuple[str, str | None]]] = [
        ("createPlan", {"childId": fam.child_id, "periodStart": start()}, ("DUPLICATE", "childId")),
        (
            "createPlan",
            {"childId": other.child_id, "periodStart": days(0), "periodEnd": days(-1)},
            ("INVALID_DATE_RANGE", "periodEnd"),
        ),
        (
            "createPlan",
            {"childId": other.child_id, "periodStart": days(0), "nextRevisionOn": days(-5)},
            ("INVALID_DATE", "nextRevisionOn"),
        ),
        (
            "createPlan",
            {"childId": other.child_id, "periodStart": "1900-01-01"},
            ("INVALID_DATE", "periodStart"),
        ),
        ("createPlan", {"childId": NOWHERE, "periodStart": days(0)}, ("NOT_FOUND", "childId")),
        (
            "updatePlan",
            {"id": plan, "version": 1, "periodEnd": "2000-01-01"},
            ("INVALID_DATE_RANGE", "periodEnd"),
        ),
        (
            "updatePlan",
            {"id": plan, "version": 1, "periodStart": None},
            ("REQUIRED", "periodStart"),
        ),
        (
            "addNeed",
            {"planId": plan, "lifeArea": "HEALTH", "description": "  "},
            ("REQUIRED", "description"),
        ),
        (
            "addNeed",
            {"planId": plan, "lifeArea": "HEALTH", "description": "Skjult\u202etekst"},
            ("INVALID", "description"),
        ),
        (
            "addNeed",
            {"planId": NOWHERE, "lifeArea": "HEALTH", "description": "x"},
            ("NOT_FOUND", "planId"),
        ),
        (
            "addGoal",
            {"planId": plan, "text": "Mål", "inWhoseWords": "FAMILY", "needIds": []},
            ("REQUIRED", "needIds"),
        ),
        (
            "addGoal",
            {"planId": plan, "text": "Mål", "inWhoseWords": "FAMILY", "needIds": [NOWHERE]},
            ("NOT_FOUND", "needIds"),
        ),
        (
            "addGoal",
            {
                "planId": plan,
                "text": "Mål",
                "inWhoseWords": "FAMILY",
                "needIds": [need],
                "evaluationEveryWeeks": 0,
            },
            ("INVALID", "evaluationEveryWeeks"),
        ),
        (
            "addMeasure",
            {"planId": plan, "title": "Uten grunn", "provision": "IN_HOUSE"},
            ("REASON_REQUIRED", "needIds"),
        ),
        (
            "addMeasure",
            {
                "planId": plan,
                "title": "Baklengs",
                "provision": "IN_HOUSE",
                "needIds": [need],
                "startsOn": days(10),
                "endsOn": days(1),
            },
            ("INVALID_DATE_RANGE", "endsOn"),
        ),
        (
            "addMeasure",
            {
                "planId": plan,
                "title": "Negativ",
                "provision": "IN_HOUSE",
                "needIds": [need],
                "monthlyCost": -1,
            },
            ("INVALID", "monthlyCost"),
        ),
        (
            "addMeasure",
            {"planId": plan, "provision": "IN_HOUSE", "needIds": [need]},
            ("REQUIRED", "title"),
        ),
        (
            "addMeasure",
            {"planId": plan, "title": "Hvem?", "needIds": [need]},
            ("REQUIRED", "provision"),
        ),
        (
            "addMeasure",
            {
                "planId": plan,
                "title": "Fremmed",
                "provision": "IN_HOUSE",
                "needIds": [need],
                "responsibleMemberId": other.members["teacher"],
            },
            ("NOT_FOUND", "responsibleMemberId"),
        ),
        (
            "addMeasure",
            {
                "planId": plan,
                "title": "Katalog",
                "provision": "IN_HOUSE",
                "needIds": [need],
                "catalogueMeasureId": NOWHERE,
            },
            ("NOT_FOUND", "catalogueMeasureId"),
        ),
        (
            "addMeasure",
            {
                "planId": plan,
                "title": "Annen plan",
                "provision": "IN_HOUSE",
                "goalIds": [NOWHERE],
            },
            ("NOT_FOUND", "goalIds"),
        ),
        (
            "updateMeasure",
            {"id": measure, "version": 1, "needIds": [], "goalIds": []},
            ("REASON_REQUIRED", "needIds"),
        ),
        (
            "updateMeasure",
            {"id": measure, "version": 1, "endsOn": "2000-01-01"},
            ("INVALID_DATE_RANGE", "endsOn"),
        ),
        (
            "recordEvaluation",
            {
                "measureId": measure,
                "evaluatedOn": start(40),
                "observed": "Før start",
                "decision": "CONTINUE",
            },
            ("INVALID_DATE", "evaluatedOn"),
        ),
        (
            "recordEvaluation",
            {"measureId": measure, "evaluatedOn": days(3), "observed": "x", "decision": "END"},
            ("INVALID_DATE", "evaluatedOn"),
        ),
        (
            "recordEvaluation",
            {
                "goalId": goal,
                "evaluatedOn": days(0),
                "score": 3,
                "observed": "x",
                "decision": "CONTINUE",
            },
            ("INVALID", "score"),
        ),
        (
            "recordEvaluation",
            {
                "goalId": goal,
                "evaluatedOn": days(0),
                "score": -3,
                "observed": "x",
                "decision": "CONTINUE",
            },
            ("INVALID", "score"),
        ),
        (
            "recordEvaluation",
            {"evaluatedOn": days(0), "observed": "x", "decision": "CONTINUE"},
            ("REQUIRED", "goalId"),
        ),
        (
            "recordEvaluation",
            {
                "goalId": goal,
                "measureId": measure,
                "evaluatedOn": days(0),
                "observed": "x",
                "decision": "CONTINUE",
            },
            ("INVALID", "measureId"),
        ),
        (
            "recordEvaluation",
            {
                "goalId": goal,
                "evaluatedOn": days(0),
                "observed": "x",
                "decision": "CONTINUE",
                "participantMemberIds": [other.members["parent"]],
            },
            ("NOT_FOUND", "participantMemberIds"),
        ),
        (
            "addTask",
            {
                "planId": plan,
                "title": "Utenfor",
                "assigneeMemberId": other.members["teacher"],
                "dueOn": days(3),
            },
            ("NOT_FOUND", "assigneeMemberId"),
        ),
        (
            "addTask",
            {"planId": plan, "title": "Ingen", "assigneeMemberId": "x", "dueOn": days(3)},
            ("NOT_FOUND", "assigneeMemberId"),
        ),
        (
            "addTask",
            {
                "planId": plan,
                "title": " ",
                "assigneeMemberId": fam.members["parent"],
                "dueOn": days(3),
            },
            ("REQUIRED", "title"),
        ),
        (
            "addChildVoice",
            {"planId": plan, "text": "x", "form": "WRITTEN", "goalId": goal, "measureId": measure},
            ("INVALID", "measureId"),
        ),
        (
            "addChildVoice",
            {"planId": plan, "text": "x", "form": "WRITTEN", "goalId": NOWHERE},
            ("NOT_FOUND", "goalId"),
        ),
        (
            "recordDisagreement",
            {"planId": plan, "text": "x", "evaluationId": NOWHERE},
            ("NOT_FOUND", "evaluationId"),
        ),
        ("recordDisagreement", {"planId": plan, "text": ""}, ("REQUIRED", "text")),
    ]
    for name, fields, expected in cases:
        as_ = world.parent if name in ("addChildVoice", "recordDisagreement") else world.coordinator
        before = await plan_rows(api)
        payload = await call(api, name, as_, **fields)
        assert expected in codes(payload), (name, fields, payload["errors"])
        assert all(e["message"] for e in payload["errors"])
        key = next(k for k in payload if k != "errors")
        assert payload[key] is None, name
        assert await plan_rows(api) == before, (name, fields)


async def test_messages_in_each_language(api: Api, world: World) -> None:
    fam, parts = await _setup(api, world)
    fields = {"planId": fam.plan_id, "title": "Uten grunn", "provision": "IN_HOUSE"}
    messages = {}
    for language in ("nb", "nn", "en"):
        payload = await call(api, "addMeasure", world.coordinator, language=language, **fields)
        (error,) = payload["errors"]
        assert (error["code"], error["field"]) == ("REASON_REQUIRED", "needIds")
        messages[language] = error["message"]
    assert messages == {
        "nb": "Tiltaket må vise til minst ett behov eller mål det skal hjelpe på.",
        "nn": "Tiltaket må vise til minst eitt behov eller mål det skal hjelpe på.",
        "en": "A measure must name at least one need or goal it serves.",
    }
    score = {
        "goalId": parts["goal"]["id"],
        "evaluatedOn": days(0),
        "score": 5,
        "observed": "x",
        "decision": "CONTINUE",
    }
    english = await call(api, "recordEvaluation", world.coordinator, language="en", **score)
    nynorsk = await call(api, "recordEvaluation", world.coordinator, language="nn", **score)
    assert english["errors"][0]["message"] == "Goal attainment is scored from -2 to +2."
    assert nynorsk["errors"][0]["message"] == "Måloppnåinga blir skåra frå -2 til +2."
    before = await call(
        api,
        "recordEvaluation",
        world.coordinator,
        language="en",
        measureId=parts["measure"]["id"],
        evaluatedOn=start(40),
        observed="x",
        decision="CONTINUE",
    )
    assert before["errors"][0]["message"] == "The evaluation cannot be before the measure starts."


async def test_caps_refuse_before_any_work(api: Api, world: World) -> None:
    fam, parts = await _setup(api, world)
    before = await plan_rows(api)
    too_long = await api.raw(
        mutation_document("addNeed"),
        {"input": {"planId": fam.plan_id, "lifeArea": "HEALTH", "description": "x" * 4001}},
        as_=world.coordinator,
    )
    error = too_long.json()["errors"][0]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == (
        "TOO_LONG",
        "description",
    )
    too_many = await api.raw(
        mutation_document("addGoal"),
        {
            "input": {
                "planId": fam.plan_id,
                "text": "Mål",
                "inWhoseWords": "FAMILY",
                "needIds": [parts["need"]["id"]] * 51,
            }
        },
        as_=world.coordinator,
    )
    error = too_many.json()["errors"][0]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("TOO_MANY", "needIds")
    assert await plan_rows(api) == before


async def test_a_plan_holds_at_most_500_of_a_kind(api: Api, world: World) -> None:
    fam, _ = await _setup(api, world)  # one need, and 499 more below
    async with api.aut.db.writing() as session:
        for n in range(499):
            session.add(
                PlanNeed(
                    plan_id=uuid.UUID(fam.plan_id),
                    child_id=uuid.UUID(fam.child_id),
                    life_area="health",
                    description=f"Behov {n}",
                    category="general",
                )
            )
    before = await plan_rows(api)
    payload = await call(
        api,
        "addNeed",
        world.coordinator,
        planId=fam.plan_id,
        lifeArea="HEALTH",
        description="Ett for mye.",
    )
    assert codes(payload) == [("TOO_MANY", "planId")]
    assert await plan_rows(api) == before


async def test_outsiders_and_other_childrens_ids_get_not_found(api: Api, world: World) -> None:
    fam, parts = await _setup(api, world)
    before = await plan_rows(api)
    for name, fields in [
        ("addNeed", {"planId": fam.plan_id, "lifeArea": "HEALTH", "description": "x"}),
        ("updateNeed", {"id": parts["need"]["id"], "version": 1, "description": "x"}),
        ("confirmPlan", {"planId": fam.plan_id, "revision": 4}),
        ("updatePlan", {"id": fam.plan_id, "version": 1, "familySummary": "x"}),
    ]:
        payload = await call(api, name, world.outsider_staff, **fields)
        field = "planId" if "planId" in fields else "id"
        assert codes(payload) == [("NOT_FOUND", field)], name
        nowhere = await call(api, name, world.outsider_staff, **{**fields, field: NOWHERE})
        assert payload["errors"] == nowhere["errors"]
    assert await plan_rows(api) == before
