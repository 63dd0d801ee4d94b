"""Idle subscriptions cost no database work; a database blip does not end a stream.

Transactions are counted on the serving app's own engine (the shared test app writes
through another engine), with SQLAlchemy's `begin` event: every read or write session the
server opens is one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from backend.app import create_app
from backend.events.hub import LiveHub
from backend.identity.sessions import issue_api_token, revoke_api_token
from tests.conftest import AppUnderTest, World, _pg_admin, make_settings
from tests.events.live import InProcessServer, Ws, collect_events, gql, ws_session
from tests.events.test_subscriptions import add, new_child, seqs, staff

IDLE = 25
WINDOW = 4.0  # seconds: four of the server's re-check periods (1.0 s here)


@pytest.fixture
async def http(live_server: InProcessServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_server.base, timeout=30) as client:
        yield client
    hub: LiveHub = live_server.app.state.live
    for _ in range(100):
        if not hub.feeds:
            break
        await asyncio.sleep(0.1)


@contextmanager
def transactions(app: Any) -> Iterator[list[int]]:
    """Counts the transactions the app's engine begins while the block runs."""
    count = [0]
    engine = app.state.db.engine.sync_engine

    def began(_connection: Any) -> None:
        count[0] += 1

    event.listen(engine, "begin", began)
    try:
        yield count
    finally:
        event.remove(engine, "begin", began)


async def idle_window(app: Any) -> tuple[int, int]:
    """(transactions, sweeps) over WINDOW seconds without traffic."""
    hub: LiveHub = app.state.live
    # Reads delivered before the window are written to the access log within a period.
    await asyncio.sleep(hub.recheck_seconds + 0.5)
    sweeps = hub.sweeps
    with transactions(app) as count:
        await asyncio.sleep(WINDOW)
    return count[0], hub.sweeps - sweeps


async def test_idle_subscriptions_cost_no_database_work(
    live_server: InProcessServer, world: World, http: httpx.AsyncClient
) -> None:
    child = await new_child(http, world)
    people = await staff(live_server, IDLE)
    members = [await add(http, world, child, person) for person in people]
    async with AsyncExitStack() as stack:
        sockets: list[tuple[Ws, str]] = []
        for n, person in enumerate(people):
            ws = await stack.enter_async_context(ws_session(live_server.base, person))
            if n % 5 == 0:  # a few follow all their children, the rest this one
                op = await ws.subscribe("MyEvents", {})
            else:
                op = await ws.subscribe("ChildEvents", {"childId": child})
                await collect_events(ws, op, 4 + IDLE)
            sockets.append((ws, op))
        hub: LiveHub = live_server.app.state.live
        assert len(hub.waiters) == IDLE
        used, sweeps = await idle_window(live_server.app)
        # Nothing per socket: at most the process's one sweep (a handful of statements for
        # all streams together) if it fell into the window.
        assert used <= 6 * sweeps, (used, sweeps)
        # The idle streams are alive: a removal still ends that member's stream at once.
        ws, op = sockets[1]
        data = await gql(
            http,
            "EndNetworkMembership",
            {"input": {"id": members[1]["id"], "version": members[1]["version"]}},
            world.coordinator,
        )
        assert data["endNetworkMembership"]["errors"] == []
        message = await ws.receive(timeout=10)
        assert message["payload"]["errors"][0]["extensions"]["code"] == "NOT_FOUND", message
        assert (await ws.receive(timeout=10)) == {"id": op, "type": "complete"}
        # ...and the others get the next event.
        ws, op = sockets[2]
        assert seqs(await collect_events(ws, op, 4 + IDLE + 1)) == [4 + IDLE + 1]


async def test_idle_sockets_with_api_tokens_cost_no_database_work(
    live_server: InProcessServer,
    app_under_test: AppUnderTest,
    world: World,
    http: httpx.AsyncClient,
) -> None:
    """A socket signed in with a token (or a session) does not ask the database whether its
    credential still holds: revocation and logout are hints, expiry is the sweep's."""
    child = await new_child(http, world)
    async with AsyncExitStack() as stack:
        for n in range(10):
            _, secret = await issue_api_token(app_under_test.db, world.coordinator.id, f"idle {n}")
            ws = await stack.enter_async_context(
                ws_session(live_server.base, None, init={"token": secret})
            )
            op = await ws.subscribe("ChildEvents", {"childId": child})
            await collect_events(ws, op, 4)
        used, sweeps = await idle_window(live_server.app)
        assert used <= 6 * sweeps, (used, sweeps)


async def test_a_revoked_token_ends_its_stream_by_hint_not_by_polling(
    live_server: InProcessServer,
    app_under_test: AppUnderTest,
    world: World,
    http: httpx.AsyncClient,
) -> None:
    child = await new_child(http, world)
    token, secret = await issue_api_token(app_under_test.db, world.coordinator.id, "sykehus")
    async with ws_session(live_server.base, None, init={"token": secret}) as ws:
        op = await ws.subscribe("ChildEvents", {"childId": child})
        assert seqs(await collect_events(ws, op, 4)) == [1, 2, 3, 4]
        # Revoked through another app of this process: its hub hears it and tells ours.
        assert await revoke_api_token(app_under_test.db, token.id)
        # The stream itself ends (before the socket's own session check closes the socket).
        message = await ws.receive(timeout=10)
        assert message["id"] == op and message["type"] == "next", message
        assert message["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.fixture
async def blip_server(app_under_test: AppUnderTest) -> AsyncIterator[InProcessServer]:
    # PostgreSQL only (the test is marked): SQLite's WAL readers never wait for a writer, and
    # a held exclusive lock is waited out by busy_timeout (15 s) instead of failing.
    assert app_under_test.backend == "postgresql"
    settings = make_settings(
        app_under_test.settings.database_url, events_recheck_seconds=1.0, events_sweep_seconds=0.5
    )
    server = InProcessServer(create_app(settings))
    await server.start()
    yield server
    await server.stop()


@pytest.mark.postgres
async def test_a_database_blip_does_not_end_a_stream(
    blip_server: InProcessServer, app_under_test: AppUnderTest, world: World
) -> None:
    name = app_under_test.db.engine.url.database
    async with httpx.AsyncClient(base_url=blip_server.base, timeout=30) as http:
        child = await new_child(http, world)
        async with ws_session(blip_server.base, world.coordinator) as ws:
            op = await ws.subscribe("ChildEvents", {"childId": child})
            assert seqs(await collect_events(ws, op, 4)) == [1, 2, 3, 4]
            admin = await _pg_admin()
            try:
                # The database goes away for a few seconds: every connection of the app is
                # cut, and new ones are refused, while the stream re-checks.
                await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
                await admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = $1 AND pid <> pg_backend_pid()",
                    name,
                )
                # Several sweeps (0.5 s) and re-check periods (1.0 s) pass meanwhile.
                await asyncio.sleep(3.0)
            finally:
                await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
                await admin.close()
            await add(http, world, child, world.teacher)
            # The same subscription, on the same socket: the change exactly once, no error.
            items = await collect_events(ws, op, 5, timeout=60)
            assert seqs(items) == [5]
            await add(http, world, child, world.psychologist)
            assert seqs(await collect_events(ws, op, 6, timeout=60)) == [6]
