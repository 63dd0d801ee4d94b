"""consent, the child's health withholding, and the append-only access log

Revision ID: 0004_consent_access
Revises: 0003_notify
Create Date: 2026-11-23
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
from backend.core.database import UTCDateTime

revision: str = "0004_consent_access"
down_revision: str | None = "0003_notify"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("child", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "health_withheld_from_guardians",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )
    op.create_table(
        "consent",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=True),
        sa.Column("to_guardians", sa.Boolean(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("given_by_person_id", sa.Uuid(), nullable=False),
        sa.Column("given_at", UTCDateTime(), nullable=False),
        sa.Column("withdrawn_at", UTCDateTime(), nullable=True),
        sa.Column("withdrawn_by_person_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["child_id"], ["child.id"]),
        sa.ForeignKeyConstraint(["given_by_person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["service_id"], ["service_provider.id"]),
        sa.ForeignKeyConstraint(["withdrawn_by_person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_child_id"), ["child_id"], unique=False)
    op.create_table(
        "access_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("actor_person_id", sa.Uuid(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=True),
        sa.Column("what", sa.JSON(), nullable=False),
        sa.Column("refused", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_log_child_id"), ["child_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_access_log_actor_person_id"), ["actor_person_id"], unique=False
        )
    guards = POSTGRES_GUARDS if op.get_bind().dialect.name == "postgresql" else SQLITE_GUARDS
    for statement in guards:
        op.execute(statement)


def downgrade() -> None:
    is_pg = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_UNGUARDS if is_pg else SQLITE_UNGUARDS:
        op.execute(statement)
    op.drop_table("access_log")
    op.drop_table("consent")
    with op.batch_alter_table("child", schema=None) as batch_op:
        batch_op.drop_column("health_withheld_from_guardians")
