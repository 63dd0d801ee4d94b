"""Websockets one person or address may hold, and the connection_init deadline, over real
sockets against the app under uvicorn (its own server: caps of 2 per person, 4 per address,
a 1 s init deadline)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from backend.app import create_app
from tests.conftest import World, make_settings
from tests.events.live import PROTOCOL, InProcessServer, Ws, person_id, ws_session

pytestmark = pytest.mark.usefixtures("world")


@pytest.fixture(scope="module")
async def capped_server(database_url: str) -> AsyncIterator[InProcessServer]:
    settings = make_settings(
        database_url, sockets_per_person=2, sockets_per_ip=4, socket_init_timeout_seconds=1
    )
    server = InProcessServer(create_app(settings))
    await server.start()
    yield server
    await server.stop()


async def raw_socket(server: InProcessServer) -> ClientConnection:
    return await connect(
        server.base.replace("http://", "ws://") + "/graphql",
        subprotocols=[PROTOCOL],  # type: ignore[list-item]
        open_timeout=10,
        close_timeout=2,
    )


async def closed_with(connection: ClientConnection, timeout: float = 10) -> int | None:
    """Reads until the server closes the socket (bounded), then its close code."""
    with pytest.raises(ConnectionClosed):
        while True:
            await asyncio.wait_for(connection.recv(), timeout)
    return connection.close_code


async def init(connection: ClientConnection, person: object) -> None:
    await Ws(connection).send(
        {"type": "connection_init", "payload": {"devPerson": person_id(person)}}
    )


async def test_one_person_holds_at_most_the_cap(
    capped_server: InProcessServer, world: World
) -> None:
    async with AsyncExitStack() as stack:
        for _ in range(2):
            await stack.enter_async_context(ws_session(capped_server.base, world.coordinator))
        third = await raw_socket(capped_server)
        await init(third, world.coordinator)
        assert await closed_with(third) == 4429
        # Someone else (from the same address) still gets in.
        async with ws_session(capped_server.base, world.teacher) as ws:
            await ws.send({"type": "ping"})
            assert (await ws.connection.recv()) == '{"type":"pong"}'
    # Closed sockets free their places (the server notices the close within moments).
    deadline = time.monotonic() + 10
    while True:
        again = await raw_socket(capped_server)
        await init(again, world.coordinator)
        try:
            message = await asyncio.wait_for(again.recv(), 10)
        except ConnectionClosed:
            message = None
        await again.close()
        if message == '{"type":"connection_ack"}':
            break
        assert time.monotonic() < deadline, "the person's sockets were never released"
        await asyncio.sleep(0.1)


async def test_one_address_holds_at_most_the_cap(
    capped_server: InProcessServer, world: World
) -> None:
    async with AsyncExitStack() as stack:
        for person in (world.coordinator, world.coordinator, world.teacher, world.teacher):
            await stack.enter_async_context(ws_session(capped_server.base, person))
        fifth = await raw_socket(capped_server)
        assert await closed_with(fifth) == 4429


async def test_a_socket_without_connection_init_is_closed(capped_server: InProcessServer) -> None:
    connection = await raw_socket(capped_server)
    assert await closed_with(connection) == 4408
