"""When jobs run: the sweep, the digests, the in-process runner and the `koordinat worker`
process.

Jobs come from the database. Every `jobs_sweep_seconds` the sweep (re-)enqueues every
notification that is due, or about to be, and not sent. It takes the rows it queues for a
while (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so the sweeps of several workers share the
rows instead of all queueing the same ones; once that hold runs out a row still not
delivered is queued again, so a queue that lost its jobs (Redis restarted empty) is rebuilt.
Enqueueing the same job twice is harmless: the job id is derived from the row and its time,
and the delivery claims the row before it sends.

The domains' daily jobs (`Domain.daily_jobs`: the plan's overdue reminders) run in a loop
of their own too, once a day per process; they are idempotent.

The daily digests are written by a loop of their own: however long they take, due
reminders are queued meanwhile; a digest row is queued by the next sweep.

With Redis (production) the sweep, the digests and the arq worker run in `koordinat worker`
processes; the app enqueues nothing. Without Redis (embedded default) the app runs the same
loops and the same job functions in process.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
import uuid
from collections.abc import Awaitable, Callable

from backend import domains
from backend.core.clock import today
from backend.core.database import Database, utcnow
from backend.core.settings import Settings
from backend.events import registry
from backend.jobs.base import Queue, QueueUnavailable, job_id
from backend.notify import jobs as notify_jobs

log = logging.getLogger("koordinat.jobs")

# Sends running at once in the in-process runner.
IN_PROCESS_CONCURRENCY = 4

# How many sweep intervals past its time a queued row is left to its job.
HOLD_PASSES = 3


# Batches one sweep pass takes at most; the rest waits for the next pass.
SWEEP_MAX_BATCHES = 20


async def sweep(
    db: Database, settings: Settings, queue: Queue, now: dt.datetime | None = None
) -> int:
    """One pass: take what is due before the next pass and that no other sweep holds, and
    enqueue it. Returns how many jobs were newly queued."""
    now = now or utcnow()
    # Look one interval ahead so a reminder goes out at its time, not at the next pass.
    horizon = now + dt.timedelta(seconds=settings.jobs_sweep_seconds)
    # Held for a few passes past its time: long enough that other sweeps skip it while it
    # waits in the queue, short enough that a lost queue is rebuilt soon.
    hold_until = horizon + dt.timedelta(seconds=HOLD_PASSES * settings.jobs_sweep_seconds)
    queued = 0
    for _ in range(SWEEP_MAX_BATCHES):
        taken = await notify_jobs.take_due(db, horizon, hold_until)
        for index, (notification_id, at) in enumerate(taken):
            try:
                if await queue.enqueue_delivery(notification_id, at):
                    queued += 1
            except QueueUnavailable:
                # Best effort: what was not queued is due again at the next pass.
                with contextlib.suppress(Exception):
                    await notify_jobs.release(db, [nid for nid, _ in taken[index:]])
                raise
        if len(taken) < notify_jobs.SWEEP_BATCH:
            break
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


async def digests_forever(db: Database, settings: Settings) -> None:
    """Write the digests that are due, apart from the sweep: many coordinators (or one
    slow digest) never hold back a reminder that is due."""
    while True:
        try:
            await notify_jobs.write_due_digests(db, settings)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("digests failed; trying again in %ss", settings.jobs_sweep_seconds)
        await asyncio.sleep(settings.jobs_sweep_seconds)


async def daily_jobs_forever(db: Database, settings: Settings) -> None:
    """The domains' daily jobs (`Domain.daily_jobs`, e.g. the plan's overdue reminders): each
    once per day (Oslo time) from when the process starts; a failed run is tried again at the
    next pass. They are safe to run again, so several workers may run them."""
    done: dict[int, dt.date] = {}
    while True:
        day = today()
        for index, job in enumerate(registry.daily_jobs()):
            if done.get(index) == day:
                continue
            try:
                await job(db, day)
                done[index] = day
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("daily job failed; trying again in %ss", settings.jobs_sweep_seconds)
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
        domains.install()
        self.db = db
        self.settings = settings
        self.queue = InProcessQueue(lambda nid: notify_jobs.deliver(db, settings, nid))
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(sweep_forever(self.db, self.settings, self.queue)),
            asyncio.create_task(digests_forever(self.db, self.settings)),
            asyncio.create_task(daily_jobs_forever(self.db, self.settings)),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.queue.close()


async def run_worker(settings: Settings) -> None:
    """`koordinat worker`: the sweep, the digests and the arq worker, until SIGINT or SIGTERM.

    On a signal it stops taking jobs, lets the sends in flight finish and record their
    receipt (up to the lease), and only then closes Redis and the database."""
    from backend.jobs.queue import ArqQueue, work

    domains.install()  # the digests record changes: tables and listeners must be there
    if not settings.redis_url:
        raise SystemExit(
            "KOORDINAT_REDIS_URL is not set: without Redis the app runs jobs in process"
        )
    main = asyncio.current_task()
    assert main is not None
    loop = asyncio.get_running_loop()
    stopping: list[bool] = []

    def stop() -> None:
        if stopping:
            # A second signal does not cut the sends short: SIGKILL does (and the lease
            # covers that).
            log.info("worker already stopping")
            return
        stopping.append(True)
        log.info("worker stopping: sends in flight finish first")
        main.cancel()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop)
    db = Database(settings.database_url, echo=settings.sql_echo)
    queue: ArqQueue | None = None
    try:
        queue = await ArqQueue.connect(settings)
        log.info("worker started on queue %s", settings.jobs_queue)
        # return_exceptions: the gather ends when every part has ended, so a cancelled sweep
        # does not end it while `work` still waits for a send in flight to be marked.
        await asyncio.gather(
            sweep_forever(db, settings, queue),
            digests_forever(db, settings),
            daily_jobs_forever(db, settings),
            work(settings, queue, lambda nid: notify_jobs.deliver(db, settings, nid)),
            return_exceptions=True,
        )
    except asyncio.CancelledError:
        log.info("worker stopped")
    finally:
        if queue is not None:
            await queue.close()
        await db.dispose()
