"""The live hub of one app process: per-child feeds that follow the event table.

The database is the truth. A feed reads a child's new events once per process (after a
hint from the broker, or when the safety sweep finds the child's counter ahead of what the
feed has read) and wakes the local subscribers, which then take the events from the feed's
small buffer, or from the database when they are further behind.

An idle subscription costs no database work. Access is decided again when something may
have changed it: every batch of a child's events (membership, consent and role changes are
events of that child), a person hint (their feed or memberships changed), an ended session
or token (logout, revocation). What a lost hint would have said, the one sweep per process
(`events_sweep_seconds`) finds: a few statements for all open streams of the process.
A database blip does not end a stream: reads are retried with bounded, jittered backoff
and the stream resumes from its cursor.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import datetime as dt
import logging
import random
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

import sqlalchemy.exc as sa_exc
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.authz.access import load_facts_for
from backend.authz.policy import ChildFacts
from backend.core.actor import Actor
from backend.core.database import Database, utcnow
from backend.core.loaders import DataLoader
from backend.core.settings import Settings
from backend.events import registry
from backend.events.broker import (
    PERSON_HINTS,
    Broker,
    Hints,
    InProcessBroker,
    listen_locally,
    make_broker,
)
from backend.events.models import ChildEventCounter, Event
from backend.events.render import RenderCache
from backend.events.retention import prune_events
from backend.events.visibility import Lookups, run_lookup

log = logging.getLogger("koordinat.events.hub")

FEED_BUFFER = 256  # events kept in memory per followed child
READ_BATCH = 200  # events read from the database at a time
CHECK_CHUNK = 500  # children per re-check statement
COMMITTED_HEADS = "koordinat_event_heads"  # session.info key: child id -> last seq written
# A database blip: retry reads after 0.1 s, doubling up to 5 s (jittered), for up to a minute.
BLIP_FIRST_DELAY = 0.1
BLIP_MAX_DELAY = 5.0
BLIP_GIVE_UP = 60.0

T = TypeVar("T")


def is_blip(exc: BaseException) -> bool:
    """A lost or refused connection, not a bad statement: worth reading again."""
    if isinstance(exc, sa_exc.IntegrityError | sa_exc.DataError | sa_exc.ProgrammingError):
        return False
    return isinstance(exc, sa_exc.DBAPIError | sa_exc.InterfaceError | OSError | TimeoutError)


async def patiently(what: str, read: Callable[[], Awaitable[T]]) -> T:
    """Run a read, retrying it through a database blip; re-raise what is not a blip.

    Full jitter keeps the subscriptions of many processes from reconnecting in step.
    """
    delay = BLIP_FIRST_DELAY
    deadline = time.monotonic() + BLIP_GIVE_UP
    warned = False
    while True:
        try:
            return await read()
        except Exception as exc:
            if not is_blip(exc) or time.monotonic() + delay > deadline:
                raise
            if not warned:
                log.warning(
                    "database unavailable while %s (%s); retrying", what, type(exc).__name__
                )
                warned = True
        await asyncio.sleep(random.uniform(delay / 2, delay))  # noqa: S311 (not a secret)
        delay = min(delay * 2, BLIP_MAX_DELAY)


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


def written_hints(session: AsyncSession) -> Hints:
    """What this (committed) session changed: the last seq per child (see record_change)
    and the people whose feed or memberships changed."""
    heads: dict[uuid.UUID, int] = session.info.get(COMMITTED_HEADS, {})
    persons: set[uuid.UUID] = session.info.get(PERSON_HINTS, set())
    return Hints(heads=list(heads.items()), persons=sorted(persons))


class Waiter:
    """One open stream as the hub sees it: woken by news, told when to re-authorize."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self.event = asyncio.Event()
        self.recheck = False  # access, memberships or feed may have changed
        self.ended = False  # the caller's session or token ended

    @property
    def credential(self) -> uuid.UUID | None:
        return self.actor.session_id or self.actor.token_id

    def wake(self, *, recheck: bool = False) -> None:
        self.recheck = self.recheck or recheck
        self.event.set()

    def take_recheck(self) -> bool:
        due, self.recheck = self.recheck, False
        return due


