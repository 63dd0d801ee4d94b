"""Database engine and sessions for SQLite (embedded default) and PostgreSQL.

Reads use short sessions so that nothing holds a snapshot across a write: one per loader
batch, or, for a query operation, one read transaction shared by all its loaders and the
access gate (`Reads.shared`), so a request costs one BEGIN/ROLLBACK and one pool checkout.
Writes use a session whose transaction starts with `BEGIN IMMEDIATE` on SQLite, so two
writers queue for the lock instead of failing half-way with "database is locked" when a
deferred transaction upgrades.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import DateTime, event, make_url
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.types import TypeDecorator
from sqlmodel.ext.asyncio.session import AsyncSession

WRITE_OPTION = "koordinat_write"


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _configure_sqlite(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event emit BEGIN itself (see below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


class Database:
    """Owns the engine and hands out read and write sessions."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {"echo": echo}
        if not self.is_sqlite:
            kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
        self.engine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            # How long a writer queues for the lock: `?timeout=<seconds>` in the URL, else 15 s.
            timeout = make_url(url).query.get("timeout")
            busy_ms = int(float(str(timeout)) * 1000) if timeout else 15000
            _configure_sqlite(self.engine, busy_ms)
        self._read = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        self._write = async_sessionmaker(
            self.engine.execution_options(**{WRITE_OPTION: True}),
            class_=AsyncSession,
            expire_on_commit=False,
        )

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        async with self._read() as session:
            yield session

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncSession]:
        """One transaction: committed when the block ends, rolled back on any exception."""
        async with self._write() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


class Reads:
    """Where one operation's reads go.

    Outside `shared()` every `session()` is its own short read session (a mutation's reads,
    a live render). Inside it, the operation's loaders and gate take turns on one session
    and so one read transaction; the lock keeps concurrently resolved fields from using the
    session at once (an AsyncSession allows one statement at a time).
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._shared = False
        self._session: AsyncSession | None = None
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        if not self._shared:
            async with self.db.reading() as session:
                yield session
            return
        async with self._lock:
            if self._session is None:
                self._session = self.db._read()
            yield self._session

    @asynccontextmanager
    async def shared(self) -> AsyncIterator[None]:
        """One read transaction for the block (a query); ended (rolled back) when it ends."""
        self._shared = True
        try:
            yield
        finally:
            self._shared = False
            session, self._session = self._session, None
            if session is not None:
                async with self._lock:
                    await session.close()
