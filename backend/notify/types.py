"""GraphQL types and inputs for notifications."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON

from backend.api.common import PageInfo, UserError
from backend.notify.models import ALL_KINDS, Channel, NotificationStatus
from backend.notify.models import Notification as NotificationRow
from backend.notify.models import NotificationPreference as PreferenceRow
from backend.notify.service import DeadLetter, DeliveryError, DeliveryFailure

strawberry.enum(Channel, name="NotificationChannel", description="How a notification reaches you.")
strawberry.enum(NotificationStatus, name="NotificationStatus")
strawberry.enum(
    DeliveryFailure,
    name="DeliveryFailure",
    description="Why a delivery failed: REFUSED for good by the mail server (5xx), DEFERRED "
    "by it (4xx), NO_ADDRESS for the recipient, the mail server UNREACHABLE, or OTHER.",
)


@strawberry.type(description="Something you were told: in the app, or by e-mail.")
class Notification:
    id: strawberry.ID
    kind: str = strawberry.field(description="e.g. network.welcome, reminder, digest.daily.")
    channel: Channel
    child_id: strawberry.ID | None = strawberry.field(description="The child it is about, if any.")
    payload: JSON = strawberry.field(description="Ids and codes, never free text.")
    due_at: dt.datetime
    sent_at: dt.datetime | None
    read_at: dt.datetime | None
    created_at: dt.datetime

    @classmethod
    def from_row(cls, row: NotificationRow) -> Notification:
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=row.kind,
            channel=Channel(row.channel),
            child_id=strawberry.ID(str(row.child_id)) if row.child_id else None,
            payload=JSON(row.payload),
            due_at=row.due_at,
            sent_at=row.sent_at,
            read_at=row.read_at,
            created_at=row.created_at,
        )


@strawberry.type
class NotificationEdge:
    cursor: str
    node: Notification


@strawberry.type
class NotificationConnection:
    edges: list[NotificationEdge]
    page_info: PageInfo


@strawberry.type(
    name="DeliveryError",
    description="The last error of a delivery: its class and the SMTP status codes, never "
    "the server's words (they may name the recipient).",
)
class DeliveryErrorType:
    failure: DeliveryFailure
    smtp_code: int | None = strawberry.field(description="The SMTP reply code, e.g. 550.")
    enhanced_status: str | None = strawberry.field(
        description="The enhanced status code (RFC 3463), e.g. 5.1.1, if the server gave one."
    )

    @classmethod
    def of(cls, error: DeliveryError) -> DeliveryErrorType:
        return cls(
            failure=error.failure,
            smtp_code=error.smtp_code,
            enhanced_status=error.enhanced_status,
        )


@strawberry.type(
    description="A notification's delivery, for administrators: enough to judge and resend "
    "it, nothing about the recipient or the child it concerns."
)
class NotificationDelivery:
    id: strawberry.ID
    kind: str
    channel: Channel
    status: NotificationStatus
    attempts: int
    last_error: DeliveryErrorType | None
    last_attempt_at: dt.datetime | None
    due_at: dt.datetime
    created_at: dt.datetime

    @classmethod
    def of(cls, letter: DeadLetter) -> NotificationDelivery:
        return cls(
            id=strawberry.ID(str(letter.id)),
            kind=letter.kind,
            channel=letter.channel,
            status=letter.status,
            attempts=letter.attempts,
            last_error=DeliveryErrorType.of(letter.error) if letter.error else None,
            last_attempt_at=letter.last_attempt_at,
            due_at=letter.due_at,
            created_at=letter.created_at,
        )


@strawberry.type
class NotificationDeliveryEdge:
    cursor: str
    node: NotificationDelivery


@strawberry.type
class NotificationDeliveryConnection:
    edges: list[NotificationDeliveryEdge]
    page_info: PageInfo


@strawberry.type(description="The channels you chose for one kind of notification, or all.")
class NotificationPreference:
    kind: str | None = strawberry.field(description="Null: every kind without its own choice.")
    in_app: bool
    email: bool

    @classmethod
    def from_row(cls, row: PreferenceRow) -> NotificationPreference:
        return cls(
            kind=None if row.kind == ALL_KINDS else row.kind, in_app=row.in_app, email=row.email
        )


@strawberry.input
class MarkNotificationReadInput:
    id: strawberry.ID


@strawberry.input
class SetNotificationPreferenceInput:
    in_app: bool
    email: bool
    kind: str | None = strawberry.field(
        default=None, description="A notification kind; leave out to set the default."
    )


@strawberry.input
class ResendNotificationInput:
    id: strawberry.ID


@strawberry.type
class NotificationPayload:
    notification: Notification | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ResendNotificationPayload:
    delivery: NotificationDelivery | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class NotificationPreferencePayload:
    preference: NotificationPreference | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
