"""Real components for the job and notification tests: an SMTP server (aiosmtpd), Redis
(the shared one, or a private redis-server the test may stop), and `koordinat worker`
processes."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar

import pytest
import redis
from aiosmtpd.controller import Controller
from sqlmodel import col, select

from backend.core.database import Database
from backend.identity.models import Person
from backend.notify.models import Notification
from tests.conftest import IN_CI

KOORDINAT = Path(sys.executable).parent / "koordinat"
REDIS_URL = os.environ.get("KOORDINAT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_for(check: Callable[[], Awaitable[T | None]], what: str, timeout: float = 60) -> T:
    """Poll until `check` returns something truthy; fail with `what` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


# --- SMTP


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class MailHandler:
    """Accepts, refuses or holds messages as a test tells it to; records what it accepted."""

    received: list[Received] = field(default_factory=list)
    data_commands: list[list[str]] = field(default_factory=list)
    # Every message offered with DATA, accepted or not.
    offered: list[EmailMessage] = field(default_factory=list)
    reject: str | None = None
    # Seconds to wait before answering each DATA (a slow server).
    reply_delay: float = 0.0
    hold_next: bool = False
    holding: threading.Event = field(default_factory=threading.Event)
    dropped: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data_commands.append(list(envelope.rcpt_tos))
        offered = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(offered, EmailMessage)
        self.offered.append(offered)
        if self.reply_delay:
            await asyncio.sleep(self.reply_delay)
        if self.hold_next:
            self.hold_next = False
            self.holding.set()
            try:
                while not self.release.is_set():
                    await asyncio.sleep(0.02)
            except asyncio.CancelledError:
                # The client went away before we answered: by SMTP the message was never
                # accepted, so it is not delivered.
                self.dropped.set()
                raise
        if self.reject:
            return self.reject
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return f"250 2.0.0 Ok: queued as K{len(self.received)}"


class MailServer:
    def __init__(self) -> None:
        self.handler = MailHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def to(self, address: str) -> list[EmailMessage]:
        return [r.message for r in self.handler.received if address in r.rcpt_tos]

    def attempts_to(self, address: str) -> int:
        return sum(1 for rcpts in self.handler.data_commands if address in rcpts)


@pytest.fixture
def mail() -> Iterator[MailServer]:
    server = MailServer()
    server.controller.start()
    try:
        yield server
    finally:
        server.handler.release.set()
        server.controller.stop()


def smtp_settings(mail: MailServer) -> dict[str, Any]:
    return {
        "smtp_host": "127.0.0.1",
        "smtp_port": mail.port,
        "smtp_security": "none",
        "smtp_from": "Koordinat <varsel@testvik.kommune.no>",
        "smtp_timeout_seconds": 10,
    }


# --- Redis


def _redis_reachable(url: str) -> bool:
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        client.ping()
        client.close()
    except (redis.RedisError, OSError):
        return False
    return True


@pytest.fixture(scope="session")
def redis_url() -> str:
    if not _redis_reachable(REDIS_URL):
        message = f"Redis is not reachable at {REDIS_URL} (bin/services starts it)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return REDIS_URL


@pytest.fixture
def queue_name() -> str:
    return f"koordinat-test:{uuid.uuid4().hex}"


class PrivateRedis:
    """A redis-server of this test's own, which it may stop and start again empty."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while not _redis_reachable(self.url):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise AssertionError("redis-server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def queued(url: str, queue: str) -> int:
    client = redis.Redis.from_url(url)
    try:
        return int(client.zcard(queue))
    finally:
        client.close()


# --- worker processes


class WorkerProcess:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log_path = log
        self._log = log.open("ab")
        self.process = subprocess.Popen(
            [str(KOORDINAT), "worker"], env=env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def kill(self) -> None:
        """SIGKILL: no cleanup, no goodbye to Redis or the SMTP server."""
        self.process.kill()
        self.process.wait(timeout=20)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return int(self.process.returncode)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


def worker_env(
    database_url: str, redis: str, queue: str, mail: MailServer, **extra: Any
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOORDINAT_")}
    values: dict[str, Any] = {
        "database_url": database_url,
        "redis_url": redis,
        "jobs_queue": queue,
        "jobs_sweep_seconds": 0.3,
        "jobs_lease_seconds": 3,
        **smtp_settings(mail),
        **extra,
    }
    env.update({f"KOORDINAT_{k.upper()}": str(v) for k, v in values.items()})
    return env


# --- database helpers


async def set_email(db: Database, person_id: uuid.UUID, address: str) -> None:
    async with db.writing() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        person.email = address
        session.add(person)


async def notifications(db: Database, **where: Any) -> list[Notification]:
    async with db.reading() as session:
        query = select(Notification)
        for name, value in where.items():
            query = query.where(getattr(Notification, name) == value)
        rows = await session.exec(query.order_by(col(Notification.created_at)))
        return list(rows.all())


async def notification(db: Database, notification_id: uuid.UUID) -> Notification:
    async with db.reading() as session:
        row = await session.get(Notification, notification_id)
        assert row is not None
        return row
