"""A graphql-transport-ws client (the `websockets` library) and a real server to talk to."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
from websockets.asyncio.client import ClientConnection, connect

from backend.api.operations import document
from tests.conftest import IN_CI

PROTOCOL = "graphql-transport-ws"
KOORDINAT = Path(sys.executable).parent / "koordinat"
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def person_id(person: Any) -> str:
    return str(getattr(person, "id", person))


class Ws:
    """One socket, one person; subscriptions keyed by operation id."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self._ids = itertools.count(1)

    async def subscribe(self, name: str, variables: dict[str, Any]) -> str:
        op_id = str(next(self._ids))
        await self.send(
            {
                "id": op_id,
                "type": "subscribe",
                "payload": {"query": document(name), "variables": variables},
            }
        )
        return op_id

    async def send(self, message: dict[str, Any]) -> None:
        await self.connection.send(orjson.dumps(message).decode())

    async def receive(self, timeout: float = 15) -> dict[str, Any]:
        """The next message that is not a ping/pong."""
        while True:
            raw = await asyncio.wait_for(self.connection.recv(), timeout)
            assert isinstance(raw, str), "graphql-transport-ws messages are text frames"
            message: dict[str, Any] = orjson.loads(raw)
            if message["type"] == "ping":
                await self.send({"type": "pong"})
                continue
            if message["type"] != "pong":
                return message


@asynccontextmanager
async def ws_session(
    base: str,
    person: Any | None,
    *,
    origin: str | None = None,
    init: dict[str, Any] | None = None,
) -> AsyncIterator[Ws]:
    url = base.replace("http://", "ws://") + "/graphql"
    async with connect(
        url,
        subprotocols=[PROTOCOL],  # type: ignore[list-item]
        origin=origin,  # type: ignore[arg-type]
        open_timeout=10,
        close_timeout=2,
    ) as connection:
        ws = Ws(connection)
        payload = init if init is not None else {"devPerson": person_id(person)}
        await ws.send({"type": "connection_init", "payload": payload})
        ack = await ws.receive()
        assert ack["type"] == "connection_ack", ack
        yield ws


async def collect_events(
    ws: Ws, op_id: str, until_seq: int, timeout: float = 30
) -> list[dict[str, Any]]:
    """`next` items of one operation until one with seq >= until_seq arrives."""
    items: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"timed out at {[i.get('seq') for i in items]}")
        message = await ws.receive(timeout=remaining)
        assert message.get("id") == op_id, message
        assert message["type"] == "next", message
        payload = message["payload"]
        assert "errors" not in payload, payload
        item = next(iter(payload["data"].values()))
        items.append(item)
        if item.get("seq", 0) >= until_seq:
            return items


async def gql(
    client: httpx.AsyncClient, name: str, variables: dict[str, Any], person: Any
) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": document(name), "variables": variables},
        headers={"x-koordinat-dev-person": person_id(person)},
    )
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return dict(body["data"])


class InProcessServer:
    """The app under uvicorn on a free port, inside the test's event loop."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", ws="auto")
        )
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.task = asyncio.create_task(self.server.serve())
        for _ in range(200):
            if self.server.started:
                return
            await asyncio.sleep(0.05)
        raise AssertionError("uvicorn did not start")

    async def stop(self) -> None:
        self.server.should_exit = True
        if self.task is not None:
            await asyncio.wait_for(self.task, 30)


# --- processes: `koordinat serve` and `redis-server`, bounded and self-stopping


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


class AppProcess:
    """`koordinat serve` in a subprocess; started, killed and restarted on the same port."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        out = self.log.open("ab")
        self.process = subprocess.Popen(
            [str(KOORDINAT), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"app exited early:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError("app did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


class RedisProcess:
    """Our own redis-server on a free port, so stopping it disturbs nobody else."""

    def __init__(self, folder: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            message = "redis-server is not installed"
            if IN_CI:
                pytest.fail(message)
            pytest.skip(message)
        self.binary = binary
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def app_env(database_url: str, redis_url: str, channel: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOORDINAT_")}
    env.update(
        KOORDINAT_DATABASE_URL=database_url,
        KOORDINAT_DEV_MODE="true",
        KOORDINAT_SECRET_KEY="test-secret",
        KOORDINAT_REDIS_URL=redis_url,
        KOORDINAT_EVENTS_CHANNEL=channel,
        KOORDINAT_EVENTS_RECHECK_SECONDS="1",
        # The jobs engineer's in-process runner is not what these tests are about.
        KOORDINAT_JOBS_IN_PROCESS="false",
    )
    return env


def unique_channel() -> str:
    return f"koordinat-test:{uuid.uuid4().hex[:12]}:events"
