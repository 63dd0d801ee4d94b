"""Writes tell nothing about rows the caller may not read: a row you may not read is one you
may not write, and every answer about it equals "not found" for an id that exists nowhere.
Identity lookups (national ids, person ids) reveal nothing either, and only the coordinating
unit registers children. All over the public GraphQL API."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import col, select

from backend.api.operations import document
from backend.audit.access_log import AccessLogEntry
from backend.consent.models import Consent
from backend.identity.models import Person
from backend.network.models import NetworkMember
from backend.notify.models import Notification
from tests.conftest import Api, World
from tests.helpers import (
    add_member,
    birth,
    codes,
    counts,
    family_child,
    fnr,
    register_child,
    register_input,
)

NOWHERE = "01900000-0000-7000-8000-000000000000"


def answer(payload: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    return [(e["code"], e["field"], e["message"]) for e in payload["errors"]]


async def barnevern_membership(api: Api, world: World, child_id: str) -> NetworkMember:
    async with api.aut.db.reading() as session:
        rows = await session.exec(
            select(NetworkMember).where(
                NetworkMember.child_id == uuid.UUID(child_id),
                NetworkMember.person_id == world.caseworker.id,
                col(NetworkMember.ended_at).is_(None),
            )
        )
        found = rows.first()
    assert found is not None
    return found


async def test_a_membership_the_coordinator_may_not_see_is_not_hers_to_write(
    api: Api, world: World
) -> None:
    child = await family_child(api, world)
    add = {
        "input": {"childId": child["id"], "role": "MEMBER", "personId": str(world.caseworker.id)}
    }
    # Barnevern's membership is barnevern's to add, not the coordinator's.
    refused = await api.gql(document("AddNetworkMember"), add, as_=world.coordinator)
    assert refused["addNetworkMember"]["member"] is None
    assert codes(refused["addNetworkMember"]) == [("NOT_ALLOWED", "personId")]
    added = await api.gql(document("AddNetworkMember"), add, as_=world.caseworker)
    assert added["addNetworkMember"]["errors"] == []
    hidden = await barnevern_membership(api, world, child["id"])
    before = await counts(api)

    for operation, extra in [
        ("UpdateNetworkMember", {"responsibilities": "Endret av koordinator"}),
        ("EndNetworkMembership", {}),
    ]:
        key = operation[0].lower() + operation[1:]
        nowhere = await api.gql(
            document(operation),
            {"input": {"id": NOWHERE, "version": 1, **extra}},
            as_=world.coordinator,
        )
        for version in (hidden.version, hidden.version + 7):  # the version check comes after
            blind = await api.gql(
                document(operation),
                {"input": {"id": str(hidden.id), "version": version, **extra}},
                as_=world.coordinator,
            )
            assert blind[key]["member"] is None
            assert answer(blind[key]) == answer(nowhere[key])
            assert codes(blind[key]) == [("NOT_FOUND", "id")]
            assert "Berit Barnevern" not in str(blind)

    # Adding her now is answered exactly as before she was in the network, and writes nothing.
    again = await api.gql(document("AddNetworkMember"), add, as_=world.coordinator)
    assert again["addNetworkMember"] == refused["addNetworkMember"]
    assert await counts(api) == before
    assert (await barnevern_membership(api, world, child["id"])).version == hidden.version

    # Barnevern keeps its own membership: its duties, and ending it.
    own = await api.gql(
        document("UpdateNetworkMember"),
        {"input": {"id": str(hidden.id), "version": hidden.version, "responsibilities": "Tiltak"}},
        as_=world.caseworker,
    )
    assert own["updateNetworkMember"]["errors"] == []
    ended = await api.gql(
        document("EndNetworkMembership"),
        {"input": {"id": str(hidden.id), "version": hidden.version + 1}},
        as_=world.caseworker,
    )
    assert ended["endNetworkMembership"]["errors"] == []


async def test_another_childs_real_ids_are_answered_as_ids_that_exist_nowhere(
    api: Api, world: World
) -> None:
    mine = await family_child(api, world)
    theirs = await register_child(
        api,
        world.coordinator2,
        nationalId=fnr(6, 5),
        birthDate=birth(6).isoformat(),
        guardians=[
            {"name": "Paul Forelder", "nationalId": fnr(40, 6), "hasParentalResponsibility": True}
        ],
    )
    their_guardian = theirs["guardians"][0]
    async with api.aut.db.writing() as session:
        consent = Consent(
            child_id=uuid.UUID(theirs["id"]),
            service_id=world.school.id,
            category="school",
            valid_from=birth(0),
            given_by_person_id=uuid.UUID(their_guardian["person"]["id"]),
        )
        session.add(consent)
    assert mine["id"] != theirs["id"]
    cases = [
        (
            "UpdateNetworkMember",
            {"id": their_guardian["id"], "version": 1, "responsibilities": "x"},
            {"id": NOWHERE, "version": 1, "responsibilities": "x"},
        ),
        (
            "EndNetworkMembership",
            {"id": their_guardian["id"], "version": 1},
            {"id": NOWHERE, "version": 1},
        ),
        ("WithdrawConsent", {"id": str(consent.id)}, {"id": NOWHERE}),
    ]
    for operation, real, nowhere in cases:
        key = operation[0].lower() + operation[1:]
        for caller in (world.coordinator, world.parent, world.teacher):
            a = await api.gql(document(operation), {"input": real}, as_=caller)
            b = await api.gql(document(operation), {"input": nowhere}, as_=caller)
            assert answer(a[key]) == answer(b[key]), (operation, caller.name)
            assert codes(a[key]) == [("NOT_FOUND", "id")]


async def test_resend_answers_not_found_for_anything_but_a_dead_letter(
    api: Api, world: World
) -> None:
    await family_child(api, world)
    async with api.aut.db.reading() as session:
        row = (await session.exec(select(Notification).limit(1))).first()
    assert row is not None and row.status != "dead"
    resend = document("ResendNotification")
    real = await api.gql(resend, {"input": {"id": str(row.id)}}, as_=world.coordinator2)
    nowhere = await api.gql(resend, {"input": {"id": NOWHERE}}, as_=world.coordinator2)
    assert answer(real["resendNotification"]) == answer(nowhere["resendNotification"])
    assert codes(real["resendNotification"]) == [("NOT_FOUND", "id")]


async def test_register_child_tells_no_one_whether_a_number_is_registered(
    api: Api, world: World
) -> None:
    known = await register_child(api, world.coordinator)
    unknown_id = fnr(9, 7)
    # A probe that fails on something else says nothing about the number.
    probe: dict[str, Any] = {"guardians": [{"name": "Far", "hasParentalResponsibility": False}]}
    answers = []
    for national_id in (known["nationalId"], unknown_id):
        data = await api.gql(
            document("RegisterChild"),
            {"input": register_input(nationalId=national_id, **probe)},
            as_=world.coordinator2,
        )
        answers.append(answer(data["registerChild"]))
    assert answers[0] == answers[1] == [answers[1][0]]
    assert codes({"errors": [{"code": c, "field": f} for c, f, _ in answers[0]]}) == [
        ("GUARDIAN_REQUIRED", "guardians")
    ]
    # A complete registration of the known number by someone who cannot see that child is
    # refused, and the attempt is in that child's access log.
    before = await counts(api)
    full = await api.gql(
        document("RegisterChild"),
        {"input": register_input(nationalId=known["nationalId"])},
        as_=world.coordinator2,
    )
    assert codes(full["registerChild"]) == [("DUPLICATE", "nationalId")]
    assert await counts(api) == before
    async with api.aut.db.reading() as session:
        refused = (
            await session.exec(
                select(AccessLogEntry).where(
                    AccessLogEntry.child_id == uuid.UUID(known["id"]),
                    AccessLogEntry.actor_person_id == world.coordinator2.id,
                )
            )
        ).all()
    assert any(row.refused for row in refused)


async def test_a_known_guardian_number_with_another_name_is_answered_as_an_unknown_one(
    api: Api, world: World
) -> None:
    mother = {
        "name": "Mor Hemmelig",
        "nationalId": fnr(38, 1),
        "email": "mor@hemmelig.example",
        "hasParentalResponsibility": True,
    }
    await register_child(api, world.coordinator, guardians=[mother])
    shapes = []
    for n, national_id in enumerate((fnr(38, 1), fnr(39, 8))):
        child = await register_child(
            api,
            world.coordinator2,
            nationalId=fnr(4, 10 + n),
            birthDate=birth(4).isoformat(),
            guardians=[
                {"name": "Feil Navn", "nationalId": national_id, "hasParentalResponsibility": True}
            ],
        )
        [guardian] = child["guardians"]
        shapes.append((guardian["person"]["name"], guardian["person"].get("email")))
        assert "mor@hemmelig.example" not in str(child)
    assert shapes[0] == shapes[1] == ("Feil Navn", None)
    async with api.aut.db.reading() as session:
        holders = (await session.exec(select(Person).where(Person.national_id == fnr(38, 1)))).all()
    assert [p.name for p in holders] == ["Mor Hemmelig"]


async def test_a_person_id_alone_does_not_link_someone_elses_family(api: Api, world: World) -> None:
    mine = await family_child(api, world)
    mother_id = next(g for g in mine["guardians"] if g["person"]["name"] == "Pia Forelder")[
        "person"
    ]["id"]
    answers = []
    for person_id in (mother_id, NOWHERE):
        data = await api.gql(
            document("RegisterChild"),
            {
                "input": register_input(
                    nationalId=fnr(7, 4),
                    birthDate=birth(7).isoformat(),
                    guardians=[{"personId": person_id, "hasParentalResponsibility": True}],
                )
            },
            as_=world.coordinator2,
        )
        answers.append(answer(data["registerChild"]))
        assert "Pia Forelder" not in str(data)
    assert answers[0] == answers[1]
    assert [(c, f) for c, f, _ in answers[0]] == [("NOT_FOUND", "guardians.0.personId")]
    linked = await register_child(
        api,
        world.coordinator2,
        nationalId=fnr(7, 4),
        birthDate=birth(7).isoformat(),
        guardians=[
            {"personId": mother_id, "name": "pia forelder", "hasParentalResponsibility": True}
        ],
    )
    assert linked["guardians"][0]["person"]["id"] == mother_id


async def test_nobody_claims_a_registered_childs_identity(api: Api, world: World) -> None:
    emma = await register_child(api, world.coordinator)
    elsewhere = await register_child(
        api, world.coordinator2, nationalId=fnr(5, 3), birthDate=birth(5).isoformat()
    )
    await add_member(
        api,
        world.coordinator2,
        elsewhere["id"],
        role="OBSERVER",
        newPerson={"name": "Ukjent Navn", "nationalId": emma["nationalId"]},
    )
    child = await add_member(
        api,
        world.coordinator,
        emma["id"],
        role="CHILD",
        newPerson={"name": "Emma Testesen", "nationalId": emma["nationalId"]},
    )
    assert child["person"]["name"] == "Emma Testesen"


async def test_only_the_coordinating_unit_registers_and_appoints(api: Api, world: World) -> None:
    before = await counts(api)
    for caller in (world.teacher, world.caseworker, world.outsider_staff):
        data = await api.gql(document("RegisterChild"), {"input": register_input()}, as_=caller)
        assert codes(data["registerChild"]) == [("COORDINATING_UNIT_REQUIRED", None)]
        assert "koordinerende enhet" in data["registerChild"]["errors"][0]["message"]
    assert await counts(api) == before
    child = await register_child(api, world.coordinator)
    assert child["coordinator"]["person"]["name"] == "Kari Koordinator"
