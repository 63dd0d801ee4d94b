"""Notifications are rows first: one row per recipient and channel, written with the change.

A row is delivered by a job (e-mail over SMTP, or made visible in the app) and keeps the
outcome: the SMTP server's acceptance as receipt, or the last error. The idempotency key is
unique, so a rule, a reminder or a digest that runs twice writes one row, and the claim in
`service.claim` makes a job that runs twice send once.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from backend.core.database import UTCDateTime
from backend.core.models import created_at_field, id_field, utc_field


class Channel(enum.Enum):
    IN_APP = "in_app"
    EMAIL = "email"


class NotificationStatus(enum.Enum):
    PENDING = "pending"  # waiting for its due time (or for a worker)
    SENT = "sent"
    FAILED = "failed"  # the last attempt failed; the next one is at next_attempt_at
    DEAD = "dead"  # gave up: an administrator can see it and send it again


# Statuses a worker may still pick up.
OPEN_STATUSES = (NotificationStatus.PENDING.value, NotificationStatus.FAILED.value)

# Preference row that applies to every kind without a row of its own.
ALL_KINDS = "*"


class Notification(SQLModel, table=True):
    __tablename__ = "notification"
    __table_args__ = (
        # The sweep: open rows by next attempt time.
        sa.Index("ix_notification_open", "status", "next_attempt_at"),
        # A person's inbox, newest first.
        sa.Index("ix_notification_inbox", "recipient_person_id", "channel", "id"),
        # The person's live feed: in-app notifications numbered in the order they appeared.
        sa.UniqueConstraint("recipient_person_id", "feed_seq", name="uq_notification_feed"),
        sa.UniqueConstraint("delivery_id", name="uq_notification_delivery_id"),
    )

    id: uuid.UUID = id_field()
    recipient_person_id: uuid.UUID = Field(foreign_key="person.id")
    child_id: uuid.UUID | None = Field(
        default=None, foreign_key="child.id", nullable=True, index=True
    )
    # The change that caused it, if any (reminders and digests have none). No foreign key:
    # old events may be pruned while their notifications stay.
    event_id: uuid.UUID | None = Field(default=None, nullable=True)
    kind: str = Field(max_length=64)
    channel: str = Field(max_length=16)
    # Ids and codes only: never free text about the child (it may end up in an e-mail).
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    idempotency_key: str = Field(max_length=200, unique=True)
    status: str = Field(default=NotificationStatus.PENDING.value, max_length=16)
    attempts: int = Field(default=0)
    # When the recipient should get it; never moves (a reminder's time).
    due_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    # When a worker may try next: the due time, then a lease while sending, then backoff.
    next_attempt_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    last_attempt_at: dt.datetime | None = utc_field()
    sent_at: dt.datetime | None = utc_field()
    read_at: dt.datetime | None = utc_field()
    # In-app only: the place in the recipient's live feed, once the notification is visible.
    feed_seq: int | None = Field(default=None, nullable=True)
    last_error: str | None = Field(default=None, max_length=500)
    # The e-mail's Message-ID: random, so it says nothing about the event or the recipient,
    # and stored, so every attempt at this delivery carries the same one.
    delivery_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    # Set by the sweep that queued the row: other sweeps leave it alone until then, and
    # queue it again after (a queue that lost the job is rebuilt). Cleared by the claim.
    queued_until: dt.datetime | None = utc_field()
    # Proof of delivery, e.g. the SMTP server's reply to DATA ("250 2.0.0 queued as ...").
    receipt: str | None = Field(default=None, max_length=500)
    created_at: dt.datetime = created_at_field()


class NotificationPreference(SQLModel, table=True):
    """The channels a person chose, for one kind or for all kinds (`*`)."""

    __tablename__ = "notification_preference"

    person_id: uuid.UUID = Field(foreign_key="person.id", primary_key=True)
    kind: str = Field(max_length=64, primary_key=True)
    in_app: bool = Field(default=True)
    email: bool = Field(default=True)
    updated_at: dt.datetime = created_at_field()


class DigestState(SQLModel, table=True):
    """Up to when a coordinator's daily digest has covered the changes."""

    __tablename__ = "notification_digest_state"

    person_id: uuid.UUID = Field(foreign_key="person.id", primary_key=True)
    covered_until: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)


class PersonFeedCounter(SQLModel, table=True):
    """Last feed number handed out for a person's in-app notifications.

    Taken when a notification becomes visible (in the transaction that makes it so); the row
    stays locked until commit, so feed order is commit order and a live stream reading
    `feed_seq > cursor` never skips a late commit (as for child events).
    """

    __tablename__ = "person_feed_counter"

    person_id: uuid.UUID = Field(foreign_key="person.id", primary_key=True)
    last_seq: int = Field(default=0)
