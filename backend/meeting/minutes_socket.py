"""Referatet direkte: the live channel of the minutes, `ws(s)://<host>/minutes/<meetingId>`.

The browser's stock y-websocket `WebsocketProvider` talks to it with the y-protocols
messages: sync (type 0: step 1, step 2, update) and awareness (type 1: cursors, who is here).
pycrdt encodes and decodes them; this module decides who may do what with them.

- Connect: the caller is who the session cookie (from an allowed Origin), bearer token or
  development identity says (`backend.identity.auth`); they must be allowed viewMeeting.
  Anyone else is closed with 4403 before a byte of the document is sent. A connect that
  receives the document is a read of the child's data and goes into the access log.
- Updates (sync step 2 and update) are stored only for a caller allowed writeMinutes, on
  open minutes of a meeting that is not cancelled, within the size caps
  (`crdt.append_update`); anything else is dropped and the socket is told nothing new.
  An update over a cap closes the socket with 4413 (the change cannot be saved, and the
  writer's later updates would wait for it in every other browser); a failed write with
  1013 (the client reconnects and sends what is missing again). Durable before live: an
  update is relayed only after its row is committed, by every process reading the rows
  after the last one it has seen (a hint through the broker says when; a periodic look at
  `Minutes.head_seq` covers a lost hint).
- Awareness is relayed to the meeting's sockets on this process, never stored.
- While open, access is decided again when the hub tells of a change of the child's events
  or the person's memberships, and at least every `events_recheck_seconds`: a caller who may
  no longer view the meeting is closed with 4403, an ended session or token with 4401; once
  the minutes are closed (or the caller may no longer write) the socket is read-only. A
  socket whose updates were dropped and that may write again (the minutes reopened) is
  closed with 4409: its page loads the minutes anew before it writes.
  (y-websocket does not reconnect after a 44xx close; it emits "closed".)
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import uuid
from collections.abc import Callable
from typing import Any

from pycrdt import (
    Awareness,
    Decoder,
    Doc,
    YMessageType,
    YSyncMessageType,
    create_awareness_message,
    create_sync_message,
    create_update_message,
    handle_sync_message,
    merge_updates,
    read_message,
)
from sqlmodel import col, select
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from backend.api.limits import OpenSockets, client_address
from backend.audit.purposes import LoggedPurpose, Purpose
from backend.audit.service import append_access_log
from backend.authz.access import Gate
from backend.core.database import Database
from backend.core.settings import Settings
from backend.events.broker import Hints, listen_documents
from backend.events.hub import LiveHub, Waiter
from backend.identity import auth, csrf
from backend.identity.actor import Actor
from backend.meeting import crdt
from backend.meeting.access import MeetingAction, MeetingFacts, decide, meeting_facts
from backend.meeting.models import Meeting, Minutes, MinutesUpdate

log = logging.getLogger("koordinat.meeting.minutes")

FORBIDDEN = 4403
SESSION_ENDED = 4401
# The socket's document holds changes the server refused (written while the caller could
# not write): before it writes again it must load the minutes anew, or its later updates
# would wait forever, in every other browser, for the refused ones.
RELOAD = 4409
# An update, or the document with it, is over its cap: the change cannot be saved.
TOO_LARGE = 4413
TOO_MANY = 4429
# Storing failed (the database): the client reconnects and sends what is missing again.
TRY_AGAIN_LATER = 1013
# A message is one update (or awareness state) and a few bytes of framing.
MAX_MESSAGE_BYTES = crdt.MAX_UPDATE_BYTES + 16
# Messages waiting to go out to one socket; a client that falls this far behind is closed
# (it reconnects and syncs from the document).
SEND_QUEUE = 2048
# Updates read but not yet stored, per socket: the reader waits when it is full.
WRITE_QUEUE = 64
# Awareness client ids one socket may speak for (a browser tab has one).
MAX_AWARENESS_CLIENTS = 8
READ_BATCH = 200
# What the access log says was read.
WHAT = "minutes"


class Connection:
    """One open socket of one person on one meeting's minutes."""

    def __init__(self, websocket: WebSocket, actor: Actor, room: Room, can_write: bool) -> None:
        self.websocket = websocket
        self.actor = actor
        self.room = room
        self.can_write = can_write
        # An update of this socket was dropped: its document is no longer the server's.
        self.diverged = False
        self.closed = False
        self.outgoing: asyncio.Queue[bytes] = asyncio.Queue()
        self.updates: asyncio.Queue[bytes] = asyncio.Queue(WRITE_QUEUE)
        # Seqs this socket wrote: the relay skips them (the writer has them already).
        self.own: set[int] = set()
        # Awareness client ids whose states arrived through this socket.
        self.client_ids: set[int] = set()

    def send(self, message: bytes) -> None:
        if self.closed:
            return
        if self.outgoing.qsize() >= SEND_QUEUE:
            self.close_soon(TRY_AGAIN_LATER, "Too slow")
            return
        self.outgoing.put_nowait(message)

    async def close(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(Exception):
            await self.websocket.close(code=code, reason=reason)

    def close_soon(self, code: int, reason: str) -> None:
        self.room.rooms.spawn(self.close(code, reason))

    async def run_sender(self) -> None:
        while not self.closed:
            message = await self.outgoing.get()
            try:
                await self.websocket.send_bytes(message)
            except (WebSocketDisconnect, RuntimeError, OSError):
                self.closed = True
                return


class Room:
    """One meeting's minutes as this process holds them while sockets are open: the
    document up to `seq` (read from the database), its sockets and their awareness."""

    def __init__(self, rooms: Rooms, meeting_id: uuid.UUID) -> None:
        self.rooms = rooms
        self.meeting_id = meeting_id
        self.doc: Doc = Doc()
        self.awareness = Awareness(self.doc)
        self.awareness.set_local_state(None)  # the server itself is nobody in the room
        self.seq = 0
        self.size = 0  # bytes of the rows up to seq
        self.connections: set[Connection] = set()
        # Sockets that entered (joined or still loading): the room closes when none is left.
        self.users = 0
        self.loaded = asyncio.Event()
        self._loading: asyncio.Task[None] | None = None
        self._refresh: asyncio.Task[None] | None = None
        self._again = False
        self._ticker: asyncio.Task[None] | None = None

    async def load(self) -> None:
        """Read the whole document once (the first socket of the meeting in this process)."""
        if self._loading is None:
            self._loading = asyncio.create_task(self._load())
        loading = self._loading
        try:
            await asyncio.shield(loading)
        except asyncio.CancelledError:
            raise
        except Exception:
            if self._loading is loading:
                self._loading = None  # the next socket tries again
            raise

    async def _load(self) -> None:
        async with self.rooms.db.reading() as session:
            rows = list(
                (
                    await session.exec(
                        select(MinutesUpdate.seq, MinutesUpdate.data)
                        .where(MinutesUpdate.meeting_id == self.meeting_id)
                        .order_by(col(MinutesUpdate.seq))
                    )
                ).all()
            )
        if rows:
            self.doc.apply_update(crdt.merge(data for _, data in rows))
            self.seq = rows[-1][0]
            self.size = sum(len(data) for _, data in rows)
        self.loaded.set()
        self._ticker = asyncio.create_task(self._tick())

    # --- following the stored rows

    def poke(self) -> None:
        """Read the rows after `seq`; a poke during a read makes the read run once more."""
        if not self.loaded.is_set():
            return  # the load reads them
        if self._refresh is not None and not self._refresh.done():
            self._again = True
            return
        self._refresh = asyncio.create_task(self._read_new())

    async def _read_new(self) -> None:
        while True:
            self._again = False
            try:
                while await self._read_batch():
                    pass
            except Exception as exc:
                # The next hint or tick tries again; the sockets keep what they have.
                log.warning("reading minutes updates failed (%s)", type(exc).__name__)
                return
            if not self._again:
                return

    async def _read_batch(self) -> bool:
        async with self.rooms.db.reading() as session:
            rows = list(
                (
                    await session.exec(
                        select(MinutesUpdate.seq, MinutesUpdate.data)
                        .where(
                            MinutesUpdate.meeting_id == self.meeting_id,
                            col(MinutesUpdate.seq) > self.seq,
                        )
                        .order_by(col(MinutesUpdate.seq))
                        .limit(READ_BATCH)
                    )
                ).all()
            )
        for seq, data in rows:
            if seq <= self.seq:
                continue  # a read that raced another
            try:
                self.doc.apply_update(data)
            except Exception:
                log.warning("skipping an unreadable minutes update")
            self.seq = seq
            self.size += len(data)
            message = create_update_message(data)
            for connection in list(self.connections):
                if seq in connection.own:
                    connection.own.discard(seq)
                else:
                    connection.send(message)
        return len(rows) == READ_BATCH

    async def _tick(self) -> None:
        """A hint may be lost (a crash after the commit, a Redis outage): look at the head."""
        interval = self.rooms.settings.events_recheck_seconds
        while True:
            await asyncio.sleep(interval)
            try:
                async with self.rooms.db.reading() as session:
                    head = (
                        await session.exec(
                            select(Minutes.head_seq).where(Minutes.meeting_id == self.meeting_id)
                        )
                    ).first()
            except Exception as exc:
                log.warning("checking the minutes head failed (%s)", type(exc).__name__)
                continue
            if head is not None and head > self.seq:
                self.poke()

    # --- sockets and awareness

    def join(self, connection: Connection) -> None:
        """Add a socket and greet it: our state (sync step 1) and who is here."""
        self.connections.add(connection)
        connection.send(create_sync_message(self.doc))
        present = [c for c in self.awareness.states if c != self.awareness.client_id]
        if present:
            connection.send(
                create_awareness_message(self.awareness.encode_awareness_update(present))
            )

    def leave(self, connection: Connection | None) -> None:
        """A socket that entered goes (None: it left before it joined)."""
        self.users -= 1
        if connection is not None:
            self.connections.discard(connection)
            gone = sorted(connection.client_ids)
            if gone:
                self.awareness.remove_awareness_states(gone, connection)
                self._tell_awareness(gone)
        if self.users <= 0:
            self.close()

    def close(self) -> None:
        for task in (self._ticker, self._refresh, self._loading):
            if task is not None and not task.done():
                task.cancel()
        if self.rooms.rooms.get(self.meeting_id) is self:
            del self.rooms.rooms[self.meeting_id]

    def relay_awareness(self, connection: Connection, payload: bytes) -> None:
        """Apply an awareness update from a socket and tell every socket of the meeting here
        what changed (the sender too: y-websocket clients take it as a sign of life).

        A socket speaks for its own clients only (a browser tab is one): an update naming a
        client another socket speaks for, or more clients than a tab has, is dropped."""
        decoder = Decoder(payload)
        named = set()
        for _ in range(decoder.read_var_uint()):
            named.add(decoder.read_var_uint())
            decoder.read_var_uint()  # clock
            decoder.read_var_string()  # state (JSON)
        others = set().union(*(c.client_ids for c in self.connections if c is not connection))
        if named & others or len(connection.client_ids | named) > MAX_AWARENESS_CLIENTS:
            return
        changed: set[int] = set()
        removed: set[int] = set()

        def seen(topic: str, change: tuple[dict[str, Any], Any]) -> None:
            if topic == "update" and change[1] is connection:
                changes = change[0]
                changed.update(changes["added"], changes["updated"], changes["removed"])
                removed.update(changes["removed"])

        subscription = self.awareness.observe(seen)
        try:
            self.awareness.apply_awareness_update(payload, connection)
        finally:
            self.awareness.unobserve(subscription)
        connection.client_ids |= changed - removed
        connection.client_ids -= removed
        if changed:
            self._tell_awareness(sorted(changed))

    def _tell_awareness(self, client_ids: list[int]) -> None:
        message = create_awareness_message(self.awareness.encode_awareness_update(client_ids))
        for other in list(self.connections):
            other.send(message)
        for client_id in client_ids:
            if client_id not in self.awareness.states:
                self.awareness.meta.pop(client_id, None)  # gone: nothing to remember


class Rooms:
    """The rooms of one app (one per meeting with open sockets in this process)."""

    def __init__(self, db: Database, settings: Settings, live: LiveHub | None) -> None:
        self.db = db
        self.settings = settings
        self.live = live
        self.rooms: dict[uuid.UUID, Room] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._unlisten: Callable[[], None] = listen_documents(self.hinted)

    def enter(self, meeting_id: uuid.UUID) -> Room:
        """The meeting's room, for a socket that will join it (or leave it) next."""
        found = self.rooms.get(meeting_id)
        if found is None:
            found = self.rooms[meeting_id] = Room(self, meeting_id)
        found.users += 1
        return found

    def hinted(self, documents: list[tuple[uuid.UUID, int]] | None) -> None:
        """Rows committed (here or by another process); None: look at every room."""
        if documents is None:
            for room in list(self.rooms.values()):
                room.poke()
            return
        for meeting_id, seq in documents:
            hinted = self.rooms.get(meeting_id)
            if hinted is not None and seq > hinted.seq:
                hinted.poke()

    def spawn(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def rooms_of(websocket: WebSocket) -> Rooms:
    state = websocket.app.state
    found: Rooms | None = getattr(state, "minutes_rooms", None)
    if found is None:
        found = Rooms(state.db, state.settings, getattr(state, "live", None))
        state.minutes_rooms = found
    return found


# --- access


def _meeting_id(raw: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        return None


async def _facts(db: Database, actor: Actor, meeting_id: uuid.UUID) -> MeetingFacts | None:
    async with db.reading() as session:
        meeting = await session.get(Meeting, meeting_id)
        if meeting is None:
            return None
        return await meeting_facts(session, actor, meeting)


async def _log(db: Database, actor: Actor, facts: MeetingFacts, *, refused: bool = False) -> None:
    """The access-log row of this look at the minutes (the roles: the network's, and
    "meetingGuest" for a guest), written before any of the document is sent."""
    gate = Gate(db, actor, "websocket")
    gate.remember(facts.child)
    if refused:
        gate.note_refused(facts.child_id, WHAT)
    else:
        gate.note_read(facts.child_id, WHAT)
    roles = sorted(facts.roles)
    rows = [
        dataclasses.replace(row, roles=roles, outsider=refused and not roles)
        for row in await gate.entries(LoggedPurpose(Purpose.MEETING))
    ]
    await append_access_log(db, rows)


# --- the endpoint


async def minutes_socket(websocket: WebSocket) -> None:
    state = websocket.app.state
    db: Database = state.db
    settings: Settings = state.settings
    held: list[str] = []
    sockets: OpenSockets | None = getattr(getattr(state, "limits", None), "sockets", None)

    def hold(key: str, cap: int) -> bool:
        if sockets is None:
            return True
        if not sockets.acquire(key, cap):
            return False
        held.append(key)
        return True

    await websocket.accept()
    try:
        if not hold(f"ip:{client_address(websocket.scope)}", settings.sockets_per_ip):
            await websocket.close(code=TOO_MANY, reason="Too many connections")
            return
        # A browser's handshake names its page's Origin; another site's page is refused
        # (cookies go with cross-site websocket handshakes).
        origin_ok = websocket.headers.get("origin") is None or csrf.origin_allowed(
            settings, websocket.scope, websocket.headers
        )
        actor = await auth.authenticate(websocket, db, settings) if origin_ok else None
        meeting_id = _meeting_id(websocket.path_params.get("meeting_id"))
        facts = (
            await _facts(db, actor, meeting_id)
            if actor is not None and meeting_id is not None
            else None
        )
        if actor is None or meeting_id is None or facts is None:
            await websocket.close(code=FORBIDDEN, reason="Forbidden")
            return
        if not decide(actor, MeetingAction.VIEW, facts):
            await _log(db, actor, facts, refused=True)
            await websocket.close(code=FORBIDDEN, reason="Forbidden")
            return
        if not hold(f"person:{actor.person_id}", settings.sockets_per_person):
            await websocket.close(code=TOO_MANY, reason="Too many connections")
            return
        await _log(db, actor, facts)
        await _serve(websocket, actor, meeting_id, facts)
    except WebSocketDisconnect:
        pass
    except Exception as exc:
        # A database blip at connect: the client tries again (never the exception's text).
        log.warning("opening a minutes socket failed (%s)", type(exc).__name__)
        with contextlib.suppress(Exception):
            await websocket.close(code=TRY_AGAIN_LATER, reason="Try again later")
    finally:
        for key in held:
            if sockets is not None:
                sockets.release(key)


async def _serve(
    websocket: WebSocket, actor: Actor, meeting_id: uuid.UUID, facts: MeetingFacts
) -> None:
    rooms = rooms_of(websocket)
    room = rooms.enter(meeting_id)
    try:
        await room.load()
    except Exception as exc:
        room.leave(None)
        log.warning("loading the minutes failed (%s)", type(exc).__name__)
        await websocket.close(code=TRY_AGAIN_LATER, reason="Try again later")
        return
    connection = Connection(
        websocket, actor, room, can_write=decide(actor, MeetingAction.WRITE_MINUTES, facts)
    )
    room.join(connection)
    tasks = [
        asyncio.create_task(connection.run_sender()),
        asyncio.create_task(_write(rooms, connection, meeting_id)),
        asyncio.create_task(_watch(rooms, connection, meeting_id, facts.child_id)),
    ]
    try:
        while not connection.closed:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            data = message.get("bytes")
            if data:
                await _receive(connection, data)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        connection.closed = True
        room.leave(connection)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def _receive(connection: Connection, data: bytes) -> None:
    """One y-protocols message from the client."""
    if len(data) > MAX_MESSAGE_BYTES:
        if data[0] == YMessageType.SYNC and connection.can_write:
            log.info("minutes update over the size cap refused")
            await connection.close(TOO_LARGE, "Too large")
        else:
            connection.diverged = connection.diverged or data[0] == YMessageType.SYNC
        return
    room = connection.room
    try:
        kind = data[0]
        if kind == YMessageType.SYNC:
            step = data[1]
            if step == YSyncMessageType.SYNC_STEP1:
                reply = handle_sync_message(data[1:], room.doc)
                if reply is not None:
                    connection.send(reply)
            elif step in (YSyncMessageType.SYNC_STEP2, YSyncMessageType.SYNC_UPDATE):
                update = read_message(data[2:])
                if update == crdt.EMPTY_UPDATE:
                    return
                if connection.can_write:
                    await connection.updates.put(update)
                else:
                    connection.diverged = True  # dropped: nothing stored, nobody told
        elif kind == YMessageType.AWARENESS:
            room.relay_awareness(connection, read_message(data[1:]))
    except Exception as exc:
        # Not a message of the protocol (or not one we take): dropped, nothing stored.
        log.info("minutes message not understood (%s)", type(exc).__name__)


async def _write(rooms: Rooms, connection: Connection, meeting_id: uuid.UUID) -> None:
    """Store the socket's updates in order, several at once when they queue up."""
    room = connection.room
    while True:
        batch = [await connection.updates.get()]
        size = len(batch[0])
        while not connection.updates.empty() and size < crdt.MAX_UPDATE_BYTES:
            more = connection.updates.get_nowait()
            batch.append(more)
            size += len(more)
        if not connection.can_write:
            connection.diverged = True
            continue
        for update in _combined(batch):
            try:
                async with rooms.db.writing() as session:
                    appended = await crdt.append_update(
                        session, connection.actor, meeting_id, update, known=(room.seq, room.size)
                    )
            except crdt.Refused as refused:
                log.info("minutes update refused: %s", refused.reason)
                if refused.too_large:
                    await connection.close(TOO_LARGE, "Too large")
                    return
                if refused.reason != "not a document update":
                    # Closed or not allowed (any more): read-only until the next check.
                    connection.diverged = True
                    connection.can_write = False
                continue
            except Exception as exc:
                # Never the exception's text: it may carry the update (the minutes' words).
                log.warning("storing a minutes update failed (%s)", type(exc).__name__)
                await connection.close(TRY_AGAIN_LATER, "Try again later")
                return
            if appended.seq > room.seq:  # else the room has read (and skipped) it already
                connection.own.add(appended.seq)
            room.poke()
            if rooms.live is not None:
                rooms.live.announce(Hints(documents=[(meeting_id, appended.seq)]))


def _combined(batch: list[bytes]) -> list[bytes]:
    """The queued updates as one (within the cap), else one by one."""
    if len(batch) == 1:
        return batch
    valid = [u for u in batch if crdt.is_valid_update(u)]
    if not valid:
        return batch  # each is refused (and logged) on its own
    try:
        merged = merge_updates(*valid)
    except Exception:
        return batch
    if len(merged) > crdt.MAX_UPDATE_BYTES:
        return batch
    return [merged]


async def _watch(
    rooms: Rooms, connection: Connection, meeting_id: uuid.UUID, child_id: uuid.UUID
) -> None:
    """Decide access again on news (the child's events, the person's memberships, an ended
    session) and at least every `events_recheck_seconds`."""
    actor = connection.actor
    interval = rooms.settings.events_recheck_seconds
    hub = rooms.live
    waiter = Waiter(actor)
    feed = None
    if hub is not None:
        hub.register(waiter)
        feed = hub.follow(child_id, waiter)
    try:
        while not connection.closed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter.event.wait(), interval)
            waiter.event.clear()
            waiter.take_recheck()
            if waiter.ended:
                await connection.close(SESSION_ENDED, "Session ended")
                return
            try:
                verdict = await _recheck(rooms, actor, meeting_id)
            except Exception as exc:
                log.warning("re-checking a minutes socket failed (%s)", type(exc).__name__)
                continue
            if isinstance(verdict, int):
                await connection.close(verdict, "Forbidden" if verdict == FORBIDDEN else "Ended")
                return
            if verdict.can_write and connection.diverged:
                await connection.close(RELOAD, "Reload the minutes")
                return
            connection.can_write = verdict.can_write
    finally:
        if hub is not None:
            if feed is not None:
                hub.unfollow(feed, waiter)
            hub.unregister(waiter)


@dataclasses.dataclass(frozen=True)
class Allowed:
    can_write: bool


async def _recheck(rooms: Rooms, actor: Actor, meeting_id: uuid.UUID) -> Allowed | int:
    """Allowed (writing or not), or the close code."""
    if (actor.session_id is not None or actor.token_id is not None) and not (
        await auth.still_valid(actor, rooms.db, rooms.settings)
    ):
        return SESSION_ENDED
    facts = await _facts(rooms.db, actor, meeting_id)
    if facts is None or not decide(actor, MeetingAction.VIEW, facts):
        return FORBIDDEN
    return Allowed(can_write=decide(actor, MeetingAction.WRITE_MINUTES, facts))


ROUTES = [WebSocketRoute("/minutes/{meeting_id}", minutes_socket)]
