"""A barnevern membership is barnevern's own: staff of the child's kommune's
barnevernstjeneste add it (themselves or a colleague of their own service); nobody else does,
and no answer tells whether barnevern is already involved. All over HTTP GraphQL."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, func, select

from backend.api.operations import document
from backend.audit.access_log import AccessLogEntry
from backend.events.models import Event
from backend.identity.models import Person, PersonKind
from backend.network.models import Municipality, NetworkMember, ServiceProvider, ServiceType
from backend.notify.models import Notification
from tests.conftest import VALID_ORGNR, Api, World
from tests.helpers import codes, counts, family_child, give_consent, register_input

NOWHERE = "01900000-0000-7000-8000-000000000000"


@dataclass
class Barnevern:
    colleague: Person  # works with world.caseworker in Barnevernet Testvik
    neighbour: Person  # barnevern of another kommune
    state: Person  # a barnevern service of no kommune


async def barnevern_staff(api: Api, world: World) -> Barnevern:
    async with api.aut.db.writing() as session:
        other = Municipality(name="Nabovik kommune", number="4602", org_number=VALID_ORGNR[5])
        session.add(other)
        await session.flush()
        theirs = ServiceProvider(
            name="Barnevernet Nabovik",
            type=ServiceType.BARNEVERN.value,
            org_number=VALID_ORGNR[5],
            municipality_id=other.id,
        )
        state = ServiceProvider(
            name="Statlig barnevern", type=ServiceType.BARNEVERN.value, org_number=VALID_ORGNR[4]
        )
        session.add_all([theirs, state])
        await session.flush()

        def staff(name: str, service: ServiceProvider) -> Person:
            person = Person(
                name=name,
                kind=PersonKind.STAFF.value,
                employer_service_id=service.id,
                municipality_id=service.municipality_id,
            )
            session.add(person)
            return person

        found = Barnevern(
            colleague=staff("Bjørn Barnevern", world.barnevern),
            neighbour=staff("Nina Nabovik", theirs),
            state=staff("Stian Stat", state),
        )
    return found


def answer(payload: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    return [(e["code"], e["field"], e["message"]) for e in payload["errors"]]


async def add(api: Api, as_: Any, child_id: str, person: Person, **extra: Any) -> dict[str, Any]:
    data = await api.gql(
        document("AddNetworkMember"),
        {"input": {"childId": child_id, "role": "MEMBER", "personId": str(person.id), **extra}},
        as_=as_,
    )
    return dict(data["addNetworkMember"])


async def memberships(api: Api, child_id: str, person: Person) -> list[NetworkMember]:
    async with api.aut.db.reading() as session:
        rows = await session.exec(
            select(NetworkMember).where(
                NetworkMember.child_id == uuid.UUID(child_id),
                NetworkMember.person_id == person.id,
            )
        )
        return list(rows.all())


async def written(api: Api) -> dict[str, int]:
    """Rows a write leaves: members, events, audit, notifications."""
    found = await counts(api)
    async with api.aut.db.reading() as session:
        found["notification"] = (
            await session.exec(select(func.count()).select_from(Notification))
        ).one()
    return found


async def network_names(api: Api, as_: Any, child_id: str) -> set[str] | None:
    data = await api.gql(document("Child"), {"id": child_id}, as_=as_)
    if data["child"] is None:
        return None
    return {(m["person"] or {}).get("name", "?") for m in data["child"]["network"]}


async def test_the_coordinator_does_not_add_barnevern_and_learns_nothing_from_trying(
    api: Api, world: World
) -> None:
    bv = await barnevern_staff(api, world)
    child = await family_child(api, world)
    before = await written(api)

    first = await add(api, world.coordinator, child["id"], world.caseworker)
    with_service = await add(
        api,
        world.coordinator,
        child["id"],
        bv.colleague,
        serviceId=str(world.barnevern.id),
        responsibilities="Tiltak i hjemmet",
    )
    assert first["member"] is None and with_service["member"] is None
    assert codes(first) == [("NOT_ALLOWED", "personId")]
    assert answer(with_service) == answer(first)
    assert "barnevern" in first["errors"][0]["message"].lower()
    # Nothing written: no membership, no event, no audit row, no notification.
    assert await written(api) == before
    assert await memberships(api, child["id"], world.caseworker) == []

    # Once barnevern is involved, the coordinator's answer is the same, word for word.
    joined = await add(api, world.caseworker, child["id"], world.caseworker)
    assert joined["errors"] == []
    involved = await written(api)
    again = await add(api, world.coordinator, child["id"], world.caseworker)
    colleague = await add(
        api,
        world.coordinator,
        child["id"],
        bv.colleague,
        serviceId=str(world.barnevern.id),
        responsibilities="Tiltak i hjemmet",
    )
    assert again == first
    assert colleague == with_service
    assert await written(api) == involved

    # Nor does a consent naming barnevern make it the coordinator's to add.
    await give_consent(api, world.parent, child["id"], world.unit.id, ("BARNEVERN",))
    consented = await written(api)
    assert await add(api, world.coordinator, child["id"], bv.colleague) == first
    assert await written(api) == consented
    assert len(await memberships(api, child["id"], bv.colleague)) == 0


async def test_the_coordinator_does_not_appoint_barnevern_either(api: Api, world: World) -> None:
    """Assigning barnevern staff as coordinator would add a barnevern membership (and end a
    hidden one): refused alike whether or not barnevern is in the network."""
    child = await family_child(api, world)
    assign = {"input": {"childId": child["id"], "personId": str(world.caseworker.id)}}
    uninvolved = await api.gql(document("AssignCoordinator"), assign, as_=world.coordinator)
    assert (await add(api, world.caseworker, child["id"], world.caseworker))["errors"] == []
    before = await written(api)
    involved = await api.gql(document("AssignCoordinator"), assign, as_=world.coordinator)
    assert involved == uninvolved
    assert uninvolved["assignCoordinator"]["coordinator"] is None
    assert codes(uninvolved["assignCoordinator"]) == [("NOT_ALLOWED", "personId")]
    assert await written(api) == before
    [hidden] = await memberships(api, child["id"], world.caseworker)
    assert hidden.ended_at is None and hidden.role == "member"


async def test_barnevern_of_the_kommune_adds_itself_and_a_colleague(api: Api, world: World) -> None:
    bv = await barnevern_staff(api, world)
    child = await family_child(api, world)
    assert await network_names(api, world.caseworker, child["id"]) is None  # not yet in it

    own = await add(
        api, world.caseworker, child["id"], world.caseworker, responsibilities="Tiltaksplan"
    )
    assert own["errors"] == []
    assert own["member"]["person"]["name"] == "Berit Barnevern"
    assert own["member"]["service"]["name"] == "Barnevernet Testvik"
    assert own["member"]["responsibilities"] == "Tiltaksplan"
    assert "Berit Barnevern" in (await network_names(api, world.caseworker, child["id"]) or ())

    colleague = await add(api, world.caseworker, child["id"], bv.colleague)
    assert colleague["errors"] == []
    [row] = await memberships(api, child["id"], bv.colleague)
    assert row.service_id == world.barnevern.id

    # The family is told: the guardian with parental responsibility sees both; nobody who
    # may not know of barnevern does, and the coordinator is notified of nothing.
    assert {"Berit Barnevern", "Bjørn Barnevern"} <= (
        await network_names(api, world.parent, child["id"]) or set()
    )
    for reader in (world.coordinator, world.other_parent):
        seen = await network_names(api, reader, child["id"])
        assert seen is not None and not seen & {"Berit Barnevern", "Bjørn Barnevern"}
    welcomed = await api.gql(document("MyNotifications"), {"first": 20}, as_=bv.colleague)
    assert [e["node"]["kind"] for e in welcomed["myNotifications"]["edges"]] == ["network.welcome"]
    async with api.aut.db.reading() as session:
        added = (
            await session.exec(
                select(Event.id).where(
                    Event.child_id == uuid.UUID(child["id"]),
                    Event.kind == "network.member_added",
                    Event.actor_person_id == world.caseworker.id,
                )
            )
        ).all()
        told = (
            await session.exec(
                select(Notification.recipient_person_id).where(
                    col(Notification.event_id).in_(list(added))
                )
            )
        ).all()
    assert len(added) == 2
    # Only the colleague is told (in app, and by e-mail if she has an address): Berit added
    # herself, and nobody who may not know of barnevern is notified.
    assert set(told) == {bv.colleague.id}


async def test_a_colleague_is_added_before_joining_without_seeing_the_child(
    api: Api, world: World
) -> None:
    bv = await barnevern_staff(api, world)
    child = await family_child(api, world)
    added = await add(api, bv.colleague, child["id"], world.caseworker)
    assert added == {"member": None, "errors": []}
    assert len(await memberships(api, child["id"], world.caseworker)) == 1
    # Adding her again tells nothing either: the same answer, nothing written.
    before = await written(api)
    assert await add(api, bv.colleague, child["id"], world.caseworker) == added
    assert await written(api) == before
    # Adding is no refused look: the family is not shown a probe from outside.
    async with api.aut.db.reading() as session:
        probes = (
            await session.exec(
                select(AccessLogEntry).where(
                    AccessLogEntry.child_id == uuid.UUID(child["id"]),
                    AccessLogEntry.actor_person_id == bv.colleague.id,
                )
            )
        ).all()
    assert [row for row in probes if row.outsider] == []
    assert await network_names(api, bv.colleague, child["id"]) is None  # still outside
    # Nothing else is theirs to add, and what they may not do looks like no such child.
    nowhere = await add(api, bv.colleague, NOWHERE, bv.colleague)
    assert await add(api, bv.colleague, child["id"], world.teacher) == nowhere
    assert codes(nowhere) == [("NOT_FOUND", "childId")]


async def test_barnevern_of_another_kommune_finds_no_child(api: Api, world: World) -> None:
    bv = await barnevern_staff(api, world)
    child = await family_child(api, world)
    before = await written(api)
    for caller in (bv.neighbour, bv.state, world.outsider_staff):
        nowhere = await add(api, caller, NOWHERE, caller)
        real = await add(api, caller, child["id"], caller)
        assert codes(nowhere) == [("NOT_FOUND", "childId")], caller.name
        assert answer(real) == answer(nowhere), caller.name
        assert real["member"] is None
    # Not with a colleague of the child's kommune either: the service must be one's own.
    theirs = await add(api, bv.neighbour, child["id"], world.caseworker)
    assert answer(theirs) == answer(await add(api, bv.neighbour, NOWHERE, world.caseworker))
    assert await written(api) == before


async def test_barnevern_in_the_network_adds_only_its_own_service(api: Api, world: World) -> None:
    bv = await barnevern_staff(api, world)
    child = await family_child(api, world)
    assert (await add(api, world.caseworker, child["id"], world.caseworker))["errors"] == []
    before = await written(api)
    # Another kommune's barnevern is not hers to add, nor is a service she does not manage.
    neighbour = await add(api, world.caseworker, child["id"], bv.neighbour)
    assert codes(neighbour) == [("NOT_ALLOWED", "personId")]
    teacher = await add(api, world.caseworker, child["id"], world.teacher)
    assert codes(teacher) == [("NOT_ALLOWED", None)]
    # The coordinator does not move a membership into barnevern either (a member listed
    # without a service is the member's own choice).
    [mine] = await memberships(api, child["id"], world.caseworker)
    cleared = await api.gql(
        document("UpdateNetworkMember"),
        {"input": {"id": str(mine.id), "version": mine.version, "serviceId": None}},
        as_=world.caseworker,
    )
    assert cleared["updateNetworkMember"]["errors"] == []
    listed = cleared["updateNetworkMember"]["member"]
    moved = await api.gql(
        document("UpdateNetworkMember"),
        {
            "input": {
                "id": listed["id"],
                "version": listed["version"],
                "serviceId": str(world.barnevern.id),
            }
        },
        as_=world.coordinator,
    )
    assert codes(moved["updateNetworkMember"]) == [("NOT_ALLOWED", "serviceId")]
    back = await api.gql(
        document("UpdateNetworkMember"),
        {
            "input": {
                "id": listed["id"],
                "version": listed["version"],
                "serviceId": str(world.barnevern.id),
            }
        },
        as_=world.caseworker,
    )
    assert back["updateNetworkMember"]["errors"] == []
    assert (await written(api))["network_member"] == before["network_member"]


async def test_a_barnevern_worker_is_not_made_the_first_coordinator(api: Api, world: World) -> None:
    """Registering a child with a barnevern worker as its coordinator would add a barnevern
    membership on barnevern's behalf: refused, like assigning one later, and nothing written."""
    before = await counts(api)
    data = await api.gql(
        document("RegisterChild"),
        {"input": register_input(coordinatorPersonId=str(world.caseworker.id))},
        as_=world.coordinator,
    )
    payload = data["registerChild"]
    assert payload["child"] is None
    assert codes(payload) == [("NOT_ALLOWED", "coordinatorPersonId")]
    assert await counts(api) == before
