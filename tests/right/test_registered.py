"""Requests for a registered child: who may submit, decide and appeal, the trail on the
child, the access log and the caps."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlmodel import col, select

from backend.audit.access_log import AccessLogEntry
from backend.network.models import NetworkMember
from backend.right.models import CoordinatorDecision
from tests.conftest import Api, World
from tests.plan.support import family
from tests.right.support import CHILD, NOWHERE, ONE, call, codes, ok, refuse, rows

SITUATION = "Emma trenger hjelp med skole, helse og avlastning samtidig."


async def test_guardian_submits_unit_grants_and_coordinator_is_assigned(
    api: Api, world: World
) -> None:
    fam = await family(api, world)
    request = await ok(
        api,
        "submitCoordinatorRequest",
        world.parent,
        childId=fam.child_id,
        situation=SITUATION,
        servicesInvolved=["Skolen", "BUP"],
    )
    assert request["submittedBy"] == "GUARDIAN" and request["child"]["id"] == fam.child_id
    # A second open request for the same child is refused.
    again = await call(
        api, "submitCoordinatorRequest", world.parent, childId=fam.child_id, situation="x"
    )
    assert codes(again) == [("DUPLICATE", "childId")]
    granted = await ok(
        api,
        "decideCoordinatorRequest",
        world.coordinator,
        requestId=request["id"],
        version=request["version"],
        outcome="GRANTED",
        coordinatorPersonId=str(world.coordinator2.id),
    )
    assert granted["status"] == "GRANTED"
    async with api.aut.db.reading() as session:
        coordinators = (
            await session.exec(
                select(NetworkMember.person_id).where(
                    NetworkMember.child_id == uuid.UUID(fam.child_id),
                    NetworkMember.role == "coordinator",
                    col(NetworkMember.ended_at).is_(None),
                )
            )
        ).all()
    assert coordinators == [world.coordinator2.id]
    # The trail on the child, for the family.
    data = await api.gql(CHILD, {"id": fam.child_id}, as_=world.parent)
    assert [r["id"] for r in data["child"]["coordinatorRequests"]] == [request["id"]]
    # Deciding again is refused: the request no longer awaits a decision.
    payload = await call(
        api,
        "decideCoordinatorRequest",
        world.coordinator,
        requestId=request["id"],
        version=granted["version"],
        outcome="REFUSED",
        reasons="x",
        legalBasis="y",
    )
    assert codes(payload) == [("NOT_AWAITING_DECISION", "requestId")]


async def test_barnevern_is_never_the_coordinator(api: Api, world: World) -> None:
    fam = await family(api, world)
    request = await ok(
        api, "submitCoordinatorRequest", world.parent, childId=fam.child_id, situation=SITUATION
    )
    before = await rows(api)
    payload = await call(
        api,
        "decideCoordinatorRequest",
        world.coordinator,
        requestId=request["id"],
        version=request["version"],
        outcome="GRANTED",
        coordinatorPersonId=str(world.caseworker.id),
    )
    assert codes(payload) == [("NOT_ALLOWED", "coordinatorPersonId")]
    assert await rows(api) == before


async def test_outsiders_get_the_answer_of_a_child_that_exists_nowhere(
    api: Api, world: World
) -> None:
    fam = await family(api, world)
    nowhere = await call(
        api, "submitCoordinatorRequest", world.outsider_staff, childId=NOWHERE, situation="x"
    )
    real = await call(
        api, "submitCoordinatorRequest", world.outsider_staff, childId=fam.child_id, situation="x"
    )
    assert (
        nowhere["errors"]
        == real["errors"]
        == [{"code": "NOT_FOUND", "field": "childId", "message": "Fant ikke det du ba om."}]
    )
    # The probe is in the child's access log.
    async with api.aut.db.reading() as session:
        logged = (
            await session.exec(
                select(AccessLogEntry).where(
                    AccessLogEntry.child_id == uuid.UUID(fam.child_id),
                    AccessLogEntry.actor_person_id == world.outsider_staff.id,
                )
            )
        ).all()
    assert logged and logged[-1].refused


async def test_reads_are_in_the_childs_access_log(api: Api, world: World) -> None:
    fam = await family(api, world)
    request = await ok(
        api, "submitCoordinatorRequest", world.parent, childId=fam.child_id, situation=SITUATION
    )
    other_unit_reads = await api.gql(ONE, {"id": request["id"]}, as_=world.teacher)
    assert other_unit_reads["coordinatorRequest"] is None
    missing = await api.gql(ONE, {"id": NOWHERE}, as_=world.teacher)
    assert missing == other_unit_reads
    await api.gql(ONE, {"id": request["id"]}, as_=world.coordinator)
    async with api.aut.db.reading() as session:
        logged = (
            await session.exec(
                select(AccessLogEntry).where(AccessLogEntry.child_id == uuid.UUID(fam.child_id))
            )
        ).all()
    coordinator = [e for e in logged if e.actor_person_id == world.coordinator.id]
    teacher = [e for e in logged if e.actor_person_id == world.teacher.id]
    assert "coordinatorRequest" in coordinator[-1].what and not coordinator[-1].refused
    assert "coordinatorRequest" in teacher[-1].refused and not teacher[-1].what


async def test_reversal_grants_with_the_coordinator(api: Api, world: World) -> None:
    fam = await family(api, world)
    request = await ok(
        api, "submitCoordinatorRequest", world.parent, childId=fam.child_id, situation=SITUATION
    )
    refused = await refuse(api, world, request)
    decision = refused["decisions"][0]
    # The other parent has no parental responsibility: no appeal (and no read).
    payload = await call(
        api, "appealDecision", world.other_parent, decisionId=decision["id"], grounds="Nei"
    )
    assert codes(payload) == [("NOT_FOUND", "decisionId")]
    appealed = await ok(
        api, "appealDecision", world.parent, decisionId=decision["id"], grounds="Vi er uenige."
    )
    appeal = appealed["appeals"][0]
    payload = await call(
        api,
        "reassessAppeal",
        world.coordinator,
        appealId=appeal["id"],
        version=appeal["version"],
        outcome="REVERSED",
        reasons="Ny vurdering.",
    )
    assert codes(payload) == [("REQUIRED", "coordinatorPersonId")]
    reversed_ = await ok(
        api,
        "reassessAppeal",
        world.coordinator,
        appealId=appeal["id"],
        version=appeal["version"],
        outcome="REVERSED",
        reasons="Ny vurdering: barnet har behov for koordinerte tjenester.",
        coordinatorPersonId=str(world.coordinator2.id),
    )
    assert reversed_["status"] == "GRANTED"
    assert [d["outcome"] for d in reversed_["decisions"]] == ["REFUSED", "GRANTED"]
    assert reversed_["appeals"][0]["reassessment"] == "REVERSED"
    # An appeal on the old refusal is no longer possible: it is not the latest decision.
    payload = await call(
        api, "appealDecision", world.parent, decisionId=decision["id"], grounds="Igjen"
    )
    assert codes(payload) == [("APPEAL_NOT_POSSIBLE", "decisionId")]
    payload = await call(
        api,
        "appealDecision",
        world.parent,
        decisionId=reversed_["decisions"][1]["id"],
        grounds="Igjen",
    )
    assert codes(payload) == [("APPEAL_NOT_POSSIBLE", "decisionId")]


async def test_a_late_appeal_is_recorded_and_marked_late(api: Api, world: World) -> None:
    fam = await family(api, world)
    request = await ok(
        api, "submitCoordinatorRequest", world.parent, childId=fam.child_id, situation=SITUATION
    )
    refused = await refuse(api, world, request)
    decision_id = uuid.UUID(refused["decisions"][0]["id"])
    # The family was told six weeks ago: the deadline has passed.
    async with api.aut.db.writing() as session:
        row = await session.get(CoordinatorDecision, decision_id)
        assert row is not None
        row.decided_at = row.family_told_at = row.decided_at - dt.timedelta(weeks=6)
        row.appeal_deadline = (row.decided_at + dt.timedelta(weeks=4)).date()
        session.add(row)
        deadline = row.appeal_deadline
    appealed = await ok(
        api, "appealDecision", world.parent, decisionId=str(decision_id), grounds="For sent, men."
    )
    assert appealed["appeals"][0]["late"] is True
    assert appealed["appeals"][0]["deadline"] == deadline.isoformat()


async def test_caps_refuse_before_any_work(api: Api, world: World) -> None:
    fam = await family(api, world)
    before = await rows(api)
    document = """mutation($input: SubmitCoordinatorRequestInput!) {
      submitCoordinatorRequest(input: $input) { request { id } errors { code field } } }"""
    for fields, code in (
        ({"situation": "x" * 4001}, "TOO_LONG"),
        ({"situation": "x", "servicesInvolved": ["s"] * 21}, "TOO_MANY"),
        ({"situation": "x", "servicesInvolved": ["s" * 201]}, "TOO_LONG"),
    ):
        response = await api.raw(
            document, {"input": {"childId": fam.child_id, **fields}}, as_=world.parent
        )
        body = response.json()
        assert body["errors"][0]["extensions"]["code"] == code, body
    assert await rows(api) == before


async def test_next_step_in_the_readers_language(api: Api, world: World) -> None:
    fam = await family(api, world)
    request = await ok(
        api, "submitCoordinatorRequest", world.parent, childId=fam.child_id, situation=SITUATION
    )
    texts = {}
    for language in ("nb", "nn", "en"):
        data = await api.gql(ONE, {"id": request["id"]}, as_=world.parent, language=language)
        texts[language] = data["coordinatorRequest"]["nextStep"]
    assert texts["nb"].startswith("Koordinerende enhet")
    assert texts["nn"].startswith("Koordinerande eining")
    assert texts["en"].startswith("The kommune's coordinating unit")


async def test_the_child_from_12_is_told_of_the_decision_not_before(api: Api, world: World) -> None:
    from backend.identity.models import Person
    from backend.notify.models import Notification

    told: dict[int, set[str]] = {}
    for serial, age in enumerate((11, 13)):
        fam = await family(api, world, age=age, serial=serial, child_member=True)
        request = await ok(
            api, "submitCoordinatorRequest", world.parent, childId=fam.child_id, situation="Hjelp."
        )
        await refuse(api, world, request)
        async with api.aut.db.reading() as session:
            rows = (
                await session.exec(
                    select(Person.name)
                    .join(Notification, col(Notification.recipient_person_id) == col(Person.id))
                    .where(
                        Notification.kind == "right.decided",
                        Notification.channel == "in_app",
                        Notification.child_id == uuid.UUID(fam.child_id),
                    )
                )
            ).all()
        told[age] = set(rows)
    # The guardian with parental responsibility always; the child only from 12.
    assert told[11] == {world.parent.name}
    assert told[13] == {world.parent.name, "Emma Testesen"}
