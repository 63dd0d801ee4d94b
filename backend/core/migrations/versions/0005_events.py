"""live updates: retention floor per child's event stream

Revision ID: 0005_events
Revises: 0004_consent_access
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_events"
down_revision: str | None = "0004_consent_access"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("child_event_counter", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pruned_seq", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("child_event_counter", schema=None) as batch_op:
        batch_op.drop_column("pruned_seq")
