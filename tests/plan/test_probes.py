"""The plan and the catalogue probed from outside, as the family, the services and an
attacker would: every answer is read over HTTP GraphQL, nothing is asked of the code inside.

Each probe states what must not reach whom; a leak found by a probe is fixed where the
decision is made (backend/plan, backend/catalogue), and the probe keeps it fixed.
"""

from __future__ import annotations

import json
from typing import Any

from backend.catalogue.models import CatalogueMeasureRow
from backend.core.clock import today
from tests.conftest import Api, World
from tests.helpers import add_member
from tests.plan.support import (
    NOWHERE,
    call,
    codes,
    family,
    ok,
    plan_rows,
    read_plan,
    read_plan_at,
    start,
    with_plan,
    young_person,
)
from tests.plan.test_who_sees_what import (
    CATEGORIES,
    _parts_in_every_category,
    _reader_matrix,
)

CATALOGUE = """query($m: ID!) { measureCatalogue(municipalityId: $m) {
  id title provider municipality { name } } }"""
MEASURE_ENTRY = """query($id: ID!) { child(id: $id) { plan { measures {
  title catalogueMeasure { id municipalityId title provider municipality { name }
    inHouseAlternative { id municipalityId provider } } } } } }"""


async def _entry(api: Api, world: World, **fields: Any) -> CatalogueMeasureRow:
    async with api.aut.db.writing() as session:
        entry = CatalogueMeasureRow(
            municipality_id=world.municipality.id,
            life_areas=["home_and_family"],
            **fields,
        )
        session.add(entry)
    return entry


async def _measures(api: Api, child_id: str, as_: Any) -> list[dict[str, Any]]:
    data = await api.gql(MEASURE_ENTRY, {"id": child_id}, as_=as_)
    return list(data["child"]["plan"]["measures"])


async def test_a_protected_familys_catalogue_measure_tells_nobody_where_it_lives(
    api: Api, world: World
) -> None:
    """Kode 7: the kommune and its providers are location. A measure picked from the
    kommune's catalogue names the kommune (`municipalityId`, which opens that kommune's
    catalogue and its name), its provider and its in-house alternative: only those who may
    know where the family lives see the entry."""
    fam = await family(api, world, protection="CONFIDENTIAL")
    await with_plan(api, world, fam)
    own = await _entry(
        api, world, title="Avlastning i egen regi", provision="in_house", provider="Testvik bolig"
    )
    bought = await _entry(
        api,
        world,
        title="Kjøpt avlastning",
        provision="private_provider",
        provider="Kystlys Omsorg AS",
        in_house_alternative_id=own.id,
    )
    need = await ok(
        api,
        "addNeed",
        world.coordinator,
        planId=fam.plan_id,
        lifeArea="HOME_AND_FAMILY",
        description="Avlastning.",
    )
    await ok(
        api,
        "addMeasure",
        world.coordinator,
        planId=fam.plan_id,
        catalogueMeasureId=str(bought.id),
        needIds=[need["id"]],
        category="GENERAL",
    )
    # The guardian with parental responsibility and the coordinating unit's coordinator
    # know where the family lives.
    for entitled in (world.parent, world.coordinator):
        (measure,) = await _measures(api, fam.child_id, entitled)
        entry = measure["catalogueMeasure"]
        assert entry is not None
        assert entry["provider"] == "Kystlys Omsorg AS"
        assert entry["municipality"] == {"name": "Testvik kommune"}
    # The other parent and the other services read the measure (a general part), never
    # the entry that tells the kommune.
    for reader in (world.other_parent, world.teacher, world.doctor, fam.nav_worker):
        (measure,) = await _measures(api, fam.child_id, reader)
        assert measure["title"] == "Kjøpt avlastning"
        assert measure["catalogueMeasure"] is None, reader.name
        # Nor does the kommune's catalogue answer them with the kommune's name by the id
        # they could have taken from the entry.
        listed = (await api.gql(CATALOGUE, {"m": str(world.municipality.id)}, as_=reader))[
            "measureCatalogue"
        ]
        text = json.dumps(listed, ensure_ascii=False)
        if reader is world.other_parent:
            assert "Testvik" not in text and "Kystlys" not in text, text


