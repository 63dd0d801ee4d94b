"""Appends audit rows. The application only inserts here; it never updates or deletes."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from backend.audit.access_log import NewAccessLogRow, insert_rows
from backend.audit.models import AuditEntry
from backend.core.database import Database
from backend.identity.actor import Actor


def record(
    session: AsyncSession,
    actor: Actor | None,
    *,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID,
    child_id: uuid.UUID | None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor_person_id=actor.person_id if actor else None,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        child_id=child_id,
        detail={"auth": actor.auth_method if actor else "system", **(detail or {})},
    )
    session.add(entry)
    return entry


log = logging.getLogger("koordinat.audit")


async def append_access_log(db: Database, entries: list[NewAccessLogRow]) -> None:
    """The one place access-log rows are written in their own transaction (appended; the
    database refuses changes). A write's own rows go into its transaction (`insert_rows`)."""
    if entries:
        async with db.writing() as session:
            await insert_rows(session, entries)


class AccessLogWriter:
    """Writes access-log rows from many live subscribers in as few transactions as possible.

    Rows queue while a write is running and go together in the next one, so many subscribers
    receiving one event cost one transaction, not one each.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._pending: list[NewAccessLogRow] = []
        self._task: asyncio.Task[None] | None = None

    def submit(self, entries: list[NewAccessLogRow]) -> None:
        if not entries:
            return
        self._pending.extend(entries)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                await append_access_log(self.db, batch)
            except Exception:
                log.exception("writing %d access-log rows failed; retrying", len(batch))
                self._pending[:0] = batch
                await asyncio.sleep(1)

    async def drain(self) -> None:
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)
