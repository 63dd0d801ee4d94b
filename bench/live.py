"""Live updates: one event delivered to many subscribers, against a raw websocket broadcast.

All three cases run over real sockets on this machine (uvicorn + the `websockets` client):
- baseline: a bare `websockets` server sends the same payload to every client;
- Koordinat with shared rendering: the event is executed once per (document, view) and the
  same JSON goes to every subscriber (each is still authorized again at delivery);
- Koordinat with the render cache off: one GraphQL execution per subscriber.
Each round is timed from the mutation's commit being sent (or the broadcast starting) until
every client has the event.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from typing import Any

import httpx
import orjson
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection, broadcast, serve

from backend.api.operations import document
from backend.app import create_app
from backend.children.models import Child
from backend.core.clock import today
from backend.core.migrate import upgrade
from backend.core.settings import Settings
from backend.identity.models import Person, PersonKind
from backend.network.models import Municipality, NetworkMember, NetworkRole

SUBSCRIBERS = 50
PROTOCOL = "graphql-transport-ws"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _seed(db: Any) -> tuple[Person, list[Person], Child, NetworkMember]:
    async with db.writing() as session:
        kommune = Municipality(name="Benchvik", number="4609", org_number="974760673")
        session.add(kommune)
        await session.flush()
        coordinator = Person(
            name="Koordinator", kind=PersonKind.STAFF.value, municipality_id=kommune.id
        )
        members = [
            Person(name=f"Ansatt {n}", kind=PersonKind.STAFF.value) for n in range(SUBSCRIBERS)
        ]
        session.add_all([coordinator, *members])
        child = Child(municipality_id=kommune.id, given_name="Barn", family_name="Bench")
        session.add(child)
        await session.flush()
        rows = [
            NetworkMember(
                child_id=child.id,
                person_id=p.id,
                role=role.value,
                active_from=today(),
            )
            for p, role in [(coordinator, NetworkRole.COORDINATOR)]
            + [(m, NetworkRole.MEMBER) for m in members]
        ]
        session.add_all(rows)
    return coordinator, members, child, rows[1]


async def _subscribe(base: str, person: Person, child: Child) -> ClientConnection:
    connection = await connect(
        base.replace("http://", "ws://") + "/graphql",
        subprotocols=[PROTOCOL],  # type: ignore[list-item]
        max_queue=None,
    )
    await connection.send(
        orjson.dumps({"type": "connection_init", "payload": {"devPerson": str(person.id)}}).decode()
    )
    assert orjson.loads(await connection.recv())["type"] == "connection_ack"
    await connection.send(
        orjson.dumps(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {
                    "query": document("ChildEvents"),
                    "variables": {"childId": str(child.id)},
                },
            }
        ).decode()
    )
    return connection


async def _drain_until(connections: list[ClientConnection], seq: int) -> None:
    async def one(connection: ClientConnection) -> None:
        while True:
            message = orjson.loads(await connection.recv())
            if message["payload"]["data"]["childEvents"]["seq"] >= seq:
                return

    await asyncio.gather(*(one(c) for c in connections))


async def _koordinat(rounds: int, cache_size: int) -> tuple[float, int, int]:
    """Median seconds per delivered event, and the renders / cache hits it took."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/live.sqlite3"
        await upgrade(url)
        settings = Settings(
            database_url=url,
            dev_mode=True,
            secret_key="bench",
            events_render_cache_size=cache_size,
            jobs_in_process=False,
        )
        app = create_app(settings)
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        task = asyncio.create_task(server.serve())
        for _ in range(600):  # up to 30 s
            if server.started:
                break
            await asyncio.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        try:
            coordinator, members, child, member = await _seed(app.state.db)
            clients = [await _subscribe(base, m, child) for m in members]
            await asyncio.sleep(0.5)
            seq, version = 0, member.version
            samples = []
            cache = app.state.live.render_cache
            async with httpx.AsyncClient(base_url=base) as http:
                for n in range(rounds + 3):
                    start = time.perf_counter()
                    response = await http.post(
                        "/graphql",
                        json={
                            "query": document("UpdateNetworkMember"),
                            "variables": {
                                "input": {
                                    "id": str(member.id),
                                    "version": version,
                                    "responsibilities": f"Runde {n}",
                                }
                            },
                        },
                        headers={"x-koordinat-dev-person": str(coordinator.id)},
                    )
                    payload = response.json()["data"]["updateNetworkMember"]
                    assert payload["errors"] == [], payload
                    version += 1
                    seq += 1
                    await _drain_until(clients, seq)
                    if n == 2:  # warm-up done: count only the measured rounds
                        renders, hits = cache.renders, cache.hits
                    if n >= 3:
                        samples.append(time.perf_counter() - start)
            renders, hits = cache.renders - renders, cache.hits - hits
            for client in clients:
                await client.close()
        finally:
            server.should_exit = True
            await task
    return statistics.median(samples), renders, hits


async def _raw_broadcast(rounds: int, payload: bytes) -> float:
    clients_ready: list[ServerConnection] = []

    async def handler(connection: ServerConnection) -> None:
        clients_ready.append(connection)
        await connection.wait_closed()

    port = _free_port()
    async with serve(handler, "127.0.0.1", port):
        clients = [
            await connect(f"ws://127.0.0.1:{port}", max_queue=None) for _ in range(SUBSCRIBERS)
        ]
        for _ in range(1000):
            if len(clients_ready) >= SUBSCRIBERS:
                break
            await asyncio.sleep(0.01)
        samples = []
        text = payload.decode()
        for n in range(rounds + 3):
            start = time.perf_counter()
            broadcast(clients_ready, text)
            await asyncio.gather(*(c.recv() for c in clients))
            if n >= 3:
                samples.append(time.perf_counter() - start)
        for client in clients:
            await client.close()
    return statistics.median(samples)


async def bench_live(rounds: int) -> list[tuple[str, float, float]]:
    rounds = max(10, min(rounds, 60))
    shared, renders, hits = await _koordinat(rounds, cache_size=2048)
    per_subscriber, renders_off, _ = await _koordinat(rounds, cache_size=0)
    # The same size of message as one Koordinat event with the ChildEvents document.
    sample = {
        "id": "1",
        "type": "next",
        "payload": {"data": {"childEvents": {"member": {"responsibilities": "x" * 40}}}},
    }
    payload = orjson.dumps(sample) + b" " * 600
    raw = await _raw_broadcast(rounds, payload)
    per_event = rounds
    return [
        (f"raw websocket broadcast of one payload to {SUBSCRIBERS} clients (baseline)", raw, 1.0),
        (
            f"Koordinat: mutation, then the event to {SUBSCRIBERS} subscribers, shared render "
            f"({renders / per_event:.0f} execution per event, {hits / per_event:.0f} reuses)",
            shared,
            shared / raw,
        ),
        (
            f"same, render cache off ({renders_off / per_event:.0f} executions per event)",
            per_subscriber,
            per_subscriber / raw,
        ),
    ]