class ChildFeed:
    def __init__(self, hub: LiveHub, child_id: uuid.UUID) -> None:
        self.hub = hub
        self.child_id = child_id
        self.head: int | None = None  # highest seq read from the database
        self.recent: deque[Event] = deque(maxlen=FEED_BUFFER)
        self.waiters: set[Waiter] = set()
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
                grew = await patiently("reading new events", self._read_new)
            except Exception:
                # The next hint or sweep tries again; subscribers keep their cursors.
                log.exception("reading new events of child %s failed", self.child_id)
                return
            if grew:
                for waiter in self.waiters:
                    waiter.wake()
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
    """Per process: followed children, open streams, the broker, the sweep, the render cache."""

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
        # What categorizers ask (a membership's service type...), batched the same way.
        self.lookups = Lookups(self._load_lookup)
        # myEvents: the children a person is in now, and the head of their own feed.
        self.memberships: DataLoader[uuid.UUID, frozenset[uuid.UUID]] = DataLoader(
            self._load_memberships, cache=False
        )
        self.feed_heads: DataLoader[uuid.UUID, int] = DataLoader(self._load_feed_heads, cache=False)
        self.access_log = registry.access_log_writer()(db)
        # Open streams: all of them (for the sweep), by person and by session/token.
        self.waiters: set[Waiter] = set()
        self.people: dict[uuid.UUID, set[Waiter]] = {}
        self.credentials: dict[uuid.UUID, set[Waiter]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._ticker: asyncio.Task[None] | None = None
        self._unlisten: Callable[[], None] | None = None
        self._last_prune: dt.datetime | None = None
        self.sweeps = 0
        self.started = False

    @property
    def recheck_seconds(self) -> float:
        """How often a busy stream writes its access-log rows (and sockets check sessions)."""
        return self.settings.events_recheck_seconds

    @property
    def sweep_seconds(self) -> float:
        return self.settings.events_sweep_seconds

    async def start(self) -> None:
        await self.broker.start(self._on_hint)
        # Logout and revocation in this process reach us (and, through us, the others).
        self._unlisten = listen_locally(self.announce)
        self._ticker = asyncio.create_task(self._tick(), name="koordinat-events-sweep")
        self.started = True

    async def _load_facts(self, keys: list[tuple[Actor, uuid.UUID]]) -> list[ChildFacts]:
        async with self.db.reading() as session:
            found = await load_facts_for(session, keys)
        return [found[(actor.person_id, child_id)] for actor, child_id in keys]

    async def _load_memberships(self, people: list[uuid.UUID]) -> list[frozenset[uuid.UUID]]:
        children_of = registry.person_children()
        if children_of is None:
            return [frozenset() for _ in people]
        async with self.db.reading() as session:
            found = await children_of(session, people)
        return [found.get(person, frozenset()) for person in people]

    async def _load_feed_heads(self, people: list[uuid.UUID]) -> list[int]:
        feed = registry.person_feed()
        if feed is None:
            return [0 for _ in people]
        async with self.db.reading() as session:
            found = await feed.heads(session, people)
        return [found.get(person, 0) for person in people]

    async def _load_lookup(self, name: str, keys: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, Any]:
        async def read() -> Mapping[uuid.UUID, Any]:
            async with self.db.reading() as session:
                return await run_lookup(session, name, keys)

        return await patiently(f"reading {name}", read)

    async def stop(self) -> None:
        self.started = False
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        await self.access_log.drain()
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        for task in list(self._tasks):
            task.cancel()
        await self.broker.stop()

    # --- following

    def register(self, waiter: Waiter) -> None:
        """An open stream: reached by person hints, ended credentials and the sweep."""
        self.waiters.add(waiter)
        self.people.setdefault(waiter.actor.person_id, set()).add(waiter)
        if waiter.credential is not None:
            self.credentials.setdefault(waiter.credential, set()).add(waiter)

    def unregister(self, waiter: Waiter) -> None:
        self.waiters.discard(waiter)
        for index, key in (
            (self.people, waiter.actor.person_id),
            (self.credentials, waiter.credential),
        ):
            if key is None:
                continue
            group = index.get(key)
            if group is not None:
                group.discard(waiter)
                if not group:
                    del index[key]

    def follow(self, child_id: uuid.UUID, waiter: Waiter) -> ChildFeed:
        feed = self.feeds.get(child_id)
        if feed is None:
            feed = self.feeds[child_id] = ChildFeed(self, child_id)
            feed.poke()
        feed.waiters.add(waiter)
        return feed

    def unfollow(self, feed: ChildFeed, waiter: Waiter) -> None:
        feed.waiters.discard(waiter)
        if not feed.waiters and self.feeds.get(feed.child_id) is feed:
            del self.feeds[feed.child_id]

    # --- hints

    def announce(self, hints: Hints) -> None:
        """After a commit: wake local subscribers now and tell the other processes."""
        if not hints:
            return
        task = asyncio.get_running_loop().create_task(self._announce(hints))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _announce(self, hints: Hints) -> None:
        await self._on_hint(hints)
        if not isinstance(self.broker, InProcessBroker):
            await self.broker.publish(hints)

    async def _on_hint(self, hints: Hints | None) -> None:
        if hints is None:
            # Hints may have been missed (a broker reconnect): look at everything now.
            self._spawn(self.sweep())
            return
        for child_id, seq in hints.heads:
            hinted = self.feeds.get(child_id)
            if hinted is not None and (hinted.head is None or seq > hinted.head):
                hinted.poke()
        for person in hints.persons:
            for waiter in self.people.get(person, ()):
                waiter.wake(recheck=True)
        ended = [c for c in hints.ended if c in self.credentials]
        if ended:
            # Trust the database, not the message: close only what really ended.
            self._spawn(self.check_credentials(ended))

    def _spawn(self, work: Awaitable[None]) -> None:
        async def run() -> None:
            try:
                await work
            except Exception:
                log.exception("live re-check failed")

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- the safety sweep (covers lost hints and expiry) and retention

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_seconds)
            try:
                await self.sweep()
                await self._maybe_prune()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("periodic live sweep failed")

    async def sweep(self) -> None:
        """One pass for every open stream of this process: new events, ended sessions and
        tokens, then every stream re-authorizes (their loads are batched together)."""
        self.sweeps += 1
        await self.recheck()
        await self.check_credentials(list(self.credentials))
        for waiter in list(self.waiters):
            waiter.wake(recheck=True)

    async def recheck(self) -> None:
        followed = list(self.feeds)
        for start in range(0, len(followed), CHECK_CHUNK):
            chunk = followed[start : start + CHECK_CHUNK]

            async def counters(chunk: list[uuid.UUID] = chunk) -> list[tuple[uuid.UUID, int]]:
                async with self.db.reading() as session:
                    rows = await session.exec(
                        select(ChildEventCounter.child_id, ChildEventCounter.last_seq).where(
                            col(ChildEventCounter.child_id).in_(chunk)
                        )
                    )
                    return list(rows.all())

            for child_id, last_seq in await patiently("re-checking event counters", counters):
                feed = self.feeds.get(child_id)
                if feed is not None and (feed.head is None or last_seq > feed.head):
                    feed.poke()

    async def check_credentials(self, ids: list[uuid.UUID]) -> None:
        """End the streams whose session or token no longer holds (logout, revocation,
        expiry): one statement per kind for all of them."""
        now = utcnow()
        credentials = registry.credentials()
        live: set[uuid.UUID] = set()
        for start in range(0, len(ids), CHECK_CHUNK):
            chunk = ids[start : start + CHECK_CHUNK]

            async def load(chunk: list[uuid.UUID] = chunk) -> set[uuid.UUID]:
                if credentials is None:
                    return set()  # nothing can vouch for them: they end
                async with self.db.reading() as session:
                    return await credentials.live(session, chunk, self.settings, now)

            live |= await patiently("checking sessions", load)
        for credential in ids:
            if credential in live:
                continue
            for waiter in self.credentials.get(credential, ()):
                waiter.ended = True
                waiter.wake(recheck=True)

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
