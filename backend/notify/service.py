"""The only code that writes notifications: creating them (inside the caller's transaction),
claiming and settling deliveries (for the jobs), reading, preferences and resends.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.audit import service as audit
from backend.authz.access import coordinating_unit_of
from backend.children.models import Child
from backend.core.counters import next_number
from backend.core.database import utcnow
from backend.core.errors import ErrorCode, fail
from backend.core.settings import Settings
from backend.events.broker import note_person
from backend.identity.actor import Actor
from backend.identity.models import Person
from backend.notify.kinds import KINDS
from backend.notify.models import (
    ALL_KINDS,
    OPEN_STATUSES,
    Channel,
    Notification,
    NotificationPreference,
    NotificationStatus,
    PersonFeedCounter,
)

IN_APP_RECEIPT = "in_app"

# The error recorded when the recipient has no e-mail address to send to.
NO_ADDRESS = "no e-mail address"


# --- creating notifications (called inside the transaction of the change)


async def channels_for(session: AsyncSession, person: Person, kind: str) -> list[Channel]:
    """The channels a person chose for a kind: their row for the kind, else for all kinds,
    else in-app plus e-mail when we have their address."""
    rows = await session.exec(
        select(NotificationPreference).where(
            NotificationPreference.person_id == person.id,
            col(NotificationPreference.kind).in_([kind, ALL_KINDS]),
        )
    )
    by_kind = {row.kind: row for row in rows.all()}
    chosen = by_kind.get(kind) or by_kind.get(ALL_KINDS)
    wants_in_app = chosen.in_app if chosen else True
    wants_email = chosen.email if chosen else True
    channels = []
    if wants_in_app:
        channels.append(Channel.IN_APP)
    if wants_email and person.email:
        channels.append(Channel.EMAIL)
    return channels


async def notify(
    session: AsyncSession,
    *,
    recipient_id: uuid.UUID,
    kind: str,
    key: str,
    child_id: uuid.UUID | None = None,
    payload: Mapping[str, Any] | None = None,
    due_at: dt.datetime | None = None,
    event_id: uuid.UUID | None = None,
) -> list[Notification]:
    """Write one row per channel the recipient chose. `key` names this notification for this
    recipient (e.g. the event and kind); together with the channel it is the row's unique
    idempotency key, so writing the same notification again adds nothing."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    person = await session.get(Person, recipient_id)
    if person is None:
        return []
    now = utcnow()
    due = due_at or now
    keys = {
        channel: f"{key}:{channel.value}" for channel in await channels_for(session, person, kind)
    }
    if not keys:
        return []
    existing = set(
        (
            await session.exec(
                select(Notification.idempotency_key).where(
                    col(Notification.idempotency_key).in_(list(keys.values()))
                )
            )
        ).all()
    )
    rows = []
    for channel, idempotency_key in keys.items():
        if idempotency_key in existing:
            continue
        row = Notification(
            recipient_person_id=recipient_id,
            child_id=child_id,
            event_id=event_id,
            kind=kind,
            channel=channel.value,
            payload=dict(payload or {}),
            idempotency_key=idempotency_key,
            due_at=due,
            next_attempt_at=due,
        )
        if channel is Channel.IN_APP and due <= now:
            # Nothing to send: the row is the delivery, visible once this transaction commits.
            row.status = NotificationStatus.SENT.value
            row.sent_at = now
            row.receipt = IN_APP_RECEIPT
            row.feed_seq = await next_feed_seq(session, recipient_id)
        session.add(row)
        rows.append(row)
    return rows


async def next_feed_seq(session: AsyncSession, person_id: uuid.UUID) -> int:
    """The next place in a person's live feed, in commit order (see backend.core.counters)."""
    note_person(session.info, person_id)  # hinted after the commit: the feed wakes at once
    return await next_number(session, PersonFeedCounter, person_id)


async def schedule_reminder(
    session: AsyncSession,
    recipient: uuid.UUID,
    child_id: uuid.UUID | None,
    kind: str,
    due_at: dt.datetime,
    payload: Mapping[str, Any] | None = None,
    *,
    key: str | None = None,
) -> list[Notification]:
    """Remind `recipient` at `due_at`, inside the caller's transaction.

    Give a `key` that names the reminder (e.g. f"meeting:{id}:24h") to make scheduling it
    again a no-op; without one every call schedules a new reminder.
    """
    if due_at.tzinfo is None:
        raise ValueError("due_at must be timezone-aware")
    base = key or f"{kind}:{uuid.uuid4()}"
    return await notify(
        session,
        recipient_id=recipient,
        kind=kind,
        key=f"{base}:{recipient}",
        child_id=child_id,
        payload=payload,
        due_at=due_at,
    )


# --- delivery (the jobs call these; each runs in its own short transaction)


