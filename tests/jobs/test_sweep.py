"""The sweep scales out: one pass queues everything that is due (not only a first batch),
the sweeps of several workers take disjoint rows, two `koordinat worker` processes share the
e-mails and send each exactly once, and digests that cannot be written hold back no reminder."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import uuid
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlmodel import col, select

from backend.core.database import Database, utcnow
from backend.jobs.queue import ArqQueue
from backend.jobs.runner import sweep
from backend.notify import jobs as notify_jobs
from backend.notify.models import DigestState, Notification
from backend.notify.service import schedule_reminder
from tests.conftest import Api, World, make_settings
from tests.helpers import register_child
from tests.jobs.support import (
    MailServer,
    WorkerProcess,
    notification,
    queued,
    set_email,
    wait_for,
    worker_env,
)

PIA = "pia.forelder@example.no"
SENT_LINE = re.compile(r"notification ([0-9a-f-]{36}) sent")


async def due_emails(db: Database, person_id: uuid.UUID, count: int, tag: str) -> list[uuid.UUID]:
    """`count` e-mail reminders due now, written in one transaction."""
    now = utcnow()
    rows = [
        Notification(
            recipient_person_id=person_id,
            kind="reminder",
            channel="email",
            payload={"ref": f"{tag}-{n}"},
            idempotency_key=f"reminder:{tag}-{n}:{person_id}:email",
            due_at=now,
            next_attempt_at=now,
        )
        for n in range(count)
    ]
    async with db.writing() as session:
        session.add_all(rows)
    return [row.id for row in rows]


async def test_one_pass_queues_all_that_is_due_and_two_sweeps_share_it(
    api: Api, world: World, redis_url: str, queue_name: str
) -> None:
    count = 2 * notify_jobs.SWEEP_BATCH + 100
    ids = await due_emails(api.aut.db, world.parent.id, count, "many")
    settings = make_settings(
        api.aut.settings.database_url, redis_url=redis_url, jobs_queue=queue_name
    )
    # Two workers: each its own database pool and Redis connection, sweeping at once.
    databases = [Database(settings.database_url) for _ in range(2)]
    queues = [await ArqQueue.connect(settings) for _ in range(2)]
    try:
        first = await asyncio.gather(
            *(sweep(d, settings, q) for d, q in zip(databases, queues, strict=True))
        )
        assert sum(first) == count
        assert queued(redis_url, queue_name) == count
        # Held while queued: the next passes of both take nothing.
        again = await asyncio.gather(
            *(sweep(d, settings, q) for d, q in zip(databases, queues, strict=True))
        )
        assert again == [0, 0]
    finally:
        for queue in queues:
            await queue.close()
        for database in databases:
            await database.dispose()
    async with api.aut.db.reading() as session:
        held = (
            await session.exec(
                select(Notification.id).where(col(Notification.queued_until).is_not(None))
            )
        ).all()
    assert set(held) == set(ids)


@pytest.mark.slow
@pytest.mark.postgres
async def test_two_worker_processes_share_the_e_mails_and_send_each_once(
    api: Api, world: World, mail: MailServer, redis_url: str, queue_name: str, tmp_path: Path
) -> None:
    # Workers scale out on PostgreSQL (the test is marked PostgreSQL only).
    assert api.aut.backend == "postgresql"
    db = api.aut.db
    await set_email(db, world.parent.id, PIA)
    count = 40
    ids = await due_emails(db, world.parent.id, count, "shared")
    # A slow server keeps each worker's ten job slots busy, so neither can take them all.
    mail.handler.reply_delay = 0.3
    env = worker_env(api.aut.settings.database_url, redis_url, queue_name, mail)
    workers = [WorkerProcess(env, tmp_path / f"worker-{n}.log") for n in range(2)]
    try:

        async def all_sent_and_drained() -> bool:
            rows = [await notification(db, row_id) for row_id in ids]
            return all(r.status == "sent" for r in rows) and queued(redis_url, queue_name) == 0

        await wait_for(all_sent_and_drained, "every e-mail to be sent", 120)
    finally:
        codes = [worker.stop() for worker in workers]
    assert codes == [0, 0], [w.output() for w in workers]
    received = mail.to(PIA)
    assert len(received) == count
    assert len({str(m["Message-ID"]) for m in received}) == count
    assert mail.attempts_to(PIA) == count
    for row_id in ids:
        assert (await notification(db, row_id)).attempts == 1
    sent_by = [set(SENT_LINE.findall(worker.output())) for worker in workers]
    assert all(sent_by), "one worker did all the work"
    assert not sent_by[0] & sent_by[1]
    assert sent_by[0] | sent_by[1] == {str(row_id) for row_id in ids}


@pytest.mark.slow
@pytest.mark.postgres
async def test_due_reminders_go_out_while_the_digests_cannot_be_written(
    api: Api, world: World, mail: MailServer, redis_url: str, queue_name: str, tmp_path: Path
) -> None:
    """Digests are due for the coordinators, and their table is locked: writing them waits
    as long as the lock is held. A reminder due meanwhile is sent all the same."""
    # Locks a PostgreSQL table (the test is marked PostgreSQL only).
    assert api.aut.backend == "postgresql"
    db = api.aut.db
    await set_email(db, world.parent.id, PIA)
    for coordinator in (world.coordinator, world.coordinator2):
        await register_child(api, coordinator, nationalId=None)
    url = make_url(api.aut.settings.database_url)
    admin = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, database=url.database
    )
    lock = admin.transaction()
    await lock.start()
    locked = True
    await admin.execute("LOCK TABLE notification_digest_state IN ACCESS EXCLUSIVE MODE")
    env = worker_env(api.aut.settings.database_url, redis_url, queue_name, mail)
    worker = WorkerProcess(env, tmp_path / "worker.log")
    try:
        async with db.writing() as session:
            rows = await schedule_reminder(
                session,
                world.parent.id,
                None,
                "reminder",
                utcnow() + dt.timedelta(seconds=1),
                {"ref": "while-digests"},
                key="while-digests",
            )
        reminder = next(r.id for r in rows if r.channel == "email")

        async def reminded() -> bool:
            return (await notification(db, reminder)).status == "sent"

        await wait_for(reminded, "the reminder, while the digests wait", 30)
        # The digests were waiting all along; once the lock goes they are written.
        await lock.commit()
        locked = False

        async def digests_written() -> bool:
            async with db.reading() as session:
                states = (await session.exec(select(DigestState.person_id))).all()
            return {world.coordinator.id, world.coordinator2.id} <= set(states)

        await wait_for(digests_written, "the digests after the lock", 30)
    finally:
        if locked:
            await lock.rollback()
        await admin.close()
        assert worker.stop() == 0, worker.output()
    assert len(mail.to(PIA)) == 1
