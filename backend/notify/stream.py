"""Your live feed (myEvents): the events of your children, and your in-app notifications.

The stream itself is events' (`backend.events.live.my_events`); the notifications are this
domain's feed, which it lends the stream through the registry (`Domain.person_feed`).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import Annotated

import strawberry
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.api.context import Info
from backend.audit import purposes
from backend.events import live
from backend.events.registry import PersonFeed
from backend.events.types import EventNode, ResyncRequired
from backend.notify.models import Notification as NotificationRow
from backend.notify.models import PersonFeedCounter
from backend.notify.types import Notification


@strawberry.type(
    description="An in-app notification for you, in your live feed (myEvents). Its cursor "
    "goes in `after` like an event's."
)
class LiveNotification:
    cursor: str
    notification: Notification


PersonStreamItem = Annotated[
    EventNode | ResyncRequired | LiveNotification,
    strawberry.union(
        "PersonStreamItem", description="An event, a request to resync, or a notification."
    ),
]


@strawberry.type
class NotifySubscription:
    @strawberry.subscription(
        description="Your live feed: the events of every child whose network you are in, and "
        "your in-app notifications. Give the last cursor you got per child (and the last "
        "notification's cursor) in `after`; what has no cursor starts now. Children you join "
        "are followed from then on; those you leave are dropped."
    )
    async def my_events(
        self, info: Info, after: list[str] | None = None
    ) -> AsyncGenerator[PersonStreamItem, None]:
        async for item in live.my_events(info, after):
            yield item


async def feed_heads(session: AsyncSession, people: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, int]:
    rows = await session.exec(
        select(PersonFeedCounter.person_id, PersonFeedCounter.last_seq).where(
            col(PersonFeedCounter.person_id).in_(set(people))
        )
    )
    return dict(rows.all())


async def feed_after(
    session: AsyncSession, person_id: uuid.UUID, position: int, limit: int
) -> list[tuple[int, NotificationRow]]:
    """The person's in-app notifications after `position`, in feed order."""
    rows = await session.exec(
        select(NotificationRow)
        .where(
            NotificationRow.recipient_person_id == person_id,
            col(NotificationRow.feed_seq) > position,
        )
        .order_by(col(NotificationRow.feed_seq))
        .limit(limit)
    )
    return [(row.feed_seq, row) for row in rows.all() if row.feed_seq is not None]


def feed_item(cursor: str, row: NotificationRow) -> LiveNotification:
    return LiveNotification(cursor=cursor, notification=Notification.from_row(row))


FEED = PersonFeed(heads=feed_heads, after=feed_after, item=feed_item)

# Why the access log says this was read (see backend.audit.purposes).
purposes.register({"myEvents": purposes.Purpose.LIVE_UPDATES})
