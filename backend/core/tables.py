"""Imports every table so that SQLModel.metadata is complete (for Alembic and tests)."""

from sqlmodel import SQLModel

from backend.audit.access_log import AccessLogEntry
from backend.audit.models import AuditEntry
from backend.children.models import Child
from backend.consent.models import Consent
from backend.events.models import ChildEventCounter, Event
from backend.identity.login_models import ApiToken, UserSession
from backend.identity.models import Person
from backend.network.models import Municipality, NetworkMember, ServiceProvider
from backend.notify.models import (
    DigestState,
    Notification,
    NotificationPreference,
    PersonFeedCounter,
)

metadata = SQLModel.metadata

__all__ = [
    "AccessLogEntry",
    "ApiToken",
    "AuditEntry",
    "Child",
    "ChildEventCounter",
    "Consent",
    "DigestState",
    "Event",
    "Municipality",
    "NetworkMember",
    "Notification",
    "NotificationPreference",
    "Person",
    "PersonFeedCounter",
    "ServiceProvider",
    "UserSession",
    "metadata",
]
