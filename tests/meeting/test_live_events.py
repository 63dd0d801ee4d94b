"""A meeting's events over the live socket reach those who may see the meeting: the child from
12 knows of a meeting only when invited or taking part, like the meeting itself."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import col, func, select

from backend.events.models import Event
from backend.identity.models import Person
from backend.network.models import NetworkMember
from tests.conftest import Api, World
from tests.events.conftest import live_server
from tests.events.live import InProcessServer, collect_events, ws_session
from tests.meeting.support import schedule
from tests.plan.support import family

__all__ = ["live_server"]

EVENTS = """subscription($childId: ID!, $after: String) {
  childEvents(childId: $childId, after: $after) { ... on Event {
    seq kind entityType entity { __typename id ... on Meeting { title } } } } }"""


async def _last_seq(api: Api, child_id: str) -> int:
    async with api.aut.db.reading() as session:
        found = (
            await session.exec(
                select(func.max(Event.seq)).where(Event.child_id == uuid.UUID(child_id))
            )
        ).one()
    return int(found or 0)


async def _child_person(api: Api, child_id: str) -> Person:
    async with api.aut.db.reading() as session:
        person = (
            await session.exec(
                select(Person)
                .join(NetworkMember, col(NetworkMember.person_id) == col(Person.id))
                .where(NetworkMember.child_id == uuid.UUID(child_id), NetworkMember.role == "child")
            )
        ).one()
    return person


async def _subscribe(ws: Any, op_id: str, child_id: str) -> None:
    await ws.send(
        {
            "id": op_id,
            "type": "subscribe",
            "payload": {"query": EVENTS, "variables": {"childId": child_id}},
        }
    )


async def _seqs_of(api: Api, meeting_id: str) -> set[int]:
    """The numbers of the child's events about one meeting."""
    async with api.aut.db.reading() as session:
        rows = (await session.exec(select(Event.seq, Event.payload))).all()
    return {seq for seq, payload in rows if (payload or {}).get("meetingId") == meeting_id}


async def test_the_child_knows_of_a_meeting_only_when_invited_or_taking_part(
    live_server: InProcessServer, api: Api, world: World
) -> None:
    fam = await family(api, world, age=14, child_member=True)
    child = await _child_person(api, fam.child_id)
    last = await _last_seq(api, fam.child_id)
    async with (
        ws_session(live_server.base, world.parent) as guardian,
        ws_session(live_server.base, child) as young,
    ):
        await _subscribe(guardian, "g", fam.child_id)
        await _subscribe(young, "c", fam.child_id)
        # Both replay the child's history first (up to `last`).
        await collect_events(guardian, "g", last)
        await collect_events(young, "c", last)

        hidden = await schedule(api, world, fam.child_id, title="Uten barnet")
        shown = await schedule(api, world, fam.child_id, title="Med barnet", childTakesPart=True)
        head = await _last_seq(api, fam.child_id)
        parents = await collect_events(guardian, "g", head)
        youngs = await collect_events(young, "c", head)

    hidden_seqs, shown_seqs = await _seqs_of(api, hidden["id"]), await _seqs_of(api, shown["id"])
    assert hidden_seqs and shown_seqs
    assert hidden_seqs | shown_seqs <= {e["seq"] for e in parents}
    # The child hears nothing of the meeting they do not take part in: no event at all.
    heard = {e["seq"] for e in youngs}
    assert not hidden_seqs & heard, youngs
    assert shown_seqs <= heard
    assert {e["entity"]["title"] for e in youngs if e["entityType"] == "meeting"} == {"Med barnet"}
