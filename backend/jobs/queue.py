"""arq on Redis: the only module that knows arq, so the queue can be replaced.

Job payloads are msgpack (never pickle: a job in Redis must not be able to run code in the
worker). Jobs keep no result, so a job id can be queued again as soon as its run ends; the
database, not Redis, says whether a notification still needs sending.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import msgpack
from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.worker import Worker, func
from redis.exceptions import RedisError

from backend.core.database import utcnow
from backend.core.settings import Settings
from backend.jobs.base import DELIVER, QueueUnavailable, job_id

log = logging.getLogger("koordinat.jobs")

RECONNECT_SECONDS = 1.0


def serialize(value: Any) -> bytes:
    return bytes(msgpack.packb(value, use_bin_type=True))


def deserialize(data: bytes) -> Any:
    return msgpack.unpackb(data, raw=False)


class ArqQueue:
    """Enqueues deliveries into an arq queue on Redis."""

    def __init__(self, pool: ArqRedis, queue_name: str) -> None:
        self.pool = pool
        self.queue_name = queue_name

    @classmethod
    async def connect(cls, settings: Settings) -> ArqQueue:
        """Connect, waiting for Redis as long as it takes (a worker may start before it)."""
        redis_settings = RedisSettings.from_dsn(settings.redis_url)
        redis_settings.conn_retries = 0
        while True:
            try:
                pool = await create_pool(
                    redis_settings,
                    job_serializer=serialize,
                    job_deserializer=deserialize,
                    default_queue_name=settings.jobs_queue,
                )
            except (RedisError, OSError) as exc:
                log.warning("Redis is not reachable (%s); trying again", exc)
                await asyncio.sleep(RECONNECT_SECONDS)
                continue
            return cls(pool, settings.jobs_queue)

    async def enqueue_delivery(self, notification_id: uuid.UUID, at: dt.datetime) -> bool:
        try:
            job = await self.pool.enqueue_job(
                DELIVER,
                str(notification_id),
                _job_id=job_id(notification_id, at),
                _queue_name=self.queue_name,
                _defer_until=at if at > utcnow() else None,
            )
        except (RedisError, OSError) as exc:
            raise QueueUnavailable(str(exc)) from exc
        return job is not None

    async def close(self) -> None:
        await self.pool.aclose()


async def work(
    settings: Settings, queue: ArqQueue, deliver: Callable[[uuid.UUID], Awaitable[str]]
) -> None:
    """Run the arq worker until cancelled. A Redis outage stops it only until Redis is back:
    the worker is built again on the same (reconnecting) pool."""

    async def deliver_notification(ctx: dict[str, Any], notification_id: str) -> str:
        return await deliver(uuid.UUID(notification_id))

    function = func(
        deliver_notification,
        name=DELIVER,
        keep_result=0,
        # A send that outlives its lease may be claimed by another worker: stop it first.
        timeout=settings.jobs_lease_seconds,
    )
    while True:
        worker = Worker(
            [function],
            queue_name=settings.jobs_queue,
            redis_pool=queue.pool,
            handle_signals=False,
            keep_result=0,
            job_timeout=settings.jobs_lease_seconds,
            job_serializer=serialize,
            job_deserializer=deserialize,
            health_check_interval=60,
        )
        try:
            await worker.main()
        except asyncio.CancelledError:
            running = [task for task in worker.tasks.values() if not task.done()]
            if running:
                # Let sends in flight finish and be marked rather than leave them to the
                # lease; no job runs longer than the lease (the arq timeout).
                await asyncio.wait(running, timeout=settings.jobs_lease_seconds)
            raise
        except (RedisError, OSError) as exc:
            log.warning("arq worker lost Redis (%s); starting again", exc)
            await asyncio.sleep(RECONNECT_SECONDS)
