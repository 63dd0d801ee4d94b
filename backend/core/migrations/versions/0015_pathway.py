"""the pathway (pakkeforløp): templates, milestones, reminders, transitions and signals

Revision ID: 0015_pathway
Revises: 0014_right
Create Date: 2026-12-02
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from backend.core.database import UTCDateTime

revision: str = "0015_pathway"
down_revision: str | None = "0014_right"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column[Any]:
    return sa.Column("id", sa.Uuid(), nullable=False)


def _child() -> sa.Column[Any]:
    return sa.Column("child_id", sa.Uuid(), nullable=False)


def _created() -> sa.Column[Any]:
    return sa.Column("created_at", UTCDateTime(), nullable=False)


def _index(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "pathway_template",
        _id(),
        sa.Column("municipality_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("milestones", sa.JSON(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _created(),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipality.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _index("pathway_template", "municipality_id")
    # One default template per kommune.
    op.create_index(
        "uq_pathway_template_default",
        "pathway_template",
        ["municipality_id"],
        unique=True,
        sqlite_where=sa.text("is_default"),
        postgresql_where=sa.text("is_default"),
    )
    op.create_table(
        "pathway",
        _id(),
        _child(),
        sa.Column("template_id", sa.Uuid(), nullable=True),
        sa.Column("template_name", sa.String(length=200), nullable=False),
        sa.Column("milestones", sa.JSON(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("request_submitted_on", sa.Date(), nullable=True),
        sa.Column("decision_granted_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _created(),
        sa.ForeignKeyConstraint(["child_id"], ["child.id"]),
        sa.ForeignKeyConstraint(["template_id"], ["pathway_template.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("child_id"),
    )
    op.create_table(
        "pathway_milestone",
        _id(),
        sa.Column("pathway_id", sa.Uuid(), nullable=False),
        _child(),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("occurrence", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("trigger", sa.String(length=24), nullable=False),
        sa.Column("repeat_every_days", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("met_on", sa.Date(), nullable=True),
        sa.Column("met_by", sa.String(length=24), nullable=True),
        sa.Column("met_late", sa.Boolean(), nullable=False),
        sa.Column("deviation_reason", sa.String(length=4000), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _created(),
        sa.ForeignKeyConstraint(["child_id"], ["child.id"]),
        sa.ForeignKeyConstraint(["pathway_id"], ["pathway.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pathway_id", "key", "occurrence", name="uq_pathway_milestone"),
    )
    _index("pathway_milestone", "child_id", "due_on", "pathway_id", "state")
    op.create_table(
        "pathway_reminder",
        _id(),
        _child(),
        sa.Column("milestone_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        _created(),
        sa.ForeignKeyConstraint(["child_id"], ["child.id"]),
        sa.ForeignKeyConstraint(["milestone_id"], ["pathway_milestone.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("milestone_id", "kind", "due_on", name="uq_pathway_reminder"),
    )
    _index("pathway_reminder", "child_id")
    op.create_table(
        "pathway_transition",
        _id(),
        _child(),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("created_by_person_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _created(),
        sa.ForeignKeyConstraint(["child_id"], ["child.id"]),
        sa.ForeignKeyConstraint(["created_by_person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _index("pathway_transition", "child_id")
    op.create_table(
        "pathway_transition_item",
        _id(),
        sa.Column("transition_id", sa.Uuid(), nullable=False),
        _child(),
        sa.Column("item_key", sa.String(length=40), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("owner_member_id", sa.Uuid(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _created(),
        sa.ForeignKeyConstraint(["child_id"], ["child.id"]),
        sa.ForeignKeyConstraint(["owner_member_id"], ["network_member.id"]),
        sa.ForeignKeyConstraint(["transition_id"], ["pathway_transition.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _index("pathway_transition_item", "child_id", "transition_id")
    op.create_table(
        "pathway_signal",
        _id(),
        _child(),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("description", sa.String(length=4000), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by_member_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by_person_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["child_id"], ["child.id"]),
        sa.ForeignKeyConstraint(["recorded_by_member_id"], ["network_member.id"]),
        sa.ForeignKeyConstraint(["recorded_by_person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["service_id"], ["service_provider.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _index("pathway_signal", "child_id")


def downgrade() -> None:
    for table in (
        "pathway_signal",
        "pathway_transition_item",
        "pathway_transition",
        "pathway_reminder",
        "pathway_milestone",
        "pathway",
        "pathway_template",
    ):
        op.drop_table(table)
