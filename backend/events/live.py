"""The two live streams: one child's events, and everything in a person's children.

Both replay from the event table after the client's cursor, then keep reading by cursor
whenever the hub says there may be more, so the switch from replay to live has no gap and
no duplicate. Every batch is authorized again (the same policies, facts loaded for all
subscribers of an event at once) just before delivery,
against the caller's membership *now*; losing access ends the child's stream.

Between events a stream waits without touching the database: it re-authorizes when the hub
says access may have changed (a person hint, an ended session or token, the per-process
sweep). Its reads survive a database blip: retried with backoff, resumed from the cursor.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import time
import uuid
from collections.abc import AsyncGenerator, Hashable
from dataclasses import dataclass
from typing import Any

from backend.api.common import query_error
from backend.api.context import Context, Info
from backend.authz.access import Gate
from backend.authz.policy import Action, ChildFacts, decide_on_child
from backend.core.actor import Actor
from backend.core.errors import ErrorCode, UserError, UserErrors
from backend.events import registry
from backend.events.hub import (
    READ_BATCH,
    ChildFeed,
    LiveHub,
    Waiter,
    decode_cursor,
    encode_cursor,
    patiently,
    read_events,
    stream_bounds,
)
from backend.events.models import Event
from backend.events.registry import PersonFeed
from backend.events.render import AccessNotes, Selection, Share, selection_of
from backend.events.types import EventNode, EventStreamItem, ResyncRequired
from backend.events.visibility import may_know, reveals_for


def _error(info: Info, code: ErrorCode, field: str | None) -> Exception:
    return query_error(UserErrors([UserError(code, field)]), info.context.language)


@dataclass(frozen=True)
class View:
    """One subscriber's current view of one child: everything that decides rendered fields."""

    # The Cedar context and principal attributes the field rules read.
    policy: Hashable
    language: str
    # "Own record" rules depend on who you are: your memberships here...
    own_members: frozenset[uuid.UUID]
    # ...and, when the selection reaches the child (its whole network), you yourself.
    person: uuid.UUID | None


class Subscriber:
    """What one subscription needs to check access, share renders and log reads."""

    def __init__(self, info: Info, hub: LiveHub, actor: Actor) -> None:
        self.info = info
        self.ctx: Context = info.context
        self.hub = hub
        self.actor = actor
        self.selection: Selection = selection_of(info._raw_info)
        self.notes = AccessNotes()
        self.flushed_at = 0.0
        self.wake = Waiter(actor)
        self.facts_seen: dict[uuid.UUID, ChildFacts] = {}

    def open(self) -> None:
        """From here until close(): reached by person hints, ended credentials, the sweep."""
        self.hub.register(self.wake)

    def close(self) -> None:
        self.hub.unregister(self.wake)

    def check_credential(self) -> None:
        """The caller's session or token ended (logout, revocation, expiry)."""
        if self.wake.ended:
            raise _error(self.info, ErrorCode.UNAUTHENTICATED, None)

    async def view(self, child_id: uuid.UUID) -> View | None:
        """Authorize now; None when the caller may no longer see the child.

        The facts come through the hub, batched with every other subscriber that wakes for
        the same event, and are decided by the same policies as any query.
        """
        facts = await patiently(
            "authorizing a stream", lambda: self.hub.facts.load((self.actor, child_id))
        )
        if not decide_on_child(self.actor, Action.VIEW_CHILD, facts):
            return None
        self.facts_seen[child_id] = facts
        return View(
            policy=(
                facts.decision_key,
                self.actor.kind.value,
                self.actor.municipality_id is not None,
            ),
            language=self.ctx.language,
            own_members=frozenset(facts.member_ids),
            person=self.actor.person_id if "child" in self.selection.fields else None,
        )

    def _own(self, row: Event, view: View) -> bool:
        """Whether the event is about the caller's own membership (ended ones included, as
        in the network query): network events name the person, so compare that."""
        if row.entity_type == "network_member" and "personId" in row.payload:
            return bool(row.payload["personId"] == str(self.actor.person_id))
        return row.entity_id in view.own_members

    async def hidden(self, row: Event) -> bool:
        """An event the caller may not know of (a barnevern membership, a health choice, a
        consent naming a category they may not read) is not delivered at all: its existence
        tells the category. The same decision as notifications and digests."""
        if row.child_id is None:
            return False
        facts = self.facts_seen.get(row.child_id)
        if facts is None:
            return True

        # The hub's lookups: batched with every subscriber woken by this event.
        return not may_know(self.actor, facts, await reveals_for(row, self.hub.lookups))

    def node(self, row: Event, view: View) -> EventNode:
        own = self._own(row, view)
        person = view.person
        if "entity" in self.selection.fields and not registry.render_is_shared(row.entity_type):
            # The entity may show the reader's own record: rendered for them alone.
            person = self.actor.person_id
        key = (row.id, self.selection.digest, view.policy, view.language, own, person)
        share = Share(
            cache=self.hub.render_cache,
            key=key,
            make_context=self._render_context,
            notes=self.notes,
        )
        return EventNode.from_row(row, share)

    def _render_context(self) -> Context:
        # Fresh per render: loaders and the access gate must not cache across events.
        ctx = self.ctx
        return Context(
            db=ctx.db,
            settings=ctx.settings,
            actor=self.actor,
            language=ctx.language,
            via="websocket",
            live=self.hub,
        )

    async def flush_log(self, purpose: str, *, force: bool = True) -> None:
        """Write what was delivered to the access log (one row per child), then start over.

        Unforced, at most once per re-check period: a busy stream writes one row per child
        every few seconds rather than one per event.
        """
        if not self.notes.reads and not self.notes.refused:
            return
        now = time.monotonic()
        if not force and now - self.flushed_at < self.hub.recheck_seconds:
            return
        self.flushed_at = now
        gate = Gate(self.ctx.db, self.actor, "websocket")
        for facts in self.facts_seen.values():
            gate.remember(facts)
        for child_id, what in self.notes.reads.items():
            for item in what:
                gate.note_read(child_id, item)
        for child_id, what in self.notes.refused.items():
            for item in what:
                gate.note_refused(child_id, item)
        self.notes = AccessNotes()
        # Queued: the hub writes many subscribers' rows in one transaction.
        self.hub.access_log.submit(await patiently("logging reads", lambda: gate.entries(purpose)))

    async def refuse(self, child_id: uuid.UUID, what: str) -> None:
        """Log a refused look at once ("every denial is logged")."""
        self.notes.refused.setdefault(child_id, set()).add(what)
        await self.flush_log(what)

    async def idle(self, purpose: str) -> bool:
        """Wait for news; True when access may have changed and must be decided again.

        No timer and no database work while nothing happens: only reads not yet written to
        the access log bound the wait, so that their row is written within the period.
        """
        await self.flush_log(purpose, force=False)
        while not self.wake.recheck and not self.wake.event.is_set():
            timeout = None
            if self.notes.reads or self.notes.refused:
                timeout = max(0.0, self.flushed_at + self.hub.recheck_seconds - time.monotonic())
            try:
                async with asyncio.timeout(timeout):
                    await self.wake.event.wait()
            except TimeoutError:
                await self.flush_log(purpose, force=False)
        self.check_credential()
        return self.wake.take_recheck()


