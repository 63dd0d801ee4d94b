"""the person's live feed of in-app notifications

Revision ID: 0006_person_feed
Revises: 0005_events
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_person_feed"
down_revision: str | None = "0005_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "person_feed_counter",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("person_id"),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("feed_seq", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(
            "uq_notification_feed", ["recipient_person_id", "feed_seq"]
        )


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_constraint("uq_notification_feed", type_="unique")
        batch_op.drop_column("feed_seq")
    op.drop_table("person_feed_counter")
