"""decision deadlines told once: the right's daily job (soon due, passed)

Revision ID: 0017_right_decision_reminders
Revises: 0016_unit_leader
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.core.database import UTCDateTime

revision: str = "0017_right_decision_reminders"
down_revision: str | None = "0016_unit_leader"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "right_decision_reminder",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["coordinator_request.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id", "kind", "due_on", name="uq_right_decision_reminder"),
    )
    with op.batch_alter_table("right_decision_reminder") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_right_decision_reminder_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("right_decision_reminder")
