"""access-log purpose and indexes

Revision ID: 0009_access_purpose
Revises: 0008_delivery_ids
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.audit.access_log import (
    POSTGRES_GUARDS,
    POSTGRES_UNGUARDS,
    SQLITE_GUARDS,
    SQLITE_UNGUARDS,
)

revision: str = "0009_access_purpose"
down_revision: str | None = "0008_delivery_ids"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Columns are added in place (no table rebuild), so the append-only guards stay.
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purpose_category", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column("outsider", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        # The family's log is read newest first per child: a page is an index range scan.
        batch_op.create_index("ix_access_log_child_id_id", ["child_id", "id"], unique=False)


def downgrade() -> None:
    is_pg = op.get_bind().dialect.name == "postgresql"
    # SQLite rebuilds the table to drop columns: lift the guards, then put them back.
    for statement in POSTGRES_UNGUARDS if is_pg else SQLITE_UNGUARDS:
        op.execute(statement)
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.drop_index("ix_access_log_child_id_id")
        batch_op.drop_column("outsider")
        batch_op.drop_column("purpose_category")
    for statement in POSTGRES_GUARDS if is_pg else SQLITE_GUARDS:
        op.execute(statement)
