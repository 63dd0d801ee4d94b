"""Fan-out of commit hints between app processes: in-process (embedded) or Redis pub/sub.

A hint only says "child X has events up to seq N", "person P's feed or memberships
changed", "session/token T ended" or "document D has updates up to seq N" (a shared
document a domain keeps as numbered rows, e.g. minutes written together). Subscribers
always read the events themselves from the database by cursor and decide access from the
database, so a hint that is lost (a crash right after the commit, a Redis outage) costs
latency, never an event: the hub's slow safety sweep finds what the hint would have
announced.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

log = logging.getLogger("koordinat.events.broker")


@dataclass
class Hints:
    """What one commit (or several) may have changed; see the module docstring."""

    heads: list[tuple[uuid.UUID, int]] = field(default_factory=list)
    # People whose in-app feed or memberships changed (myEvents re-reads them).
    persons: list[uuid.UUID] = field(default_factory=list)
    # Sessions and API tokens that ended (logout, revocation).
    ended: list[uuid.UUID] = field(default_factory=list)
    # Shared documents with new rows: (document id, last seq). Their followers read the rows
    # themselves (see `listen_documents`); the hub does not look at these.
    documents: list[tuple[uuid.UUID, int]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.heads or self.persons or self.ended or self.documents)


# Called with the hints received, and with None after a reconnect (hints may have been
# missed while disconnected: check everything).
HintHandler = Callable[[Hints | None], Awaitable[None]]

# Wire format, comma-separated: "<child hex>:<seq>", "p<person hex>", "e<session/token hex>",
# "d<document hex>:<seq>". A process that does not know a part logs and skips it.


def encode_hint(hints: Hints) -> str:
    parts = [f"{child_id.hex}:{seq}" for child_id, seq in hints.heads]
    parts += [f"p{person.hex}" for person in hints.persons]
    parts += [f"e{ended.hex}" for ended in hints.ended]
    parts += [f"d{document.hex}:{seq}" for document, seq in hints.documents]
    return ",".join(parts)


def decode_hint(raw: str | bytes) -> Hints:
    text = raw.decode() if isinstance(raw, bytes) else raw
    hints = Hints()
    for part in text.split(","):
        try:
            if part[:1] == "p" and len(part) == 33:
                hints.persons.append(uuid.UUID(hex=part[1:]))
            elif part[:1] == "e" and len(part) == 33:
                hints.ended.append(uuid.UUID(hex=part[1:]))
            elif part[:1] == "d" and part.find(":") == 33:
                document, _, seq = part[1:].partition(":")
                hints.documents.append((uuid.UUID(hex=document), int(seq)))
            else:
                child, _, seq = part.partition(":")
                hints.heads.append((uuid.UUID(hex=child), int(seq)))
        except ValueError:
            log.warning("ignoring malformed hint %r", part[:80])
    return hints


# session.info key: people whose in-app feed or memberships a write changed.
PERSON_HINTS = "koordinat_person_hints"


def note_person(info: dict[str, Any], person_id: uuid.UUID) -> None:
    """Remember, in a write session's info, to hint `person_id` after the commit."""
    info.setdefault(PERSON_HINTS, set()).add(person_id)


# The hubs of this process. Code that changes access without a request's hub at hand
# (logout, token revocation) announces here; each hub wakes its own streams and tells the
# other processes through its broker.
_LOCAL: list[Callable[[Hints], None]] = []


def listen_locally(announce: Callable[[Hints], None]) -> Callable[[], None]:
    _LOCAL.append(announce)
    return lambda: _LOCAL.remove(announce)


# Followers of shared documents in this process: told of the documents hinted by any
# process (through the Redis listener), and with None after a reconnect (hints may have been
# missed: re-read every followed document). The process's own writes tell its followers
# directly; the in-process broker has no other process to hear from.
DocumentHandler = Callable[[list[tuple[uuid.UUID, int]] | None], None]
_DOCUMENTS: list[DocumentHandler] = []


def listen_documents(handler: DocumentHandler) -> Callable[[], None]:
    _DOCUMENTS.append(handler)
    return lambda: _DOCUMENTS.remove(handler)


def _tell_documents(documents: list[tuple[uuid.UUID, int]] | None) -> None:
    if documents is not None and not documents:
        return
    for handler in list(_DOCUMENTS):
        try:
            handler(documents)
        except Exception:
            log.exception("a document follower failed")


