"""the right to a barnekoordinator: request, decision (vedtak), appeal (klage)

Revision ID: 0014_right
Revises: 0013_plan_item_categories
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.core.database import UTCDateTime

revision: str = "0014_right"
down_revision: str | None = "0013_plan_item_categories"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _index(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def _drop_index(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))


REQUEST_INDEXES = ("child_id", "municipality_id", "status", "submitted_by_person_id")


def upgrade() -> None:
    op.create_table(
        "coordinator_request",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("municipality_id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=True),
        sa.Column("child_given_name", sa.String(length=100), nullable=True),
        sa.Column("child_family_name", sa.String(length=100), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("expected_date", sa.Date(), nullable=True),
        sa.Column("situation", sa.String(length=4000), nullable=False),
        sa.Column("services_involved", sa.JSON(), nullable=False),
        sa.Column("unresolved", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("submitted_by", sa.String(length=16), nullable=False),
        sa.Column("submitted_by_person_id", sa.Uuid(), nullable=False),
        sa.Column("submitted_by_name", sa.String(length=200), nullable=False),
        sa.Column("submitted_by_service_id", sa.Uuid(), nullable=True),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.Column("decision_due_on", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipality.id"]),
        sa.ForeignKeyConstraint(["child_id"], ["child.id"]),
        sa.ForeignKeyConstraint(["submitted_by_person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["submitted_by_service_id"], ["service_provider.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _index("coordinator_request", *REQUEST_INDEXES)
    op.create_table(
        "coordinator_decision",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reasons", sa.String(length=4000), nullable=True),
        sa.Column("legal_basis", sa.String(length=500), nullable=True),
        sa.Column("decided_by_person_id", sa.Uuid(), nullable=False),
        sa.Column("decided_by_name", sa.String(length=200), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.Column("family_told_at", UTCDateTime(), nullable=False),
        sa.Column("appeal_deadline", sa.Date(), nullable=True),
        sa.Column("coordinator_person_id", sa.Uuid(), nullable=True),
        sa.Column("coordinator_name", sa.String(length=200), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["coordinator_request.id"]),
        sa.ForeignKeyConstraint(["decided_by_person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["coordinator_person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _index("coordinator_decision", "request_id")
    op.create_table(
        "coordinator_appeal",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("grounds", sa.String(length=4000), nullable=False),
        sa.Column("submitted_by_person_id", sa.Uuid(), nullable=False),
        sa.Column("submitted_by_name", sa.String(length=200), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("reassessment", sa.String(length=16), nullable=True),
        sa.Column("reassessment_reasons", sa.String(length=4000), nullable=True),
        sa.Column("reassessed_by_person_id", sa.Uuid(), nullable=True),
        sa.Column("reassessed_at", UTCDateTime(), nullable=True),
        sa.Column("forwarded_at", UTCDateTime(), nullable=True),
        sa.Column("statsforvalter_outcome", sa.String(length=16), nullable=True),
        sa.Column("statsforvalter_reasons", sa.String(length=4000), nullable=True),
        sa.Column("statsforvalter_recorded_at", UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["coordinator_request.id"]),
        sa.ForeignKeyConstraint(["decision_id"], ["coordinator_decision.id"]),
        sa.ForeignKeyConstraint(["submitted_by_person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["reassessed_by_person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _index("coordinator_appeal", "decision_id", "request_id")


def downgrade() -> None:
    _drop_index("coordinator_appeal", "decision_id", "request_id")
    op.drop_table("coordinator_appeal")
    _drop_index("coordinator_decision", "request_id")
    op.drop_table("coordinator_decision")
    _drop_index("coordinator_request", *REQUEST_INDEXES)
    op.drop_table("coordinator_request")
