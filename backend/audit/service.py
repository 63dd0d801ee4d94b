"""Appends audit rows. The application only inserts here; it never updates or deletes."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from backend.audit.models import AuditEntry
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
