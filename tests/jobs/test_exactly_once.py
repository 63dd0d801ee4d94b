"""An e-mail the SMTP server accepted is sent exactly once: a worker stopped with SIGTERM in
the middle of a send finishes and records it, a database that drops the connection while the
send is being recorded is asked again, and every attempt at one delivery carries the same
opaque Message-ID so that a receiver can drop a copy."""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import uuid
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from backend.core.database import utcnow
from backend.notify import jobs as notify_jobs
from backend.notify.service import schedule_reminder
from tests.conftest import Api, World, make_settings
from tests.helpers import add_member, register_child
from tests.jobs.support import (
    MailServer,
    WorkerProcess,
    notification,
    notifications,
    queued,
    set_email,
    smtp_settings,
    wait_for,
    worker_env,
)

PIA = "pia.forelder@example.no"
TINA = "tina.laerer@skole.testvik.no"


async def remind(api: Api, person_id: uuid.UUID, due: dt.datetime, key: str) -> uuid.UUID:
    async with api.aut.db.writing() as session:
        rows = await schedule_reminder(
            session, person_id, None, "reminder", due, {"ref": key}, key=key
        )
    return next(r.id for r in rows if r.channel == "email")


@pytest.mark.slow
async def test_sigterm_in_the_middle_of_a_send_finishes_it_and_marks_it_sent(
    api: Api,
    world: World,
    mail: MailServer,
    redis_url: str,
    queue_name: str,
    tmp_path: Path,
) -> None:
    db = api.aut.db
    await set_email(db, world.parent.id, PIA)
    reminder = await remind(api, world.parent.id, utcnow(), "sigterm-mid-send")
    env = worker_env(api.aut.settings.database_url, redis_url, queue_name, mail)
    mail.handler.hold_next = True  # the server sits on the message until the worker is told

    first = WorkerProcess(env, tmp_path / "worker-1.log")
    try:
        assert await asyncio.to_thread(mail.handler.holding.wait, 60), first.output()
        first.process.send_signal(signal.SIGTERM)

        async def stopping() -> bool:
            return "worker stopping" in first.output()

        await wait_for(stopping, "the worker to take the signal", 30)
    finally:
        # The server answers 250 only now, after the worker was asked to stop.
        mail.handler.release.set()
        try:
            code = await asyncio.to_thread(first.process.wait, 60)
        finally:
            first.stop()
    assert code == 0, first.output()
    assert not mail.handler.dropped.is_set(), "the worker dropped the send in flight"
    assert len(mail.to(PIA)) == 1
    row = await notification(db, reminder)
    assert (row.status, row.attempts) == ("sent", 1), first.output()
    assert row.receipt is not None and row.receipt.startswith("250 ")

    # A new worker, past the lease of that attempt: nothing is sent again.
    second = WorkerProcess(env, tmp_path / "worker-2.log")
    try:
        lease_over = row.last_attempt_at + dt.timedelta(seconds=4)  # lease 3 s, sweep 0.3 s
        assert row.last_attempt_at is not None

        async def started_and_past_the_lease() -> bool:
            return (
                "worker started" in second.output()
                and utcnow() > lease_over
                and queued(redis_url, queue_name) == 0
            )

        await wait_for(started_and_past_the_lease, "the new worker, past the lease", 60)
        await asyncio.sleep(1)  # a few sweeps of the new worker
    finally:
        assert second.stop() == 0, second.output()
    assert len(mail.to(PIA)) == 1
    assert mail.attempts_to(PIA) == 1
    assert (await notification(db, reminder)).attempts == 1


@pytest.mark.postgres
async def test_a_database_blip_after_the_250_does_not_send_again(
    api: Api, world: World, mail: MailServer
) -> None:
    """PostgreSQL ends the connection (pg_terminate_backend) while the send is being
    recorded; the worker records it on a new connection instead of leaving it to the lease."""
    # Terminates a PostgreSQL backend (the test is marked PostgreSQL only).
    assert api.aut.backend == "postgresql"
    db = api.aut.db
    settings = make_settings(
        api.aut.settings.database_url, jobs_lease_seconds=30, **smtp_settings(mail)
    )
    await set_email(db, world.parent.id, PIA)
    reminder = await remind(api, world.parent.id, utcnow(), "blip-after-250")
    url = make_url(api.aut.settings.database_url)
    admin = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, database=url.database
    )
    mail.handler.hold_next = True
    delivery = asyncio.create_task(notify_jobs.deliver(db, settings, reminder))
    try:
        assert await asyncio.to_thread(mail.handler.holding.wait, 30)
        # Hold the row so that recording the send waits, then let the server say 250.
        blocker = admin.transaction()
        await blocker.start()
        await admin.execute("SELECT 1 FROM notification WHERE id = $1 FOR UPDATE", reminder)
        mail.handler.release.set()

        async def marking() -> int | None:
            # The backend waiting for our lock: the worker's, recording the send.
            return await admin.fetchval(
                "SELECT pid FROM pg_stat_activity"
                " WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))"
            )

        pid = await wait_for(marking, "the worker to record the send")
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
        await blocker.commit()
        outcome = await asyncio.wait_for(delivery, 30)
    finally:
        mail.handler.release.set()
        if not delivery.done():
            delivery.cancel()
        await admin.close()
    assert outcome == "sent"
    row = await notification(db, reminder)
    assert (row.status, row.attempts) == ("sent", 1)
    assert row.receipt is not None and row.receipt.startswith("250 2.0.0 Ok: queued as")
    # Past the lease it is not taken again.
    assert await notify_jobs.deliver(db, settings, reminder) == "skipped"
    assert len(mail.to(PIA)) == 1


async def test_every_attempt_at_a_delivery_carries_the_same_opaque_message_id(
    api: Api, world: World, mail: MailServer
) -> None:
    db = api.aut.db
    settings = make_settings(
        api.aut.settings.database_url,
        notify_retry_base_seconds=0.1,
        notify_retry_max_seconds=0.2,
        **smtp_settings(mail),
    )
    await set_email(db, world.teacher.id, TINA)
    child = await register_child(api, world.coordinator)
    await add_member(
        api, world.coordinator, child["id"], role="MEMBER", personId=str(world.teacher.id)
    )
    (row,) = await notifications(db, recipient_person_id=world.teacher.id, channel="email")
    assert row.event_id is not None

    mail.handler.reject = "451 4.3.0 Mailbox busy, try again later"
    assert await notify_jobs.deliver(db, settings, row.id) == "failed"
    mail.handler.reject = None

    async def sent() -> bool:
        return await notify_jobs.deliver(db, settings, row.id) == "sent"

    await wait_for(sent, "the retry to be sent", 30)
    first, retry = mail.handler.offered
    assert first["Message-ID"] == retry["Message-ID"]
    (accepted,) = mail.to(TINA)
    assert accepted["Message-ID"] == first["Message-ID"]

    message_id = str(first["Message-ID"]).lower()
    assert message_id.startswith("<") and message_id.endswith("@testvik.kommune.no>")
    for secret in (row.event_id, world.teacher.id, uuid.UUID(child["id"]), row.id):
        assert str(secret) not in message_id and secret.hex not in message_id, secret
    assert row.idempotency_key.lower() not in message_id

    # Another delivery, to the same person, gets another id.
    other = await remind(api, world.teacher.id, utcnow(), "another")
    assert await notify_jobs.deliver(db, settings, other) == "sent"
    assert mail.to(TINA)[-1]["Message-ID"] != first["Message-ID"]
