"""`koordinat worker` processes against real Redis and a real SMTP server: a worker killed
in the middle of a send, and a Redis that stops and comes back empty, lose no reminder and
send none twice."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import uuid
from pathlib import Path

import pytest

from backend.core.database import utcnow
from backend.notify.service import schedule_reminder
from tests.conftest import Api, World
from tests.jobs.support import (
    KOORDINAT,
    MailServer,
    PrivateRedis,
    WorkerProcess,
    notification,
    queued,
    set_email,
    wait_for,
    worker_env,
)

pytestmark = pytest.mark.slow

PIA = "pia.forelder@example.no"


async def remind(api: Api, person_id: uuid.UUID, due: dt.datetime, key: str) -> uuid.UUID:
    async with api.aut.db.writing() as session:
        rows = await schedule_reminder(
            session, person_id, None, "reminder", due, {"ref": key}, key=key
        )
    return next(r.id for r in rows if r.channel == "email")


def message_ids(mail: MailServer, address: str) -> list[str]:
    return [str(m["Message-ID"]) for m in mail.to(address)]


async def test_a_worker_killed_in_the_middle_of_a_send_sends_once_after_restart(
    api: Api,
    world: World,
    mail: MailServer,
    redis_url: str,
    queue_name: str,
    tmp_path: Path,
) -> None:
    db = api.aut.db
    await set_email(db, world.parent.id, PIA)
    reminder = await remind(api, world.parent.id, utcnow(), "killed-mid-send")
    env = worker_env(api.aut.settings.database_url, redis_url, queue_name, mail)
    mail.handler.hold_next = True  # the server will sit on the message until told

    first = WorkerProcess(env, tmp_path / "worker-1.log")
    try:
        held = await asyncio.to_thread(mail.handler.holding.wait, 60)
        assert held, first.output()
        first.kill()
    finally:
        first.stop()
    # The connection died before the server said 250: nothing was delivered.
    assert await asyncio.to_thread(mail.handler.dropped.wait, 30)
    assert mail.to(PIA) == []
    row = await notification(db, reminder)
    assert (row.status, row.attempts) == ("pending", 1)  # claimed, lease running

    second = WorkerProcess(env, tmp_path / "worker-2.log")
    try:

        async def sent_and_drained() -> bool:
            # Sent, and every job for it (also the killed worker's, once arq lets it run
            # again) has run to the end.
            current = await notification(db, reminder)
            return current.status == "sent" and queued(redis_url, queue_name) == 0

        await wait_for(sent_and_drained, "the reminder to be sent after the restart", 90)
    finally:
        assert second.stop() == 0, second.output()
    assert len(mail.to(PIA)) == 1
    row = await notification(db, reminder)
    assert row.attempts == 2
    assert row.receipt is not None and row.receipt.startswith("250 ")


async def test_redis_stopped_and_started_empty_loses_no_reminder(
    api: Api,
    world: World,
    mail: MailServer,
    private_redis: PrivateRedis,
    queue_name: str,
    tmp_path: Path,
) -> None:
    db = api.aut.db
    await set_email(db, world.parent.id, PIA)
    env = worker_env(
        api.aut.settings.database_url,
        private_redis.url,
        queue_name,
        mail,
        jobs_sweep_seconds=1.0,
    )
    worker = WorkerProcess(env, tmp_path / "worker.log")
    try:
        # It works before the outage.
        before = await remind(api, world.parent.id, utcnow(), "before-outage")

        async def sent_before() -> bool:
            return (await notification(db, before)).status == "sent"

        await wait_for(sent_before, "the first reminder")

        # Reminders due in the coming gap; the sweep queues the first ones in Redis ahead
        # of their time, and Redis then loses them.
        start = utcnow()
        in_gap = [
            await remind(api, world.parent.id, start + dt.timedelta(seconds=s), f"gap-{s}")
            for s in (1, 2, 3)
        ]

        async def some_queued() -> bool:
            return queued(private_redis.url, queue_name) > 0

        await wait_for(some_queued, "the sweep to queue a reminder ahead of its time")
        private_redis.stop()

        # Changes still commit without Redis, also one due in the gap.
        in_gap.append(await remind(api, world.parent.id, utcnow(), "written-during-outage"))
        last_due = start + dt.timedelta(seconds=3)
        while utcnow() < last_due + dt.timedelta(seconds=1):
            await asyncio.sleep(0.2)

        private_redis.start()  # empty: --save "" and no append-only file
        assert queued(private_redis.url, queue_name) == 0

        async def all_sent_and_drained() -> bool:
            rows = [await notification(db, r) for r in in_gap]
            return (
                all(r.status == "sent" for r in rows) and queued(private_redis.url, queue_name) == 0
            )

        await wait_for(all_sent_and_drained, "every reminder of the gap to be sent", 90)
    finally:
        assert worker.stop() == 0, worker.output()
    ids = message_ids(mail, PIA)
    assert len(ids) == 1 + len(in_gap)
    assert len(set(ids)) == len(ids), "a reminder was sent twice"
    for reminder in in_gap:
        row = await notification(db, reminder)
        assert row.receipt is not None and row.receipt.startswith("250 ")


def test_the_worker_needs_redis(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOORDINAT_")}
    env["KOORDINAT_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'unused.sqlite3'}"
    done = subprocess.run(
        [str(KOORDINAT), "worker"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "KOORDINAT_REDIS_URL is not set" in done.stderr
