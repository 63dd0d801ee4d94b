"""The right's GraphQL types, built as the caller may see them now.

A request is read by its submitter, the child's guardians with parental responsibility, the
child from 12, the child's coordinator and the coordinating unit of its kommune (requests and
decisions only, never the plan). Everyone else: null, as for a request that exists nowhere.
Every read of a registered child's request goes into that child's access log.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlmodel import col, select

from backend.api.common import PageInfo, UserError
from backend.api.context import Info
from backend.api.loaders import Loaders
from backend.authz.access import coordinating_unit_of, municipality_category
from backend.authz.policy import Action, ChildFacts
from backend.children.models import Child as ChildRow
from backend.consent.types import WHAT_IN_WORDS
from backend.core.database import Reads
from backend.core.loaders import DataLoader
from backend.network.types import Municipality
from backend.right import logic
from backend.right.models import CoordinatorAppeal as AppealRow
from backend.right.models import CoordinatorDecision as DecisionRow
from backend.right.models import CoordinatorRequest as RequestRow
from backend.right.models import (
    DecisionOutcome,
    ReassessmentOutcome,
    RequestStatus,
    RequestSubmitter,
    StatsforvalterOutcome,
)
from backend.right.service import request_facts

if TYPE_CHECKING:
    from backend.children.types import Child

# What the access log says was read (and how it reads to the family).
WHAT = "coordinatorRequest"
WHAT_IN_WORDS.setdefault(
    WHAT,
    (
        "anmodning om barnekoordinator",
        "oppmoding om barnekoordinator",
        "the request for a barnekoordinator",
    ),
)


class RightLoaders:
    """The right's loaders of one request: one statement per batch."""

    def __init__(self, reads: Reads, loaders: Loaders) -> None:
        self.reads = reads
        self.loaders = loaders
        self.decisions: DataLoader[uuid.UUID, list[DecisionRow]] = DataLoader(self._decisions)
        self.appeals: DataLoader[uuid.UUID, list[AppealRow]] = DataLoader(self._appeals)
        self.by_child: DataLoader[uuid.UUID, list[RequestRow]] = DataLoader(self._by_child)
        self.child: DataLoader[uuid.UUID, ChildRow | None] = DataLoader(self._children)
        self._unit: asyncio.Future[uuid.UUID | None] | None = None

    async def unit_kommune(self) -> uuid.UUID | None:
        """The kommune whose coordinating unit the caller works for (once per request)."""
        if self._unit is None:

            async def find() -> uuid.UUID | None:
                async with self.reads.session() as session:
                    return await coordinating_unit_of(session, self.loaders.actor)

            self._unit = asyncio.ensure_future(find())
        return await self._unit

    async def _grouped(
        self, model: type, key: str, ids: list[uuid.UUID], order: Sequence[Any]
    ) -> Any:
        column = getattr(model, key)
        query: Any = select(model).where(col(column).in_(ids)).order_by(*order)
        async with self.reads.session() as session:
            rows = (await session.exec(query)).all()
        grouped: dict[uuid.UUID, list[object]] = {i: [] for i in ids}
        for row in rows:
            grouped[getattr(row, key)].append(row)
        return [grouped[i] for i in ids]

    async def _decisions(self, ids: list[uuid.UUID]) -> list[list[DecisionRow]]:
        order = (col(DecisionRow.decided_at), col(DecisionRow.id))
        return await self._grouped(DecisionRow, "request_id", ids, order)

    async def _appeals(self, ids: list[uuid.UUID]) -> list[list[AppealRow]]:
        order = (col(AppealRow.submitted_at), col(AppealRow.id))
        return await self._grouped(AppealRow, "request_id", ids, order)

    async def _by_child(self, ids: list[uuid.UUID]) -> list[list[RequestRow]]:
        order = (col(RequestRow.submitted_at), col(RequestRow.id))
        return await self._grouped(RequestRow, "child_id", ids, order)

    async def _children(self, ids: list[uuid.UUID]) -> list[ChildRow | None]:
        async with self.reads.session() as session:
            rows = (await session.exec(select(ChildRow).where(col(ChildRow.id).in_(ids)))).all()
        by_id = {r.id: r for r in rows}
        return [by_id.get(i) for i in ids]


_PER_REQUEST: weakref.WeakKeyDictionary[Loaders, RightLoaders] = weakref.WeakKeyDictionary()


def right_loaders(info: Info) -> RightLoaders:
    loaders = info.context.loaders
    found = _PER_REQUEST.get(loaders)
    if found is None:
        found = _PER_REQUEST[loaders] = RightLoaders(loaders.reads, loaders)
    return found


