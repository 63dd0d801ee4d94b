"""`Event.entity`: what an event is about, rendered by its domain (and the deprecated
`member` / `child`, which are the same renderers)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from backend.events.hub import LiveHub
from tests.conftest import World
from tests.events.live import InProcessServer, collect_events, gql, ws_session
from tests.helpers import register_input

EVENTS = """subscription($childId: ID!) { childEvents(childId: $childId) { ... on Event {
  seq kind entityType
  entity {
    __typename id
    ... on NetworkMember { role person { name } }
    ... on Child { familyName }
  }
  member { __typename id }
  child { __typename id }
} } }"""


@pytest.fixture
async def http(live_server: InProcessServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_server.base, timeout=30) as client:
        yield client
    hub: LiveHub = live_server.app.state.live
    for _ in range(100):
        if not hub.feeds:
            break
        await asyncio.sleep(0.1)


async def test_an_events_entity_is_rendered_by_its_domain(
    live_server: InProcessServer, world: World, http: httpx.AsyncClient
) -> None:
    data = await gql(http, "RegisterChild", {"input": register_input()}, world.coordinator)
    assert data["registerChild"]["errors"] == []
    child = data["registerChild"]["child"]["id"]
    async with ws_session(live_server.base, world.coordinator) as ws:
        await ws.send(
            {
                "id": "e",
                "type": "subscribe",
                "payload": {"query": EVENTS, "variables": {"childId": child}},
            }
        )
        replay = await collect_events(ws, "e", 4)
        added = await gql(
            http,
            "AddNetworkMember",
            {"input": {"childId": child, "role": "MEMBER", "personId": str(world.teacher.id)}},
            world.coordinator,
        )
        assert added["addNetworkMember"]["errors"] == []
        member_id = added["addNetworkMember"]["member"]["id"]
        (live,) = await collect_events(ws, "e", 5)

    registered = replay[0]
    assert (registered["kind"], registered["entityType"]) == ("child.registered", "child")
    assert registered["entity"] == {"__typename": "Child", "id": child, "familyName": "Testesen"}
    assert registered["child"] == {"__typename": "Child", "id": child}
    assert registered["member"] is None

    assert (live["kind"], live["entityType"]) == ("network.member_added", "network_member")
    assert live["entity"] == {
        "__typename": "NetworkMember",
        "id": member_id,
        "role": "MEMBER",
        "person": {"name": "Tina Lærer"},
    }
    assert live["member"] == {"__typename": "NetworkMember", "id": member_id}
    assert live["child"] is None


async def test_an_entity_that_may_show_your_own_record_is_rendered_for_you_alone(
    live_server: InProcessServer, world: World, http: httpx.AsyncClient
) -> None:
    """Two readers with the same view share one render of a membership, but not of the
    child: its network shows each reader their own record (the render cache must not hand
    one reader's render to the other)."""
    data = await gql(http, "RegisterChild", {"input": register_input()}, world.coordinator)
    child = data["registerChild"]["child"]
    # Two at the same school: the same decisions about this child.
    for person in (world.teacher, world.outsider_staff):
        added = await gql(
            http,
            "AddNetworkMember",
            {"input": {"childId": child["id"], "role": "MEMBER", "personId": str(person.id)}},
            world.coordinator,
        )
        assert added["addNetworkMember"]["errors"] == []
    entity_only = """subscription($childId: ID!) { childEvents(childId: $childId) {
      ... on Event { seq kind entity { __typename id
        ... on NetworkMember { person { id } }
        ... on Child { network { person { id } } } } } } }"""
    hub: LiveHub = live_server.app.state.live
    async with (
        ws_session(live_server.base, world.teacher) as a,
        ws_session(live_server.base, world.outsider_staff) as b,
    ):
        for ws in (a, b):
            await ws.send(
                {
                    "id": "e",
                    "type": "subscribe",
                    "payload": {"query": entity_only, "variables": {"childId": child["id"]}},
                }
            )
        for ws in (a, b):
            await collect_events(ws, "e", 6)
        before = hub.render_cache.renders
        await gql(
            http,
            "AddNetworkMember",
            {
                "input": {
                    "childId": child["id"],
                    "role": "MEMBER",
                    "personId": str(world.psychologist.id),
                }
            },
            world.coordinator,
        )
        for ws in (a, b):
            await collect_events(ws, "e", 7)
        shared = hub.render_cache.renders - before
        updated = await gql(
            http,
            "UpdateChild",
            {"input": {"id": child["id"], "version": child["version"], "familyName": "Nyberg"}},
            world.coordinator,
        )
        assert updated["updateChild"]["errors"] == []
        lives = [(await collect_events(ws, "e", 8))[-1] for ws in (a, b)]
    assert shared == 1
    assert hub.render_cache.renders - before == 1 + 2
    assert [live["kind"] for live in lives] == ["child.updated", "child.updated"]
    assert all(live["entity"]["__typename"] == "Child" for live in lives)
