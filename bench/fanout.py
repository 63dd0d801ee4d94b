"""Live updates: one event to N subscribers, from commit to receipt, against a raw broadcast.

The commit time is PostgreSQL's own: the bench database gets a trigger that sends
`NOTIFY bench_commit` for each event row, and PostgreSQL delivers a notification when the
transaction commits; the bench listens on loopback and stamps its arrival. Each subscriber's
receipt of that event (by sequence number) is stamped by the reading task. The raw baseline
is a bare `websockets` server (its own process) broadcasting the same bytes to N clients,
timed from the moment the bench asks it to.

Also used for commit-to-screen across two app processes joined by Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from backend.api.operations import document
from bench import procs
from bench.kommune import PG, Kommune
from bench.reads import percentile

PROTOCOL = "graphql-transport-ws"
TRIGGER = [
    "CREATE OR REPLACE FUNCTION bench_commit_notify() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN PERFORM pg_notify('bench_commit', NEW.child_id::text || ':' || NEW.seq::text); "
    "RETURN NEW; END $$",
    "DROP TRIGGER IF EXISTS bench_commit_notify ON event",
    "CREATE TRIGGER bench_commit_notify AFTER INSERT ON event "
    "FOR EACH ROW EXECUTE FUNCTION bench_commit_notify()",
]


class Subscriber:
    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.received: dict[int, float] = {}
        self.sequences: list[int] = []
        self.last_text = ""
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            await self._messages()

    async def _messages(self) -> None:
        async for raw in self.connection:
            message = orjson.loads(raw)
            kind = message.get("type")
            if kind == "ping":
                await self.connection.send('{"type":"pong"}')
            elif kind == "next":
                data = (message.get("payload") or {}).get("data") or {}
                for value in data.values():
                    seq = value.get("seq") if isinstance(value, dict) else None
                    if isinstance(seq, int):
                        self.received.setdefault(seq, time.perf_counter())
                        self.sequences.append(seq)
                        self.last_text = raw if isinstance(raw, str) else raw.decode()

    async def close(self) -> None:
        self.task.cancel()
        with contextlib.suppress(Exception):
            await self.connection.close()


async def subscribe(
    base: str, person: uuid.UUID, child: uuid.UUID | None, after: str | None = None
) -> Subscriber:
    connection = await connect(
        base.replace("http://", "ws://") + "/graphql",
        subprotocols=[PROTOCOL],  # type: ignore[list-item]
        max_queue=None,
        open_timeout=30,
    )
    await connection.send(
        orjson.dumps({"type": "connection_init", "payload": {"devPerson": str(person)}}).decode()
    )
    ack = orjson.loads(await asyncio.wait_for(connection.recv(), 30))
    if ack.get("type") != "connection_ack":
        raise RuntimeError(f"no ack: {ack}")
    name, variables = ("ChildEvents", {"childId": str(child)}) if child else ("MyEvents", {})
    if after is not None:
        variables["after"] = after
    await connection.send(
        orjson.dumps(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": document(name), "variables": variables},
            }
        ).decode()
    )
    return Subscriber(connection)


@contextlib.asynccontextmanager
async def commit_clock(k: Kommune) -> AsyncIterator[dict[str, float]]:
    """{"<child id>:<seq>": perf_counter when PostgreSQL reported the commit}."""
    connection = await asyncpg.connect(database=k.name, **PG)  # type: ignore[arg-type]
    for statement in TRIGGER:
        await connection.execute(statement)
    commits: dict[str, float] = {}

    def heard(_c: Any, _pid: int, _channel: str, payload: str) -> None:
        commits.setdefault(payload, time.perf_counter())

    await connection.add_listener("bench_commit", heard)
    try:
        yield commits
    finally:
        await connection.close()


class Mutator:
    """UpdateNetworkMember on one member, version by version (a real write, one event)."""

    def __init__(self, base: str, coordinator: uuid.UUID, member: uuid.UUID) -> None:
        self.http = httpx.AsyncClient(base_url=base, timeout=30)
        self.headers = {"x-koordinat-dev-person": str(coordinator)}
        self.member = member
        self.version = 1
        self.n = 0

    async def send(self) -> dict[str, Any]:
        self.n += 1
        response = await self.http.post(
            "/graphql",
            json={
                "query": document("UpdateNetworkMember"),
                "variables": {
                    "input": {
                        "id": str(self.member),
                        "version": self.version,
                        "responsibilities": f"Runde {self.n}",
                    }
                },
            },
            headers=self.headers,
        )
        payload = response.json()
        result = (payload.get("data") or {}).get("updateNetworkMember") or {}
        if result.get("errors") or "errors" in payload:
            raise RuntimeError(f"mutation failed: {response.text[:300]}")
        self.version = int(result["member"]["version"])
        return payload

    async def close(self) -> None:
        await self.http.aclose()


async def member_version(k: Kommune, member: uuid.UUID) -> int:
    connection = await asyncpg.connect(database=k.name, **PG)  # type: ignore[arg-type]
    try:
        return int(
            await connection.fetchval("SELECT version FROM network_member WHERE id = $1", member)
        )
    finally:
        await connection.close()


async def _wait(subscribers: list[Subscriber], seq: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(seq in s.received for s in subscribers):
            return True
        await asyncio.sleep(0.001)
    return False


async def product_fanout(
    k: Kommune, count: int, rounds: int, *, redis_url: str = "", two_processes: bool = False
) -> dict[str, Any]:
    """Commit-to-receipt latencies of `rounds` events to `count` subscribers of one child."""
    assert k.fanout_child is not None
    child = k.fanout_child
    extra: dict[str, str] = {}
    if redis_url:
        extra = {
            "KOORDINAT_REDIS_URL": redis_url,
            "KOORDINAT_EVENTS_CHANNEL": f"koordinat:bench:{uuid.uuid4().hex[:8]}",
        }
    ports = [procs.free_port(), procs.free_port()]
    latencies: list[float] = []
    lost = 0
    sample = ""
    async with commit_clock(k) as commits, contextlib.AsyncExitStack() as stack:
        servers = []
        for port in ports[: 2 if two_processes else 1]:
            proc = stack.enter_context(procs.serve_product(k.url, port, **extra))
            servers.append((f"http://127.0.0.1:{port}", proc))
        for base, proc in servers:
            await procs.wait_healthy(base, proc)
        writer_base, reader_base = servers[0][0], servers[-1][0]
        subscribers: list[Subscriber] = []
        try:
            people = [p for p, _ in k.fanout_members[1 : count + 1]]
            for n in range(0, len(people), 50):  # in batches: connecting is not the case
                subscribers += await asyncio.gather(
                    *(subscribe(reader_base, p, child) for p in people[n : n + 50])
                )
            await asyncio.sleep(1.0)
            mutator = Mutator(writer_base, k.coordinators[0], k.fanout_members[0][1])
            mutator.version = await member_version(k, k.fanout_members[0][1])
            try:
                base_seq = max((max(s.received, default=0) for s in subscribers), default=0)
                for n in range(rounds + 2):
                    await mutator.send()
                    seq = base_seq + n + 1
                    arrived = await _wait(subscribers, seq, 30)
                    commit = commits.get(f"{child}:{seq}")
                    if not arrived or commit is None:
                        lost += 1
                        continue
                    if n >= 2:  # warm-up rounds are not counted
                        latencies += [s.received[seq] - commit for s in subscribers]
            finally:
                await mutator.close()
            sample = subscribers[0].last_text if subscribers else ""
        finally:
            await asyncio.gather(*(s.close() for s in subscribers))
    return {
        "p50": percentile(latencies, 0.5),
        "p99": percentile(latencies, 0.99),
        "lost": lost,
        "sample": sample,
    }


async def raw_fanout(count: int, rounds: int, text: str) -> dict[str, Any]:
    """The same bytes broadcast by a bare websockets server (own process) to `count`."""
    port = procs.free_port()
    latencies: list[float] = []
    with procs.process(["-m", "bench.raw_ws", str(port)]):
        for _ in range(300):
            try:
                control = await connect(f"ws://127.0.0.1:{port}/control", max_queue=None)
                break
            except OSError:
                await asyncio.sleep(0.1)
        else:
            raise RuntimeError("raw websocket server did not start")
        clients = []
        for n in range(0, count, 50):
            clients += await asyncio.gather(
                *(
                    connect(f"ws://127.0.0.1:{port}/", max_queue=None)
                    for _ in range(min(50, count - n))
                )
            )
        await asyncio.sleep(0.5)
        try:
            for n in range(rounds + 2):
                start = time.perf_counter()
                await control.send(text)

                async def one(c: ClientConnection, start: float = start) -> float:
                    await c.recv()
                    return time.perf_counter() - start

                got = await asyncio.wait_for(asyncio.gather(*(one(c) for c in clients)), 30)
                if n >= 2:
                    latencies += got
        finally:
            for c in [control, *clients]:
                await c.close()
    return {"p50": percentile(latencies, 0.5), "p99": percentile(latencies, 0.99)}
