"""When jobs run: the sweep, the in-process runner and the `koordinat worker` process.

Jobs come from the database. Every `jobs_sweep_seconds` the sweep writes the daily digests
that are due and (re-)enqueues every notification that is due, or about to be, and not sent.
A queue that lost its jobs (Redis restarted empty) is therefore rebuilt at the next sweep,
and enqueueing the same job twice is harmless: the job id is derived from the row and its
time, and the delivery claims the row before it sends.

With Redis (production) the sweep and the arq worker run in `koordinat worker` processes;
the app enqueues nothing. Without Redis (embedded default) the app runs the same sweep and
the same job functions in process.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
import uuid
from collections.abc import Awaitable, Callable

from backend.core.database import Database, utcnow
from backend.core.settings import Settings
from backend.jobs.base import Queue, QueueUnavailable, job_id
from backend.notify import jobs as notify_jobs

log = logging.getLogger("koordinat.jobs")

# Sends running at once in the in-process runner.
IN_PROCESS_CONCURRENCY = 4


async def sweep(
    db: Database, settings: Settings, queue: Queue, now: dt.datetime | None = None
) -> int:
    """One pass: due digests, then enqueue what is due before the next pass. Returns how
    many jobs were newly queued."""
    now = now or utcnow()
    await notify_jobs.write_due_digests(db, settings, now)
    # Look one interval ahead so a reminder goes out at its time, not at the next pass.
    horizon = now + dt.timedelta(seconds=settings.jobs_sweep_seconds)
    queued = 0
    for notification_id, at in await notify_jobs.due(db, horizon):
        if await queue.enqueue_delivery(notification_id, at):
            queued += 1
    return queued


async def sweep_forever(db: Database, settings: Settings, queue: Queue) -> None:
    while True:
        try:
            await sweep(db, settings, queue)
        except asyncio.CancelledError:
            raise
        except QueueUnavailable as exc:
            # Redis is down: the rows wait in the database; the next pass queues them.
            log.warning(
                "queue unavailable (%s); sweeping again in %ss", exc, settings.jobs_sweep_seconds
            )
        except Exception:
            # A database outage, say: the next pass tries again and loses nothing.
            log.exception("sweep failed; trying again in %ss", settings.jobs_sweep_seconds)
        await asyncio.sleep(settings.jobs_sweep_seconds)


class InProcessQueue:
    """Runs each delivery in a task at its time; the same job id is queued once."""

    def __init__(self, run: Callable[[uuid.UUID], Awaitable[str]]) -> None:
        self._run = run
        self._scheduled: dict[str, asyncio.Task[None]] = {}
        self._slots = asyncio.Semaphore(IN_PROCESS_CONCURRENCY)

    async def enqueue_delivery(self, notification_id: uuid.UUID, at: dt.datetime) -> bool:
        key = job_id(notification_id, at)
        if key in self._scheduled:
            return False
        task = asyncio.create_task(self._run_at(notification_id, at))
        self._scheduled[key] = task
        task.add_done_callback(lambda _: self._scheduled.pop(key, None))
        return True

    async def _run_at(self, notification_id: uuid.UUID, at: dt.datetime) -> None:
        delay = (at - utcnow()).total_seconds()
        if delay > 0:
            await asyncio.sleep(delay)
        async with self._slots:
            try:
                await self._run(notification_id)
            except Exception:
                log.exception("delivery of notification %s failed", notification_id)

    async def close(self) -> None:
        tasks = list(self._scheduled.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class InProcessRunner:
    """The embedded default's job runner, started and stopped with the app."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.queue = InProcessQueue(lambda nid: notify_jobs.deliver(db, settings, nid))
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(sweep_forever(self.db, self.settings, self.queue))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.queue.close()


async def run_worker(settings: Settings) -> None:
    """`koordinat worker`: the sweep plus the arq worker, until SIGINT or SIGTERM."""
    from backend.jobs.queue import ArqQueue, work

    if not settings.redis_url:
        raise SystemExit(
            "KOORDINAT_REDIS_URL is not set: without Redis the app runs jobs in process"
        )
    main = asyncio.current_task()
    assert main is not None
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, main.cancel)
    db = Database(settings.database_url, echo=settings.sql_echo)
    queue: ArqQueue | None = None
    try:
        queue = await ArqQueue.connect(settings)
        log.info("worker started on queue %s", settings.jobs_queue)
        await asyncio.gather(
            sweep_forever(db, settings, queue),
            work(settings, queue, lambda nid: notify_jobs.deliver(db, settings, nid)),
        )
    except asyncio.CancelledError:
        log.info("worker stopping")
    finally:
        if queue is not None:
            await queue.close()
        await db.dispose()
