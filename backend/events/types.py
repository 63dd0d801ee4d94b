"""GraphQL types of the live streams: an event, and the "resync required" answer."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from sqlmodel import select

from backend.api.context import Info
from backend.authz.policy import ChildFacts
from backend.children.models import Child as ChildRow
from backend.children.types import Child
from backend.events.hub import encode_cursor
from backend.events.models import Event as EventRow
from backend.events.render import Share
from backend.network.models import NetworkMember as NetworkMemberRow
from backend.network.types import NetworkMember, visible_members
from backend.notify.types import Notification


@strawberry.type(
    name="Event",
    description="One change in a child's network, numbered per child in commit order. "
    "The changed entity shows its current state as far as you may see it.",
)
class EventNode:
    id: strawberry.ID
    child_id: strawberry.ID
    seq: int = strawberry.field(description="Per-child sequence number, without gaps.")
    kind: str = strawberry.field(description="What happened, e.g. network.member_added.")
    entity_type: str
    occurred_at: dt.datetime
    cursor: str = strawberry.field(description="Give this as `after` to resume after it.")
    row: strawberry.Private[EventRow]
    share: strawberry.Private[Share | None]

    @strawberry.field(description="For network events: the member, if you may see it.")
    async def member(self, info: Info) -> NetworkMember | None:
        if self.row.entity_type != "network_member" or self.row.child_id is None:
            return None
        facts = await self._facts(info)
        if facts is None:
            return None
        async with info.context.db.reading() as session:
            row = await session.get(NetworkMemberRow, self.row.entity_id)
        if row is None:
            return None
        # The same filter as the network query: a barnevern or health membership is data
        # of its category.
        visible = await visible_members(info, [row], facts)
        return visible[0] if visible else None

    async def _facts(self, info: Info) -> ChildFacts | None:
        """The reader's facts, with the protection the event was recorded under: history
        recorded under a protected address stays protected after it is lowered."""
        assert self.row.child_id is not None
        facts = await info.context.gate.view(self.row.child_id, "event")
        return facts.at_event(self.row.seq) if facts is not None else None

    @strawberry.field(description="For events about the child itself: the child.")
    async def child(self, info: Info) -> Child | None:
        if self.row.entity_type != "child" or self.row.child_id is None:
            return None
        facts = await self._facts(info)
        if facts is None:
            return None
        async with info.context.db.reading() as session:
            row = (
                await session.exec(select(ChildRow).where(ChildRow.id == self.row.child_id))
            ).first()
        return Child.from_row(row, facts) if row else None

    @classmethod
    def from_row(cls, row: EventRow, share: Share | None) -> EventNode:
        assert row.child_id is not None and row.seq is not None
        return cls(
            id=strawberry.ID(str(row.id)),
            child_id=strawberry.ID(str(row.child_id)),
            seq=row.seq,
            kind=row.kind,
            entity_type=row.entity_type,
            occurred_at=row.occurred_at,
            cursor=encode_cursor(row.child_id, row.seq),
            row=row,
            share=share,
        )


@strawberry.type(
    description="Your cursor is older than the history that is kept: load the current "
    "state again, then subscribe after `latestCursor`."
)
class ResyncRequired:
    child_id: strawberry.ID
    latest_cursor: str | None = strawberry.field(
        description="The newest event's cursor when this was answered (null: no events)."
    )


EventStreamItem = Annotated[
    EventNode | ResyncRequired,
    strawberry.union("EventStreamItem", description="An event, or a request to resync."),
]


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
