"""Fan-out of commit hints between app processes: in-process (embedded) or Redis pub/sub.

A hint only says "child X has events up to seq N". Subscribers always read the events
themselves from the database by cursor, so a hint that is lost (a crash right after the
commit, a Redis outage) costs latency, never an event: the hub's periodic re-check finds
what the hint would have announced.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

log = logging.getLogger("koordinat.events.broker")

# Called with (child id, seq) for every hint received, and with None after a reconnect
# (hints may have been missed while disconnected: check everything).
HintHandler = Callable[[list[tuple[uuid.UUID, int]] | None], Awaitable[None]]


def encode_hint(heads: Iterable[tuple[uuid.UUID, int]]) -> str:
    return ",".join(f"{child_id.hex}:{seq}" for child_id, seq in heads)


def decode_hint(raw: str | bytes) -> list[tuple[uuid.UUID, int]]:
    text = raw.decode() if isinstance(raw, bytes) else raw
    heads = []
    for part in text.split(","):
        child, _, seq = part.partition(":")
        try:
            heads.append((uuid.UUID(hex=child), int(seq)))
        except ValueError:
            log.warning("ignoring malformed hint %r", part[:80])
    return heads


class Broker(Protocol):
    async def start(self, on_hint: HintHandler) -> None: ...

    async def stop(self) -> None: ...

    async def publish(self, heads: list[tuple[uuid.UUID, int]]) -> None:
        """Best effort: never raises; a lost hint is covered by the periodic re-check."""
        ...


class InProcessBroker:
    """The embedded default: every subscriber lives in this process."""

    def __init__(self) -> None:
        self._on_hint: HintHandler | None = None

    async def start(self, on_hint: HintHandler) -> None:
        self._on_hint = on_hint

    async def stop(self) -> None:
        self._on_hint = None

    async def publish(self, heads: list[tuple[uuid.UUID, int]]) -> None:
        if self._on_hint is not None and heads:
            await self._on_hint(heads)


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

    async def publish(self, heads: list[tuple[uuid.UUID, int]]) -> None:
        if self._publisher is None or not heads:
            return
        try:
            async with asyncio.timeout(self.publish_timeout):
                await self._publisher.publish(self.channel, encode_hint(heads))
            if self._publish_failures:
                log.info("publishing hints to Redis again")
            self._publish_failures = 0
        except (RedisError, OSError, TimeoutError) as exc:
            # The commit stands; subscribers find the events on their next re-check.
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
                    if self._on_hint is not None:
                        await self._on_hint(None)
                first = False
                backoff = self.min_backoff
                while True:
                    message = await pubsub.get_message(timeout=5.0)
                    if message is None or message.get("type") != "message":
                        continue
                    if self._on_hint is not None:
                        await self._on_hint(decode_hint(message["data"]))
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
