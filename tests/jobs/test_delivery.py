"""Delivering notifications: once per row however often a job runs, retries with backoff,
dead letters an administrator can resend, and the in-process runner of the embedded default."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import uuid

from sqlmodel import select

from backend.api.operations import document
from backend.app import create_app
from backend.audit.models import AuditEntry
from backend.core.database import utcnow
from backend.jobs.base import DELIVER, job_id
from backend.jobs.queue import ArqQueue, work
from backend.jobs.runner import InProcessRunner, sweep
from backend.notify import jobs as notify_jobs
from backend.notify.service import (
    DeliveryError,
    DeliveryFailure,
    backoff,
    delivery_error,
    schedule_reminder,
)
from tests.conftest import Api, World, make_settings
from tests.helpers import add_member, codes, register_child
from tests.jobs.support import (
    MailServer,
    notification,
    notifications,
    queued,
    set_email,
    smtp_settings,
    wait_for,
)

PIA = "pia.forelder@example.no"
TINA = "tina.laerer@skole.testvik.no"


async def remind(api: Api, person_id: uuid.UUID, due: dt.datetime, key: str) -> uuid.UUID:
    """Schedule a reminder; returns the id of its e-mail row."""
    async with api.aut.db.writing() as session:
        rows = await schedule_reminder(
            session, person_id, None, "reminder", due, {"ref": key}, key=key
        )
    return next(r.id for r in rows if r.channel == "email")


async def test_a_job_that_runs_twice_sends_once(
    api: Api, world: World, mail: MailServer, redis_url: str, queue_name: str
) -> None:
    db = api.aut.db
    settings = make_settings(
        api.aut.settings.database_url,
        redis_url=redis_url,
        jobs_queue=queue_name,
        **smtp_settings(mail),
    )
    await set_email(db, world.parent.id, PIA)

    # Two runs of the same job at once, then a third one late.
    first = await remind(api, world.parent.id, utcnow(), "twice-direct")
    outcomes = await asyncio.gather(
        notify_jobs.deliver(db, settings, first), notify_jobs.deliver(db, settings, first)
    )
    assert sorted(outcomes) == ["sent", "skipped"]
    assert await notify_jobs.deliver(db, settings, first) == "skipped"
    row = await notification(db, first)
    assert (row.status, row.attempts) == ("sent", 1)
    assert row.receipt is not None and row.receipt.startswith("250 2.0.0 Ok: queued as")
    assert len(mail.to(PIA)) == 1

    # Scheduling the same reminder again writes nothing new.
    async with db.writing() as session:
        again = await schedule_reminder(
            session, world.parent.id, None, "reminder", utcnow(), {}, key="twice-direct"
        )
    assert again == []

    # Through arq: the derived job id is queued once; a stray duplicate job still sends once.
    second = await remind(api, world.parent.id, utcnow(), "twice-arq")
    due_at = (await notification(db, second)).next_attempt_at
    queue = await ArqQueue.connect(settings)
    worker: asyncio.Task[None] | None = None
    try:
        assert await queue.enqueue_delivery(second, due_at) is True
        assert await queue.enqueue_delivery(second, due_at) is False
        assert await sweep(db, settings, queue) == 0  # the sweep finds it already queued
        stray = await queue.pool.enqueue_job(
            DELIVER, str(second), _job_id=f"stray:{second}", _queue_name=queue_name
        )
        assert stray is not None
        assert queued(redis_url, queue_name) == 2
        worker = asyncio.create_task(
            work(settings, queue, lambda nid: notify_jobs.deliver(db, settings, nid))
        )

        async def drained() -> bool:
            return (await notification(db, second)).status == "sent" and queued(
                redis_url, queue_name
            ) == 0

        await wait_for(drained, "the arq jobs to run")
    finally:
        if worker is not None:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        await queue.close()
    assert len(mail.to(PIA)) == 2
    assert (await notification(db, second)).attempts == 1
    assert job_id(second, due_at) == f"notification:{second}:{int(due_at.timestamp() * 1000)}"


def test_backoff_doubles_up_to_the_cap() -> None:
    settings = make_settings(
        "sqlite+aiosqlite:///unused.sqlite3",
        notify_retry_base_seconds=60,
        notify_retry_max_seconds=1000,
    )
    assert [backoff(settings, n).total_seconds() for n in range(1, 7)] == [
        60,
        120,
        240,
        480,
        960,
        1000,
    ]


async def test_retries_with_backoff_then_dead_letter_then_resend(
    api: Api, world: World, mail: MailServer
) -> None:
    db = api.aut.db
    settings = make_settings(
        api.aut.settings.database_url,
        jobs_sweep_seconds=0.2,
        notify_retry_base_seconds=1,
        notify_retry_max_seconds=1.5,
        notify_max_attempts=3,
        **smtp_settings(mail),
    )
    mail.handler.reject = "451 4.3.0 Mailbox busy, try again later"
    await set_email(db, world.teacher.id, TINA)
    child = await register_child(api, world.coordinator)
    await add_member(
        api, world.coordinator, child["id"], role="MEMBER", personId=str(world.teacher.id)
    )
    (row,) = await notifications(db, recipient_person_id=world.teacher.id, channel="email")

    runner = InProcessRunner(db, settings)
    runner.start()
    try:
        failures: dict[int, dt.timedelta] = {}

        async def dead() -> bool:
            current = await notification(db, row.id)
            if current.status == "failed" and current.last_attempt_at is not None:
                wait = current.next_attempt_at - current.last_attempt_at
                # A claimed row (an attempt in flight) waits for its lease, not a backoff.
                if wait != dt.timedelta(seconds=settings.jobs_lease_seconds):
                    failures[current.attempts] = wait
            return current.status == "dead"

        await wait_for(dead, "the notification to reach the dead letters", timeout=60)
        final = await notification(db, row.id)
        assert final.attempts == 3
        assert final.last_error == "451 4.3.0 Mailbox busy, try again later"
        assert final.sent_at is None
        # Each retry waited at least its backoff, and the second longer than the first.
        assert sorted(failures) == [1, 2]
        assert failures[1] >= dt.timedelta(seconds=1)
        assert failures[2] >= dt.timedelta(seconds=1.5)
        assert mail.attempts_to(TINA) == 3
        assert mail.to(TINA) == []

        # Only an administrator (staff of the coordinating unit) sees and resends it.
        dead_query = document("DeadNotifications")
        resend = document("ResendNotification")
        outsider = await api.gql(dead_query, as_=world.teacher)
        assert outsider["deadNotifications"]["edges"] == []
        refused = await api.gql(resend, {"input": {"id": str(row.id)}}, as_=world.teacher)
        assert codes(refused["resendNotification"]) == [("NOT_ALLOWED", None)]

        listed = await api.gql(dead_query, as_=world.coordinator)
        (edge,) = listed["deadNotifications"]["edges"]
        assert edge["node"]["id"] == str(row.id)
        assert (edge["node"]["kind"], edge["node"]["channel"]) == ("network.welcome", "EMAIL")
        assert edge["node"]["attempts"] == 3
        # The status codes only: the server's words stay in the row, for the operators.
        assert edge["node"]["lastError"] == {
            "failure": "DEFERRED",
            "smtpCode": 451,
            "enhancedStatus": "4.3.0",
        }

        mail.handler.reject = None
        done = await api.gql(resend, {"input": {"id": str(row.id)}}, as_=world.coordinator)
        assert done["resendNotification"]["errors"] == []
        assert done["resendNotification"]["delivery"]["status"] == "PENDING"
        again = await api.gql(resend, {"input": {"id": str(row.id)}}, as_=world.coordinator)
        # No longer a dead letter: answered as an id that exists nowhere.
        assert codes(again["resendNotification"]) == [("NOT_FOUND", "id")]

        async def sent() -> bool:
            return (await notification(db, row.id)).status == "sent"

        await wait_for(sent, "the resent notification to be delivered")
    finally:
        await runner.stop()
    delivered = await notification(db, row.id)
    assert delivered.receipt is not None and delivered.receipt.startswith("250 ")
    (message,) = mail.to(TINA)
    assert message["Subject"] == "Velkommen til et barns nettverk i Koordinat"
    assert "med rollen: medlem" in message.get_content()
    assert (await api.gql(document("DeadNotifications"), as_=world.coordinator))[
        "deadNotifications"
    ]["edges"] == []
    async with db.reading() as session:
        audit = (
            await session.exec(select(AuditEntry).where(AuditEntry.action == "notification.resent"))
        ).all()
    assert [(a.entity_id, a.actor_person_id) for a in audit] == [(row.id, world.coordinator.id)]


async def test_a_permanent_refusal_goes_straight_to_the_dead_letters(
    api: Api, world: World, mail: MailServer
) -> None:
    db = api.aut.db
    settings = make_settings(api.aut.settings.database_url, **smtp_settings(mail))
    mail.handler.reject = "550 5.1.1 No such user"
    await set_email(db, world.parent.id, PIA)
    refused = await remind(api, world.parent.id, utcnow(), "permanent")
    assert await notify_jobs.deliver(db, settings, refused) == "dead"
    row = await notification(db, refused)
    assert (row.status, row.attempts, row.last_error) == ("dead", 1, "550 5.1.1 No such user")

    # An address removed after the notification was written: nothing to retry either.
    later = await remind(api, world.parent.id, utcnow(), "no-address")
    await set_email(db, world.parent.id, "")
    assert await notify_jobs.deliver(db, settings, later) == "dead"
    assert (await notification(db, later)).last_error == "no e-mail address"


HIDDEN = "skjult@example.no"


async def test_dead_letters_tell_an_administrator_nothing_about_recipient_or_child(
    api: Api, world: World, mail: MailServer
) -> None:
    """A parent at a protected address whose e-mail bounces: the coordinating unit's staff
    see that a welcome could not be sent and can resend it, but not to whom, about which
    child, or the address the mail server quoted back."""
    db = api.aut.db
    settings = make_settings(api.aut.settings.database_url, **smtp_settings(mail))
    mail.handler.reject = f"550 5.1.1 <{HIDDEN}>: Recipient address rejected: User unknown"
    await set_email(db, world.parent.id, HIDDEN)
    child = await register_child(api, world.coordinator)
    await add_member(
        api,
        world.coordinator,
        child["id"],
        role="GUARDIAN",
        personId=str(world.parent.id),
        name=world.parent.name,
        hasParentalResponsibility=True,
    )
    (row,) = await notifications(db, recipient_person_id=world.parent.id, channel="email")
    assert await notify_jobs.deliver(db, settings, row.id) == "dead"
    stored = await notification(db, row.id)
    # The full error is kept for the operators' logs.
    assert stored.last_error is not None and HIDDEN in stored.last_error

    # Kåre is staff of the coordinating unit but not in this child's network.
    admin = world.coordinator2
    response = await api.raw(document("DeadNotifications"), as_=admin)
    assert response.status_code == 200
    (edge,) = response.json()["data"]["deadNotifications"]["edges"]
    assert edge["node"]["id"] == str(row.id)
    assert edge["node"]["status"] == "DEAD"
    assert edge["node"]["lastError"] == {
        "failure": "REFUSED",
        "smtpCode": 550,
        "enhancedStatus": "5.1.1",
    }
    resent = await api.raw(
        "mutation($input: ResendNotificationInput!) { resendNotification(input: $input) {"
        " delivery { id kind channel status attempts createdAt dueAt lastAttemptAt"
        " lastError { failure smtpCode enhancedStatus } } errors { code } } }",
        {"input": {"id": str(row.id)}},
        as_=admin,
    )
    assert resent.status_code == 200
    payload = resent.json()["data"]["resendNotification"]
    assert payload["errors"] == []
    assert payload["delivery"]["status"] == "PENDING"
    for text in (response.text, resent.text):
        for secret in (
            HIDDEN,
            "@",
            "Recipient address rejected",
            child["id"],
            str(world.parent.id),
            world.parent.name,
        ):
            assert secret not in text, secret

    # Nor can they be asked for: the fields do not exist.
    for field in ("childId", "recipient { name }", "recipientId", "payload"):
        probe = await api.raw(
            f"{{ deadNotifications {{ edges {{ node {{ id {field} }} }} }} }}", as_=admin
        )
        errors = probe.json()["errors"]
        assert errors[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED", field
        assert HIDDEN not in probe.text and child["id"] not in probe.text


def test_delivery_errors_keep_only_status_codes() -> None:
    cases = {
        "550 5.1.1 <a@b.no>: Recipient address rejected": DeliveryError(
            DeliveryFailure.REFUSED, 550, "5.1.1"
        ),
        "451 4.3.0 Mailbox busy, try again later": DeliveryError(
            DeliveryFailure.DEFERRED, 451, "4.3.0"
        ),
        "421 mail.example.no closing connection": DeliveryError(DeliveryFailure.DEFERRED, 421),
        "550 5.1.1 a; 452 4.2.2 b": DeliveryError(DeliveryFailure.REFUSED, 550, "5.1.1"),
        "554-5.7.1 Rejected by policy": DeliveryError(DeliveryFailure.REFUSED, 554, "5.7.1"),
        "no e-mail address": DeliveryError(DeliveryFailure.NO_ADDRESS),
        "SMTPServerDisconnected: Unexpected EOF": DeliveryError(DeliveryFailure.UNREACHABLE),
        "ConnectionRefusedError: [Errno 111] Connect call failed": DeliveryError(
            DeliveryFailure.UNREACHABLE
        ),
        "5501 <a@b.no> strange": DeliveryError(DeliveryFailure.OTHER),
        "<a@b.no> was refused": DeliveryError(DeliveryFailure.OTHER),
    }
    assert {text: delivery_error(text) for text in cases} == cases
    assert delivery_error(None) is None
    assert delivery_error("") is None


async def test_the_in_process_runner_reminds_in_the_embedded_default(
    api: Api, world: World, mail: MailServer
) -> None:
    settings = make_settings(
        api.aut.settings.database_url,
        jobs_in_process=True,
        jobs_sweep_seconds=0.2,
        **smtp_settings(mail),
    )
    assert settings.redis_url == ""
    app = create_app(settings)
    db = app.state.db
    await set_email(db, world.parent2.id, "paul@example.com")
    due = utcnow() + dt.timedelta(seconds=1)
    async with app.router.lifespan_context(app):
        async with db.writing() as session:
            rows = await schedule_reminder(
                session, world.parent2.id, None, "reminder", due, {"ref": "embedded"}
            )
        assert {r.status for r in rows} == {"pending"}  # neither is visible before its time

        async def delivered() -> bool:
            current = [await notification(db, r.id) for r in rows]
            return all(r.status == "sent" for r in current) and bool(mail.to("paul@example.com"))

        await wait_for(delivered, "the reminder to be delivered in process")
    for row in rows:
        current = await notification(db, row.id)
        assert current.sent_at is not None and current.sent_at >= due
    (message,) = mail.to("paul@example.com")
    # Paul chose English.
    assert message["Subject"] == "Reminder from Koordinat"
    assert message["Content-Language"] == "en"
    reminder = await api.gql(document("MyNotifications"), as_=world.parent2)
    assert [e["node"]["kind"] for e in reminder["myNotifications"]["edges"]] == ["reminder"]


async def test_an_in_app_reminder_joins_the_feed_when_it_is_due(api: Api, world: World) -> None:
    """Due later: not in the person's live feed until delivered; then it gets the next place."""
    db = api.aut.db
    async with db.writing() as session:
        rows = await schedule_reminder(
            session,
            world.teacher.id,
            None,
            "reminder",
            utcnow() + dt.timedelta(milliseconds=50),
            {"ref": "feed"},
            key="feed",
        )
    in_app = next(r for r in rows if r.channel == "in_app")
    assert (await notification(db, in_app.id)).feed_seq is None
    await asyncio.sleep(0.1)
    settings = make_settings(api.aut.settings.database_url)
    assert await notify_jobs.deliver(db, settings, in_app.id) == "sent"
    delivered = await notification(db, in_app.id)
    assert delivered.feed_seq == 1
    # Delivering again changes nothing, the feed place included.
    assert await notify_jobs.deliver(db, settings, in_app.id) == "skipped"
    assert (await notification(db, in_app.id)).feed_seq == 1
