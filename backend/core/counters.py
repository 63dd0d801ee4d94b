"""Gapless counters numbered in commit order (per child events, per person feeds).

Taking the next number upserts the counter row, which then stays locked until the
transaction ends: a second writer for the same key waits, so numbers are handed out in
commit order and a reader following `seq > cursor` never skips a late commit.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.sql.elements import TextClause
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

_STATEMENTS: dict[str, TextClause] = {}


def _statement(table: str, key: str) -> TextClause:
    if table not in _STATEMENTS:
        _STATEMENTS[table] = sa.text(
            f"INSERT INTO {table} ({key}, last_seq) VALUES (:key, 1) "  # noqa: S608 (model names)
            f"ON CONFLICT ({key}) DO UPDATE SET last_seq = {table}.last_seq + 1 "
            "RETURNING last_seq"
        ).bindparams(sa.bindparam("key", type_=sa.Uuid()))
    return _STATEMENTS[table]


async def next_number(session: AsyncSession, counter: type[SQLModel], key: uuid.UUID) -> int:
    """The next number of `counter` (a table with one key column and `last_seq`) for `key`."""
    table = counter.__table__  # type: ignore[attr-defined]
    key_column = next(c.name for c in table.primary_key.columns)
    connection = await session.connection()
    result = await connection.execute(_statement(table.name, key_column), {"key": key})
    return int(result.scalar_one())
