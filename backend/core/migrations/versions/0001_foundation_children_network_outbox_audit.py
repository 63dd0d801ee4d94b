"""foundation: children, network, outbox, audit

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.core.database import UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "municipality",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("number", sa.String(length=4), nullable=False),
        sa.Column("org_number", sa.String(length=9), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    op.create_table(
        "child",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("municipality_id", sa.Uuid(), nullable=False),
        sa.Column("given_name", sa.String(length=100), nullable=True),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("national_id", sa.String(length=11), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("expected_date", sa.Date(), nullable=True),
        sa.Column("preferred_language", sa.String(length=8), nullable=False),
        sa.Column("interpreter_language", sa.String(length=8), nullable=True),
        sa.Column("address_protection", sa.String(length=24), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("national_id"),
    )
    with op.batch_alter_table("child", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_child_municipality_id"), ["municipality_id"], unique=False
        )

    op.create_table(
        "service_provider",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("municipality_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("org_number", sa.String(length=9), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("service_provider", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_provider_municipality_id"), ["municipality_id"], unique=False
        )

    op.create_table(
        "child_event_counter",
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["child.id"],
        ),
        sa.PrimaryKeyConstraint("child_id"),
    )
    op.create_table(
        "person",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("national_id", sa.String(length=11), nullable=True),
        sa.Column("hpr_number", sa.String(length=12), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("preferred_language", sa.String(length=8), nullable=False),
        sa.Column("employer_service_id", sa.Uuid(), nullable=True),
        sa.Column("municipality_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["employer_service_id"],
            ["service_provider.id"],
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("national_id"),
    )
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_person_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity_type", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["child.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_entry_actor_person_id"), ["actor_person_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_audit_entry_child_id"), ["child_id"], unique=False)

    op.create_table(
        "event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("entity_type", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("actor_person_id", sa.Uuid(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["child.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("child_id", "seq", name="uq_event_child_seq"),
    )
    op.create_table(
        "network_member",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("responsibilities", sa.String(length=2000), nullable=True),
        sa.Column("has_parental_responsibility", sa.Boolean(), nullable=False),
        sa.Column("active_from", sa.Date(), nullable=False),
        sa.Column("active_to", sa.Date(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["child.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service_provider.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("network_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_network_member_child_id"), ["child_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_network_member_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            "uq_network_member_active_coordinator",
            ["child_id"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL AND role = 'coordinator'"),
            postgresql_where=sa.text("ended_at IS NULL AND role = 'coordinator'"),
        )
        batch_op.create_index(
            "uq_network_member_active_person",
            ["child_id", "person_id"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )


def downgrade() -> None:

    with op.batch_alter_table("network_member", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_network_member_active_person",
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.drop_index(
            "uq_network_member_active_coordinator",
            sqlite_where=sa.text("ended_at IS NULL AND role = 'coordinator'"),
            postgresql_where=sa.text("ended_at IS NULL AND role = 'coordinator'"),
        )
        batch_op.drop_index(batch_op.f("ix_network_member_person_id"))
        batch_op.drop_index(batch_op.f("ix_network_member_child_id"))

    op.drop_table("network_member")
    op.drop_table("event")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entry_child_id"))
        batch_op.drop_index(batch_op.f("ix_audit_entry_actor_person_id"))

    op.drop_table("audit_entry")
    op.drop_table("person")
    op.drop_table("child_event_counter")
    with op.batch_alter_table("service_provider", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_provider_municipality_id"))

    op.drop_table("service_provider")
    with op.batch_alter_table("child", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_child_municipality_id"))

    op.drop_table("child")
    op.drop_table("municipality")
