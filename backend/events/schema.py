"""Subscriptions: live events of one child (a person's own feed, myEvents, is notify's)."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from backend.api.context import Info
from backend.events import live
from backend.events.types import EventStreamItem


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