@strawberry.type(description="A decision (vedtak) on a request for a barnekoordinator.")
class Decision:
    id: strawberry.ID
    outcome: DecisionOutcome
    reasons: str | None = strawberry.field(
        description="Required when refusing; the family reads them."
    )
    legal_basis: str | None
    decided_by_name: str
    decided_at: dt.datetime
    family_told_at: dt.datetime = strawberry.field(
        description="When the family was told (in-app and e-mail through the notification rules)."
    )
    appeal_deadline: dt.date | None = strawberry.field(
        description="Refusals only: 4 weeks from familyToldAt (Oslo date), moved to the next "
        "working day."
    )
    coordinator_name: str | None = strawberry.field(
        description="Granted only: the coordinator's name."
    )

    @classmethod
    def from_row(cls, row: DecisionRow) -> Decision:
        return cls(
            id=strawberry.ID(str(row.id)),
            outcome=DecisionOutcome(row.outcome),
            reasons=row.reasons,
            legal_basis=row.legal_basis,
            decided_by_name=row.decided_by_name,
            decided_at=row.decided_at,
            family_told_at=row.family_told_at,
            appeal_deadline=row.appeal_deadline,
            coordinator_name=row.coordinator_name,
        )


@strawberry.type(description="An appeal (klage) against a refusal.")
class Appeal:
    id: strawberry.ID
    decision_id: strawberry.ID
    grounds: str
    submitted_by_name: str
    submitted_at: dt.datetime
    deadline: dt.date = strawberry.field(description="The deadline it was measured against.")
    late: bool = strawberry.field(
        description="Submitted after the deadline: recorded, and marked late."
    )
    reassessment: ReassessmentOutcome | None
    reassessment_reasons: str | None
    reassessed_at: dt.datetime | None
    forwarded_at: dt.datetime | None
    statsforvalter_outcome: StatsforvalterOutcome | None
    statsforvalter_reasons: str | None
    statsforvalter_recorded_at: dt.datetime | None
    version: int

    @classmethod
    def from_row(cls, row: AppealRow) -> Appeal:
        return cls(
            id=strawberry.ID(str(row.id)),
            decision_id=strawberry.ID(str(row.decision_id)),
            grounds=row.grounds,
            submitted_by_name=row.submitted_by_name,
            submitted_at=row.submitted_at,
            deadline=row.deadline,
            late=row.late,
            reassessment=ReassessmentOutcome(row.reassessment) if row.reassessment else None,
            reassessment_reasons=row.reassessment_reasons,
            reassessed_at=row.reassessed_at,
            forwarded_at=row.forwarded_at,
            statsforvalter_outcome=(
                StatsforvalterOutcome(row.statsforvalter_outcome)
                if row.statsforvalter_outcome
                else None
            ),
            statsforvalter_reasons=row.statsforvalter_reasons,
            statsforvalter_recorded_at=row.statsforvalter_recorded_at,
            version=row.version,
        )


