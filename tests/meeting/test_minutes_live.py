"""The live minutes (`/minutes/<meetingId>`, y-websocket protocol) against real servers.

The clients are what a browser's y-websocket provider does, with pycrdt for the document and
the `websockets` library for the socket: sync step 1 on open, step 2 in answer to the
server's step 1, an update per edit, awareness states. The server is the app under uvicorn on
a free port (SQLite and PostgreSQL), `koordinat serve` processes for a restart, and two of
them on PostgreSQL with Redis between them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import redis.asyncio as aioredis
from pycrdt import (
    Awareness,
    Doc,
    Text,
    YMessageType,
    YSyncMessageType,
    create_awareness_message,
    create_sync_message,
    create_update_message,
    handle_sync_message,
    read_message,
)
from sqlmodel import select
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from backend.app import create_app
from backend.audit.access_log import AccessLogEntry
from backend.core.database import Database
from backend.events.broker import Hints, decode_hint, encode_hint
from backend.identity import sessions
from backend.identity.models import Person
from backend.meeting import crdt
from backend.meeting.models import MinutesVersion
from backend.network.models import NetworkMember
from tests.conftest import IN_CI, Api, AppUnderTest, World, make_settings
from tests.events.live import AppProcess, InProcessServer, app_env, gql, unique_channel
from tests.meeting.test_crdt import MinutesWorld, meeting_world, stored

FORBIDDEN = 4403
SESSION_ENDED = 4401
RELOAD = 4409
TOO_LARGE = 4413


# --- a y-websocket client


class YClient:
    """One browser tab's minutes: its document, its socket, what it was sent."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.doc: Doc = Doc()
        self.awareness = Awareness(self.doc)
        self.synced = asyncio.Event()
        self.received: list[bytes] = []
        self.close_code: int | None = None
        self.closed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def start(self) -> None:
        with contextlib.suppress(ConnectionClosed):  # refused at once: the reader knows
            await self.connection.send(create_sync_message(self.doc))

    async def _read(self) -> None:
        try:
            async for raw in self.connection:
                assert isinstance(raw, bytes), "y-websocket messages are binary"
                self.received.append(raw)
                if raw[0] == YMessageType.SYNC:
                    reply = handle_sync_message(raw[1:], self.doc)
                    if reply is not None:
                        await self.connection.send(reply)
                    if raw[1] == YSyncMessageType.SYNC_STEP2:
                        self.synced.set()
                elif raw[0] == YMessageType.AWARENESS:
                    self.awareness.apply_awareness_update(read_message(raw[1:]), "server")
        except ConnectionClosed:
            pass
        finally:
            rcvd = self.connection.close_code
            self.close_code = rcvd
            self.closed.set()

    def text(self, name: str = "general") -> str:
        return str(self.doc.get(name, type=Text))

    async def write(self, words: str, name: str = "general", at: int | None = None) -> None:
        """Type into one text: the edit goes out as one update, as a browser sends it."""
        before = self.doc.get_state()
        text = self.doc.get(name, type=Text)
        text.insert(len(text) if at is None else at, words)
        await self.connection.send(create_update_message(self.doc.get_update(before)))

    async def say_here(self, state: dict[str, Any]) -> None:
        self.awareness.set_local_state(state)
        update = self.awareness.encode_awareness_update([self.awareness.client_id])
        await self.connection.send(create_awareness_message(update))

    async def until(self, check: Callable[[], bool], what: str, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}: {self.text()!r}")
            await asyncio.sleep(0.05)

    async def wait_closed(self, timeout: float = 15) -> int | None:
        await asyncio.wait_for(self.closed.wait(), timeout)
        return self.close_code


def ws_url(base: str, meeting_id: object) -> str:
    return base.replace("http://", "ws://") + f"/minutes/{meeting_id}"


