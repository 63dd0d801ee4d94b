"""Subscriptions over real websockets (uvicorn + the `websockets` client), on both databases."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlmodel import select
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from backend.core.database import utcnow
from backend.events.hub import LiveHub, encode_cursor
from backend.events.retention import prune_events
from backend.identity.models import Person, PersonKind
from backend.network.models import ServiceProvider, ServiceType
from tests.conftest import World
from tests.events.live import (
    PROTOCOL,
    InProcessServer,
    collect_events,
    gql,
    ws_session,
)
from tests.helpers import register_input


@pytest.fixture
async def http(live_server: InProcessServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_server.base, timeout=30) as client:
        yield client
    # Let the server finish the test's subscriptions (their last access-log write) before
    # the next test empties the tables.
    hub: LiveHub = live_server.app.state.live
    for _ in range(100):
        if not hub.feeds:
            break
        await asyncio.sleep(0.1)


async def new_child(http: httpx.AsyncClient, world: World) -> str:
    data = await gql(http, "RegisterChild", {"input": register_input()}, world.coordinator)
    assert data["registerChild"]["errors"] == []
    return str(data["registerChild"]["child"]["id"])


async def staff(live_server: InProcessServer, count: int) -> list[Person]:
    """Staff of the world's school: in the staff directory, so their id is enough to add."""
    db = live_server.app.state.db
    async with db.writing() as session:
        school = (
            await session.exec(
                select(ServiceProvider).where(ServiceProvider.type == ServiceType.SKOLE.value)
            )
        ).first()
        assert school is not None
        people = [
            Person(name=f"Ansatt {n}", kind=PersonKind.STAFF.value, employer_service_id=school.id)
            for n in range(count)
        ]
        session.add_all(people)
    return people


async def add(
    http: httpx.AsyncClient, world: World, child: str, person: Any, as_: Any = None
) -> dict[str, Any]:
    data = await gql(
        http,
        "AddNetworkMember",
        {"input": {"childId": child, "role": "MEMBER", "personId": str(person.id)}},
        as_ or world.coordinator,
    )
    payload = data["addNetworkMember"]
    assert payload["errors"] == [], payload
    return dict(payload["member"] or {})  # a barnevern membership is added, not shown


def seqs(items: list[dict[str, Any]]) -> list[int]:
    return [item["seq"] for item in items]


async def test_replay_then_live_has_no_gap_and_no_duplicate(
    live_server: InProcessServer, world: World, http: httpx.AsyncClient
) -> None:
    child = await new_child(http, world)
    people = await staff(live_server, 10)
    async with ws_session(live_server.base, world.coordinator) as ws:
        # Writes race the subscription's replay: some land before, some during, some after.
        writes = asyncio.gather(*(add(http, world, child, p) for p in people))
        op = await ws.subscribe("ChildEvents", {"childId": child})
        await writes
        items = await collect_events(ws, op, 4 + len(people))
    assert seqs(items) == list(range(1, 4 + len(people) + 1))
    assert [i["kind"] for i in items[:4]] == [
        "child.registered",
        "network.member_added",
        "network.member_added",
        "network.coordinator_assigned",
    ]
    added = {i["entity"]["person"]["id"] for i in items[4:]}
    assert added == {str(p.id) for p in people}
    assert all(i["childId"] == child for i in items)


async def test_reconnect_with_cursor_gets_every_event_exactly_once(
    live_server: InProcessServer, world: World, http: httpx.AsyncClient
) -> None:
    child = await new_child(http, world)
    people = await staff(live_server, 12)
    received: list[dict[str, Any]] = []

    async def writer() -> None:
        for person in people:
            await add(http, world, child, person)

    task = asyncio.create_task(writer())
    async with ws_session(live_server.base, world.coordinator) as ws:
        op = await ws.subscribe("ChildEvents", {"childId": child})
        received += await collect_events(ws, op, 6)
    # The socket is gone mid-stream while writes go on; resume from the last cursor.
    async with ws_session(live_server.base, world.coordinator) as ws:
        op = await ws.subscribe("ChildEvents", {"childId": child, "after": received[-1]["cursor"]})
        await task
        received += await collect_events(ws, op, 4 + len(people))
    assert seqs(received) == list(range(1, 4 + len(people) + 1))