@dataclass(frozen=True)
class Claimed:
    """A notification a worker now holds, with what it needs to deliver it."""

    id: uuid.UUID
    recipient_id: uuid.UUID
    kind: str
    channel: Channel
    payload: dict[str, Any]
    idempotency_key: str
    attempt: int
    email: str | None
    language: str
    # The e-mail's Message-ID (the same on every attempt) and the end of this attempt's lease.
    delivery_id: uuid.UUID
    lease_until: dt.datetime


async def claim(
    session: AsyncSession, notification_id: uuid.UUID, settings: Settings
) -> Claimed | None:
    """Take the row for one delivery attempt, or None if it is not due, already taken,
    sent or dead. The conditional UPDATE is the lock: of two jobs for the same row only
    one matches. The next attempt time moves past the lease, so a worker that dies while
    sending leaves a row that is due again once the lease runs out."""
    now = utcnow()
    lease_until = now + dt.timedelta(seconds=settings.jobs_lease_seconds)
    table = Notification.__table__  # type: ignore[attr-defined]
    connection = await session.connection()
    result = await connection.execute(
        sa.update(table)
        .where(
            table.c.id == notification_id,
            table.c.status.in_(OPEN_STATUSES),
            table.c.next_attempt_at <= now,
        )
        .values(
            attempts=table.c.attempts + 1,
            last_attempt_at=now,
            next_attempt_at=lease_until,
            # Out of the queue: from now on the lease says when it may be queued again.
            queued_until=None,
        )
    )
    if result.rowcount != 1:
        return None
    found = (
        await session.exec(
            select(Notification, Person)
            .join(Person, col(Person.id) == col(Notification.recipient_person_id))
            .where(Notification.id == notification_id)
        )
    ).one()
    row, person = found
    return Claimed(
        id=notification_id,
        recipient_id=row.recipient_person_id,
        kind=row.kind,
        channel=Channel(row.channel),
        payload=dict(row.payload),
        idempotency_key=row.idempotency_key,
        attempt=row.attempts,
        email=person.email,
        language=person.preferred_language,
        delivery_id=row.delivery_id,
        lease_until=lease_until,
    )


async def mark_sent(session: AsyncSession, claimed: Claimed, receipt: str) -> None:
    table = Notification.__table__  # type: ignore[attr-defined]
    connection = await session.connection()
    result = await connection.execute(
        sa.update(table)
        .where(table.c.id == claimed.id, table.c.status != NotificationStatus.SENT.value)
        .values(
            status=NotificationStatus.SENT.value,
            sent_at=utcnow(),
            receipt=receipt[:500],
            last_error=None,
        )
        .returning(table.c.recipient_person_id)
    )
    recipient = result.scalar_one_or_none()
    if recipient is not None and claimed.channel is Channel.IN_APP:
        # A reminder that became due: it joins the person's live feed now.
        await connection.execute(
            sa.update(table)
            .where(table.c.id == claimed.id, table.c.feed_seq.is_(None))
            .values(feed_seq=await next_feed_seq(session, recipient))
        )


def backoff(settings: Settings, attempt: int) -> dt.timedelta:
    """Delay after the `attempt`-th failure: doubling from the base, never above the cap."""
    seconds = settings.notify_retry_base_seconds * 2 ** max(attempt - 1, 0)
    return dt.timedelta(seconds=min(seconds, settings.notify_retry_max_seconds))


async def mark_failed(
    session: AsyncSession, claimed: Claimed, error: str, settings: Settings, *, permanent: bool
) -> NotificationStatus:
    """Record a failed attempt: retry later with backoff, or give up (dead letter)."""
    dead = permanent or claimed.attempt >= settings.notify_max_attempts
    status = NotificationStatus.DEAD if dead else NotificationStatus.FAILED
    now = utcnow()
    table = Notification.__table__  # type: ignore[attr-defined]
    connection = await session.connection()
    await connection.execute(
        sa.update(table)
        # Only the holder of this attempt settles it.
        .where(
            table.c.id == claimed.id,
            table.c.attempts == claimed.attempt,
            table.c.status.in_(OPEN_STATUSES),
        )
        .values(
            status=status.value,
            last_error=error[:500],
            next_attempt_at=now if dead else now + backoff(settings, claimed.attempt),
        )
    )
    return status


