"""Several `koordinat serve` processes, one PostgreSQL database, Redis: nothing is lost.

Each test starts its own app processes (and, where Redis is stopped, its own redis-server on
a free port) and stops them at the end; a unique pub/sub channel keeps tests apart.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from websockets.exceptions import ConnectionClosed

from backend.core.database import Database
from backend.core.migrate import upgrade
from backend.identity.models import Person, PersonKind
from backend.identity.sessions import issue_api_token
from backend.network.models import Municipality, ServiceProvider, ServiceType
from tests.conftest import IN_CI, PG_HOST, PG_PORT, PG_USER, _pg_admin, _postgres_available
from tests.events.live import (
    KOORDINAT,
    ROOT,
    AppProcess,
    RedisProcess,
    Ws,
    app_env,
    gql,
    unique_channel,
    ws_session,
)
from tests.helpers import register_input

pytestmark = pytest.mark.slow

SHARED_REDIS = "redis://127.0.0.1:6379/0"


def _unreachable(message: str) -> None:
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class Deployment:
    url: str
    coordinator: Person
    staff: list[Person]


@pytest.fixture
async def deployment() -> AsyncIterator[Deployment]:
    """A fresh, migrated PostgreSQL database with a kommune, a coordinator and staff."""
    if not await _postgres_available():
        _unreachable(f"PostgreSQL is not reachable on {PG_HOST}:{PG_PORT}")
    name = f"koordinat_live_{uuid.uuid4().hex[:12]}"
    admin = await _pg_admin()
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    await upgrade(url)
    db = Database(url)
    async with db.writing() as session:
        kommune = Municipality(name="Livevik", number="4603", org_number="974760673")
        session.add(kommune)
        await session.flush()
        unit = ServiceProvider(
            name="Koordinerende enhet",
            type=ServiceType.COORDINATING_UNIT.value,
            org_number="974760673",
            municipality_id=kommune.id,
        )
        session.add(unit)
        await session.flush()
        coordinator = Person(
            name="Kari Koordinator",
            kind=PersonKind.STAFF.value,
            employer_service_id=unit.id,
            municipality_id=kommune.id,
        )
        # Staff of the unit: their id is enough to add them to a network.
        staff = [
            Person(name=f"Ansatt {n}", kind=PersonKind.STAFF.value, employer_service_id=unit.id)
            for n in range(40)
        ]
        session.add_all([coordinator, *staff])
    await db.dispose()
    yield Deployment(url=url, coordinator=coordinator, staff=staff)
    admin = await _pg_admin()
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


@pytest.fixture
async def shared_redis() -> str:
    client = aioredis.Redis.from_url(SHARED_REDIS, socket_connect_timeout=2)
    try:
        await client.ping()
    except (OSError, aioredis.ConnectionError):
        _unreachable("Redis is not reachable on 127.0.0.1:6379")
    finally:
        await client.aclose()
    return SHARED_REDIS


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[list[AppProcess | RedisProcess]]:
    """Everything a test starts is stopped here, whatever happened."""
    started: list[AppProcess | RedisProcess] = []
    yield started
    for process in reversed(started):
        process.stop()


def start_app(
    processes: list[Any], deployment: Deployment, redis_url: str, channel: str, log: Path
) -> AppProcess:
    app = AppProcess(app_env(deployment.url, redis_url, channel), log)
    processes.append(app)
    app.start()
    return app


async def register(client: httpx.AsyncClient, deployment: Deployment) -> str:
    data = await gql(client, "RegisterChild", {"input": register_input()}, deployment.coordinator)
    assert data["registerChild"]["errors"] == []
    return str(data["registerChild"]["child"]["id"])


async def add_member(
    client: httpx.AsyncClient, deployment: Deployment, child: str, person: Person
) -> None:
    data = await gql(
        client,
        "AddNetworkMember",
        {"input": {"childId": child, "role": "MEMBER", "personId": str(person.id)}},
        deployment.coordinator,
    )
    assert data["addNetworkMember"]["errors"] == [], data


class Follower:
    """A client that follows one child and reconnects with its last cursor when cut off."""

    def __init__(self, base: str, person: Person, child: str) -> None:
        self.base = base
        self.person = person
        self.child = child
        self.seqs: list[int] = []
        self.cursor: str | None = None
        self.connections = 0

    async def run(self, until_seq: int) -> None:
        while not self.seqs or self.seqs[-1] < until_seq:
            try:
                async with ws_session(self.base, self.person) as ws:
                    self.connections += 1
                    await self._follow(ws, until_seq)
            except (ConnectionClosed, OSError, TimeoutError, AssertionError):
                await asyncio.sleep(0.3)  # the server is down: try again

    async def _follow(self, ws: Ws, until_seq: int) -> None:
        op = await ws.subscribe("ChildEvents", {"childId": self.child, "after": self.cursor})
        while not self.seqs or self.seqs[-1] < until_seq:
            message = await ws.receive(timeout=20)
            assert message["id"] == op and message["type"] == "next", message
            item = message["payload"]["data"]["childEvents"]
            self.seqs.append(item["seq"])
            self.cursor = item["cursor"]


async def test_a_subscriber_on_one_process_sees_a_change_made_through_another(
    deployment: Deployment, shared_redis: str, processes: list[Any], tmp_path: Path
) -> None:
    channel = unique_channel()
    a = start_app(processes, deployment, shared_redis, channel, tmp_path / "a.log")
    b = start_app(processes, deployment, shared_redis, channel, tmp_path / "b.log")
    async with httpx.AsyncClient(base_url=b.base, timeout=30) as through_b:
        child = await register(through_b, deployment)
        async with ws_session(a.base, deployment.coordinator) as ws:
            op = await ws.subscribe("ChildEvents", {"childId": child})
            replay = [(await ws.receive())["payload"]["data"]["childEvents"] for _ in range(4)]
            await add_member(through_b, deployment, child, deployment.staff[0])
            message = await ws.receive(timeout=20)
    assert [i["seq"] for i in replay] == [1, 2, 3, 4]
    assert message["id"] == op
    live = message["payload"]["data"]["childEvents"]
    assert (live["seq"], live["kind"]) == (5, "network.member_added")
    assert live["entity"]["person"]["id"] == str(deployment.staff[0].id)


async def test_killed_app_process_loses_no_event_for_reconnecting_clients(
    deployment: Deployment, shared_redis: str, processes: list[Any], tmp_path: Path
) -> None:
    channel = unique_channel()
    a = start_app(processes, deployment, shared_redis, channel, tmp_path / "a.log")
    b = start_app(processes, deployment, shared_redis, channel, tmp_path / "b.log")
    writes = 24
    async with httpx.AsyncClient(base_url=b.base, timeout=30) as through_b:
        child = await register(through_b, deployment)
        final = 4 + writes
        followers = [Follower(a.base, deployment.coordinator, child) for _ in range(3)]
        tasks = [asyncio.create_task(f.run(final)) for f in followers]

        async def writer() -> None:
            for person in deployment.staff[:writes]:
                await add_member(through_b, deployment, child, person)
                await asyncio.sleep(0.05)

        writing = asyncio.create_task(writer())
        # Kill A while clients follow it and writes go on through B, then bring it back.
        while min(len(f.seqs) for f in followers) < 8:
            await asyncio.sleep(0.05)
        await asyncio.to_thread(a.kill)
        await asyncio.sleep(0.5)
        await asyncio.to_thread(a.start)
        await writing
        await asyncio.wait_for(asyncio.gather(*tasks), 60)
    for follower in followers:
        assert follower.seqs == list(range(1, final + 1))
        assert follower.connections >= 2  # it really was cut off and came back


async def test_redis_outage_loses_no_event(
    deployment: Deployment, processes: list[Any], tmp_path: Path
) -> None:
    redis = RedisProcess(tmp_path)
    processes.append(redis)
    redis.start()
    channel = unique_channel()
    a = start_app(processes, deployment, redis.url, channel, tmp_path / "a.log")
    b = start_app(processes, deployment, redis.url, channel, tmp_path / "b.log")
    async with httpx.AsyncClient(base_url=b.base, timeout=30) as through_b:
        child = await register(through_b, deployment)
        follower = Follower(a.base, deployment.coordinator, child)
        following = asyncio.create_task(follower.run(4 + 18))
        while len(follower.seqs) < 4:
            await asyncio.sleep(0.05)
        for person in deployment.staff[:6]:
            await add_member(through_b, deployment, child, person)
        await asyncio.to_thread(redis.stop)
        # Redis is down: writes still commit, and the subscribers still get them.
        for person in deployment.staff[6:12]:
            await add_member(through_b, deployment, child, person)
        await asyncio.sleep(1.0)
        await asyncio.to_thread(redis.start)  # empty: it kept nothing
        # Each process's listener comes back on its own (with backoff).
        for log in (tmp_path / "a.log", tmp_path / "b.log"):
            for _ in range(200):
                if "Redis listener reconnected" in log.read_text():
                    break
                await asyncio.sleep(0.1)
        for person in deployment.staff[12:18]:
            await add_member(through_b, deployment, child, person)
        await asyncio.wait_for(following, 60)
        # A client that reconnects with its cursor now gets nothing twice.
        late = Follower(a.base, deployment.coordinator, child)
        late.cursor, late.seqs = follower.cursor, [follower.seqs[-1]]
        await add_member(through_b, deployment, child, deployment.staff[18])
        await asyncio.wait_for(late.run(4 + 19), 30)
    assert follower.seqs == list(range(1, 4 + 18 + 1))
    assert late.seqs == [4 + 18, 4 + 19]
    # The outage was real, and each listener reconnected.
    for log in (tmp_path / "a.log", tmp_path / "b.log"):
        text = log.read_text()
        assert "Redis listener lost its connection" in text
        assert "Redis listener reconnected" in text


async def test_a_token_revoked_from_the_command_line_ends_streams_on_every_process(
    deployment: Deployment, shared_redis: str, processes: list[Any], tmp_path: Path
) -> None:
    channel = unique_channel()
    env = app_env(deployment.url, shared_redis, channel)
    a = start_app(processes, deployment, shared_redis, channel, tmp_path / "a.log")
    db = Database(deployment.url)
    token, secret = await issue_api_token(db, deployment.coordinator.id, "sykehussystem")
    await db.dispose()
    async with httpx.AsyncClient(base_url=a.base, timeout=30) as http:
        child = await register(http, deployment)
    async with ws_session(a.base, None, init={"token": secret}) as ws:
        op = await ws.subscribe("ChildEvents", {"childId": child})
        assert [
            (await ws.receive())["payload"]["data"]["childEvents"]["seq"] for _ in range(4)
        ] == [
            1,
            2,
            3,
            4,
        ]
        revoke = await asyncio.create_subprocess_exec(
            str(KOORDINAT), "token", "revoke", str(token.id), env=env, cwd=ROOT
        )
        assert await asyncio.wait_for(revoke.wait(), 60) == 0
        # The stream ends by the hint the command published (the process's sweep is 30 s
        # away); the socket's own session check then closes the socket.
        message = await ws.receive(timeout=20)
        assert message["id"] == op and message["type"] == "next", message
        assert message["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_notification_reaches_a_stream_on_another_process_by_hint(
    deployment: Deployment, shared_redis: str, processes: list[Any], tmp_path: Path
) -> None:
    channel = unique_channel()
    a = start_app(processes, deployment, shared_redis, channel, tmp_path / "a.log")
    b = start_app(processes, deployment, shared_redis, channel, tmp_path / "b.log")
    newcomer = deployment.staff[0]
    async with httpx.AsyncClient(base_url=b.base, timeout=30) as through_b:
        child = await register(through_b, deployment)
        async with ws_session(a.base, newcomer) as ws:
            op = await ws.subscribe("MyEvents", {})
            await asyncio.sleep(0.5)
            await add_member(through_b, deployment, child, newcomer)
            # Well inside the 30 s sweep: the hint from process b carried it.
            message = await ws.receive(timeout=10)
    assert message["id"] == op and message["type"] == "next", message
    item = message["payload"]["data"]["myEvents"]
    assert item["__typename"] == "LiveNotification", item
    assert (item["notification"]["kind"], item["notification"]["childId"]) == (
        "network.welcome",
        child,
    )