def _start(info: Info) -> tuple[LiveHub, Actor]:
    hub = info.context.live
    actor = info.context.actor
    if actor is None:
        raise _error(info, ErrorCode.UNAUTHENTICATED, None)
    if hub is None or not hub.started:
        raise RuntimeError("live updates need the app's hub")
    return hub, actor


def _parse_child(info: Info, value: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise _error(info, ErrorCode.NOT_FOUND, "childId") from None


async def _next_batch(sub: Subscriber, feed: ChildFeed, after: int) -> list[Event]:
    cached = feed.cached_after(after)
    if cached is not None:
        return cached[:READ_BATCH]
    return await patiently(
        "reading events", lambda: read_events(sub.ctx.db, feed.child_id, after, READ_BATCH)
    )


async def _bounds(sub: Subscriber, child_id: uuid.UUID) -> tuple[int, int]:
    async def read() -> tuple[int, int]:
        async with sub.ctx.db.reading() as session:
            return await stream_bounds(session, child_id)

    return await patiently("reading a stream's bounds", read)


async def _resync(sub: Subscriber, child_id: uuid.UUID) -> tuple[ResyncRequired, int]:
    _, last = await _bounds(sub, child_id)
    cursor = encode_cursor(child_id, last) if last else None
    return ResyncRequired(child_id=child_id, latest_cursor=cursor), last  # type: ignore[arg-type]


async def child_events(
    info: Info, child_id: str, after: str | None
) -> AsyncGenerator[EventStreamItem, None]:
    hub, actor = _start(info)
    child = _parse_child(info, child_id)
    position = 0
    if after:
        decoded = decode_cursor(after)
        if decoded is None or decoded[0] != child:
            raise _error(info, ErrorCode.INVALID, "after")
        position = decoded[1]
    sub = Subscriber(info, hub, actor)
    # An outsider and a child that does not exist get the same answer; the refusal is logged.
    if await sub.view(child) is None:
        await sub.refuse(child, "childEvents")
        raise _error(info, ErrorCode.NOT_FOUND, "childId")
    # Follow before the first read, so a commit during the replay still wakes us.
    feed = hub.follow(child, sub.wake)
    sub.open()
    try:
        floor, _ = await _bounds(sub, child)
        if position < floor:
            resync, _ = await _resync(sub, child)
            yield resync
            return
        while True:
            sub.wake.event.clear()
            sub.check_credential()
            batch = await _next_batch(sub, feed, position)
            if batch:
                if batch[0].seq != position + 1:
                    # Pruned under a slow reader: exactly-once is no longer possible.
                    resync, _ = await _resync(sub, child)
                    yield resync
                    return
                view = await sub.view(child)
                if view is None:
                    await sub.refuse(child, "childEvents")
                    raise _error(info, ErrorCode.NOT_FOUND, "childId")
                for row in batch:
                    if not await sub.hidden(row):
                        yield sub.node(row, view)
                    assert row.seq is not None
                    position = row.seq
                continue
            if await sub.idle("childEvents") and await sub.view(child) is None:
                await sub.refuse(child, "childEvents")
                raise _error(info, ErrorCode.NOT_FOUND, "childId")
    finally:
        with contextlib.suppress(Exception):
            await sub.flush_log("childEvents")
        hub.unfollow(feed, sub.wake)
        sub.close()


# --- the person's own feed (in-app notifications, `registry.person_feed`; cursor: "N" + number)


def encode_feed_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(b"N" + seq.to_bytes(8, "big")).decode().rstrip("=")


def decode_feed_cursor(cursor: str) -> int | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (ValueError, binascii.Error):
        return None
    if len(raw) != 9 or raw[:1] != b"N":
        return None
    return int.from_bytes(raw[1:], "big")


async def feed_head(sub: Subscriber) -> int:
    person = sub.actor.person_id
    return await patiently("reading a feed", lambda: sub.hub.feed_heads.load(person))


async def feed_after(sub: Subscriber, feed: PersonFeed, position: int) -> list[tuple[int, Any]]:
    """The caller's own feed after `position`, in feed order: (feed number, row)."""

    async def read() -> list[tuple[int, Any]]:
        async with sub.ctx.db.reading() as session:
            return list(await feed.after(session, sub.actor.person_id, position, READ_BATCH))

    return await patiently("reading a feed", read)


async def _my_children(sub: Subscriber) -> set[uuid.UUID]:
    person = sub.actor.person_id
    return set(await patiently("reading memberships", lambda: sub.hub.memberships.load(person)))


async def my_events(info: Info, after: list[str] | None) -> AsyncGenerator[Any, None]:
    """Events of every child the caller is in, and their own feed's items (`person_feed`)."""
    hub, actor = _start(info)
    feed_of_person = registry.person_feed()
    cursors: dict[uuid.UUID, int] = {}
    feed_position: int | None = None
    for value in after or []:
        feed_seq = decode_feed_cursor(value)
        if feed_seq is not None:
            feed_position = max(feed_seq, feed_position or 0)
            continue
        decoded = decode_cursor(value)
        if decoded is None:
            raise _error(info, ErrorCode.INVALID, "after")
        cursors[decoded[0]] = max(decoded[1], cursors.get(decoded[0], 0))
    sub = Subscriber(info, hub, actor)
    feeds: dict[uuid.UUID, ChildFeed] = {}
    positions: dict[uuid.UUID, int] = {}
    pending: list[ResyncRequired] = []

    async def refresh() -> None:
        """Follow the children the caller is in now; drop those they left."""
        mine = await _my_children(sub)
        for gone in set(feeds) - mine:
            hub.unfollow(feeds.pop(gone), sub.wake)
            positions.pop(gone, None)
            cursors.pop(gone, None)
        for child in mine - set(feeds):
            feeds[child] = hub.follow(child, sub.wake)
            floor, last = await _bounds(sub, child)
            if child not in cursors:
                positions[child] = last  # a child without a cursor starts now
            elif cursors[child] < floor:
                resync, last = await _resync(sub, child)
                pending.append(resync)
                positions[child] = last
            else:
                positions[child] = cursors[child]

    if feed_position is None:
        feed_position = await feed_head(sub)  # no cursor: notifications from now on

    sub.open()
    try:
        await refresh()
        # The feed's head as last read: rows after it are read only when it moved.
        feed_seen = -1
        while True:
            sub.wake.event.clear()
            sub.check_credential()
            while pending:
                yield pending.pop(0)
            delivered = False
            if feed_of_person is not None and feed_seen != feed_position:
                items = await feed_after(sub, feed_of_person, feed_position)
                feed_seen = feed_position if len(items) < READ_BATCH else -1
                for feed_seq, item in items:
                    feed_position = feed_seq
                    yield feed_of_person.item(encode_feed_cursor(feed_position), item)
                    delivered = True
            for child, feed in list(feeds.items()):
                if child not in feeds:
                    continue
                batch = await _next_batch(sub, feed, positions[child])
                if not batch:
                    continue
                if batch[0].seq != positions[child] + 1:
                    resync, last = await _resync(sub, child)
                    positions[child] = last
                    yield resync
                    continue
                view = await sub.view(child)
                if view is None:
                    # Left the network (or lost access): stop following that child.
                    hub.unfollow(feeds.pop(child), sub.wake)
                    positions.pop(child, None)
                    cursors.pop(child, None)  # on return, start from then, not from here
                    continue
                for row in batch:
                    if not await sub.hidden(row):
                        yield sub.node(row, view)
                    assert row.seq is not None
                    positions[child] = row.seq
                    cursors[child] = row.seq
                delivered = True
            if delivered:
                continue
            if await sub.idle("myEvents"):
                # A person hint or the sweep: memberships or the feed may have moved.
                await refresh()
                if await feed_head(sub) > feed_position:
                    feed_seen = -1
    finally:
        with contextlib.suppress(Exception):
            await sub.flush_log("myEvents")
        for feed in feeds.values():
            hub.unfollow(feed, sub.wake)
        sub.close()
