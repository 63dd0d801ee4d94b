"""The calendar feed in the API: whether the caller has one, make a new one, end it.
The meeting schema's Query and Mutation subclass these (backend/meeting/schema.py)."""

from __future__ import annotations

import datetime as dt

import strawberry

from backend.api.common import UserError
from backend.api.context import Info
from backend.api.writes import run_write
from backend.audit import purposes
from backend.meeting import calendar
from backend.meeting.models import CalendarFeed as FeedRow


@strawberry.type(
    description="Your calendar feed: a secret address your calendar subscribes to, with your "
    "meetings. Making a new one ends the old address."
)
class CalendarFeed:
    id: strawberry.ID
    created_at: dt.datetime
    url: str | None = strawberry.field(
        default=None,
        description="Only in createCalendarFeed's payload: the address is shown this once "
        "(only a hash of its secret is kept).",
    )

    @classmethod
    def of(cls, row: FeedRow, url: str | None = None) -> CalendarFeed:
        return cls(id=strawberry.ID(str(row.id)), created_at=row.created_at, url=url)


@strawberry.type
class CalendarFeedPayload:
    feed: CalendarFeed | None
    errors: list[UserError]


@strawberry.type
class CalendarQuery:
    @strawberry.field(
        description="The caller's calendar feed, if one is active (the URL itself is shown "
        "only when created)."
    )
    async def my_calendar_feed(self, info: Info) -> CalendarFeed | None:
        actor = info.context.actor
        if actor is None:
            return None
        async with info.context.reads.session() as session:
            row = await calendar.active_feed(session, actor.person_id)
        return CalendarFeed.of(row) if row is not None else None


@strawberry.type
class CalendarMutation:
    @strawberry.mutation(
        description="A new secret calendar address for your meetings; any older one stops "
        "working at once."
    )
    async def create_calendar_feed(self, info: Info) -> CalendarFeedPayload:
        ctx = info.context
        made, errors = await run_write(
            info, lambda s: calendar.create_feed(s, ctx.actor, ctx.settings)
        )
        if made is None:
            return CalendarFeedPayload(feed=None, errors=errors)
        row, url = made
        return CalendarFeedPayload(feed=CalendarFeed.of(row, url), errors=errors)

    @strawberry.mutation(description="End your calendar feed: its address stops working.")
    async def revoke_calendar_feed(self, info: Info) -> CalendarFeedPayload:
        actor = info.context.actor
        row, errors = await run_write(info, lambda s: calendar.revoke_feed(s, actor))
        return CalendarFeedPayload(
            feed=CalendarFeed.of(row) if row is not None else None, errors=errors
        )


purposes.register(
    {
        name: purposes.Purpose.USE
        for name in ("myCalendarFeed", "createCalendarFeed", "revokeCalendarFeed")
    }
)
