"""protection follows the person

Revision ID: 0007_person_protection
Revises: 0006_person_feed
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_person_protection"
down_revision: str | None = "0006_person_feed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "address_protection", sa.String(length=24), nullable=False, server_default="none"
            )
        )
    with op.batch_alter_table("child", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "history_protection", sa.String(length=24), nullable=False, server_default="none"
            )
        )
        batch_op.add_column(
            sa.Column("history_protected_seq", sa.Integer(), nullable=False, server_default="0")
        )
    # The protection already recorded on a child belongs to the people who share its
    # address: the child's guardians with parental responsibility.
    op.execute(
        """
        UPDATE person SET address_protection = (
            SELECT CASE WHEN MAX(CASE c.address_protection
                                 WHEN 'strictly_confidential' THEN 2
                                 WHEN 'confidential' THEN 1 ELSE 0 END) = 2
                        THEN 'strictly_confidential' ELSE 'confidential' END
            FROM network_member m JOIN child c ON c.id = m.child_id
            WHERE m.person_id = person.id AND m.role IN ('guardian', 'child')
              AND m.ended_at IS NULL AND c.address_protection <> 'none'
              AND (m.role = 'child' OR m.has_parental_responsibility)
        )
        WHERE EXISTS (
            SELECT 1 FROM network_member m JOIN child c ON c.id = m.child_id
            WHERE m.person_id = person.id AND m.role IN ('guardian', 'child')
              AND m.ended_at IS NULL AND c.address_protection <> 'none'
              AND (m.role = 'child' OR m.has_parental_responsibility)
        )
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("child", schema=None) as batch_op:
        batch_op.drop_column("history_protected_seq")
        batch_op.drop_column("history_protection")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("address_protection")
