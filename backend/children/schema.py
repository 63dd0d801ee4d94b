"""Queries and mutations for children."""

from __future__ import annotations

import asyncio

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
from backend.children import service
from backend.children.models import Child as ChildRow
from backend.children.types import (
    Child,
    ChildConnection,
    ChildEdge,
    ChildPayload,
    RegisterChildInput,
    UpdateChildInput,
    child_for,
)
from backend.core.errors import UserErrors
from backend.network.models import NetworkRole


@strawberry.type
class ChildrenQuery:
    @strawberry.field(description="One child, if you are in the child's network.")
    async def child(self, info: Info, id: strawberry.ID) -> Child | None:
        try:
            child_id = parse_id(id, "id")
        except UserErrors:
            return None  # a malformed id is simply not found
        facts = await info.context.gate.view(child_id)
        if facts is None:
            return None  # outside the network and non-existent look the same (and are logged)
        # The gate decided from the child's own records; the row itself is all that is left.
        async with info.context.reads.session() as session:
            row = await session.get(ChildRow, child_id)
        return Child.from_row(row, facts) if row else None

    @strawberry.field(
        description="Children where you have an active role; with role COORDINATOR, "
        "your caseload. Cursor-paginated."
    )
    async def my_children(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        role: NetworkRole | None = None,
    ) -> ChildConnection:
        actor = info.context.actor
        if actor is None:
            return ChildConnection(
                edges=[], page_info=PageInfo(has_next_page=False, end_cursor=None)
            )
        limit, after_id = page_args(first, after, info.context.language)
        async with info.context.reads.session() as session:
            rows = await service.my_children(
                session, actor, role=role, after=after_id, limit=limit + 1
            )
        # Gathered, so the access facts of the whole page load in one batch.
        children = await asyncio.gather(*(child_for(info, row) for row in rows[:limit]))
        edges = [
            ChildEdge(cursor=encode_cursor(child.row.id), node=child)
            for child in children
            if child is not None
        ]
        return ChildConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(rows) > limit,
                end_cursor=encode_cursor(rows[:limit][-1].id) if rows else None,
            ),
        )


@strawberry.type
class ChildrenMutation:
    @strawberry.mutation(
        description="Register a child (also before birth) with guardians; you become "
        "the barnekoordinator unless you name another."
    )
    async def register_child(self, info: Info, input: RegisterChildInput) -> ChildPayload:
        ctx = info.context
        row, errors = await run_write(
            info, lambda s: service.register_child(s, ctx.actor, ctx.settings, input)
        )
        return ChildPayload(child=await child_for(info, row), errors=errors)

    @strawberry.mutation(description="Change a child's details; give the version you read.")
    async def update_child(self, info: Info, input: UpdateChildInput) -> ChildPayload:
        ctx = info.context
        row, errors = await run_write(
            info, lambda s: service.update_child(s, ctx.actor, ctx.settings, input)
        )
        return ChildPayload(child=await child_for(info, row), errors=errors)


# Why the access log says these were read (see backend.audit.purposes).
purposes.register(
    {
        "child": purposes.Purpose.CHILD_WORKSPACE,
        "myChildren": purposes.Purpose.CASELOAD,
        "registerChild": purposes.Purpose.CHILD_DETAILS,
        "updateChild": purposes.Purpose.CHILD_DETAILS,
    }
)
