"""Subscriptions: live events of one child, and of all the caller's children."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from backend.api.context import Info
from backend.audit import purposes
from backend.events import live
from backend.events.types import EventStreamItem, PersonStreamItem


@strawberry.type
class EventsSubscription:
    @strawberry.subscription(
        description="Every event of one child after `after` (a cursor; null: from the start "
        "of the kept history), then live. Resume with the last cursor you got: every event "
        "arrives exactly once, in order. If the history after your cursor was pruned you get "
        "ResyncRequired and the stream ends."
    )
    async def child_events(
        self, info: Info, child_id: strawberry.ID, after: str | None = None
    ) -> AsyncGenerator[EventStreamItem, None]:
        async for item in live.child_events(info, child_id, after):
            yield item

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


# Why the access log says these were read (see backend.audit.purposes).
purposes.register(
    {
        "childEvents": purposes.Purpose.LIVE_UPDATES,
        "myEvents": purposes.Purpose.LIVE_UPDATES,
    }
)
