"""GraphQL types of the live streams: an event, and the "resync required" answer."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from backend.api.context import Info
from backend.authz.policy import ChildFacts
from backend.events import registry
from backend.events.hub import encode_cursor
from backend.events.models import Event as EventRow
from backend.events.registry import EventEntity
from backend.events.render import Share


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

    @strawberry.field(
        description="What the event is about (see entityType), as far as you may see it now "
        "(null: gone, or not yours to see)."
    )
    async def entity(self, info: Info) -> EventEntity | None:
        return await self._render(info)

    @strawberry.field(
        description="For network events: the member, if you may see it.",
        deprecation_reason="Use entity.",
    )
    async def member(self, info: Info) -> EventEntity | None:
        if self.row.entity_type != "network_member":
            return None
        return await self._render(info)

    @strawberry.field(
        description="For events about the child itself: the child.",
        deprecation_reason="Use entity.",
    )
    async def child(self, info: Info) -> EventEntity | None:
        if self.row.entity_type != "child":
            return None
        return await self._render(info)

    async def _render(self, info: Info) -> EventEntity | None:
        """The entity through its domain's renderer, with the reader's facts at the event."""
        renderer = registry.renderer_for(self.row.entity_type)
        if renderer is None or self.row.child_id is None:
            return None
        facts = await self._facts(info)
        if facts is None:
            return None
        return await renderer(info, self.row, facts)

    async def _facts(self, info: Info) -> ChildFacts | None:
        """The reader's facts, with the protection the event was recorded under: history
        recorded under a protected address stays protected after it is lowered."""
        assert self.row.child_id is not None
        facts = await info.context.gate.view(self.row.child_id, "event")
        return facts.at_event(self.row.seq) if facts is not None else None

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
