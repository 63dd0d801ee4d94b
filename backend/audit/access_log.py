"""Tilgangslogg: who read which child's data, what, why and when. Append-only.

One row per operation and child, naming the categories read (not one row per field), so the
log does not become the bottleneck. The database refuses UPDATE and DELETE on this table.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any, NamedTuple

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


class LoggedRow(NamedTuple):
    """An access-log row as a page shows it: plain values from one Core select (no ORM
    object, identity map or unit of work on the read path)."""

    id: uuid.UUID
    at: dt.datetime
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


def _page_query(older: bool) -> Any:
    """A page of one child's log, newest first: `child_id = ? [AND id < ?] ORDER BY id DESC
    LIMIT ?`, a backward range scan of ix_access_log_child_id_id however long the log grows.
    Built once with bind parameters, so each read only binds values (no statement building
    or cache-key walk per request)."""
    table: Any = AccessLogEntry.__table__  # type: ignore[attr-defined]
    query = sa.select(*(table.c[name] for name in LoggedRow._fields)).where(
        table.c.child_id == sa.bindparam("child_id")
    )
    if older:
        query = query.where(table.c.id < sa.bindparam("before_id"))
    return query.order_by(table.c.id.desc()).limit(sa.bindparam("limit", type_=sa.Integer))


_NEWEST_PAGE = _page_query(older=False)
_OLDER_PAGE = _page_query(older=True)


async def read_page(
    session: AsyncSession, child_id: uuid.UUID, limit: int, before_id: uuid.UUID | None
) -> list[LoggedRow]:
    """Up to `limit` + 1 rows of the child's log (the extra one tells whether a next page
    exists), newest first, older than `before_id` when given: one statement."""
    if before_id is None:
        result = await session.execute(_NEWEST_PAGE, {"child_id": child_id, "limit": limit + 1})
    else:
        result = await session.execute(
            _OLDER_PAGE, {"child_id": child_id, "before_id": before_id, "limit": limit + 1}
        )
    return [LoggedRow._make(r) for r in result]


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
    "LoggedRow",
    "NewAccessLogRow",
    "insert_rows",
    "read_page",
]
