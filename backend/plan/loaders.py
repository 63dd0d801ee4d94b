"""The plan's DataLoaders: one statement per table and batch, whatever the plan's size and
however many children are read at once (a caseload of 50 costs what one child costs).

They hang off the request's `Loaders` (one set per request, like the others), and read
through the operation's `Reads`.
"""

from __future__ import annotations

import uuid
import weakref
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from backend.api.loaders import Loaders
from backend.core.database import Reads
from backend.core.loaders import DataLoader
from backend.plan.logic import PlanParts
from backend.plan.models import (
    Plan,
    PlanChange,
    PlanConfirmation,
    PlanRevision,
)
from backend.plan.queries import load_parts


@dataclass(frozen=True)
class HistoryKey:
    """One reader's question for one plan's history."""

    plan_id: uuid.UUID
    up_to: int  # revision
    limit: int
    # The plan categories the reader may read, and the services whose lines are theirs.
    categories: frozenset[str]
    own_services: frozenset[uuid.UUID]
    # Parts the reader may not read as they are now (moved to a category they may not read).
    hidden: frozenset[uuid.UUID] = frozenset()


class PlanLoaders:
    def __init__(self, reads: Reads) -> None:
        self.reads = reads
        self.current_plan: DataLoader[uuid.UUID, Plan | None] = DataLoader(self._current)
        self.plan: DataLoader[uuid.UUID, Plan | None] = DataLoader(self._plans)
        self.parts: DataLoader[uuid.UUID, PlanParts] = DataLoader(self._parts)
        self.confirmations: DataLoader[uuid.UUID, list[PlanConfirmation]] = DataLoader(
            self._confirmations
        )
        self.revision: DataLoader[tuple[uuid.UUID, int], PlanRevision | None] = DataLoader(
            self._revisions
        )
        self.history: DataLoader[HistoryKey, list[PlanChange]] = DataLoader(self._history)

    async def _current(self, child_ids: list[uuid.UUID]) -> list[Plan | None]:
        async with self.reads.session() as session:
            rows = await session.exec(
                select(Plan).where(col(Plan.child_id).in_(child_ids), col(Plan.ended_at).is_(None))
            )
            by_child = {r.child_id: r for r in rows.all()}
        return [by_child.get(c) for c in child_ids]

    async def _plans(self, plan_ids: list[uuid.UUID]) -> list[Plan | None]:
        async with self.reads.session() as session:
            rows = await session.exec(select(Plan).where(col(Plan.id).in_(plan_ids)))
            by_id = {r.id: r for r in rows.all()}
        return [by_id.get(p) for p in plan_ids]

    async def _parts(self, plan_ids: list[uuid.UUID]) -> list[PlanParts]:
        async with self.reads.session() as session:
            found = await load_parts(session, plan_ids)
        return [found[p] for p in plan_ids]

    async def _confirmations(self, plan_ids: list[uuid.UUID]) -> list[list[PlanConfirmation]]:
        async with self.reads.session() as session:
            rows = await session.exec(
                select(PlanConfirmation)
                .where(col(PlanConfirmation.plan_id).in_(plan_ids))
                .order_by(col(PlanConfirmation.confirmed_at), col(PlanConfirmation.id))
            )
            grouped: dict[uuid.UUID, list[PlanConfirmation]] = {p: [] for p in plan_ids}
            for row in rows.all():
                grouped[row.plan_id].append(row)
        return [grouped[p] for p in plan_ids]

    async def _revisions(self, keys: list[tuple[uuid.UUID, int]]) -> list[PlanRevision | None]:
        async with self.reads.session() as session:
            rows = await session.exec(
                select(PlanRevision).where(
                    sa.tuple_(col(PlanRevision.plan_id), col(PlanRevision.revision)).in_(keys)
                )
            )
            by_key = {(r.plan_id, r.revision): r for r in rows.all()}
        return [by_key.get(k) for k in keys]

    async def _history(self, keys: list[HistoryKey]) -> list[list[PlanChange]]:
        """The newest lines of each plan's history that its reader may see, `limit` per
        plan, in one statement however many plans are asked for."""
        wanted = [
            sa.and_(
                col(PlanChange.plan_id) == key.plan_id,
                col(PlanChange.revision) <= key.up_to,
                sa.or_(
                    col(PlanChange.category).in_(sorted(key.categories)),
                    col(PlanChange.service_id).in_(list(key.own_services)),
                ),
                *([col(PlanChange.entity_id).not_in(sorted(key.hidden))] if key.hidden else []),
            )
            for key in keys
        ]
        ranked = (
            select(
                PlanChange,
                sa.func.row_number()
                .over(
                    partition_by=col(PlanChange.plan_id),
                    order_by=(col(PlanChange.at).desc(), col(PlanChange.id).desc()),
                )
                .label("place"),
            )
            .where(sa.or_(*wanted))
            .subquery()
        )
        change = aliased(PlanChange, ranked)
        limit = max(key.limit for key in keys)
        async with self.reads.session() as session:
            rows = await session.exec(
                select(change)
                .where(ranked.c.place <= limit)
                .order_by(col(change.at).desc(), col(change.id).desc())
            )
            grouped: dict[uuid.UUID, list[PlanChange]] = {}
            for row in rows.all():
                grouped.setdefault(row.plan_id, []).append(row)
        return [grouped.get(key.plan_id, [])[: key.limit] for key in keys]


_PER_REQUEST: weakref.WeakKeyDictionary[Loaders, PlanLoaders] = weakref.WeakKeyDictionary()


def plan_loaders(loaders: Loaders) -> PlanLoaders:
    """The plan's loaders of this request (made on first use)."""
    found = _PER_REQUEST.get(loaders)
    if found is None:
        found = _PER_REQUEST[loaders] = PlanLoaders(loaders.reads)
    return found
