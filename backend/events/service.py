"""The outbox. Every change appends one event (and its audit row) in the writer's transaction.

What else a change means (notification rows, live hints for a person) is the domains'
business: their listeners run in the same transaction (`registry.changed`)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from backend.core.actor import Actor
from backend.core.counters import next_number
from backend.events import registry
from backend.events.models import ChildEventCounter, Event


async def next_seq(session: AsyncSession, child_id: uuid.UUID) -> int:
    """Next per-child sequence number, in commit order (see backend.core.counters)."""
    await session.flush()  # the child row must exist before its counter
    return await next_number(session, ChildEventCounter, child_id)


async def record_change(
    session: AsyncSession,
    actor: Actor | None,
    *,
    kind: str,
    entity_type: str,
    entity_id: uuid.UUID,
    child_id: uuid.UUID | None,
    payload: dict[str, Any] | None = None,
) -> Event:
    """Append the outbox event and the audit row for one change."""
    seq = await next_seq(session, child_id) if child_id is not None else None
    event = Event(
        child_id=child_id,
        seq=seq,
        kind=kind,
        entity_type=entity_type,
        entity_id=entity_id,
        actor_person_id=actor.person_id if actor else None,
        payload=payload or {},
    )
    session.add(event)
    if child_id is not None and seq is not None:
        # Read by run_write after the commit, to publish "child X has events up to seq N".
        session.info.setdefault("koordinat_event_heads", {})[child_id] = seq
    registry.audit_change(session, actor, event)
    # Notification rows and the like are part of the change: same transaction, never a
    # second write later.
    await registry.changed(session, event)
    return event
