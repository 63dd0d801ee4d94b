"""Imports every table so that SQLModel.metadata is complete (for Alembic and tests)."""

from sqlmodel import SQLModel

from backend.audit.models import AuditEntry
from backend.children.models import Child
from backend.events.models import ChildEventCounter, Event
from backend.identity.models import Person
from backend.network.models import Municipality, NetworkMember, ServiceProvider

metadata = SQLModel.metadata

__all__ = [
    "AuditEntry",
    "Child",
    "ChildEventCounter",
    "Event",
    "Municipality",
    "NetworkMember",
    "Person",
    "ServiceProvider",
    "metadata",
]