async def test_a_part_moved_to_health_leaves_the_history_and_earlier_revisions(
    api: Api, world: World
) -> None:
    """A need first written as general and then moved to health (the coordinator saw it is
    health information) is health information on every path: the list, the history's
    lines and every earlier revision read back through planAt."""
    fam = await family(api, world)
    await with_plan(api, world, fam)
    need = await ok(
        api,
        "addNeed",
        world.coordinator,
        planId=fam.plan_id,
        lifeArea="HEALTH",
        description="Epilepsi, anfall om natta",
        category="GENERAL",
    )
    measure = await ok(
        api,
        "addMeasure",
        world.coordinator,
        planId=fam.plan_id,
        title="Anfallsplan på skolen",
        provision="IN_HOUSE",
        needIds=[need["id"]],
        category="GENERAL",
    )
    then = (await read_plan(api, fam.child_id, world.coordinator) or {})["revision"]
    await ok(
        api,
        "updateNeed",
        world.coordinator,
        id=need["id"],
        version=need["version"],
        category="HEALTH",
    )
    await ok(
        api,
        "updateMeasure",
        world.coordinator,
        id=measure["id"],
        version=measure["version"],
        category="HEALTH",
    )
    for reader in (world.teacher, world.other_parent, fam.nav_worker):
        now = await read_plan(api, fam.child_id, reader)
        assert now is not None
        assert now["needs"] == [] and now["measures"] == [], reader.name
        earlier = await read_plan_at(api, fam.child_id, then, reader)
        assert earlier is not None
        for plan in (now, earlier):
            text = json.dumps(plan, ensure_ascii=False)
            assert "Epilepsi" not in text and "Anfallsplan" not in text, (reader.name, text)
    # Those who read health still see it, then and now.
    for reader in (world.doctor, world.parent):
        earlier = await read_plan_at(api, fam.child_id, then, reader)
        assert earlier is not None
        assert [n["description"] for n in earlier["needs"]] == ["Epilepsi, anfall om natta"]
        now = await read_plan(api, fam.child_id, reader)
        assert now is not None
        assert any("Epilepsi" in h["summary"] for h in now["history"]), reader.name


async def test_a_child_who_withheld_health_keeps_it_from_the_guardians(
    api: Api, world: World
) -> None:
    """At 13 the child asked that health information be withheld: the guardians see no
    health part on any path (lists, links, counts, history, earlier revisions)."""
    fam = await family(api, world, age=13, child_member=True)
    await with_plan(api, world, fam)
    await _parts_in_every_category(api, world, fam)
    me = await young_person(api, world, fam)
    data = await api.gql(
        "mutation($input: SetHealthWithholdingInput!) { setHealthWithholding(input: $input) "
        "{ errors { code field } } }",
        {"input": {"childId": fam.child_id, "withhold": True}},
        as_=me,
    )
    assert data["setHealthWithholding"]["errors"] == []
    everything = set(CATEGORIES)
    await _reader_matrix(
        api,
        fam,
        {
            "coordinator": (world.coordinator, everything - {"BARNEVERN"}),
            "the child at 13": (me, everything),
            "guardian with parental responsibility": (world.parent, everything - {"HEALTH"}),
            "guardian without parental responsibility": (world.other_parent, {"GENERAL"}),
        },
    )
    plan = await read_plan(api, fam.child_id, world.parent)
    text = json.dumps(plan, ensure_ascii=False)
    for marker in ("Dag Doktor", "Testvik sykehus", "Behov HEALTH", "Tiltak HEALTH"):
        assert marker not in text, marker


async def test_the_father_without_parental_responsibility_decides_nothing(
    api: Api, world: World
) -> None:
    fam = await family(api, world)
    plan = await with_plan(api, world, fam)
    said = await ok(api, "recordDisagreement", world.parent, planId=fam.plan_id, text="Uenig.")
    before = await plan_rows(api)
    father = world.other_parent
    for name, fields, field in [
        ("updatePlan", {"id": fam.plan_id, "version": plan["version"], "familySummary": "x"}, None),
        ("confirmPlan", {"planId": fam.plan_id, "revision": plan["revision"] + 1}, None),
        ("addChildVoice", {"planId": fam.plan_id, "text": "x", "form": "TOLD"}, None),
        ("recordDisagreement", {"planId": fam.plan_id, "text": "x"}, None),
        ("raiseDisagreement", {"id": said["id"], "version": said["version"]}, None),
        (
            "addNeed",
            {"planId": fam.plan_id, "lifeArea": "HEALTH", "description": "x"},
            None,
        ),
    ]:
        payload = await call(api, name, father, **fields)
        assert codes(payload) == [("NOT_ALLOWED", field)], name
    assert await plan_rows(api) == before


