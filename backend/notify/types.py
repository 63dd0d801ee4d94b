"""GraphQL types and inputs for notifications."""

from __future__ import annotations

import datetime as dt
import uuid

import strawberry
from strawberry.scalars import JSON

from backend.api.common import PageInfo, UserError
from backend.api.context import Info
from backend.identity.types import Person
from backend.notify.models import ALL_KINDS, Channel, NotificationStatus
from backend.notify.models import Notification as NotificationRow
from backend.notify.models import NotificationPreference as PreferenceRow

strawberry.enum(Channel, name="NotificationChannel", description="How a notification reaches you.")
strawberry.enum(NotificationStatus, name="NotificationStatus")


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


@strawberry.type(description="A notification's delivery, for administrators.")
class NotificationDelivery:
    id: strawberry.ID
    kind: str
    channel: Channel
    status: NotificationStatus
    child_id: strawberry.ID | None
    attempts: int
    last_error: str | None
    last_attempt_at: dt.datetime | None
    due_at: dt.datetime
    recipient_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def recipient(self, info: Info) -> Person | None:
        row = await info.context.loaders.person.load(self.recipient_id)
        # Contact details stay behind the identity domain's rules, for administrators too.
        return Person.from_row(row, contact_visible=False) if row else None

    @classmethod
    def from_row(cls, row: NotificationRow) -> NotificationDelivery:
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=row.kind,
            channel=Channel(row.channel),
            status=NotificationStatus(row.status),
            child_id=strawberry.ID(str(row.child_id)) if row.child_id else None,
            attempts=row.attempts,
            last_error=row.last_error,
            last_attempt_at=row.last_attempt_at,
            due_at=row.due_at,
            recipient_id=row.recipient_person_id,
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