async def test_old_cursor_gets_resync_required(
    live_server: InProcessServer, world: World, http: httpx.AsyncClient
) -> None:
    child = await new_child(http, world)
    db = live_server.app.state.db
    await prune_events(db, older_than=utcnow() + dt.timedelta(seconds=1))
    await add(http, world, child, world.teacher)  # seq 5, kept
    first = encode_cursor(uuid.UUID(child), 1)
    async with ws_session(live_server.base, world.coordinator) as ws:
        for after in (first, None):
            op = await ws.subscribe("ChildEvents", {"childId": child, "after": after})
            message = await ws.receive()
            item = message["payload"]["data"]["childEvents"]
            assert item["__typename"] == "ResyncRequired"
            assert item["childId"] == child
            assert item["latestCursor"] == encode_cursor(uuid.UUID(child), 5)
            assert (await ws.receive()) == {"id": op, "type": "complete"}
        # From the latest cursor, the stream goes on.
        op = await ws.subscribe("ChildEvents", {"childId": child, "after": item["latestCursor"]})
        await add(http, world, child, world.psychologist)
        items = await collect_events(ws, op, 6)
    assert seqs(items) == [6]


async def first_answer(base: str, person: Any, child: str) -> dict[str, Any]:
    async with ws_session(base, person) as ws:
        op = await ws.subscribe("ChildEvents", {"childId": child})
        message = await ws.receive()
        assert message["id"] == op
        assert (await ws.receive()) == {"id": op, "type": "complete"}
        return message


async def test_outsider_gets_the_same_answer_as_for_a_missing_child(
    live_server: InProcessServer, world: World, http: httpx.AsyncClient
) -> None:
    child = await new_child(http, world)
    outsider = await first_answer(live_server.base, world.outsider_staff, child)
    missing = await first_answer(live_server.base, world.outsider_staff, str(uuid.uuid4()))
    assert outsider == missing
    assert outsider["payload"]["data"] is None
    assert outsider["payload"]["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_member_removed_mid_subscription_is_closed_within_5_seconds(
    live_server: InProcessServer, world: World, http: httpx.AsyncClient
) -> None:
    child = await new_child(http, world)
    member = await add(http, world, child, world.teacher)
    async with ws_session(live_server.base, world.teacher) as ws:
        op = await ws.subscribe("ChildEvents", {"childId": child})
        assert seqs(await collect_events(ws, op, 5)) == [1, 2, 3, 4, 5]
        data = await gql(
            http,
            "EndNetworkMembership",
            {"input": {"id": member["id"], "version": member["version"]}},
            world.coordinator,
        )
        assert data["endNetworkMembership"]["errors"] == []
        ended = time.monotonic()
        message = await ws.receive(timeout=10)
        # No event after the removal (not even the removal itself): the stream ends instead.
        assert message["type"] == "next" and message["payload"]["data"] is None, message
        assert message["payload"]["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        assert (await ws.receive(timeout=10)) == {"id": op, "type": "complete"}
        assert time.monotonic() - ended < 5
        # Writes go on; nothing more reaches the former member.
        await add(http, world, child, world.psychologist)
        with pytest.raises(TimeoutError):
            await ws.receive(timeout=2.5)


async def test_legacy_graphql_ws_handshake_is_refused(live_server: InProcessServer) -> None:
    url = live_server.base.replace("http://", "ws://") + "/graphql"
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url, subprotocols=["graphql-ws"]):  # type: ignore[list-item]
            pass
    assert refused.value.response.status_code == 403
    with pytest.raises(InvalidStatus):
        async with connect(url):
            pass
    async with connect(url, subprotocols=["graphql-ws", PROTOCOL]) as ok:  # type: ignore[list-item]
        assert ok.subprotocol == PROTOCOL


async def test_foreign_origin_is_refused_and_own_origin_accepted(
    live_server: InProcessServer, world: World
) -> None:
    url = live_server.base.replace("http://", "ws://") + "/graphql"
    with pytest.raises(InvalidStatus) as refused:
        async with connect(
            url,
            subprotocols=[PROTOCOL],  # type: ignore[list-item]
            origin="https://evil.example",  # type: ignore[arg-type]
        ):
            pass
    assert refused.value.response.status_code == 403
    async with ws_session(live_server.base, world.coordinator, origin=live_server.base):
        pass


