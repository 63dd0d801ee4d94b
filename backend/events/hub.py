"""The live hub of one app process: per-child feeds that follow the event table.

The database is the truth. A feed reads a child's new events once per process (after a
hint from the broker, or when the periodic re-check finds the child's counter ahead of
what the feed has read) and wakes the local subscribers, which then take the events from
the feed's small buffer, or from the database when they are further behind.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import datetime as dt
import logging
import uuid
from collections import deque
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.dataloader import DataLoader

from backend.audit.service import AccessLogWriter
from backend.authz.access import load_facts_for
from backend.authz.policy import ChildFacts
from backend.core.database import Database, utcnow
from backend.core.settings import Settings
from backend.events.broker import Broker, InProcessBroker, make_broker
from backend.events.models import ChildEventCounter, Event
from backend.events.render import RenderCache
from backend.events.retention import prune_events
from backend.identity.actor import Actor
from backend.network.models import NetworkMember, ServiceProvider

log = logging.getLogger("koordinat.events.hub")

FEED_BUFFER = 256  # events kept in memory per followed child
READ_BATCH = 200  # events read from the database at a time
CHECK_CHUNK = 500  # children per re-check statement
COMMITTED_HEADS = "koordinat_event_heads"  # session.info key: child id -> last seq written


# --- cursors: opaque, self-describing (child id + seq), valid in both streams


def encode_cursor(child_id: uuid.UUID, seq: int) -> str:
    raw = child_id.bytes + seq.to_bytes(8, "big")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[uuid.UUID, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (ValueError, binascii.Error):
        return None
    if len(raw) != 24:
        return None
    return uuid.UUID(bytes=raw[:16]), int.from_bytes(raw[16:], "big")


# --- reads


async def read_events(db: Database, child_id: uuid.UUID, after: int, limit: int) -> list[Event]:
    async with db.reading() as session:
        rows = await session.exec(
            select(Event)
            .where(Event.child_id == child_id, col(Event.seq) > after)
            .order_by(col(Event.seq))
            .limit(limit)
        )
        return list(rows.all())


async def stream_bounds(session: AsyncSession, child_id: uuid.UUID) -> tuple[int, int]:
    """(pruned_seq, last_seq) of a child's stream; (0, 0) when it has no events yet."""
    row = await session.get(ChildEventCounter, child_id)
    if row is None:
        return 0, 0
    return row.pruned_seq, row.last_seq


def written_heads(session: AsyncSession) -> list[tuple[uuid.UUID, int]]:
    """The last seq per child that this (committed) session wrote; see record_change."""
    heads: dict[uuid.UUID, int] = session.info.get(COMMITTED_HEADS, {})
    return list(heads.items())


class ChildFeed:
    def __init__(self, hub: LiveHub, child_id: uuid.UUID) -> None:
        self.hub = hub
        self.child_id = child_id
        self.head: int | None = None  # highest seq read from the database
        self.recent: deque[Event] = deque(maxlen=FEED_BUFFER)
        self.waiters: set[asyncio.Event] = set()
        self._task: asyncio.Task[None] | None = None
        self._again = False

    def cached_after(self, cursor: int) -> list[Event] | None:
        """Events after `cursor` from memory, or None when the caller must read the table."""
        if self.head is None:
            return None
        if cursor >= self.head:
            return []
        if not self.recent or self.recent[0].seq is None or self.recent[0].seq > cursor + 1:
            return None
        return [e for e in self.recent if e.seq is not None and e.seq > cursor]

    def poke(self) -> None:
        """Read what is new; a poke during a read makes the read run once more."""
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = asyncio.create_task(self._refresh())

    async def _refresh(self) -> None:
        while True:
            self._again = False
            try:
                grew = await self._read_new()
            except Exception:
                # The next hint or re-check tries again; subscribers keep their cursors.
                log.exception("reading new events of child %s failed", self.child_id)
                return
            if grew:
                for waiter in self.waiters:
                    waiter.set()
            if not self._again:
                return

    async def _read_new(self) -> bool:
        if self.head is None:
            async with self.hub.db.reading() as session:
                _, last = await stream_bounds(session, self.child_id)
            # Start at the current end: subscribers further behind read the table.
            self.head = last
            return True
        grew = False
        while True:
            rows = await read_events(self.hub.db, self.child_id, self.head, READ_BATCH)
            if not rows:
                return grew
            self.recent.extend(rows)
            assert rows[-1].seq is not None
            self.head = rows[-1].seq
            grew = True
            if len(rows) < READ_BATCH:
                return grew


