"""Every write appends its outbox event and audit row in the same transaction."""

from __future__ import annotations

import asyncio

from sqlmodel import col, select

from backend.api.operations import document
from backend.audit.models import AuditEntry
from backend.events.models import Event
from backend.identity.models import Person, PersonKind
from tests.conftest import Api, World
from tests.helpers import add_member, codes, register_child


async def child_events(api: Api, child_id: str) -> list[Event]:
    async with api.aut.db.reading() as session:
        rows = await session.exec(
            select(Event).where(col(Event.child_id) == child_id).order_by(col(Event.seq))
        )
        return list(rows.all())


async def test_registration_writes_numbered_events_and_audit_rows(api: Api, world: World) -> None:
    import uuid

    child = await register_child(api, world.coordinator)
    events = await child_events(api, uuid.UUID(child["id"]))  # type: ignore[arg-type]
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert [e.kind for e in events] == [
        "child.registered",
        "network.member_added",  # the guardian
        "network.member_added",  # the coordinator
        "network.coordinator_assigned",
    ]
    assert {e.actor_person_id for e in events} == {world.coordinator.id}
    async with api.aut.db.reading() as session:
        audit = (
            await session.exec(
                select(AuditEntry).where(col(AuditEntry.child_id) == uuid.UUID(child["id"]))
            )
        ).all()
    assert sorted(a.action for a in audit) == sorted(e.kind for e in events)
    assert all(a.actor_person_id == world.coordinator.id for a in audit)
    assert all(a.detail["auth"] == "dev" for a in audit)


async def test_concurrent_writes_to_one_child_get_gapless_numbers(api: Api, world: World) -> None:
    import uuid

    child = await register_child(api, world.coordinator)
    async with api.aut.db.writing() as session:
        # Staff of a service: their id is enough to add them.
        people = [
            Person(
                name=f"Ansatt {n}", kind=PersonKind.STAFF.value, employer_service_id=world.school.id
            )
            for n in range(12)
        ]
        session.add_all(people)
    results = await asyncio.gather(
        *(
            api.gql(
                document("AddNetworkMember"),
                {"input": {"childId": child["id"], "role": "MEMBER", "personId": str(p.id)}},
                as_=world.coordinator,
            )
            for p in people
        )
    )
    assert all(r["addNetworkMember"]["errors"] == [] for r in results)
    seqs = [e.seq for e in await child_events(api, uuid.UUID(child["id"]))]  # type: ignore[arg-type]
    assert seqs == list(range(1, len(seqs) + 1))
    assert len(seqs) == 4 + 12


async def test_concurrent_stale_updates_one_wins(api: Api, world: World) -> None:
    child = await register_child(api, world.coordinator)
    member = await add_member(
        api, world.coordinator, child["id"], role="MEMBER", personId=str(world.teacher.id)
    )
    results = await asyncio.gather(
        *(
            api.gql(
                document("UpdateNetworkMember"),
                {
                    "input": {
                        "id": member["id"],
                        "version": member["version"],
                        "responsibilities": f"Versjon {n}",
                    }
                },
                as_=world.coordinator,
            )
            for n in range(5)
        )
    )
    outcomes = sorted(
        "ok" if r["updateNetworkMember"]["errors"] == [] else codes(r["updateNetworkMember"])[0][0]
        for r in results
    )
    assert outcomes == ["CONFLICT"] * 4 + ["ok"]


async def test_failed_write_leaves_no_event(api: Api, world: World) -> None:
    async with api.aut.db.reading() as session:
        before = len((await session.exec(select(Event))).all())
    data = await api.gql(
        document("RegisterServiceProvider"),
        {"input": {"name": "Skole", "type": "SKOLE", "orgNumber": "123456789"}},
        as_=world.coordinator,
    )
    assert codes(data["registerServiceProvider"]) == [("INVALID_ORG_NUMBER", "orgNumber")]
    async with api.aut.db.reading() as session:
        assert len((await session.exec(select(Event))).all()) == before