async def test_links_and_people_of_another_child_or_no_longer_here_are_not_found(
    api: Api, world: World
) -> None:
    """Ids of another child's needs, goals, measures, evaluations and members, and an
    ended membership, are answered like ids that exist nowhere, and nothing is written."""
    fam = await family(api, world, barnevern=False)
    await with_plan(api, world, fam)
    other = await family(api, world, serial=1, barnevern=False)
    await with_plan(api, world, other)
    theirs_need = await ok(
        api,
        "addNeed",
        world.coordinator,
        planId=other.plan_id,
        lifeArea="SCHOOL",
        description="Søskens behov",
    )
    theirs_goal = await ok(
        api,
        "addGoal",
        world.coordinator,
        planId=other.plan_id,
        text="Søskens mål",
        inWhoseWords="FAMILY",
        needIds=[theirs_need["id"]],
    )
    theirs_measure = await ok(
        api,
        "addMeasure",
        world.coordinator,
        planId=other.plan_id,
        title="Søskens tiltak",
        provision="IN_HOUSE",
        needIds=[theirs_need["id"]],
    )
    theirs_evaluation = await ok(
        api,
        "recordEvaluation",
        world.coordinator,
        measureId=theirs_measure["id"],
        evaluatedOn=today().isoformat(),
        observed="x",
        decision="CONTINUE",
    )
    need = await ok(
        api,
        "addNeed",
        world.coordinator,
        planId=fam.plan_id,
        lifeArea="SCHOOL",
        description="Behov",
    )
    measure = await ok(
        api,
        "addMeasure",
        world.coordinator,
        planId=fam.plan_id,
        title="Tiltak",
        provision="IN_HOUSE",
        needIds=[need["id"]],
    )
    # A member who left, and a member of the other child's network only.
    psychologist = await add_member(
        api,
        world.coordinator,
        fam.child_id,
        role="MEMBER",
        personId=str(world.psychologist.id),
        serviceId=str(world.ppt.id),
    )
    member_id = psychologist["id"]
    version = psychologist["version"]
    ended = await api.gql(
        "mutation($input: EndNetworkMembershipInput!) { endNetworkMembership(input: $input) "
        "{ errors { code } } }",
        {"input": {"id": member_id, "version": version}},
        as_=world.coordinator,
    )
    assert ended["endNetworkMembership"]["errors"] == []
    elsewhere = other.members["teacher"]
    before = await plan_rows(api)
    due = today().isoformat()
    probes: list[tuple[str, dict[str, Any], str, str]] = [
        # (mutation, input, the field, the other child's id put there)
        ("addGoal", {"planId": fam.plan_id, "text": "x", "inWhoseWords": "FAMILY"}, "needIds", ""),
        (
            "addMeasure",
            {"planId": fam.plan_id, "title": "x", "provision": "IN_HOUSE"},
            "needIds",
            "",
        ),
        (
            "addMeasure",
            {"planId": fam.plan_id, "title": "x", "provision": "IN_HOUSE"},
            "goalIds",
            "",
        ),
        (
            "updateMeasure",
            {"id": measure["id"], "version": measure["version"]},
            "needIds",
            "",
        ),
        (
            "addTask",
            {
                "planId": fam.plan_id,
                "title": "x",
                "dueOn": due,
                "assigneeMemberId": fam.members["teacher"],
            },
            "measureId",
            theirs_measure["id"],
        ),
        (
            "addTask",
            {"planId": fam.plan_id, "title": "x", "dueOn": due},
            "assigneeMemberId",
            elsewhere,
        ),
        (
            "addTask",
            {"planId": fam.plan_id, "title": "x", "dueOn": due},
            "assigneeMemberId",
            member_id,
        ),
        (
            "addMeasure",
            {"planId": fam.plan_id, "title": "x", "provision": "IN_HOUSE", "needIds": [need["id"]]},
            "responsibleMemberId",
            elsewhere,
        ),
        (
            "recordEvaluation",
            {
                "measureId": measure["id"],
                "evaluatedOn": due,
                "observed": "x",
                "decision": "CONTINUE",
            },
            "participantMemberIds",
            elsewhere,
        ),
        (
            "addChildVoice",
            {"planId": fam.plan_id, "text": "x", "form": "TOLD"},
            "goalId",
            theirs_goal["id"],
        ),
        (
            "recordDisagreement",
            {"planId": fam.plan_id, "text": "x"},
            "evaluationId",
            theirs_evaluation["id"],
        ),
        (
            "recordDisagreement",
            {"planId": fam.plan_id, "text": "x"},
            "measureId",
            theirs_measure["id"],
        ),
    ]
    for name, fields, field, value in probes:
        if field in ("needIds", "goalIds"):
            theirs = theirs_need["id"] if field == "needIds" else theirs_goal["id"]
            asked: Any = [theirs]
            nowhere: Any = [NOWHERE]
        elif field == "participantMemberIds":
            asked, nowhere = [value], [NOWHERE]
        else:
            asked, nowhere = value, NOWHERE
        # The coordinator (and the guardian, who disagrees) is in both networks.
        writer = world.parent if name == "recordDisagreement" else world.coordinator
        payload = await call(api, name, writer, **{**fields, field: asked})
        assert codes(payload) == [("NOT_FOUND", field)], (name, field, payload["errors"])
        missing = await call(api, name, writer, **{**fields, field: nowhere})
        assert payload["errors"] == missing["errors"], (name, field)
    assert await plan_rows(api) == before


