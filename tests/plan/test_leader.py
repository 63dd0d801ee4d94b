"""A disagreement raised to the coordinating unit's leader (enhetsleder): the leader is told,
reads it (and nothing else of the plan), answers it, and the family is told. Over HTTP."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from backend.audit.access_log import AccessLogEntry
from backend.identity.models import Person, PersonKind
from backend.network.models import ServiceProvider, ServiceType
from backend.notify.models import Notification
from tests.conftest import VALID_ORGNR, Api, World
from tests.plan.support import NOWHERE, codes, family, ok, read_plan, with_plan

RAISED = """query { raisedDisagreements { id childName about aboutTitle text raisedByName
  recordedAt raisedToLeaderAt status answer answeredByName answeredAt version } }"""
ANSWER = """mutation($input: AnswerRaisedDisagreementInput!) {
  answerRaisedDisagreement(input: $input) {
    disagreement { id status answer answeredByName version }
    errors { code field message } } }"""


async def _leader(api: Api, world: World, name: str = "Lena Leder") -> Person:
    async with api.aut.db.writing() as session:
        person = Person(
            name=name,
            kind=PersonKind.STAFF.value,
            employer_service_id=world.unit.id,
            municipality_id=world.municipality.id,
            leads_service=True,
        )
        session.add(person)
    return person


async def _other_kommune_leader(api: Api) -> Person:
    from backend.network.models import Municipality

    async with api.aut.db.writing() as session:
        kommune = Municipality(name="Annenvik kommune", number="4602", org_number=VALID_ORGNR[5])
        session.add(kommune)
        await session.flush()
        unit = ServiceProvider(
            name="Koordinerende enhet Annenvik",
            type=ServiceType.COORDINATING_UNIT.value,
            org_number=VALID_ORGNR[4],
            municipality_id=kommune.id,
        )
        session.add(unit)
        await session.flush()
        person = Person(
            name="Anne Annenleder",
            kind=PersonKind.STAFF.value,
            employer_service_id=unit.id,
            municipality_id=kommune.id,
            leads_service=True,
        )
        session.add(person)
    return person


async def _raised(api: Api, world: World) -> tuple[Any, dict[str, Any]]:
    fam = await family(api, world)
    await with_plan(api, world, fam)
    said = await ok(
        api, "recordDisagreement", world.parent, planId=fam.plan_id, text="Vi er uenige i planen."
    )
    answered = await ok(
        api,
        "answerDisagreement",
        world.coordinator,
        id=said["id"],
        version=said["version"],
        answer="Vi fortsetter som planlagt.",
    )
    raised = await ok(
        api, "raiseDisagreement", world.parent, id=said["id"], version=answered["version"]
    )
    return fam, raised


async def _in_app(api: Api, kind: str) -> list[Notification]:
    async with api.aut.db.reading() as session:
        rows = await session.exec(
            select(Notification).where(Notification.kind == kind, Notification.channel == "in_app")
        )
        return list(rows.all())


async def test_the_leader_is_told_reads_and_answers_and_the_family_hears(
    api: Api, world: World
) -> None:
    leader = await _leader(api, world)
    fam, raised = await _raised(api, world)
    (told,) = await _in_app(api, "plan.disagreement_raised_to_leader")
    assert told.recipient_person_id == leader.id
    assert told.child_id is None  # the leader opens their list, not the child
    assert "uenige" not in str(told.payload)

    (item,) = (await api.gql(RAISED, as_=leader))["raisedDisagreements"]
    assert item["id"] == raised["id"]
    assert item["text"] == "Vi er uenige i planen."
    assert item["about"] == "PLAN" and item["status"] == "RAISED"
    assert item["raisedByName"] == world.parent.name
    # The leader is not in the network: the child and its plan stay closed to them.
    assert (
        await api.gql("query($id: ID!) { child(id: $id) { id } }", {"id": fam.child_id}, as_=leader)
    )["child"] is None

    payload = (
        await api.gql(
            ANSWER,
            {
                "input": {
                    "id": item["id"],
                    "version": item["version"],
                    "answer": "Vi endrer tiltaket.",
                    "resolved": True,
                }
            },
            as_=leader,
        )
    )["answerRaisedDisagreement"]
    assert payload["errors"] == []
    assert payload["disagreement"]["status"] == "RESOLVED"
    assert payload["disagreement"]["answeredByName"] == leader.name
    answers = await _in_app(api, "plan.disagreement_answered")
    assert world.parent.id in {n.recipient_person_id for n in answers}
    plan = await read_plan(api, fam.child_id, world.parent)
    assert plan is not None
    (shown,) = [d for d in plan["disagreements"] if d["id"] == raised["id"]]
    assert shown["answer"] == "Vi endrer tiltaket." and shown["status"] == "RESOLVED"

    # The leader's reads are in the child's access log, under their name.
    async with api.aut.db.reading() as session:
        rows = (
            await session.exec(
                select(AccessLogEntry).where(AccessLogEntry.actor_person_id == leader.id)
            )
        ).all()
    assert rows and all(str(r.child_id) == fam.child_id for r in rows)
    assert any("raisedDisagreement" in r.what for r in rows)


async def test_only_the_leader_of_the_childs_kommune_sees_or_answers(
    api: Api, world: World
) -> None:
    await _leader(api, world)
    elsewhere = await _other_kommune_leader(api)
    _, raised = await _raised(api, world)
    # Unit staff who do not lead it, the coordinator, the family, another kommune's leader.
    for who in (world.coordinator2, world.coordinator, world.parent, world.teacher, elsewhere):
        assert (await api.gql(RAISED, as_=who))["raisedDisagreements"] == [], who.name
        payload = (
            await api.gql(
                ANSWER,
                {"input": {"id": raised["id"], "version": raised["version"], "answer": "Nei."}},
                as_=who,
            )
        )["answerRaisedDisagreement"]
        assert codes(payload) == [("NOT_FOUND", "id")], who.name
    # An id that exists nowhere gets the very same answer.
    nowhere = (
        await api.gql(
            ANSWER, {"input": {"id": NOWHERE, "version": 1, "answer": "Nei."}}, as_=elsewhere
        )
    )["answerRaisedDisagreement"]
    assert nowhere["errors"] == payload["errors"]


async def test_a_disagreement_not_raised_is_not_the_leaders(api: Api, world: World) -> None:
    leader = await _leader(api, world)
    fam = await family(api, world)
    await with_plan(api, world, fam)
    said = await ok(api, "recordDisagreement", world.parent, planId=fam.plan_id, text="Uenig.")
    assert (await api.gql(RAISED, as_=leader))["raisedDisagreements"] == []
    payload = (
        await api.gql(
            ANSWER,
            {"input": {"id": said["id"], "version": said["version"], "answer": "Ja."}},
            as_=leader,
        )
    )["answerRaisedDisagreement"]
    assert codes(payload) == [("NOT_FOUND", "id")]


async def test_an_empty_answer_or_a_stale_version_changes_nothing(api: Api, world: World) -> None:
    leader = await _leader(api, world)
    _, raised = await _raised(api, world)
    for answer, version, expected in (
        ("  ", raised["version"], [("REQUIRED", "answer")]),
        ("Svar.", raised["version"] - 1, [("CONFLICT", "version")]),
    ):
        payload = (
            await api.gql(
                ANSWER,
                {"input": {"id": raised["id"], "version": version, "answer": answer}},
                as_=leader,
            )
        )["answerRaisedDisagreement"]
        assert codes(payload) == expected
    (item,) = (await api.gql(RAISED, as_=leader))["raisedDisagreements"]
    assert item["status"] == "RAISED" and item["answer"] == "Vi fortsetter som planlagt."