async def test_socket_without_identity_is_closed(live_server: InProcessServer) -> None:
    url = live_server.base.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=[PROTOCOL]) as connection:  # type: ignore[list-item]
        await connection.send('{"type":"connection_init","payload":{}}')
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(connection.recv(), 10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_one_render_is_shared_by_subscribers_with_the_same_view(
    live_server: InProcessServer, world: World, http: httpx.AsyncClient
) -> None:
    child = await new_child(http, world)
    await add(http, world, child, world.teacher)
    await add(http, world, child, world.psychologist)
    hub: LiveHub = live_server.app.state.live
    sockets = [world.teacher, world.psychologist, world.teacher]
    async with (
        ws_session(live_server.base, sockets[0]) as a,
        ws_session(live_server.base, sockets[1]) as b,
        ws_session(live_server.base, sockets[2]) as c,
    ):
        ops = [await ws.subscribe("ChildEvents", {"childId": child}) for ws in (a, b, c)]
        replays = [await collect_events(ws, op, 6) for ws, op in zip((a, b, c), ops, strict=True)]
        renders_before = hub.render_cache.renders
        # (Not the doctor: a health membership is hidden from readers without health consent.)
        await add(http, world, child, world.outsider_staff)
        lives = [await collect_events(ws, op, 7) for ws, op in zip((a, b, c), ops, strict=True)]
    assert all(seqs(r) == [1, 2, 3, 4, 5, 6] for r in replays)
    # Same document, same view of the child (two staff members without consents): one
    # execution of the new event for all three, and the same bytes for each.
    assert lives[0] == lives[1] == lives[2]
    assert hub.render_cache.renders - renders_before == 1


async def test_my_events_follows_all_my_children(
    live_server: InProcessServer, world: World, http: httpx.AsyncClient
) -> None:
    first = await new_child(http, world)
    data = await gql(
        http,
        "RegisterChild",
        {"input": register_input(nationalId=None, givenName="Ola")},
        world.coordinator,
    )
    second = data["registerChild"]["child"]["id"]
    async with ws_session(live_server.base, world.coordinator) as ws:
        op = await ws.subscribe("MyEvents", {})
        await asyncio.sleep(0.3)
        await add(http, world, first, world.teacher)
        await add(http, world, second, world.teacher)
        items = []
        while len(items) < 2:
            message = await ws.receive()
            assert message["id"] == op and message["type"] == "next", message
            items.append(message["payload"]["data"]["myEvents"])
    assert {(i["childId"], i["seq"], i["kind"]) for i in items} == {
        (first, 5, "network.member_added"),
        (second, 5, "network.member_added"),
    }


async def _next_notification(ws: Any, op: str) -> dict[str, Any]:
    while True:
        message = await ws.receive()
        assert message["id"] == op and message["type"] == "next", message
        item = message["payload"]["data"]["myEvents"]
        if item["__typename"] == "LiveNotification":
            return dict(item)


async def test_my_events_carries_in_app_notifications_exactly_once(
    live_server: InProcessServer, world: World, http: httpx.AsyncClient
) -> None:
    first = await new_child(http, world)
    second = await gql(
        http,
        "RegisterChild",
        {"input": register_input(nationalId=None, givenName="Ola")},
        world.coordinator,
    )
    second_id = second["registerChild"]["child"]["id"]
    async with ws_session(live_server.base, world.teacher) as ws:
        op = await ws.subscribe("MyEvents", {})
        await asyncio.sleep(0.3)
        await add(http, world, first, world.teacher)
        welcome = await _next_notification(ws, op)
    assert welcome["notification"]["kind"] == "network.welcome"
    assert welcome["notification"]["childId"] == first
    # Resume with the notification's cursor: the first welcome does not come again.
    async with ws_session(live_server.base, world.teacher) as ws:
        op = await ws.subscribe("MyEvents", {"after": [welcome["cursor"]]})
        await add(http, world, second_id, world.teacher)
        again = await _next_notification(ws, op)
    assert again["notification"]["childId"] == second_id
    assert again["cursor"] != welcome["cursor"]


async def test_a_barnevern_membership_is_not_streamed_to_those_who_may_not_know_it(
    live_server: InProcessServer, world: World, http: httpx.AsyncClient
) -> None:
    child = await new_child(http, world)
    async with ws_session(live_server.base, world.coordinator) as ws:
        op = await ws.subscribe("ChildEvents", {"childId": child})
        start = await collect_events(ws, op, 4)
        # Barnevern adds its own membership: seq 5.
        await add(http, world, child, world.caseworker, as_=world.caseworker)
        await add(http, world, child, world.teacher)  # seq 6
        items = await collect_events(ws, op, 6)
    assert seqs(start) == [1, 2, 3, 4]
    # Without a consent naming barnevern the coordinator does not learn of that membership.
    assert seqs(items) == [6]
    assert items[0]["entity"]["person"]["name"] == "Tina Lærer"