async def announce(hints: Hints) -> None:
    """Best effort, after the commit: hubs that miss it find the change at their sweep.

    A process without a hub (`koordinat token revoke`) publishes to Redis itself, when the
    installation has one.
    """
    if _LOCAL:
        for local in list(_LOCAL):
            try:
                local(hints)
            except Exception:
                log.exception("announcing a hint failed")
        return
    from backend.core.settings import get_settings  # settings only where there is no hub

    try:
        settings = get_settings()
    except Exception:
        return
    if settings.redis_url:
        broker = RedisBroker(settings.redis_url, settings.events_channel)
        broker._publisher = broker._client()
        try:
            await broker.publish(hints)
        finally:
            await broker.stop()


class Broker(Protocol):
    async def start(self, on_hint: HintHandler) -> None: ...

    async def stop(self) -> None: ...

    async def publish(self, hints: Hints) -> None:
        """Best effort: never raises; a lost hint is covered by the safety sweep."""
        ...


class InProcessBroker:
    """The embedded default: every subscriber lives in this process."""

    def __init__(self) -> None:
        self._on_hint: HintHandler | None = None

    async def start(self, on_hint: HintHandler) -> None:
        self._on_hint = on_hint

    async def stop(self) -> None:
        self._on_hint = None

    async def publish(self, hints: Hints) -> None:
        if self._on_hint is not None and hints:
            await self._on_hint(hints)


class RedisBroker:
    """Redis pub/sub: one channel, one listener per process that reconnects with backoff."""

    def __init__(
        self,
        url: str,
        channel: str,
        *,
        min_backoff: float = 0.1,
        max_backoff: float = 5.0,
        publish_timeout: float = 1.0,
    ) -> None:
        self.url = url
        self.channel = channel
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.publish_timeout = publish_timeout
        self._publisher: aioredis.Redis | None = None
        self._listener: asyncio.Task[None] | None = None
        self._on_hint: HintHandler | None = None
        # Set while the listener is subscribed; tests and health checks can wait on it.
        self.connected = asyncio.Event()
        self._publish_failures = 0

    def _client(self) -> aioredis.Redis:
        return aioredis.Redis.from_url(
            self.url,
            socket_connect_timeout=2,
            socket_keepalive=True,
            health_check_interval=15,
        )

    async def start(self, on_hint: HintHandler) -> None:
        self._on_hint = on_hint
        self._publisher = self._client()
        self._listener = asyncio.create_task(self._listen(), name="koordinat-redis-listener")

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        if self._publisher is not None:
            await self._publisher.aclose()
            self._publisher = None

    async def publish(self, hints: Hints) -> None:
        if self._publisher is None or not hints:
            return
        try:
            async with asyncio.timeout(self.publish_timeout):
                await self._publisher.publish(self.channel, encode_hint(hints))
            if self._publish_failures:
                log.info("publishing hints to Redis again")
            self._publish_failures = 0
        except (RedisError, OSError, TimeoutError) as exc:
            # The commit stands; subscribers find the events at the next sweep.
            if self._publish_failures == 0:
                log.warning("could not publish a hint to Redis: %s", exc)
            self._publish_failures += 1

    async def _listen(self) -> None:
        backoff = self.min_backoff
        first = True
        while True:
            client = self._client()
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                self.connected.set()
                if not first:
                    log.warning("Redis listener reconnected; re-checking every followed child")
                    # Hints published while we were away are gone: look at everything.
                    _tell_documents(None)
                    if self._on_hint is not None:
                        await self._on_hint(None)
                first = False
                backoff = self.min_backoff
                while True:
                    message = await pubsub.get_message(timeout=5.0)
                    if message is None or message.get("type") != "message":
                        continue
                    hints = decode_hint(message["data"])
                    _tell_documents(hints.documents)
                    if self._on_hint is not None:
                        await self._on_hint(hints)
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                if self.connected.is_set():
                    log.warning("Redis listener lost its connection: %s", exc)
                self.connected.clear()
                first = False
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                with contextlib.suppress(Exception):
                    await client.aclose()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self.max_backoff)


def make_broker(redis_url: str, channel: str) -> Broker:
    """Redis when a URL is configured, else the in-process broker."""
    if redis_url:
        return RedisBroker(redis_url, channel)
    return InProcessBroker()
