"""Anmodning om barnekoordinator: the request, the kommune's decisions (vedtak), the appeals
(klage).

A request may come before the child is registered (an expected child, or one the kommune does
not yet know): it then carries the child's names and dates itself, and `child_id` is set when a
grant registers the child. Names of people are kept as they were at the time (the family reads
who decided, and who appealed, even after someone has left the kommune).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from backend.core.database import UTCDateTime
from backend.core.models import created_at_field, id_field


class RequestSubmitter(enum.Enum):
    GUARDIAN = "guardian"
    YOUNG_PERSON = "young_person"
    SERVICE = "service"


class RequestStatus(enum.Enum):
    AWAITING_DECISION = "awaiting_decision"
    GRANTED = "granted"
    REFUSED = "refused"
    APPEALED = "appealed"
    WITH_STATSFORVALTEREN = "with_statsforvalteren"
    REFUSAL_FINAL = "refusal_final"


class DecisionOutcome(enum.Enum):
    GRANTED = "granted"
    REFUSED = "refused"


class ReassessmentOutcome(enum.Enum):
    UPHELD = "upheld"
    REVERSED = "reversed"


class StatsforvalterOutcome(enum.Enum):
    UPHELD = "upheld"
    REVERSED = "reversed"
    SENT_BACK = "sent_back"


class CoordinatorRequest(SQLModel, table=True):
    """The family's (or a service's) request that the kommune assign a barnekoordinator."""

    __tablename__ = "coordinator_request"

    id: uuid.UUID = id_field()
    municipality_id: uuid.UUID = Field(foreign_key="municipality.id", index=True)
    child_id: uuid.UUID | None = Field(
        default=None, foreign_key="child.id", nullable=True, index=True
    )
    child_given_name: str | None = Field(default=None, max_length=100)
    child_family_name: str = Field(max_length=100)
    birth_date: dt.date | None = Field(default=None)
    expected_date: dt.date | None = Field(default=None)
    situation: str = Field(max_length=4000)
    services_involved: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    # Uavklart: no diagnosis is needed to ask.
    unresolved: bool = Field(default=False)
    status: str = Field(max_length=32, index=True)
    submitted_by: str = Field(max_length=16)
    submitted_by_person_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    submitted_by_name: str = Field(max_length=200)
    # A service's request: the service whose consent allowed it.
    submitted_by_service_id: uuid.UUID | None = Field(
        default=None, foreign_key="service_provider.id", nullable=True
    )
    submitted_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    decision_due_on: dt.date
    version: int = Field(default=1)
    created_at: dt.datetime = created_at_field()


class CoordinatorDecision(SQLModel, table=True):
    """Vedtak: granted (with the coordinator) or refused (with reasons and legal basis)."""

    __tablename__ = "coordinator_decision"

    id: uuid.UUID = id_field()
    request_id: uuid.UUID = Field(foreign_key="coordinator_request.id", index=True)
    outcome: str = Field(max_length=16)
    reasons: str | None = Field(default=None, max_length=4000)
    legal_basis: str | None = Field(default=None, max_length=500)
    decided_by_person_id: uuid.UUID = Field(foreign_key="person.id")
    decided_by_name: str = Field(max_length=200)
    decided_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    family_told_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    appeal_deadline: dt.date | None = Field(default=None)
    coordinator_person_id: uuid.UUID | None = Field(
        default=None, foreign_key="person.id", nullable=True
    )
    coordinator_name: str | None = Field(default=None, max_length=200)
    created_at: dt.datetime = created_at_field()


class CoordinatorAppeal(SQLModel, table=True):
    """Klage on a refusal: the kommune reassesses; if it upholds, the Statsforvalteren decides."""

    __tablename__ = "coordinator_appeal"

    id: uuid.UUID = id_field()
    request_id: uuid.UUID = Field(foreign_key="coordinator_request.id", index=True)
    decision_id: uuid.UUID = Field(foreign_key="coordinator_decision.id", index=True)
    grounds: str = Field(max_length=4000)
    submitted_by_person_id: uuid.UUID = Field(foreign_key="person.id")
    submitted_by_name: str = Field(max_length=200)
    submitted_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    deadline: dt.date
    late: bool = Field(default=False)
    reassessment: str | None = Field(default=None, max_length=16)
    reassessment_reasons: str | None = Field(default=None, max_length=4000)
    reassessed_by_person_id: uuid.UUID | None = Field(
        default=None, foreign_key="person.id", nullable=True
    )
    reassessed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    forwarded_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    statsforvalter_outcome: str | None = Field(default=None, max_length=16)
    statsforvalter_reasons: str | None = Field(default=None, max_length=4000)
    statsforvalter_recorded_at: dt.datetime | None = Field(
        default=None, sa_type=UTCDateTime, nullable=True
    )
    version: int = Field(default=1)
    created_at: dt.datetime = created_at_field()


class DecisionReminder(SQLModel, table=True):
    """A request's decision deadline already told of (soon due, or passed) for its due date:
    the daily job records each once, however often and on how many workers it runs."""

    __tablename__ = "right_decision_reminder"
    __table_args__ = (
        sa.UniqueConstraint("request_id", "kind", "due_on", name="uq_right_decision_reminder"),
    )

    id: uuid.UUID = id_field()
    request_id: uuid.UUID = Field(foreign_key="coordinator_request.id", index=True)
    kind: str = Field(max_length=64)
    due_on: dt.date
    created_at: dt.datetime = created_at_field()


TABLES: tuple[type[SQLModel], ...] = (
    CoordinatorRequest,
    CoordinatorDecision,
    CoordinatorAppeal,
    DecisionReminder,
)