async def test_an_outsider_with_a_guessed_id_learns_nothing(api: Api, world: World) -> None:
    """Every write by someone outside the network, with a real plan's or part's id, is
    answered exactly like the same write with an id that exists nowhere."""
    fam = await family(api, world, barnevern=False)
    plan = await with_plan(api, world, fam)
    need = await ok(
        api, "addNeed", world.coordinator, planId=fam.plan_id, lifeArea="SCHOOL", description="x"
    )
    goal = await ok(
        api,
        "addGoal",
        world.coordinator,
        planId=fam.plan_id,
        text="x",
        inWhoseWords="FAMILY",
        needIds=[need["id"]],
    )
    measure = await ok(
        api,
        "addMeasure",
        world.coordinator,
        planId=fam.plan_id,
        title="x",
        provision="IN_HOUSE",
        needIds=[need["id"]],
    )
    task = await ok(
        api,
        "addTask",
        world.coordinator,
        planId=fam.plan_id,
        title="x",
        dueOn=today().isoformat(),
        assigneeMemberId=fam.members["teacher"],
    )
    said = await ok(api, "recordDisagreement", world.parent, planId=fam.plan_id, text="x")
    due = start(10)
    writes: list[tuple[str, dict[str, Any], str]] = [
        ("createPlan", {"childId": fam.child_id, "periodStart": due}, "childId"),
        ("updatePlan", {"id": fam.plan_id, "version": plan["version"], "familySummary": "x"}, "id"),
        ("confirmPlan", {"planId": fam.plan_id, "revision": plan["revision"]}, "planId"),
        ("addNeed", {"planId": fam.plan_id, "lifeArea": "SCHOOL", "description": "x"}, "planId"),
        ("updateNeed", {"id": need["id"], "version": need["version"], "description": "y"}, "id"),
        (
            "addGoal",
            {"planId": fam.plan_id, "text": "x", "inWhoseWords": "FAMILY", "needIds": [NOWHERE]},
            "planId",
        ),
        ("updateGoal", {"id": goal["id"], "version": goal["version"], "text": "y"}, "id"),
        (
            "addMeasure",
            {"planId": fam.plan_id, "title": "x", "provision": "IN_HOUSE", "needIds": [NOWHERE]},
            "planId",
        ),
        ("updateMeasure", {"id": measure["id"], "version": measure["version"], "title": "y"}, "id"),
        (
            "recordEvaluation",
            {"measureId": measure["id"], "evaluatedOn": due, "observed": "x", "decision": "END"},
            "measureId",
        ),
        (
            "recordEvaluation",
            {"goalId": goal["id"], "evaluatedOn": due, "observed": "x", "decision": "END"},
            "goalId",
        ),
        (
            "addTask",
            {"planId": fam.plan_id, "title": "x", "dueOn": due, "assigneeMemberId": NOWHERE},
            "planId",
        ),
        ("updateTask", {"id": task["id"], "version": task["version"], "status": "DONE"}, "id"),
        ("addChildVoice", {"planId": fam.plan_id, "text": "x", "form": "TOLD"}, "planId"),
        ("recordDisagreement", {"planId": fam.plan_id, "text": "x"}, "planId"),
        ("answerDisagreement", {"id": said["id"], "version": 1, "answer": "x"}, "id"),
        ("raiseDisagreement", {"id": said["id"], "version": 1}, "id"),
    ]
    before = await plan_rows(api)
    for language in ("nb", "nn", "en"):
        for name, fields, field in writes:
            payload = await call(api, name, world.outsider_staff, language, **fields)
            nowhere = await call(
                api, name, world.outsider_staff, language, **{**fields, field: NOWHERE}
            )
            if name == "createPlan":
                assert codes(payload) == [("NOT_FOUND", "childId")]
            else:
                assert codes(payload) == [("NOT_FOUND", field)], (name, payload["errors"])
            assert payload == nowhere, (name, language)
    assert await plan_rows(api) == before


