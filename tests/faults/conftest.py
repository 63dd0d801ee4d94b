"""A production-mode app over a database that the tests break for real.

PostgreSQL: the app connects as its own, unprivileged role (so privileges can be revoked
from it) and its backends can be terminated or refused. SQLite: another connection takes
the write lock (`BEGIN EXCLUSIVE`); the app waits 0.3 s for it (`?timeout=` in the URL)
instead of 15, so a locked database is reported quickly.
"""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import make_url, text

from backend.app import create_app
from backend.identity.sessions import issue_api_token
from tests.conftest import PG_HOST, PG_PORT, PG_USER, AppUnderTest, World, make_settings

# What must never reach a client: SQL, driver and exception text, the log's contents.
INTERNAL = (
    "INSERT",
    "SELECT",
    "access_log",
    "sqlite",
    "sqlalchemy",
    "asyncpg",
    "Errno",
    "locked",
    "Traceback",
    "terminating",
    "accepting connections",
    "Error)",
)


def assert_clean(response: httpx.Response) -> None:
    """A JSON body without internal text."""
    assert response.headers["content-type"].startswith("application/json"), response.text
    for word in INTERNAL:
        assert word not in response.text, (word, response.text)


@dataclass
class Faulty:
    aut: AppUnderTest
    client: httpx.AsyncClient
    app_db_url: str
    role: str | None
    token: str

    @property
    def backend(self) -> str:
        return self.aut.backend

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, *, language: str = "nb"
    ) -> httpx.Response:
        return await self.client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={
                "content-type": "application/json",
                "authorization": f"Bearer {self.token}",
                "accept-language": language,
            },
        )

    async def count(self, table: str) -> int:
        async with self.aut.db.reading() as session:
            return int((await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())

    def _pg_database(self) -> str:
        return str(make_url(self.aut.settings.database_url).database)

    async def admin(self) -> asyncpg.Connection:
        return await asyncpg.connect(
            host=PG_HOST, port=PG_PORT, user=PG_USER, database=self._pg_database()
        )

    @asynccontextmanager
    async def log_refuses_rows(self) -> AsyncIterator[None]:
        """The access log cannot take rows: its INSERT privilege is revoked from the app's role
        (PostgreSQL), or another connection holds the write lock (SQLite)."""
        if self.backend == "sqlite":
            path = make_url(self.aut.settings.database_url).database
            locker = sqlite3.connect(str(path), isolation_level=None)
            locker.execute("BEGIN EXCLUSIVE")
            try:
                yield
            finally:
                locker.execute("ROLLBACK")
                locker.close()
            return
        admin = await self.admin()
        await admin.execute(f'REVOKE INSERT ON access_log FROM "{self.role}"')
        try:
            yield
        finally:
            await admin.execute(f'GRANT INSERT ON access_log TO "{self.role}"')
            await admin.close()

    @asynccontextmanager
    async def database_down(self) -> AsyncIterator[None]:
        """PostgreSQL stops accepting the app's connections and drops those it has; SQLite is
        write-locked by another connection (`BEGIN EXCLUSIVE`)."""
        if self.backend == "sqlite":
            async with self.log_refuses_rows():
                yield
            return
        name = self._pg_database()
        admin = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND usename = $2",
            name,
            self.role,
        )
        try:
            yield
        finally:
            await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            await admin.close()

    async def app_backends(self, admin: asyncpg.Connection) -> list[int]:
        rows = await admin.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND usename = $2",
            self._pg_database(),
            self.role,
        )
        return [r["pid"] for r in rows]

    async def blocked_backend(self, admin: asyncpg.Connection) -> int:
        """The app's backend that waits for a lock (bounded wait)."""
        for _ in range(200):
            row = await admin.fetchrow(
                "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND usename = $2 "
                "AND wait_event_type = 'Lock'",
                self._pg_database(),
                self.role,
            )
            if row is not None:
                return int(row["pid"])
            await asyncio.sleep(0.05)
        raise AssertionError("the request never waited for the lock")


async def _app_role(url: str) -> tuple[str, str]:
    """An unprivileged login role with the app's grants on this database."""
    parsed = make_url(url)
    role = f"koordinat_app_{parsed.database}"[:63]
    admin = await asyncpg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, database=parsed.database
    )
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
        if not exists:
            await admin.execute(f'CREATE ROLE "{role}" LOGIN')
        await admin.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
        await admin.execute(
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"'
        )
        await admin.execute(f'GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
    finally:
        await admin.close()
    return role, str(parsed.set(username=role))


@pytest.fixture
async def faulty(app_under_test: AppUnderTest, world: World) -> AsyncIterator[Faulty]:
    base = app_under_test.settings.database_url
    role: str | None = None
    if app_under_test.backend == "sqlite":
        url = base + "?timeout=0.3"
    else:
        role, url = await _app_role(base)
    app = create_app(make_settings(url, dev_mode=False, secret_key=f"faults-{uuid.uuid4()}"))
    _, token = await issue_api_token(app_under_test.db, world.coordinator.id, "faults")
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="https://koordinat.test"
        ) as client,
    ):
        yield Faulty(app_under_test, client, url, role, token)
    if role is not None:
        # Roles belong to the cluster, not the database: leave none behind.
        admin = await asyncpg.connect(
            host=PG_HOST, port=PG_PORT, user=PG_USER, database=make_url(base).database
        )
        await admin.execute(f'DROP OWNED BY "{role}"')
        await admin.execute(f'DROP ROLE "{role}"')
        await admin.close()