class LiveHub:
    """Per process: followed children, the broker, the periodic re-check, the render cache."""

    def __init__(self, db: Database, settings: Settings, broker: Broker | None = None) -> None:
        self.db = db
        self.settings = settings
        self.broker = broker or make_broker(settings.redis_url, settings.events_channel)
        self.feeds: dict[uuid.UUID, ChildFeed] = {}
        self.render_cache = RenderCache(settings.events_render_cache_size)
        # Subscribers waking for one event ask together: one set of statements for all.
        self.facts: DataLoader[tuple[Actor, uuid.UUID], ChildFacts] = DataLoader(
            self._load_facts, cache=False
        )
        self.member_service_types: DataLoader[uuid.UUID, str | None] = DataLoader(
            self._load_member_service_types, cache=False
        )
        self.access_log = AccessLogWriter(db)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._ticker: asyncio.Task[None] | None = None
        self._last_prune: dt.datetime | None = None
        self.started = False

    @property
    def recheck_seconds(self) -> float:
        return self.settings.events_recheck_seconds

    async def start(self) -> None:
        await self.broker.start(self._on_hint)
        self._ticker = asyncio.create_task(self._tick(), name="koordinat-events-recheck")
        self.started = True

    async def _load_facts(self, keys: list[tuple[Actor, uuid.UUID]]) -> list[ChildFacts]:
        async with self.db.reading() as session:
            found = await load_facts_for(session, keys)
        return [found[(actor.person_id, child_id)] for actor, child_id in keys]

    async def _load_member_service_types(self, member_ids: list[uuid.UUID]) -> list[str | None]:
        """The type of service each membership represents (None: no service)."""
        async with self.db.reading() as session:
            rows = await session.exec(
                select(NetworkMember.id, ServiceProvider.type)
                .join(
                    ServiceProvider,
                    col(ServiceProvider.id) == col(NetworkMember.service_id),
                    isouter=True,
                )
                .where(col(NetworkMember.id).in_(member_ids))
            )
            found: dict[uuid.UUID, str | None] = dict(rows.all())
        return [found.get(member_id) for member_id in member_ids]

    async def stop(self) -> None:
        self.started = False
        await self.access_log.drain()
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        for task in list(self._tasks):
            task.cancel()
        await self.broker.stop()

    # --- following

    def follow(self, child_id: uuid.UUID, waiter: asyncio.Event) -> ChildFeed:
        feed = self.feeds.get(child_id)
        if feed is None:
            feed = self.feeds[child_id] = ChildFeed(self, child_id)
            feed.poke()
        feed.waiters.add(waiter)
        return feed

    def unfollow(self, feed: ChildFeed, waiter: asyncio.Event) -> None:
        feed.waiters.discard(waiter)
        if not feed.waiters and self.feeds.get(feed.child_id) is feed:
            del self.feeds[feed.child_id]

    # --- hints

    def announce(self, heads: list[tuple[uuid.UUID, int]]) -> None:
        """After a commit: wake local subscribers now and tell the other processes."""
        if not heads:
            return
        task = asyncio.get_running_loop().create_task(self._announce(heads))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _announce(self, heads: list[tuple[uuid.UUID, int]]) -> None:
        await self._on_hint(heads)
        if not isinstance(self.broker, InProcessBroker):
            await self.broker.publish(heads)

    async def _on_hint(self, heads: list[tuple[uuid.UUID, int]] | None) -> None:
        if heads is None:
            for feed in list(self.feeds.values()):
                feed.poke()
            return
        for child_id, seq in heads:
            hinted = self.feeds.get(child_id)
            if hinted is not None and (hinted.head is None or seq > hinted.head):
                hinted.poke()

    # --- the periodic re-check (covers lost hints) and retention

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.recheck_seconds)
            try:
                await self.recheck()
                await self._maybe_prune()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("periodic event re-check failed")

    async def recheck(self) -> None:
        followed = list(self.feeds)
        for start in range(0, len(followed), CHECK_CHUNK):
            chunk = followed[start : start + CHECK_CHUNK]
            async with self.db.reading() as session:
                rows = await session.exec(
                    select(ChildEventCounter.child_id, ChildEventCounter.last_seq).where(
                        col(ChildEventCounter.child_id).in_(chunk)
                    )
                )
                found = rows.all()
            for child_id, last_seq in found:
                feed = self.feeds.get(child_id)
                if feed is not None and (feed.head is None or last_seq > feed.head):
                    feed.poke()

    async def _maybe_prune(self) -> None:
        days = self.settings.event_retention_days
        if days <= 0:
            return
        now = utcnow()
        if self._last_prune is not None and now - self._last_prune < dt.timedelta(hours=1):
            return
        self._last_prune = now
        removed = await prune_events(self.db, older_than=now - dt.timedelta(days=days))
        if removed:
            log.info("pruned %d events older than %d days", removed, days)
