"""The matrix over websockets (graphql-transport-ws): subscriptions and queries on the socket
leak nothing of a child outside its network, refusals are logged, and a revoked token closes
its subscriptions within 5 seconds."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest
from sqlmodel import col, select
from websockets.exceptions import ConnectionClosed

from backend.audit.access_log import AccessLogEntry
from backend.identity.sessions import issue_api_token, revoke_api_token
from tests.conftest import AppUnderTest
from tests.events.live import InProcessServer, ws_session
from tests.security.conftest import Matrix

CHILD_QUERY = "query Probe($id: ID!) { child(id: $id) { id familyName nationalId } }"


async def refused_rows(aut: AppUnderTest, child_id: str, caller: Any) -> int:
    async with aut.db.reading() as session:
        rows = await session.exec(
            select(AccessLogEntry).where(
                AccessLogEntry.child_id == uuid.UUID(child_id),
                AccessLogEntry.actor_person_id == caller.id,
                col(AccessLogEntry.via) == "websocket",
            )
        )
        return sum(1 for row in rows.all() if row.refused)


async def wait_for(predicate: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.1)


async def test_socket_leaks_nothing_outside_the_network(
    matrix: Matrix, app_under_test: AppUnderTest, live_server: InProcessServer
) -> None:
    for role, (caller, outside) in matrix.roles.items():
        if caller is None:
            continue  # anonymous sockets are refused at connection_init (below)
        for target in (getattr(matrix, name.lower()) for name in outside):
            before = await refused_rows(app_under_test, target.id, caller)
            async with ws_session(live_server.base, caller) as ws:
                op = await ws.subscribe("ChildEvents", {"childId": target.id})
                first = await ws.receive()
                assert first["id"] == op and first["payload"]["data"] is None, (role, first)
                assert first["payload"]["errors"][0]["extensions"]["code"] == "NOT_FOUND"
                await ws.send(
                    {
                        "id": "q",
                        "type": "subscribe",
                        "payload": {"query": CHILD_QUERY, "variables": {"id": target.id}},
                    }
                )
                answer = await ws.receive()
                while answer.get("id") != "q":
                    answer = await ws.receive()
                assert answer["payload"]["data"] == {"child": None}, (role, answer)
                for marker in target.markers:
                    assert marker not in str(first) + str(answer), (role, marker)

            async def logged(
                target_id: str = target.id, count: int = before, who: Any = caller
            ) -> bool:
                return await refused_rows(app_under_test, target_id, who) >= count + 2

            await wait_for(logged)


async def test_members_see_their_own_child_over_the_socket(
    matrix: Matrix, live_server: InProcessServer
) -> None:
    async with ws_session(live_server.base, matrix.world.coordinator) as ws:
        await ws.send(
            {
                "id": "q",
                "type": "subscribe",
                "payload": {"query": CHILD_QUERY, "variables": {"id": matrix.a.id}},
            }
        )
        answer = await ws.receive()
        assert answer["payload"]["data"]["child"]["id"] == matrix.a.id


async def test_anonymous_socket_is_refused(live_server: InProcessServer) -> None:
    with pytest.raises(ConnectionClosed) as closed:
        async with ws_session(live_server.base, None, init={}) as ws:
            await ws.subscribe("ChildEvents", {"childId": str(uuid.uuid4())})
            await ws.receive()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_revoked_token_closes_its_subscriptions_within_5_seconds(
    matrix: Matrix, app_under_test: AppUnderTest, live_server: InProcessServer
) -> None:
    token, secret = await issue_api_token(
        app_under_test.db, matrix.world.coordinator.id, "sykehussystem"
    )
    async with ws_session(live_server.base, None, init={"token": secret}) as ws:
        op = await ws.subscribe("ChildEvents", {"childId": matrix.a.id})
        first = await ws.receive()
        assert first["id"] == op and first["type"] == "next", first
        assert await revoke_api_token(app_under_test.db, token.id)
        revoked = time.monotonic()
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await ws.receive(timeout=10)
        assert time.monotonic() - revoked < 5
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_mutations_over_the_socket_change_nothing_outside_the_network(
    matrix: Matrix, app_under_test: AppUnderTest, live_server: InProcessServer
) -> None:
    from tests.security import schema_walk
    from tests.security.test_matrix import (
        GLOBAL_MUTATIONS,
        OWN_MUTATIONS,
        PERSONAL_MUTATIONS,
        events_of,
        mutation_inputs,
        outside_for,
    )

    names = sorted(
        set(schema_walk.root_fields("mutation"))
        - GLOBAL_MUTATIONS
        - PERSONAL_MUTATIONS
        - OWN_MUTATIONS
    )
    for role, (caller, outside) in matrix.roles.items():
        if caller is None:
            continue
        for target in (getattr(matrix, name.lower()) for name in outside):
            probed = [
                name
                for name in names
                if any(t is target for t in outside_for(matrix, name, caller, outside))
            ]
            events = await events_of(app_under_test, target.id)
            async with ws_session(live_server.base, caller) as ws:
                for n, name in enumerate(probed):
                    await ws.send(
                        {
                            "id": f"m{n}",
                            "type": "subscribe",
                            "payload": {
                                "query": schema_walk.document("mutation", name, "plain"),
                                "variables": {
                                    "input": mutation_inputs(matrix, target)[name](caller)
                                },
                            },
                        }
                    )
                    answer = await ws.receive()
                    while answer.get("id") != f"m{n}" or answer["type"] != "next":
                        answer = await ws.receive()
                    payload = answer["payload"]["data"][name]
                    assert {e["code"] for e in payload["errors"]} & {"NOT_FOUND"}, (role, name)
                    for marker in target.markers:
                        assert marker not in str(answer), (role, name, marker)
            assert await events_of(app_under_test, target.id) == events, (role, "changed")
