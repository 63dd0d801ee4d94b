"""the leader of a service (enhetsleder): raised disagreements go to the coordinating unit's

Revision ID: 0016_unit_leader
Revises: 0015_pathway
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_unit_leader"
down_revision: str | None = "0015_pathway"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("person") as batch_op:
        batch_op.add_column(
            sa.Column("leads_service", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("person") as batch_op:
        batch_op.drop_column("leads_service")
