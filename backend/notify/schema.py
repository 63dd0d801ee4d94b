"""Your notifications and channel choices; the dead letters for administrators."""

from __future__ import annotations

import strawberry

from backend.api.common import (
    PageInfo,
    encode_cursor,
    page_args,
    parse_id,
)
from backend.api.context import Info
from backend.api.writes import run_write
from backend.audit import purposes
from backend.notify import service
from backend.notify.types import (
    MarkNotificationReadInput,
    Notification,
    NotificationConnection,
    NotificationDelivery,
    NotificationDeliveryConnection,
    NotificationDeliveryEdge,
    NotificationEdge,
    NotificationPayload,
    NotificationPreference,
    NotificationPreferencePayload,
    ResendNotificationInput,
    ResendNotificationPayload,
    SetNotificationPreferenceInput,
)

_EMPTY_PAGE = PageInfo(has_next_page=False, end_cursor=None)


@strawberry.type
class NotifyQuery:
    @strawberry.field(description="Your notifications in the app, newest first. Cursor-paginated.")
    async def my_notifications(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        unread_only: bool = False,
    ) -> NotificationConnection:
        actor = info.context.actor
        if actor is None:
            return NotificationConnection(edges=[], page_info=_EMPTY_PAGE)
        limit, after_id = page_args(first, after, info.context.language)
        async with info.context.db.reading() as session:
            rows = await service.my_notifications(
                session, actor, after=after_id, limit=limit + 1, unread_only=unread_only
            )
        edges = [
            NotificationEdge(cursor=encode_cursor(r.id), node=Notification.from_row(r))
            for r in rows[:limit]
        ]
        return NotificationConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(rows) > limit, end_cursor=edges[-1].cursor if edges else None
            ),
        )

    @strawberry.field(description="The channels you chose (kinds without a row use the default).")
    async def my_notification_preferences(self, info: Info) -> list[NotificationPreference]:
        actor = info.context.actor
        if actor is None:
            return []
        async with info.context.db.reading() as session:
            rows = await service.my_preferences(session, actor)
        return [NotificationPreference.from_row(r) for r in rows]

    @strawberry.field(
        description="Notifications that could not be delivered, about your kommune's children "
        "and staff. Administrators (staff of the coordinating unit) only; empty for others."
    )
    async def dead_notifications(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> NotificationDeliveryConnection:
        limit, after_id = page_args(first, after, info.context.language)
        async with info.context.db.reading() as session:
            rows = await service.dead_letters(
                session, info.context.actor, after=after_id, limit=limit + 1
            )
        edges = [
            NotificationDeliveryEdge(cursor=encode_cursor(r.id), node=NotificationDelivery.of(r))
            for r in rows[:limit]
        ]
        return NotificationDeliveryConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(rows) > limit, end_cursor=edges[-1].cursor if edges else None
            ),
        )


@strawberry.type
class NotifyMutation:
    @strawberry.mutation(description="Mark one of your notifications as read.")
    async def mark_notification_read(
        self, info: Info, input: MarkNotificationReadInput
    ) -> NotificationPayload:
        row, errors = await run_write(
            info,
            lambda s: service.mark_read(s, info.context.actor, parse_id(input.id, "id")),
        )
        return NotificationPayload(
            notification=Notification.from_row(row) if row else None, errors=errors
        )

    @strawberry.mutation(description="Choose how you are told: in the app, by e-mail, or both.")
    async def set_notification_preference(
        self, info: Info, input: SetNotificationPreferenceInput
    ) -> NotificationPreferencePayload:
        row, errors = await run_write(
            info,
            lambda s: service.set_preference(
                s, info.context.actor, input.kind, in_app=input.in_app, email=input.email
            ),
        )
        return NotificationPreferencePayload(
            preference=NotificationPreference.from_row(row) if row else None, errors=errors
        )

    @strawberry.mutation(
        description="Send a dead notification again (administrators: the coordinating unit)."
    )
    async def resend_notification(
        self, info: Info, input: ResendNotificationInput
    ) -> ResendNotificationPayload:
        row, errors = await run_write(
            info, lambda s: service.resend(s, info.context.actor, parse_id(input.id, "id"))
        )
        return ResendNotificationPayload(
            delivery=NotificationDelivery.of(row) if row else None, errors=errors
        )


# Why the access log says these were read (see backend.audit.purposes).
purposes.register(
    {
        name: purposes.Purpose.NOTIFICATIONS
        for name in (
            "myNotifications",
            "myNotificationPreferences",
            "deadNotifications",
            "markNotificationRead",
            "setNotificationPreference",
            "resendNotification",
        )
    }
)