@asynccontextmanager
async def y_socket(
    base: str,
    meeting_id: object,
    secret: str | None,
    *,
    origin: str | None = "",
    sync: bool = True,
) -> AsyncIterator[YClient]:
    """A socket as the browser opens it: the page's Origin and the session cookie."""
    headers = {"cookie": f"{sessions.SESSION_COOKIE}={secret}"} if secret else {}
    async with connect(
        ws_url(base, meeting_id),
        origin=base if origin == "" else origin,  # type: ignore[arg-type]
        additional_headers=headers,
        open_timeout=10,
        close_timeout=2,
        max_size=None,
    ) as connection:
        client = YClient(connection)
        await client.start()
        if sync:
            await asyncio.wait_for(client.synced.wait(), 15)
        yield client


async def sign_in(db: Database, aut: AppUnderTest, person: Person) -> str:
    """A real login session (what an OpenID sign-in leaves): the cookie's secret."""
    _row, secret = await sessions.start_session(
        db, person, provider="test", subject=str(person.id), acr=None, settings=aut.settings
    )
    return secret


async def refused_at_connect(base: str, meeting_id: object, secret: str | None, **kw: Any) -> None:
    """Closed with 4403, and not one byte of the document sent before."""
    async with y_socket(base, meeting_id, secret, sync=False, **kw) as client:
        code = await client.wait_closed()
    assert code == FORBIDDEN
    assert client.received == []


