"""Tilgangslogg: who read which child's data, what, why and when. Append-only.

One row per operation and child, naming the categories read (not one row per field), so the
log does not become the bottleneck. The database refuses UPDATE and DELETE on this table.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, Index, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.core.database import utcnow
from backend.core.ids import new_id
from backend.core.models import created_at_field, id_field


class AccessLogEntry(SQLModel, table=True):
    __tablename__ = "access_log"
    # The family's log is read newest first, a page at a time, per child.
    __table_args__ = (Index("ix_access_log_child_id_id", "child_id", "id"),)

    id: uuid.UUID = id_field()
    at: dt.datetime = created_at_field()
    # No foreign keys: a refused look at an unknown id is logged too, and rows outlive people.
    child_id: uuid.UUID = Field(index=True)
    actor_person_id: uuid.UUID | None = Field(default=None, index=True)
    actor_name: str = Field(max_length=200)
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    organisation: str | None = Field(default=None, max_length=200)
    what: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    refused: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # A code from backend.audit.purposes (never the client's operation name).
    purpose: str = Field(max_length=200)
    # The category a reader needs to see the purpose (a child's own health choice: health).
    purpose_category: str | None = Field(default=None, max_length=16)
    via: str = Field(max_length=16)
    # A refusal for someone with no role in the child's network: for the kommune's security
    # review; the family sees it in neutral words.
    outsider: bool = Field(
        default=False, sa_column_kwargs={"server_default": sa.false(), "nullable": False}
    )


@dataclasses.dataclass(frozen=True, slots=True)
class NewAccessLogRow:
    """An access-log row to append: plain values, inserted with one Core statement for many
    rows (no ORM objects or unit of work on the read path)."""

    child_id: uuid.UUID
    actor_person_id: uuid.UUID | None
    actor_name: str
    roles: list[str]
    organisation: str | None
    what: list[str]
    refused: list[str]
    purpose: str
    purpose_category: str | None
    via: str
    outsider: bool
    id: uuid.UUID = dataclasses.field(default_factory=new_id)
    at: dt.datetime = dataclasses.field(default_factory=utcnow)


async def insert_rows(session: AsyncSession, rows: list[NewAccessLogRow]) -> None:
    """Appends the rows in the session's transaction: one INSERT (executemany), never an
    UPDATE; the database refuses changes to this table anyway."""
    if rows:
        table: Any = AccessLogEntry.__table__  # type: ignore[attr-defined]
        names = [f.name for f in dataclasses.fields(NewAccessLogRow)]
        await session.execute(sa.insert(table), [{n: getattr(r, n) for n in names} for r in rows])


# Append-only at the database level, on both engines.
SQLITE_GUARDS = [
    "CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log "
    "BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END",
    "CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log "
    "BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END",
]
SQLITE_UNGUARDS = [
    "DROP TRIGGER IF EXISTS access_log_no_update",
    "DROP TRIGGER IF EXISTS access_log_no_delete",
]
POSTGRES_GUARDS = [
    "CREATE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'access_log is append-only'; END $$",
    "CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log "
    "FOR EACH ROW EXECUTE FUNCTION access_log_append_only()",
    "REVOKE UPDATE, DELETE, TRUNCATE ON access_log FROM PUBLIC",
]
POSTGRES_UNGUARDS = [
    "DROP TRIGGER IF EXISTS access_log_append_only ON access_log",
    "DROP FUNCTION IF EXISTS access_log_append_only()",
]

__all__ = [
    "POSTGRES_GUARDS",
    "SQLITE_GUARDS",
    "AccessLogEntry",
    "Any",
    "NewAccessLogRow",
    "insert_rows",
]