async def queue_for_delivery(
    session: AsyncSession, until: dt.datetime, hold_until: dt.datetime, limit: int
) -> Sequence[tuple[uuid.UUID, dt.datetime]]:
    """Take up to `limit` open rows whose next attempt is at or before `until`, earliest
    first, that no other sweep holds, and hold them until `hold_until`.

    On PostgreSQL `FOR UPDATE SKIP LOCKED` lets sweeps of several workers run at once and
    take disjoint rows; SQLite has one writer (the write session begins IMMEDIATE), so its
    sweeps take turns. A row held by a sweep whose queue lost it is taken again once the
    hold runs out."""
    now = utcnow()
    table = Notification.__table__  # type: ignore[attr-defined]
    chosen = (
        sa.select(table.c.id)
        .where(
            table.c.status.in_(OPEN_STATUSES),
            table.c.next_attempt_at <= until,
            sa.or_(table.c.queued_until.is_(None), table.c.queued_until <= now),
        )
        .order_by(table.c.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    connection = await session.connection()
    rows = await connection.execute(
        sa.update(table)
        .where(table.c.id.in_(chosen.scalar_subquery()))
        .values(queued_until=hold_until)
        .returning(table.c.id, table.c.next_attempt_at)
    )
    found = sorted(((row[0], row[1]) for row in rows), key=lambda row: row[1])
    return found


async def release_queued(session: AsyncSession, ids: Sequence[uuid.UUID]) -> None:
    """Let go of rows a sweep took but could not queue, so the next sweep queues them."""
    if not ids:
        return
    table = Notification.__table__  # type: ignore[attr-defined]
    connection = await session.connection()
    await connection.execute(
        sa.update(table)
        .where(table.c.id.in_(list(ids)), table.c.queued_until.is_not(None))
        .values(queued_until=None)
    )


# --- the person's own notifications and preferences


async def my_notifications(
    session: AsyncSession, actor: Actor, *, after: uuid.UUID | None, limit: int, unread_only: bool
) -> Sequence[Notification]:
    """Delivered in-app notifications, newest first (ids are time-ordered)."""
    query = select(Notification).where(
        Notification.recipient_person_id == actor.person_id,
        Notification.channel == Channel.IN_APP.value,
        Notification.status == NotificationStatus.SENT.value,
    )
    if unread_only:
        query = query.where(col(Notification.read_at).is_(None))
    if after is not None:
        query = query.where(col(Notification.id) < after)
    rows = await session.exec(query.order_by(col(Notification.id).desc()).limit(limit))
    return rows.all()


async def mark_read(
    session: AsyncSession, actor: Actor | None, notification_id: uuid.UUID
) -> Notification:
    if actor is None:
        fail(ErrorCode.UNAUTHENTICATED)
    assert actor is not None
    row = await session.get(Notification, notification_id)
    # Someone else's notification is simply not found.
    if (
        row is None
        or row.recipient_person_id != actor.person_id
        or row.channel != Channel.IN_APP.value
        or row.status != NotificationStatus.SENT.value
    ):
        fail(ErrorCode.NOT_FOUND, "id")
    assert row is not None
    if row.read_at is None:
        row.read_at = utcnow()
        session.add(row)
    return row


async def my_preferences(session: AsyncSession, actor: Actor) -> Sequence[NotificationPreference]:
    rows = await session.exec(
        select(NotificationPreference)
        .where(NotificationPreference.person_id == actor.person_id)
        .order_by(col(NotificationPreference.kind))
    )
    return rows.all()


async def set_preference(
    session: AsyncSession, actor: Actor | None, kind: str | None, *, in_app: bool, email: bool
) -> NotificationPreference:
    """Choose the channels for one kind, or for all kinds (kind None)."""
    if actor is None:
        fail(ErrorCode.UNAUTHENTICATED)
    assert actor is not None
    key = ALL_KINDS if kind is None else kind.strip()
    if key != ALL_KINDS and key not in KINDS:
        fail(
            ErrorCode.INVALID,
            "kind",
            ("Ukjent varseltype.", "Ukjend varseltype.", "Unknown notification kind."),
        )
    row = await session.get(NotificationPreference, (actor.person_id, key))
    if row is None:
        row = NotificationPreference(person_id=actor.person_id, kind=key)
    row.in_app = in_app
    row.email = email
    row.updated_at = utcnow()
    session.add(row)
    return row


# --- administrators: the dead letters of their kommune


class DeliveryFailure(enum.Enum):
    """Why the last attempt failed, as much as an administrator needs to judge a resend."""

    REFUSED = "refused"  # the mail server refused for good (5xx)
    DEFERRED = "deferred"  # the mail server asked to try later (4xx)
    NO_ADDRESS = "no_address"  # the recipient has no e-mail address
    UNREACHABLE = "unreachable"  # no answer from the mail server (connection, timeout)
    OTHER = "other"


@dataclass(frozen=True)
class DeliveryError:
    """The last error without anything the server said in words: an SMTP reply's text
    may carry the recipient's address, so only its status codes are kept."""

    failure: DeliveryFailure
    smtp_code: int | None = None
    enhanced_status: str | None = None


# "550 5.1.1 <someone@example.no>: ..." as the mailer records it: the reply code, then
# the enhanced status code (RFC 3463) if the server gave one.
_SMTP_REPLY = re.compile(
    r"([245][0-9]{2})(?![0-9])(?:[ -]([245]\.[0-9]{1,3}\.[0-9]{1,3})(?![0-9]))?"
)
# "SMTPServerDisconnected: ..." or "TimeoutError: ...": the send raised before any reply.
_NO_REPLY = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*:")


def delivery_error(text: str | None) -> DeliveryError | None:
    """The administrator's view of a recorded error (the full text stays in the row)."""
    if not text:
        return None
    text = text.strip()
    if text == NO_ADDRESS:
        return DeliveryError(DeliveryFailure.NO_ADDRESS)
    reply = _SMTP_REPLY.match(text)
    if reply is not None:
        code = int(reply.group(1))
        failure = {5: DeliveryFailure.REFUSED, 4: DeliveryFailure.DEFERRED}.get(
            code // 100, DeliveryFailure.OTHER
        )
        return DeliveryError(failure, smtp_code=code, enhanced_status=reply.group(2))
    if _NO_REPLY.match(text):
        return DeliveryError(DeliveryFailure.UNREACHABLE)
    return DeliveryError(DeliveryFailure.OTHER)


async def admin_municipality(session: AsyncSession, actor: Actor | None) -> uuid.UUID | None:
    """The kommune whose dead letters the caller administers, or None.

    An administrator of notifications is staff of a kommune's coordinating unit
    (koordinerende enhet): the unit that appoints coordinators also sees to it that
    nobody misses what they should have been told.
    """
    return await coordinating_unit_of(session, actor)


@dataclass(frozen=True)
class DeadLetter:
    """A notification that could not be delivered, as its administrator sees it: what is
    needed to judge and resend it, and nothing about whom or which child it concerns."""

    id: uuid.UUID
    kind: str
    channel: Channel
    status: NotificationStatus
    attempts: int
    created_at: dt.datetime
    due_at: dt.datetime
    last_attempt_at: dt.datetime | None
    error: DeliveryError | None

    @classmethod
    def of(cls, row: Notification) -> DeadLetter:
        return cls(
            id=row.id,
            kind=row.kind,
            channel=Channel(row.channel),
            status=NotificationStatus(row.status),
            attempts=row.attempts,
            created_at=row.created_at,
            due_at=row.due_at,
            last_attempt_at=row.last_attempt_at,
            error=delivery_error(row.last_error),
        )


def _in_municipality(municipality_id: uuid.UUID) -> Any:
    """Rows about a child of the kommune, or (digests) to one of its staff."""
    child_ids = select(Child.id).where(Child.municipality_id == municipality_id)
    staff_ids = select(Person.id).where(Person.municipality_id == municipality_id)
    return sa.or_(
        col(Notification.child_id).in_(child_ids),
        sa.and_(
            col(Notification.child_id).is_(None),
            col(Notification.recipient_person_id).in_(staff_ids),
        ),
    )


async def dead_letters(
    session: AsyncSession, actor: Actor | None, *, after: uuid.UUID | None, limit: int
) -> Sequence[DeadLetter]:
    municipality_id = await admin_municipality(session, actor)
    if municipality_id is None:
        return []
    query = select(Notification).where(
        Notification.status == NotificationStatus.DEAD.value, _in_municipality(municipality_id)
    )
    if after is not None:
        query = query.where(col(Notification.id) < after)
    rows = await session.exec(query.order_by(col(Notification.id).desc()).limit(limit))
    return [DeadLetter.of(row) for row in rows.all()]


async def resend(
    session: AsyncSession, actor: Actor | None, notification_id: uuid.UUID
) -> DeadLetter:
    """Send a dead notification again: a fresh set of attempts, due now."""
    municipality_id = await admin_municipality(session, actor)
    if municipality_id is None:
        fail(ErrorCode.NOT_ALLOWED)
    assert municipality_id is not None
    row = (
        await session.exec(
            select(Notification).where(
                Notification.id == notification_id, _in_municipality(municipality_id)
            )
        )
    ).first()
    # The administrator reads dead letters only: any other notification is one they may not
    # read, so it is answered as an id that exists nowhere (same code, field and message).
    if row is None or row.status != NotificationStatus.DEAD.value:
        fail(ErrorCode.NOT_FOUND, "id")
    assert row is not None
    row.status = NotificationStatus.PENDING.value
    row.attempts = 0
    row.next_attempt_at = utcnow()
    row.queued_until = None
    session.add(row)
    audit.record(
        session,
        actor,
        action="notification.resent",
        entity_type="notification",
        entity_id=row.id,
        child_id=row.child_id,
        detail={"kind": row.kind, "channel": row.channel},
    )
    return DeadLetter.of(row)
