"""Per-request DataLoaders: each batch is one SQL statement, whatever the number of keys.

Batches read through the operation's `Reads`: a query's loaders share its one read
transaction; elsewhere each batch has its own short session, so no snapshot outlives a write.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from sqlmodel import col, select

from backend.consent.models import Consent
from backend.core.database import Database, Reads
from backend.core.loaders import DataLoader
from backend.identity.actor import Actor
from backend.identity.models import Person
from backend.network.models import Municipality, NetworkMember, ServiceProvider

Row = TypeVar("Row", Person, ServiceProvider, Municipality)


class Loaders:
    def __init__(self, db: Database, actor: Actor | None, reads: Reads | None = None) -> None:
        self.db = db
        self.actor = actor
        self.reads = reads or Reads(db)
        self.person = DataLoader(self._by_id(Person))
        self.service = DataLoader(self._by_id(ServiceProvider))
        self.municipality = DataLoader(self._by_id(Municipality))
        self.active_members = DataLoader(self._members(active_only=True))
        self.all_members = DataLoader(self._members(active_only=False))
        self.consents = DataLoader(self._consents)

    def _by_id(
        self, model: type[Row]
    ) -> Callable[[list[uuid.UUID]], Awaitable[Sequence[Row | None]]]:
        async def load(ids: list[uuid.UUID]) -> Sequence[Row | None]:
            async with self.reads.session() as session:
                rows = await session.exec(select(model).where(col(model.id).in_(ids)))
                by_id = {row.id: row for row in rows.all()}
            return [by_id.get(i) for i in ids]

        return load

    async def _consents(self, child_ids: list[uuid.UUID]) -> Sequence[list[Consent]]:
        query = (
            select(Consent)
            .where(col(Consent.child_id).in_(child_ids))
            .order_by(col(Consent.given_at), col(Consent.id))
        )
        async with self.reads.session() as session:
            rows = (await session.exec(query)).all()
        grouped: dict[uuid.UUID, list[Consent]] = {c: [] for c in child_ids}
        for row in rows:
            grouped[row.child_id].append(row)
        return [grouped[c] for c in child_ids]

    def _members(
        self, *, active_only: bool
    ) -> Callable[[list[uuid.UUID]], Awaitable[Sequence[list[NetworkMember]]]]:
        async def load(child_ids: list[uuid.UUID]) -> Sequence[list[NetworkMember]]:
            query = select(NetworkMember).where(col(NetworkMember.child_id).in_(child_ids))
            if active_only:
                query = query.where(col(NetworkMember.ended_at).is_(None))
            query = query.order_by(col(NetworkMember.created_at), col(NetworkMember.id))
            async with self.reads.session() as session:
                rows = (await session.exec(query)).all()
            grouped: dict[uuid.UUID, list[NetworkMember]] = {c: [] for c in child_ids}
            for row in rows:
                grouped[row.child_id].append(row)
            return [grouped[c] for c in child_ids]

        return load