MY_NOTIFICATIONS = """query { myNotifications(first: 50) { edges { node { kind payload } } } }"""


async def _told(api: Api, reader: Any, kind: str) -> list[dict[str, Any]]:
    data = await api.gql(MY_NOTIFICATIONS, {}, as_=reader)
    return [e["node"] for e in data["myNotifications"]["edges"] if e["node"]["kind"] == kind]


async def test_a_doctors_own_word_is_health_and_never_tells_the_coordinator_it_was_said(
    api: Api, world: World
) -> None:
    """A voice or a disagreement about the plan itself (no goal, no measure) recorded by the
    hospital's doctor is health information: that the doctor spoke at all tells of a health
    service in the child's life. A coordinator without health consent neither reads it,
    nor counts it, nor is told of it; the family's own word stays general."""
    fam = await family(api, world, unit_categories=("SCHOOL", "WELFARE", "FAMILY"))
    await with_plan(api, world, fam)
    said = await ok(
        api, "recordDisagreement", world.doctor, planId=fam.plan_id, text="Uenig i medisinering."
    )
    assert said["category"] == "HEALTH"
    heard = await ok(
        api,
        "addChildVoice",
        world.doctor,
        planId=fam.plan_id,
        text="Jeg er redd for sprøyta.",
        form="TOLD",
    )
    assert heard["category"] == "HEALTH"
    for reader in (world.coordinator, world.teacher, fam.nav_worker):
        plan = await read_plan(api, fam.child_id, reader)
        assert plan is not None
        assert plan["disagreements"] == [] and plan["voices"] == [], reader.name
        assert plan["openDisagreementCount"] == 0, reader.name
        text = json.dumps(plan, ensure_ascii=False)
        assert "medisinering" not in text and "sprøyta" not in text, (reader.name, text)
        assert await _told(api, reader, "plan.disagreement_recorded") == [], reader.name
    # The doctor reads their own; the guardian of a 9-year-old reads health.
    for reader in (world.doctor, world.parent):
        plan = await read_plan(api, fam.child_id, reader)
        assert plan is not None
        assert [d["text"] for d in plan["disagreements"]] == ["Uenig i medisinering."]
        assert [v["text"] for v in plan["voices"]] == ["Jeg er redd for sprøyta."]
        assert plan["openDisagreementCount"] == 1
    # The family's own disagreement is general: the coordinator reads it and is told.
    family_said = await ok(
        api, "recordDisagreement", world.parent, planId=fam.plan_id, text="Vi er uenige."
    )
    assert family_said["category"] == "GENERAL"
    plan = await read_plan(api, fam.child_id, world.coordinator)
    assert plan is not None
    assert [d["text"] for d in plan["disagreements"]] == ["Vi er uenige."]
    assert plan["openDisagreementCount"] == 1
    (told,) = await _told(api, world.coordinator, "plan.disagreement_recorded")
    assert told["payload"]["entityId"] == family_said["id"]
