"""The right's queries and mutations. Resolvers stay thin: the service writes, the types
build the answer as the caller may see it now."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import sqlalchemy as sa
import strawberry
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.api.common import PageInfo, encode_cursor, page_args, parse_id
from backend.api.context import Info
from backend.api.writes import run_write
from backend.audit import purposes
from backend.core.errors import UserErrors
from backend.network.models import NetworkMember, NetworkRole
from backend.right import service
from backend.right.inputs import (
    AppealDecisionInput,
    DecideCoordinatorRequestInput,
    ReassessAppealInput,
    RecordStatsforvalterOutcomeInput,
    SubmitCoordinatorRequestInput,
)
from backend.right.models import CoordinatorRequest as RequestRow
from backend.right.models import RequestStatus
from backend.right.types import (
    CoordinatorRequest,
    CoordinatorRequestConnection,
    CoordinatorRequestEdge,
    CoordinatorRequestPayload,
    request_by_id,
    right_loaders,
    views,
)

EMPTY = CoordinatorRequestConnection(
    edges=[], page_info=PageInfo(has_next_page=False, end_cursor=None)
)


@strawberry.type
class RightQuery:
    @strawberry.field(
        description="The coordinating unit's inbox: requests for the caller's kommune; empty "
        "for others."
    )
    async def coordinator_requests(
        self,
        info: Info,
        status: list[RequestStatus] | None = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> CoordinatorRequestConnection:
        if info.context.actor is None:
            return EMPTY
        limit, after_id = page_args(first, after, info.context.language)
        kommune = await right_loaders(info).unit_kommune()
        if kommune is None:
            return EMPTY
        query = select(RequestRow).where(RequestRow.municipality_id == kommune)
        if status:
            query = query.where(col(RequestRow.status).in_([s.value for s in status]))
        if after_id is not None:
            query = query.where(col(RequestRow.id) > after_id)
        query = query.order_by(col(RequestRow.id)).limit(limit + 1)
        async with info.context.reads.session() as session:
            rows = list((await session.exec(query)).all())
        page = rows[:limit]
        return CoordinatorRequestConnection(
            edges=[
                CoordinatorRequestEdge(cursor=encode_cursor(r.row.id), node=r)
                for r in await views(info, page)
            ],
            page_info=PageInfo(
                has_next_page=len(rows) > limit,
                end_cursor=encode_cursor(page[-1].id) if page else None,
            ),
        )

    @strawberry.field(
        description="Requests the caller submitted, or about a child the caller is guardian "
        "of (with parental responsibility) or is."
    )
    async def my_coordinator_requests(self, info: Info) -> list[CoordinatorRequest]:
        actor = info.context.actor
        if actor is None:
            return []
        family = select(NetworkMember.child_id).where(
            NetworkMember.person_id == actor.person_id,
            col(NetworkMember.ended_at).is_(None),
            col(NetworkMember.role).in_([NetworkRole.GUARDIAN.value, NetworkRole.CHILD.value]),
        )
        query = (
            select(RequestRow)
            .where(
                sa.or_(
                    col(RequestRow.submitted_by_person_id) == actor.person_id,
                    col(RequestRow.child_id).in_(family),
                )
            )
            .order_by(col(RequestRow.submitted_at).desc(), col(RequestRow.id).desc())
            .limit(200)
        )
        async with info.context.reads.session() as session:
            rows = list((await session.exec(query)).all())
        return await views(info, rows)

    @strawberry.field(description="One request, if you may read it.")
    async def coordinator_request(self, info: Info, id: strawberry.ID) -> CoordinatorRequest | None:
        try:
            request_id = parse_id(id, "id")
        except UserErrors:
            return None
        return await request_by_id(info, request_id)


Action = Callable[[AsyncSession], Awaitable[RequestRow]]


async def _write(info: Info, action: Action) -> CoordinatorRequestPayload:
    row, errors = await run_write(info, action)
    request_id: uuid.UUID | None = row.id if row is not None else None
    return CoordinatorRequestPayload(request=await request_by_id(info, request_id), errors=errors)


@strawberry.type
class RightMutation:
    @strawberry.mutation(
        description="Ask the kommune for a barnekoordinator (the family, the young person "
        "from 15, or a service with the family's consent)."
    )
    async def submit_coordinator_request(
        self, info: Info, input: SubmitCoordinatorRequestInput
    ) -> CoordinatorRequestPayload:
        actor = info.context.actor
        return await _write(info, lambda s: service.submit(s, actor, input))

    @strawberry.mutation(description="Grant or refuse a request (the coordinating unit).")
    async def decide_coordinator_request(
        self, info: Info, input: DecideCoordinatorRequestInput
    ) -> CoordinatorRequestPayload:
        ctx = info.context
        return await _write(info, lambda s: service.decide(s, ctx.actor, ctx.settings, input))

    @strawberry.mutation(description="Appeal the latest decision, a refusal.")
    async def appeal_decision(
        self, info: Info, input: AppealDecisionInput
    ) -> CoordinatorRequestPayload:
        actor = info.context.actor
        return await _write(info, lambda s: service.appeal(s, actor, input))

    @strawberry.mutation(
        description="The kommune's reassessment of an appeal: reverse (grant) or uphold "
        "(forward to the Statsforvalteren)."
    )
    async def reassess_appeal(
        self, info: Info, input: ReassessAppealInput
    ) -> CoordinatorRequestPayload:
        ctx = info.context
        return await _write(info, lambda s: service.reassess(s, ctx.actor, ctx.settings, input))

    @strawberry.mutation(description="Record what the Statsforvalteren decided on the appeal.")
    async def record_statsforvalter_outcome(
        self, info: Info, input: RecordStatsforvalterOutcomeInput
    ) -> CoordinatorRequestPayload:
        actor = info.context.actor
        return await _write(info, lambda s: service.record_statsforvalter_outcome(s, actor, input))


purposes.register(
    {
        name: purposes.Purpose.CASE_WORK
        for name in (
            "coordinatorRequests",
            "myCoordinatorRequests",
            "coordinatorRequest",
            "submitCoordinatorRequest",
            "decideCoordinatorRequest",
            "appealDecision",
            "reassessAppeal",
            "recordStatsforvalterOutcome",
        )
    }
)
