"""meetings (ansvarsgruppemøter): agenda, invitations and guests, the minutes written
together (updates and frozen versions), confirmations, action items, calendar feeds

Revision ID: 0018_meeting
Revises: 0017_right_decision_reminders
Create Date: 2026-12-02
"""

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from backend.core.database import UTCDateTime

revision: str = "0018_meeting"
down_revision: str | None = "0017_right_decision_reminders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Every meeting table refers to the child (for the access decision and the log) and most to
# the meeting; these name the columns that refer elsewhere and those that are indexed.
CHILD = {"child_id": "child.id"}
MEETING = {"meeting_id": "meeting.id", **CHILD}


def _table(
    name: str,
    *columns: sa.Column[Any],
    refs: Mapping[str, str],
    indexed: Sequence[str] = (),
    unique: Sequence[sa.UniqueConstraint] = (),
) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Uuid(), nullable=False),
        *columns,
        *(sa.ForeignKeyConstraint([column], [target]) for column, target in sorted(refs.items())),
        sa.PrimaryKeyConstraint("id"),
        *unique,
    )
    for column in indexed:
        op.create_index(op.f(f"ix_{name}_{column}"), name, [column], unique=False)


def _uuid(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.Uuid(), nullable=nullable)


def _text(name: str, length: int, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def _at(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, UTCDateTime(), nullable=nullable)


def _int(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Integer(), nullable=False)


def _bool(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Boolean(), nullable=False)


def upgrade() -> None:
    _table(
        "meeting",
        _uuid("child_id"),
        _text("title", 200),
        _text("purpose", 2000, nullable=True),
        _at("starts_at"),
        _at("ends_at"),
        _text("place", 300, nullable=True),
        _text("video_url", 500, nullable=True),
        _bool("place_protected"),
        _bool("child_takes_part"),
        _text("interpreter_language", 8, nullable=True),
        _text("status", 16),
        _text("cancel_reason", 1000, nullable=True),
        _at("cancelled_at", nullable=True),
        _at("held_at", nullable=True),
        _uuid("organizer_person_id"),
        _int("version"),
        _at("created_at"),
        refs={**CHILD, "organizer_person_id": "person.id"},
        indexed=("child_id", "organizer_person_id", "status"),
    )
    op.create_index("ix_meeting_child_starts", "meeting", ["child_id", "starts_at"], unique=False)
    _table(
        "meeting_calendar_feed",
        _uuid("person_id"),
        _text("token_hash", 64),
        _at("created_at"),
        _at("revoked_at", nullable=True),
        refs={"person_id": "person.id"},
        indexed=("person_id",),
        unique=(sa.UniqueConstraint("token_hash"),),
    )
    _table(
        "meeting_agenda_item",
        _uuid("meeting_id"),
        _uuid("child_id"),
        _text("title", 200),
        _text("detail", 2000, nullable=True),
        _int("position"),
        _uuid("proposed_by_person_id"),
        _text("proposed_by_name", 200),
        _at("withdrawn_at", nullable=True),
        _int("version"),
        _at("created_at"),
        refs={**MEETING, "proposed_by_person_id": "person.id"},
        indexed=("child_id", "meeting_id"),
    )
    _table(
        "meeting_invitation",
        _uuid("meeting_id"),
        _uuid("child_id"),
        _uuid("person_id"),
        _uuid("member_id", nullable=True),
        _bool("guest"),
        _uuid("guest_service_id", nullable=True),
        _at("access_until", nullable=True),
        _text("answer", 16),
        _text("answer_comment", 1000, nullable=True),
        _at("answered_at", nullable=True),
        _at("withdrawn_at", nullable=True),
        _uuid("invited_by_person_id"),
        _int("version"),
        _at("created_at"),
        refs={
            **MEETING,
            "guest_service_id": "service_provider.id",
            "invited_by_person_id": "person.id",
            "member_id": "network_member.id",
            "person_id": "person.id",
        },
        indexed=("child_id", "meeting_id", "person_id"),
        unique=(
            sa.UniqueConstraint("meeting_id", "person_id", name="uq_meeting_invitation_person"),
        ),
    )
    _table(
        "meeting_minutes",
        _uuid("meeting_id"),
        _uuid("child_id"),
        _text("state", 16),
        _int("current_version"),
        _int("head_seq"),
        _at("closed_at", nullable=True),
        _uuid("closed_by_person_id", nullable=True),
        _int("version"),
        _at("created_at"),
        refs={**MEETING, "closed_by_person_id": "person.id"},
        indexed=("child_id",),
        unique=(sa.UniqueConstraint("meeting_id"),),
    )
    _table(
        "meeting_minutes_update",
        _uuid("meeting_id"),
        _uuid("child_id"),
        _int("seq"),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        _uuid("person_id", nullable=True),
        _at("created_at"),
        refs={**MEETING, "person_id": "person.id"},
        indexed=("child_id", "meeting_id"),
        unique=(sa.UniqueConstraint("meeting_id", "seq", name="uq_meeting_minutes_update_seq"),),
    )
    _table(
        "meeting_minutes_version",
        _uuid("meeting_id"),
        _uuid("child_id"),
        _int("number"),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=False),
        _uuid("closed_by_person_id"),
        _text("closed_by_name", 200),
        _at("closed_at"),
        refs={**MEETING, "closed_by_person_id": "person.id"},
        indexed=("child_id", "meeting_id"),
        unique=(sa.UniqueConstraint("meeting_id", "number", name="uq_meeting_minutes_version"),),
    )
    _table(
        "meeting_guest_objection",
        _uuid("invitation_id"),
        _uuid("meeting_id"),
        _uuid("child_id"),
        _uuid("person_id"),
        _text("person_name", 200),
        _text("reason", 2000),
        _at("created_at"),
        refs={**MEETING, "invitation_id": "meeting_invitation.id", "person_id": "person.id"},
        indexed=("child_id", "invitation_id", "meeting_id"),
    )
    _table(
        "meeting_minutes_confirmation",
        _uuid("version_id"),
        _uuid("meeting_id"),
        _uuid("child_id"),
        _uuid("person_id"),
        _text("person_name", 200),
        _bool("confirmed"),
        _text("comment", 2000, nullable=True),
        _at("created_at"),
        refs={
            **MEETING,
            "person_id": "person.id",
            "version_id": "meeting_minutes_version.id",
        },
        indexed=("child_id", "meeting_id", "version_id"),
        unique=(
            sa.UniqueConstraint("version_id", "person_id", name="uq_meeting_minutes_confirmation"),
        ),
    )
    _table(
        "meeting_action_item",
        _uuid("meeting_id"),
        _uuid("agenda_item_id", nullable=True),
        _uuid("child_id"),
        _text("kind", 16),
        _text("title", 200),
        _uuid("owner_member_id"),
        sa.Column("due_on", sa.Date(), nullable=False),
        _uuid("task_id", nullable=True),
        _uuid("measure_id", nullable=True),
        _uuid("created_by_person_id"),
        _at("created_at"),
        refs={
            **MEETING,
            "agenda_item_id": "meeting_agenda_item.id",
            "created_by_person_id": "person.id",
            "measure_id": "plan_measure.id",
            "owner_member_id": "network_member.id",
            "task_id": "plan_task.id",
        },
        indexed=("child_id", "meeting_id"),
    )


def downgrade() -> None:
    # Dropping a table drops its indexes; dependants first.
    op.drop_table("meeting_action_item")
    op.drop_table("meeting_minutes_confirmation")
    op.drop_table("meeting_guest_objection")
    op.drop_table("meeting_minutes_version")
    op.drop_table("meeting_minutes_update")
    op.drop_table("meeting_minutes")
    op.drop_table("meeting_invitation")
    op.drop_table("meeting_agenda_item")
    op.drop_table("meeting_calendar_feed")
    op.drop_table("meeting")