@strawberry.type(description="A request (anmodning) that the kommune assign a barnekoordinator.")
class CoordinatorRequest:
    id: strawberry.ID
    status: RequestStatus
    child_name: str = strawberry.field(description="The child's name as the request gives it.")
    birth_date: dt.date | None
    expected_date: dt.date | None
    situation: str = strawberry.field(
        description="The child's situation in the family's plain words."
    )
    services_involved: list[str]
    unresolved: bool = strawberry.field(
        description="Uavklart: the situation is not yet clarified (no diagnosis needed)."
    )
    submitted_by: RequestSubmitter
    submitted_by_name: str
    submitted_at: dt.datetime
    decision_due_on: dt.date = strawberry.field(
        description="The day the decision is due (the pathway's target, default 3 weeks, "
        "Europe/Oslo working day)."
    )
    version: int
    row: strawberry.Private[RequestRow]
    facts: strawberry.Private[ChildFacts | None]
    in_unit: strawberry.Private[bool]

    @strawberry.field(
        description="The registered child; null while not registered (the grant registers "
        "it) or if you may not see it."
    )
    async def child(
        self, info: Info
    ) -> Annotated[Child, strawberry.lazy("backend.children.types")] | None:
        from backend.children.types import Child

        gate = info.context.gate
        if self.facts is None or not gate.decide(self.facts, Action.VIEW_CHILD):
            return None
        row = await right_loaders(info).child.load(self.facts.child_id)
        if row is None:
            return None
        gate.note_read(row.id, "basic")
        return Child.from_row(row, self.facts)

    @strawberry.field
    async def municipality(self, info: Info) -> Municipality | None:
        # A protected child's kommune tells where the family lives: shown as the child's is,
        # except to the unit, whose kommune it is.
        if (
            self.facts is not None
            and not self.in_unit
            and not info.context.gate.read(self.facts, [municipality_category(self.facts)])
        ):
            return None
        row = await info.context.loaders.municipality.load(self.row.municipality_id)
        return Municipality.from_row(row) if row else None

    @strawberry.field(
        description="Decisions, oldest first (a reversal or a sent-back appeal leads to a new one)."
    )
    async def decisions(self, info: Info) -> list[Decision]:
        return [Decision.from_row(r) for r in await right_loaders(info).decisions.load(self.row.id)]

    @strawberry.field
    async def appeals(self, info: Info) -> list[Appeal]:
        return [Appeal.from_row(r) for r in await right_loaders(info).appeals.load(self.row.id)]

    @strawberry.field(
        description="What happens next, in plain words for the family (nb/nn/en by the "
        "reader's language)."
    )
    def next_step(self, info: Info) -> str:
        return logic.next_step(self.status, info.context.language)

    @classmethod
    def from_row(
        cls, row: RequestRow, facts: ChildFacts | None, in_unit: bool
    ) -> CoordinatorRequest:
        names = " ".join(n for n in (row.child_given_name, row.child_family_name) if n)
        return cls(
            id=strawberry.ID(str(row.id)),
            status=RequestStatus(row.status),
            child_name=names,
            birth_date=row.birth_date,
            expected_date=row.expected_date,
            situation=row.situation,
            services_involved=list(row.services_involved),
            unresolved=row.unresolved,
            submitted_by=RequestSubmitter(row.submitted_by),
            submitted_by_name=row.submitted_by_name,
            submitted_at=row.submitted_at,
            decision_due_on=row.decision_due_on,
            version=row.version,
            row=row,
            facts=facts,
            in_unit=in_unit,
        )


@strawberry.type
class CoordinatorRequestPayload:
    request: CoordinatorRequest | None
    errors: list[UserError]


@strawberry.type
class CoordinatorRequestEdge:
    cursor: str
    node: CoordinatorRequest


@strawberry.type
class CoordinatorRequestConnection:
    edges: list[CoordinatorRequestEdge]
    page_info: PageInfo


async def views(info: Info, rows: Sequence[RequestRow]) -> list[CoordinatorRequest]:
    """The requests this caller may read, in order; every read (and refusal) of a registered
    child's request noted for that child's access log. A fixed number of statements."""
    actor = info.context.actor
    gate = info.context.gate
    if actor is None:
        # Refused, and in the access log of each registered child asked about.
        for row in rows:
            if row.child_id is not None:
                gate.note_refused(row.child_id, WHAT)
        return []
    if not rows:
        return []
    child_ids = list(dict.fromkeys(r.child_id for r in rows if r.child_id is not None))
    # Gathered: the facts of every child load in one batch.
    loaded = await asyncio.gather(*(gate.facts(c) for c in child_ids))
    facts = dict(zip(child_ids, loaded, strict=True))
    unit = await right_loaders(info).unit_kommune()
    found = []
    for row in rows:
        child = facts.get(row.child_id) if row.child_id is not None else None
        decided = request_facts(actor, row, child, unit)
        if not logic.decide(actor, logic.READ, decided):
            if row.child_id is not None:
                gate.note_refused(row.child_id, WHAT)
            continue
        if row.child_id is not None:
            gate.note_read(row.child_id, WHAT)
        found.append(CoordinatorRequest.from_row(row, child, decided.in_kommunes_coordinating_unit))
    return found


async def child_requests(info: Info, child_id: uuid.UUID) -> list[CoordinatorRequest]:
    """`Child.coordinatorRequests`: the child's trail as far as this reader may read it."""
    return await views(info, await right_loaders(info).by_child.load(child_id))


async def request_by_id(info: Info, request_id: uuid.UUID | None) -> CoordinatorRequest | None:
    if request_id is None:
        return None
    async with info.context.reads.session() as session:
        row = await session.get(RequestRow, request_id)
    found = await views(info, [row]) if row is not None else []
    return found[0] if found else None


def statuses(values: list[RequestStatus] | None) -> list[str] | None:
    return [v.value for v in values] if values else None


__all__ = ["DecisionOutcome", "RequestStatus"]
