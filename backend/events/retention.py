"""How long events are kept. Pruning moves a child's floor up, never leaves a hole.

Only a prefix of a child's stream is removed and `pruned_seq` records where it ends, so a
subscriber can tell "nothing happened" from "you missed what was pruned" (resync required).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import col, func, select

from backend.core.database import Database
from backend.events.models import ChildEventCounter, Event


async def prune_events(db: Database, *, older_than: dt.datetime) -> int:
    """Delete events that occurred before `older_than`; returns how many were removed."""
    removed = 0
    async with db.reading() as session:
        cut = await session.exec(
            select(Event.child_id, func.max(Event.seq))
            .where(col(Event.occurred_at) < older_than, col(Event.child_id).is_not(None))
            .group_by(col(Event.child_id))
        )
        per_child = [(c, s) for c, s in cut.all() if c is not None and s is not None]
    for child_id, max_seq in per_child:
        # One child at a time: the counter row is the child's writer lock, held briefly.
        async with db.writing() as session:
            counter = await session.get(ChildEventCounter, child_id, with_for_update=True)
            if counter is None:
                continue
            counter.pruned_seq = max(counter.pruned_seq, max_seq)
            session.add(counter)
            result = await session.exec(
                sa.delete(Event).where(
                    col(Event.child_id) == child_id, col(Event.seq) <= counter.pruned_seq
                )
            )
            removed += result.rowcount or 0
    async with db.writing() as session:
        # Events about no child (e.g. a service registered) have no cursor to protect.
        result = await session.exec(
            sa.delete(Event).where(
                col(Event.child_id).is_(None), col(Event.occurred_at) < older_than
            )
        )
        removed += result.rowcount or 0
    return removed