async def eventually(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


# --- the broker's document hints


def test_document_hints_travel_with_the_others_and_old_parts_still_read() -> None:
    child, person, document = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    # A child id may begin with "d" too: told apart by where the colon is.
    child_d = uuid.UUID("d" + uuid.uuid4().hex[1:])
    hints = Hints(heads=[(child, 7), (child_d, 2)], persons=[person], documents=[(document, 42)])
    assert bool(Hints(documents=[(document, 1)]))
    decoded = decode_hint(encode_hint(hints))
    assert decoded == hints
    assert decode_hint(f"{child.hex}:3").documents == []


# --- the server


@pytest.fixture(scope="module")
async def server(app_under_test: AppUnderTest, database_url: str) -> AsyncIterator[Any]:
    app = create_app(make_settings(database_url, events_recheck_seconds=1.0))
    running = InProcessServer(app)
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
async def mw(api: Api, world: World) -> MinutesWorld:
    return await meeting_world(api, world)


# --- writing together


async def test_two_clients_write_at_once_and_both_end_with_both_texts(
    server: Any, api: Api, mw: MinutesWorld
) -> None:
    db = api.aut.db
    kari_secret = await sign_in(db, api.aut, mw.coordinator)
    tina_secret = await sign_in(db, api.aut, mw.invited)
    item = crdt.item_text_name(mw.agenda[0].id, "decisions")
    async with (
        y_socket(server.base, mw.meeting.id, kari_secret) as kari,
        y_socket(server.base, mw.meeting.id, tina_secret) as tina,
    ):
        # At once, into the same text, neither waiting for the other.
        await asyncio.gather(
            kari.write("Kari: alle til stede. "),
            tina.write("Tina: skolen melder bedring. "),
            kari.write("Ny plan i mai.", name=item),
        )
        for client in (kari, tina):
            await client.until(
                lambda c=client: (  # type: ignore[misc]
                    "Kari: alle til stede. " in c.text()
                    and "Tina: skolen melder bedring. " in c.text()
                    and c.text(item) == "Ny plan i mai."
                ),
                "both texts",
            )
        assert kari.text() == tina.text()
    async with db.reading() as session:
        content = await crdt.snapshot(session, mw.meeting.id, [a.id for a in mw.agenda])
    assert content["general"] == kari.text()
    assert content["items"][str(mw.agenda[0].id)]["decisions"] == "Ny plan i mai."


async def test_a_client_connecting_later_gets_the_whole_document(
    server: Any, api: Api, mw: MinutesWorld
) -> None:
    db = api.aut.db
    async with y_socket(server.base, mw.meeting.id, await sign_in(db, api.aut, mw.invited)) as t:
        await t.write("Første avsnitt. ")
        await t.write("Andre avsnitt.")
        # (Updates that queue up may be stored together, as one row.)
        await eventually(
            lambda: _stored_text_is(db, mw, "Første avsnitt. Andre avsnitt."), "both stored"
        )
    # The guest, within the window, and the guardian (who reads but does not write).
    for person in (mw.guest, mw.guardian):
        async with y_socket(server.base, mw.meeting.id, await sign_in(db, api.aut, person)) as c:
            await c.until(lambda c=c: c.text() == "Første avsnitt. Andre avsnitt.", "the document")


async def test_a_reader_who_may_not_write_is_not_stored_and_not_relayed(
    server: Any, api: Api, mw: MinutesWorld
) -> None:
    db = api.aut.db
    async with (
        y_socket(server.base, mw.meeting.id, await sign_in(db, api.aut, mw.guardian)) as parent,
        y_socket(server.base, mw.meeting.id, await sign_in(db, api.aut, mw.invited)) as tina,
    ):
        await parent.write("Foreldrene skriver her.")
        await tina.write("Tina skriver.")
        await parent.until(lambda: "Tina skriver." in parent.text(), "the writer's text")
        await asyncio.sleep(0.5)
        assert tina.text() == "Tina skriver."
    assert await stored(db, mw.meeting.id) == (1, 1)


async def test_awareness_is_relayed_and_never_stored(
    server: Any, api: Api, mw: MinutesWorld
) -> None:
    db = api.aut.db
    async with y_socket(server.base, mw.meeting.id, await sign_in(db, api.aut, mw.invited)) as t:
        async with y_socket(
            server.base, mw.meeting.id, await sign_in(db, api.aut, mw.coordinator)
        ) as kari:
            await kari.say_here({"user": {"name": "Kari"}, "cursor": 3})
            kari_id = kari.awareness.client_id
            await t.until(
                lambda: t.awareness.states.get(kari_id, {}).get("user") == {"name": "Kari"},
                "Kari's presence",
            )
            # A socket speaks for its own clients only.
            forged = Awareness(Doc())
            forged.client_id = kari_id
            forged._meta[kari_id] = {"clock": 50, "lastUpdated": 0}
            forged._states[kari_id] = {"user": {"name": "Not Kari"}}
            await t.connection.send(
                create_awareness_message(forged.encode_awareness_update([kari_id]))
            )
            await asyncio.sleep(0.5)
            assert kari.awareness.states[kari_id]["user"] == {"name": "Kari"}
        # Kari left: her presence is gone for the others.
        await t.until(lambda: kari_id not in t.awareness.states, "Kari to leave")
    assert await stored(db, mw.meeting.id) == (0, 0)


# --- who may connect


async def test_refused_at_connect_with_4403_and_no_document_bytes(
    server: Any, api: Api, mw: MinutesWorld
) -> None:
    db = api.aut.db
    async with y_socket(server.base, mw.meeting.id, await sign_in(db, api.aut, mw.invited)) as t:
        await t.write("Hemmelig referat.")
        await eventually(lambda: _head_is(db, mw, 1), "the update stored")
    # A member of the network not invited, someone outside it, nobody at all.
    await refused_at_connect(server.base, mw.meeting.id, await sign_in(db, api.aut, mw.not_invited))
    await refused_at_connect(server.base, mw.meeting.id, await sign_in(db, api.aut, mw.outsider))
    await refused_at_connect(server.base, mw.meeting.id, None)
    await refused_at_connect(server.base, mw.meeting.id, "not-a-session")
    # An invited person's cookie from another site's page.
    invited = await sign_in(db, api.aut, mw.invited)
    await refused_at_connect(server.base, mw.meeting.id, invited, origin="https://evil.example")
    # No such meeting, or not a meeting id at all: the same answer.
    await refused_at_connect(server.base, uuid.uuid4(), invited)
    await refused_at_connect(server.base, "not-an-id", invited)

    async with db.reading() as session:
        rows = (
            await session.exec(select(AccessLogEntry).where(AccessLogEntry.child_id == mw.child_id))
        ).all()
    minutes = [r for r in rows if "minutes" in r.what or "minutes" in r.refused]
    by_person = {r.actor_person_id: r for r in minutes}
    # The reads (the writer's connect) and the refused looks are in the child's log.
    assert by_person[mw.invited.id].what == ["minutes"]
    assert by_person[mw.invited.id].via == "websocket"
    assert by_person[mw.invited.id].purpose == "MEETING"
    assert by_person[mw.not_invited.id].refused == ["minutes"]
    assert by_person[mw.not_invited.id].what == []
    assert by_person[mw.outsider.id].outsider is True


async def test_a_guest_after_the_window_is_refused(server: Any, api: Api, world: World) -> None:
    import datetime as dt

    mw = await meeting_world(api, world, starts_in=dt.timedelta(hours=-30), guest_hours_after=1)
    db = api.aut.db
    await refused_at_connect(server.base, mw.meeting.id, await sign_in(db, api.aut, mw.guest))
    # The coordinator still reads the minutes of the past meeting.
    async with y_socket(server.base, mw.meeting.id, await sign_in(db, api.aut, mw.coordinator)):
        pass
    async with db.reading() as session:
        rows = (
            await session.exec(
                select(AccessLogEntry).where(
                    AccessLogEntry.child_id == mw.child_id,
                    AccessLogEntry.actor_person_id == mw.guest.id,
                )
            )
        ).all()
    assert [(r.refused, r.roles, r.outsider) for r in rows] == [
        (["minutes"], ["meetingGuest"], False)
    ]


async def test_a_guest_reads_as_a_meeting_guest_in_the_access_log(
    server: Any, api: Api, mw: MinutesWorld
) -> None:
    db = api.aut.db
    async with y_socket(server.base, mw.meeting.id, await sign_in(db, api.aut, mw.guest)):
        pass
    async with db.reading() as session:
        (row,) = (
            await session.exec(
                select(AccessLogEntry).where(
                    AccessLogEntry.child_id == mw.child_id,
                    AccessLogEntry.actor_person_id == mw.guest.id,
                )
            )
        ).all()
    assert (row.what, row.roles, row.organisation) == (
        ["minutes"],
        ["meetingGuest"],
        "Testvik sykehus",
    )


# --- while open


async def test_a_member_removed_from_the_network_while_connected_is_closed(
    server: Any, api: Api, mw: MinutesWorld
) -> None:
    db = api.aut.db
    async with y_socket(server.base, mw.meeting.id, await sign_in(db, api.aut, mw.invited)) as t:
        member = mw.members[mw.invited.id]
        async with httpx.AsyncClient(base_url=server.base) as client:
            data = await gql(
                client,
                "EndNetworkMembership",
                {"input": {"id": str(member.id), "version": member.version}},
                mw.coordinator,
            )
        assert data["endNetworkMembership"]["errors"] == []
        assert await t.wait_closed() == FORBIDDEN
        async with db.reading() as session:
            ended = await session.get(NetworkMember, member.id)
        assert ended is not None and ended.ended_at is not None


async def test_an_ended_session_closes_the_socket(server: Any, api: Api, mw: MinutesWorld) -> None:
    db = api.aut.db
    secret = await sign_in(db, api.aut, mw.invited)
    async with y_socket(server.base, mw.meeting.id, secret) as t:
        assert await sessions.end_session(db, secret)
        assert await t.wait_closed() == SESSION_ENDED


async def test_writes_after_the_minutes_are_closed_are_not_stored(
    server: Any, api: Api, world: World
) -> None:
    import datetime as dt

    mw = await meeting_world(api, world, starts_in=dt.timedelta(minutes=-30))
    db = api.aut.db
    meeting = {"input": {"meetingId": str(mw.meeting.id)}}
    async with (
        y_socket(server.base, mw.meeting.id, await sign_in(db, api.aut, mw.coordinator)) as kari,
        y_socket(server.base, mw.meeting.id, await sign_in(db, api.aut, mw.invited)) as tina,
        y_socket(server.base, mw.meeting.id, await sign_in(db, api.aut, mw.guest)) as guest,
        httpx.AsyncClient(base_url=server.base) as client,
    ):
        await kari.write("Vedtatt: ny plan.")
        await tina.until(lambda: tina.text() == "Vedtatt: ny plan.", "the text")
        await eventually(lambda: _stored_text_is(db, mw, "Vedtatt: ny plan."), "stored")
        closed = await gql(client, "MeetingCloseMinutes", meeting, mw.coordinator)
        assert closed["closeMinutes"]["errors"] == []
        # The sockets stay open, read-only: what is written now is not taken.
        await asyncio.sleep(0.5)
        await tina.write(" Etterpå.")
        await kari.write(" Også etterpå.")
        await asyncio.sleep(1.5)
        assert "Etterpå" not in kari.text() and "Også etterpå" not in tina.text()
        assert guest.text() == "Vedtatt: ny plan."
        assert not kari.closed.is_set() and not tina.closed.is_set()
        assert await _stored_text_is(db, mw, "Vedtatt: ny plan.")
        async with db.reading() as session:
            version = (
                await session.exec(
                    select(MinutesVersion).where(MinutesVersion.meeting_id == mw.meeting.id)
                )
            ).one()
        assert version.content["general"] == "Vedtatt: ny plan."
        # Reopened (to correct after comments): a socket whose words were refused must load
        # the minutes anew before it writes (4409); one that wrote nothing writes on.
        reopened = await gql(client, "MeetingReopenMinutes", meeting, mw.coordinator)
        assert reopened["reopenMinutes"]["errors"] == []
        assert await kari.wait_closed() == RELOAD
        assert await tina.wait_closed() == RELOAD
        await asyncio.sleep(0.3)
        assert not guest.closed.is_set()
        await guest.write(" Rettet.")
        await eventually(
            lambda: _stored_text_is(db, mw, "Vedtatt: ny plan. Rettet."), "the correction"
        )
    async with y_socket(server.base, mw.meeting.id, await sign_in(db, api.aut, mw.guardian)) as c:
        await c.until(lambda: c.text() == "Vedtatt: ny plan. Rettet.", "the document")


async def test_an_oversized_update_is_refused(server: Any, api: Api, mw: MinutesWorld) -> None:
    db = api.aut.db
    kari_secret = await sign_in(db, api.aut, mw.coordinator)
    async with (
        y_socket(server.base, mw.meeting.id, kari_secret) as kari,
        y_socket(server.base, mw.meeting.id, await sign_in(db, api.aut, mw.invited)) as tina,
    ):
        await kari.write("x" * (crdt.MAX_UPDATE_BYTES + 10))
        # Not saved: the writer is told (its later words would wait for these forever).
        assert await kari.wait_closed() == TOO_LARGE
        async with y_socket(server.base, mw.meeting.id, kari_secret) as again:
            # Not a y-protocols message at all: dropped, the socket stays.
            await again.connection.send(b"\x00\x02\x05junk!")
            await again.connection.send(b"\x07")
            await again.connection.send(b"\x00\x02")
            await again.write("Liten tekst.", name="item:small")
            await tina.until(lambda: tina.text("item:small") == "Liten tekst.", "a small update")
        assert tina.text() == ""
    assert await stored(db, mw.meeting.id) == (1, 1)


async def test_a_full_document_takes_no_more(server: Any, api: Api, mw: MinutesWorld) -> None:
    db = api.aut.db
    chunk = 63 * 1024
    count = crdt.MAX_DOCUMENT_BYTES // chunk  # just under the cap, one more is over it
    async with y_socket(server.base, mw.meeting.id, await sign_in(db, api.aut, mw.invited)) as t:
        for n in range(count):
            await t.write("y" * chunk, name=f"part:{n}")
        await eventually(
            lambda: _stored_bytes_over(db, mw, count * chunk), "the parts stored", timeout=60
        )
        assert not t.closed.is_set()
        await t.write("z" * chunk, name="one:too:many")
        assert await t.wait_closed() == TOO_LARGE
    async with y_socket(server.base, mw.meeting.id, await sign_in(db, api.aut, mw.guest)) as c:
        await c.until(lambda: len(c.text(f"part:{count - 1}")) == chunk, "the document")
        assert c.text("one:too:many") == ""


# --- the browser's own provider (the npm y-websocket package, in Node)

WEB = Path(__file__).resolve().parents[2] / "frontend-assets"
# A browser tab: y-websocket's WebsocketProvider on a Y.Doc, the page's Origin and cookie.
PROVIDER_SCRIPT = """
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import WebSocket from 'ws'
const cfg = JSON.parse(process.env.MINUTES_CLIENT)
class PageSocket extends WebSocket {
  constructor (url, protocols) {
    super(url, protocols, { headers: { cookie: cfg.cookie, origin: cfg.origin } })
  }
}
const doc = new Y.Doc()
const provider = new WebsocketProvider(cfg.server, cfg.room, doc, {
  WebSocketPolyfill: PageSocket, disableBc: true
})
provider.awareness.setLocalStateField('user', { name: cfg.name })
const text = doc.getText('general')
const report = (result, code) => {
  console.log(JSON.stringify(result)); provider.destroy(); process.exit(code)
}
let closes = 0
provider.on('connection-close', () => { closes += 1 })
provider.on('closed', (event) => setTimeout(() => report({ closed: event.code, closes }, 0), 500))
provider.on('sync', (synced) => {
  if (synced && cfg.words && !text.toString().includes(cfg.words)) text.insert(0, cfg.words)
})
const deadline = Date.now() + 20000
const seen = new Set()
let done = false
setInterval(() => {
  const now = text.toString()
  for (const s of provider.awareness.getStates().values()) if (s.user) seen.add(s.user.name)
  const peers = [...seen].sort()
  if (!done && cfg.expect.length && cfg.expect.every((w) => now.includes(w)) &&
      cfg.peers.every((p) => seen.has(p))) {
    done = true // stay a moment: the other tab may still be waiting for us
    setTimeout(() => report({ text: text.toString(), peers }, 0), 1000)
  }
  if (Date.now() > deadline) report({ timeout: now, peers }, 1)
}, 50)
"""


async def run_provider(base: str, room: object, secret: str, **cfg: Any) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None or not (WEB / "node_modules" / "y-websocket").is_dir():
        message = "Node.js and the web app's npm packages (bin/setup) are needed"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    settings = {
        "server": base.replace("http://", "ws://") + "/minutes",
        "room": str(room),
        "origin": base,
        "cookie": f"{sessions.SESSION_COOKIE}={secret}",
        "words": "",
        "expect": [],
        "peers": [],
        **cfg,
    }
    process = await asyncio.create_subprocess_exec(
        node,
        "--input-type=module",
        "-e",
        PROVIDER_SCRIPT,
        cwd=WEB,
        env={**os.environ, "MINUTES_CLIENT": orjson.dumps(settings).decode()},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, (out.decode(), err.decode()[-2000:])
    return dict(orjson.loads(out.decode().strip().splitlines()[-1]))


async def test_the_browsers_y_websocket_provider_writes_together_through_the_server(
    server: Any, api: Api, mw: MinutesWorld
) -> None:
    db = api.aut.db
    both = ["Kari skriver.", "Tina skriver."]
    kari, tina = await asyncio.gather(
        run_provider(
            server.base,
            mw.meeting.id,
            await sign_in(db, api.aut, mw.coordinator),
            name="Kari",
            words="Kari skriver.",
            expect=both,
            peers=["Kari", "Tina"],
        ),
        run_provider(
            server.base,
            mw.meeting.id,
            await sign_in(db, api.aut, mw.invited),
            name="Tina",
            words="Tina skriver.",
            expect=both,
            peers=["Kari", "Tina"],
        ),
    )
    assert kari["text"] == tina["text"]
    assert kari["peers"] == tina["peers"] == ["Kari", "Tina"]
    await eventually(lambda: _stored_text_is(db, mw, kari["text"]), "the providers' text stored")
    # Refused: the provider is told 4403 and does not try again.
    refused = await run_provider(
        server.base, mw.meeting.id, await sign_in(db, api.aut, mw.outsider), name="Otto"
    )
    assert refused == {"closed": FORBIDDEN, "closes": 1}


# --- restarts and several processes


@pytest.fixture
def processes() -> Iterator[list[AppProcess]]:
    started: list[AppProcess] = []
    yield started
    for process in reversed(started):
        process.stop()


def start_app(
    processes: list[AppProcess],
    database_url: str,
    redis_url: str,
    channel: str,
    log: Path,
    recheck_seconds: float = 1,
) -> AppProcess:
    env = app_env(database_url, redis_url, channel)
    env["KOORDINAT_EVENTS_RECHECK_SECONDS"] = str(recheck_seconds)
    app = AppProcess(env, log)
    processes.append(app)
    app.start()
    return app


@pytest.mark.slow
async def test_the_document_survives_a_server_restart(
    api: Api, mw: MinutesWorld, processes: list[AppProcess], tmp_path: Path
) -> None:
    db = api.aut.db
    url = api.aut.settings.database_url
    app = start_app(processes, url, "", unique_channel(), tmp_path / "app.log")
    kari_secret = await sign_in(db, api.aut, mw.coordinator)
    async with (
        y_socket(app.base, mw.meeting.id, kari_secret) as kari,
        y_socket(app.base, mw.meeting.id, await sign_in(db, api.aut, mw.invited)) as tina,
    ):
        await kari.write("Skrevet før omstart.")
        await tina.until(lambda: tina.text() == "Skrevet før omstart.", "the text")
    # Relayed means stored: the process dies at once, and comes back.
    app.kill()
    app.start()
    async with y_socket(app.base, mw.meeting.id, kari_secret) as again:
        await again.until(lambda: again.text() == "Skrevet før omstart.", "the whole document")
        await again.write(" Og etter.")
        await eventually(lambda: _head_is(db, mw, 2), "the next update stored")


@pytest.mark.slow
@pytest.mark.postgres
async def test_a_write_on_one_process_reaches_a_client_of_another(
    api: Api, mw: MinutesWorld, processes: list[AppProcess], tmp_path: Path
) -> None:
    assert api.aut.backend == "postgresql"
    redis_url = "redis://127.0.0.1:6379/0"
    client = aioredis.Redis.from_url(redis_url, socket_connect_timeout=2)
    try:
        await client.ping()
    except (OSError, aioredis.ConnectionError):
        if IN_CI:
            pytest.fail("Redis is not reachable on 127.0.0.1:6379")
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    finally:
        await client.aclose()
    db = api.aut.db
    url = api.aut.settings.database_url
    channel = unique_channel()
    # The safety tick at its slowest (4 s): what arrives sooner came by the broker's hint.
    first = start_app(processes, url, redis_url, channel, tmp_path / "first.log", 4)
    second = start_app(processes, url, redis_url, channel, tmp_path / "second.log", 4)
    async with (
        y_socket(first.base, mw.meeting.id, await sign_in(db, api.aut, mw.coordinator)) as kari,
        y_socket(second.base, mw.meeting.id, await sign_in(db, api.aut, mw.invited)) as tina,
    ):
        await asyncio.sleep(0.5)  # both listeners subscribed
        started = time.monotonic()
        await kari.write("Fra prosess én.")
        await tina.until(lambda: tina.text() == "Fra prosess én.", "the other process", 10)
        assert time.monotonic() - started < 3.0
        await tina.write(" Svar fra prosess to.")
        await kari.until(lambda: kari.text() == "Fra prosess én. Svar fra prosess to.", "back")


# --- helpers


async def _head_is(db: Database, mw: MinutesWorld, seq: int) -> bool:
    return (await stored(db, mw.meeting.id))[1] >= seq


async def _stored_bytes_over(db: Database, mw: MinutesWorld, size: int) -> bool:
    async with db.reading() as session:
        return len(await crdt.document_state(session, mw.meeting.id)) > size


async def _stored_text_is(db: Database, mw: MinutesWorld, text: str) -> bool:
    async with db.reading() as session:
        return bool((await crdt.snapshot(session, mw.meeting.id, []))["general"] == text)
