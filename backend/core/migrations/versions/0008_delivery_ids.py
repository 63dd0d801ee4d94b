"""stable delivery ids and claims

Revision ID: 0008_delivery_ids
Revises: 0007_person_protection
Create Date: 2026-12-01
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.core.database import UTCDateTime

revision: str = "0008_delivery_ids"
down_revision: str | None = "0007_person_protection"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("queued_until", UTCDateTime(), nullable=True))
    # Rows written before this revision get a random delivery id of their own.
    notification = sa.table("notification", sa.column("id", sa.Uuid()), sa.column("delivery_id"))
    connection = op.get_bind()
    ids = connection.execute(
        sa.select(notification.c.id).where(notification.c.delivery_id.is_(None))
    ).scalars()
    for row_id in list(ids):
        connection.execute(
            sa.update(notification)
            .where(notification.c.id == row_id)
            .values(delivery_id=sa.literal(uuid.uuid4(), sa.Uuid()))
        )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.alter_column("delivery_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.create_unique_constraint("uq_notification_delivery_id", ["delivery_id"])


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_constraint("uq_notification_delivery_id", type_="unique")
        batch_op.drop_column("queued_until")
        batch_op.drop_column("delivery_id")
