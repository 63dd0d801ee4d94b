"""Lowering a protected address: the coordinating unit's decision with a reason, told to the
protected family, and history recorded under protection stays protected."""

from __future__ import annotations

import uuid

import orjson
from sqlmodel import func, select

from backend.events.models import Event
from backend.identity.models import Person
from backend.notify.models import Notification
from tests.conftest import Api, World
from tests.events.live import InProcessServer, collect_events, ws_session
from tests.helpers import add_member, birth, fnr, give_consent, register_child

UPDATE = """mutation($input: UpdateChildInput!) { updateChild(input: $input) {
  child { version addressProtection } errors { code field } } }"""
EVENTS = """subscription($childId: ID!) { childEvents(childId: $childId) { ... on Event {
  seq kind entity {
    ... on NetworkMember { person { name email } service { name municipality { name number } } }
    ... on Child { municipality { name } coordinator { service { name municipality { name } } } }
  } } } }"""


async def test_lowering_protection_is_the_units_decision_and_history_stays_protected(
    api: Api, world: World, live_server: InProcessServer
) -> None:
    child = await register_child(
        api,
        world.coordinator,
        addressProtection="CONFIDENTIAL",
        nationalId=fnr(9, 30),
        birthDate=birth(9).isoformat(),
        guardians=[
            {
                "personId": str(world.parent.id),
                "name": world.parent.name,
                "hasParentalResponsibility": True,
            },
            {
                "personId": str(world.other_parent.id),
                "name": world.other_parent.name,
                "hasParentalResponsibility": False,
            },
        ],
    )
    await give_consent(api, world.parent, child["id"], world.unit.id)
    await add_member(
        api,
        world.coordinator,
        child["id"],
        role="MEMBER",
        personId=str(world.teacher.id),
        serviceId=str(world.school.id),
    )
    lower = {"id": child["id"], "version": child["version"], "addressProtection": "NONE"}

    # No reason: refused, nothing changes.
    refused = await api.gql(UPDATE, {"input": lower}, as_=world.coordinator)
    assert refused["updateChild"]["errors"] == [
        {"code": "REQUIRED", "field": "addressProtectionReason"}
    ]
    # Not the coordinating unit (a guardian, the teacher): refused as well.
    for caller in (world.parent, world.teacher):
        other = await api.gql(
            UPDATE, {"input": {**lower, "addressProtectionReason": "Flyttet"}}, as_=caller
        )
        assert other["updateChild"]["errors"], caller.name
    async with api.aut.db.reading() as session:
        before = int(
            (
                await session.exec(
                    select(func.max(Event.seq)).where(Event.child_id == uuid.UUID(child["id"]))
                )
            ).one()
        )

    done = await api.gql(
        UPDATE,
        {"input": {**lower, "addressProtectionReason": "Vedtak i koordinerende enhet"}},
        as_=world.coordinator,
    )
    assert done["updateChild"]["errors"] == []
    assert done["updateChild"]["child"]["addressProtection"] == "NONE"

    async with api.aut.db.reading() as session:
        told = (
            await session.exec(
                select(Notification).where(
                    Notification.recipient_person_id == world.parent.id,
                    Notification.kind == "child.protection_lowered",
                )
            )
        ).all()
        mother = await session.get(Person, world.parent.id)
    assert len(told) == 1 and "Vedtak" not in orjson.dumps(told[0].payload).decode()
    assert mother is not None and mother.address_protection == "none"

    # The father now sees the kommune in the current state (the decision was made) ...
    now = await api.gql(
        "query($id: ID!) { child(id: $id) { municipality { name } } }",
        {"id": child["id"]},
        as_=world.other_parent,
    )
    assert now["child"]["municipality"] == {"name": "Testvik kommune"}
    # ... but the history recorded under protection is rendered as it was recorded.
    async with ws_session(live_server.base, world.other_parent) as ws:
        await ws.send(
            {
                "id": "e",
                "type": "subscribe",
                "payload": {"query": EVENTS, "variables": {"childId": child["id"]}},
            }
        )
        items = await collect_events(ws, "e", before + 1)
    history = [i for i in items if i["seq"] <= before]
    assert any(i["entity"] for i in history)
    assert "Testvik" not in orjson.dumps(history).decode()
    assert "Koordinerende enhet" not in orjson.dumps(history).decode()
