"""The audit domain as the registry sees it: the audit trail and the access log."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from backend.audit import purposes
from backend.audit import service as audit
from backend.audit.access_log import AccessLogEntry
from backend.audit.models import AuditEntry
from backend.audit.review import AuditQuery
from backend.core.actor import Actor
from backend.events.models import Event
from backend.events.registry import Domain


def audit_change(session: AsyncSession, actor: Actor | None, event: Event) -> None:
    """The audit row of a recorded change, in its transaction (record_change asks this)."""
    audit.record(
        session,
        actor,
        action=event.kind,
        entity_type=event.entity_type,
        entity_id=event.entity_id,
        child_id=event.child_id,
        detail=event.payload,
    )


# Why the access log says the live streams were read (their root field lives in events/,
# which knows no domain; see backend.audit.purposes).
purposes.register({"childEvents": purposes.Purpose.LIVE_UPDATES})

DOMAIN = Domain(
    name="audit",
    tables=(AuditEntry, AccessLogEntry),
    query=AuditQuery,
    auditor=audit_change,
    access_log_writer=audit.AccessLogWriter,
    # Every read of a child appends to its log: its newest page is never the same twice.
    uncached_fields=frozenset({"Child.accessLog"}),
)
