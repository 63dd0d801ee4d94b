"""The right's GraphQL inputs (graphql/schema.graphql is binding for their names)."""

from __future__ import annotations

import datetime as dt

import strawberry

from backend.api.input_caps import FREE_TEXT, cap
from backend.right.models import (
    DecisionOutcome,
    ReassessmentOutcome,
    RequestStatus,
    RequestSubmitter,
    StatsforvalterOutcome,
)

SITUATION_MAX = FREE_TEXT
REASONS_MAX = FREE_TEXT
LEGAL_BASIS_MAX = 500
SERVICES_MAX = 20
SERVICE_NAME_MAX = 200
CHILD_NAME_MAX = 100

strawberry.enum(RequestSubmitter, name="RequestSubmitter")
strawberry.enum(
    RequestStatus,
    name="CoordinatorRequestStatus",
    description="Where a request for a barnekoordinator stands.",
)
strawberry.enum(DecisionOutcome, name="DecisionOutcome")
strawberry.enum(ReassessmentOutcome, name="ReassessmentOutcome")
strawberry.enum(StatsforvalterOutcome, name="StatsforvalterOutcome")


@strawberry.input
class SubmitCoordinatorRequestInput:
    situation: str = strawberry.field(metadata=cap(length=SITUATION_MAX))
    child_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="A registered child; or omit it and give the child's name, dates and kommune.",
    )
    child_given_name: str | None = strawberry.field(
        default=None, metadata=cap(length=CHILD_NAME_MAX)
    )
    child_family_name: str | None = strawberry.field(
        default=None, metadata=cap(length=CHILD_NAME_MAX)
    )
    birth_date: dt.date | None = None
    expected_date: dt.date | None = None
    municipality_id: strawberry.ID | None = None
    services_involved: list[str] = strawberry.field(
        default_factory=list,
        metadata=cap(items=SERVICES_MAX, length=SERVICE_NAME_MAX),
        description=f"At most {SERVICES_MAX}.",
    )
    unresolved: bool = False


@strawberry.input
class DecideCoordinatorRequestInput:
    request_id: strawberry.ID
    version: int
    outcome: DecisionOutcome
    reasons: str | None = strawberry.field(
        default=None,
        metadata=cap(length=REASONS_MAX),
        description="Required when refusing; the family reads them.",
    )
    legal_basis: str | None = strawberry.field(
        default=None, metadata=cap(length=LEGAL_BASIS_MAX), description="Required when refusing."
    )
    coordinator_person_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="GRANTED: the barnekoordinator (staff person id, from the directory).",
    )


@strawberry.input
class AppealDecisionInput:
    decision_id: strawberry.ID
    grounds: str = strawberry.field(metadata=cap(length=REASONS_MAX))


@strawberry.input
class ReassessAppealInput:
    appeal_id: strawberry.ID
    version: int
    outcome: ReassessmentOutcome
    reasons: str = strawberry.field(metadata=cap(length=REASONS_MAX))
    coordinator_person_id: strawberry.ID | None = strawberry.field(
        default=None, description="REVERSED: the coordinator to assign."
    )


@strawberry.input
class RecordStatsforvalterOutcomeInput:
    appeal_id: strawberry.ID
    version: int
    outcome: StatsforvalterOutcome
    reasons: str | None = strawberry.field(default=None, metadata=cap(length=REASONS_MAX))
