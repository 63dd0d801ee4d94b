"""the coordinated plan (individuell plan): needs, goals, measures, evaluations, tasks, the
child's voice, disagreements, confirmations, revisions with snapshots, history, reminders

Revision ID: 0011_plan
Revises: 0010_reserved
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.core.database import UTCDateTime

revision: str = "0011_plan"
down_revision: str | None = "0010_reserved"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plan",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("family_summary", sa.String(length=4000), nullable=True),
        sa.Column("next_revision_on", sa.Date(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("created_by_person_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["child.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by_person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_child_id"), ["child_id"], unique=False)
        batch_op.create_index(
            "uq_plan_current_child",
            ["child_id"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )

    op.create_table(
        "plan_need",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("life_area", sa.String(length=32), nullable=False),
        sa.Column("description", sa.String(length=4000), nullable=False),
        sa.Column("raised_by", sa.String(length=200), nullable=True),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by_person_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["child.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by_person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plan.id"],
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service_provider.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("plan_need", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_need_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plan_goal",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.String(length=4000), nullable=False),
        sa.Column("in_whose_words", sa.String(length=16), nullable=False),
        sa.Column("evaluation_every_weeks", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by_person_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["child.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by_person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plan.id"],
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service_provider.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("plan_goal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_goal_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plan_goal_need",
        sa.Column("goal_id", sa.Uuid(), nullable=False),
        sa.Column("need_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["plan_goal.id"],
        ),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["plan_need.id"],
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plan.id"],
        ),
        sa.PrimaryKeyConstraint("goal_id", "need_id"),
    )
    with op.batch_alter_table("plan_goal_need", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_goal_need_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plan_measure",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=4000), nullable=True),
        sa.Column("provision", sa.String(length=24), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=True),
        sa.Column("responsible_member_id", sa.Uuid(), nullable=True),
        sa.Column("frequency", sa.String(length=200), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("monthly_cost", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("catalogue_measure_id", sa.Uuid(), nullable=True),
        sa.Column("evaluation_every_weeks", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by_person_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["child.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by_person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plan.id"],
        ),
        sa.ForeignKeyConstraint(
            ["responsible_member_id"],
            ["network_member.id"],
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service_provider.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("plan_measure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_measure_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plan_measure_need",
        sa.Column("measure_id", sa.Uuid(), nullable=False),
        sa.Column("need_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["plan_measure.id"],
        ),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["plan_need.id"],
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plan.id"],
        ),
        sa.PrimaryKeyConstraint("measure_id", "need_id"),
    )
    with op.batch_alter_table("plan_measure_need", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_measure_need_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plan_measure_goal",
        sa.Column("measure_id", sa.Uuid(), nullable=False),
        sa.Column("goal_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["plan_goal.id"],
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["plan_measure.id"],
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plan.id"],
        ),
        sa.PrimaryKeyConstraint("measure_id", "goal_id"),
    )
    with op.batch_alter_table("plan_measure_goal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_measure_goal_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plan_evaluation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("goal_id", sa.Uuid(), nullable=True),
        sa.Column("measure_id", sa.Uuid(), nullable=True),
        sa.Column("evaluated_on", sa.Date(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("observed", sa.String(length=4000), nullable=False),
        sa.Column("family_view", sa.String(length=4000), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("participant_member_ids", sa.JSON(), nullable=False),
        sa.Column("recorded_by_person_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["child.id"],
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["plan_goal.id"],
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["plan_measure.id"],
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plan.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("plan_evaluation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_evaluation_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plan_task",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("assignee_member_id", sa.Uuid(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("measure_id", sa.Uuid(), nullable=True),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by_person_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_member_id"],
            ["network_member.id"],
        ),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["child.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by_person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["plan_measure.id"],
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plan.id"],
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service_provider.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("plan_task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_task_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plan_voice",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.String(length=4000), nullable=False),
        sa.Column("form", sa.String(length=16), nullable=False),
        sa.Column("recorded_how", sa.String(length=200), nullable=True),
        sa.Column("recorded_by_person_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("goal_id", sa.Uuid(), nullable=True),
        sa.Column("measure_id", sa.Uuid(), nullable=True),
        sa.Column("child_age_years", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["child.id"],
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["plan_goal.id"],
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["plan_measure.id"],
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plan.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("plan_voice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_voice_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plan_disagreement",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.String(length=4000), nullable=False),
        sa.Column("raised_by_person_id", sa.Uuid(), nullable=True),
        sa.Column("raised_at", UTCDateTime(), nullable=False),
        sa.Column("measure_id", sa.Uuid(), nullable=True),
        sa.Column("evaluation_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answer", sa.String(length=4000), nullable=True),
        sa.Column("answered_by_person_id", sa.Uuid(), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("raised_to_leader_at", UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answered_by_person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["child.id"],
        ),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["plan_evaluation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["plan_measure.id"],
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plan.id"],
        ),
        sa.ForeignKeyConstraint(
            ["raised_by_person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("plan_disagreement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_disagreement_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plan_confirmation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("confirmed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["child.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plan.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "person_id", "revision", name="uq_plan_confirmation"),
    )
    with op.batch_alter_table("plan_confirmation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_confirmation_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plan_revision",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["child.id"],
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plan.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "revision", name="uq_plan_revision"),
    )
    with op.batch_alter_table("plan_revision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_revision_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plan_change",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("entity_type", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=True),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("actor_person_id", sa.Uuid(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["child.id"],
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plan.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("plan_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_change_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plan_reminder",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["child.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entity_id", "kind", "due_on", name="uq_plan_reminder"),
    )


def downgrade() -> None:
    op.drop_table("plan_reminder")
    op.drop_table("plan_change")
    op.drop_table("plan_revision")
    op.drop_table("plan_confirmation")
    op.drop_table("plan_disagreement")
    op.drop_table("plan_voice")
    op.drop_table("plan_task")
    op.drop_table("plan_evaluation")
    op.drop_table("plan_measure_goal")
    op.drop_table("plan_measure_need")
    op.drop_table("plan_measure")
    op.drop_table("plan_goal_need")
    op.drop_table("plan_goal")
    op.drop_table("plan_need")
    op.drop_table("plan")
