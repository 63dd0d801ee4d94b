"""Møter: the network's meetings (ansvarsgruppemøte), their agenda, invitations, the minutes
written together (referat) and the action items agreed in them.

Times are stored in UTC and shown in Europe/Oslo. The minutes are a shared document (a CRDT:
Yjs in the browser, pycrdt on the server): every accepted update is kept in order
(`MinutesUpdate`), so a restart or a dropped connection loses nothing; closing the minutes
freezes them as a numbered version (`MinutesVersion`) that the guardians confirm or comment on.
A guest (a specialist outside the network) is invited to one meeting and reads it only until
`Invitation.access_until`.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from backend.core.database import UTCDateTime
from backend.core.models import created_at_field, id_field


class MeetingStatus(enum.Enum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    # The minutes were closed: the meeting took place.
    HELD = "held"


class InvitationAnswer(enum.Enum):
    PENDING = "pending"
    YES = "yes"
    NO = "no"
    MAYBE = "maybe"


class MinutesState(enum.Enum):
    OPEN = "open"
    CLOSED = "closed"


class ActionItemKind(enum.Enum):
    TASK = "task"
    MEASURE = "measure"


class Meeting(SQLModel, table=True):
    """One meeting of a child's network, scheduled by the barnekoordinator."""

    __tablename__ = "meeting"
    __table_args__ = (sa.Index("ix_meeting_child_starts", "child_id", "starts_at"),)

    id: uuid.UUID = id_field()
    child_id: uuid.UUID = Field(foreign_key="child.id", index=True)
    title: str = Field(max_length=200)
    purpose: str | None = Field(default=None, max_length=2000)
    starts_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    ends_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    place: str | None = Field(default=None, max_length=300)
    video_url: str | None = Field(default=None, max_length=500)
    # The place is the family's (protected) address, or the coordinator chose to keep it
    # private: feeds, invitations, e-mails and events say only "agreed place".
    place_protected: bool = Field(default=False)
    child_takes_part: bool = Field(default=False)
    # The interpreter's language (ISO 639-1, e.g. "ar"), when the family needs one.
    interpreter_language: str | None = Field(default=None, max_length=8)
    status: str = Field(max_length=16, default=MeetingStatus.SCHEDULED.value, index=True)
    cancel_reason: str | None = Field(default=None, max_length=1000)
    cancelled_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    held_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    organizer_person_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    version: int = Field(default=1)
    created_at: dt.datetime = created_at_field()


class AgendaItem(SQLModel, table=True):
    """Sak på dagsorden: proposed by any member (the guardians too), in the coordinator's order."""

    __tablename__ = "meeting_agenda_item"

    id: uuid.UUID = id_field()
    meeting_id: uuid.UUID = Field(foreign_key="meeting.id", index=True)
    child_id: uuid.UUID = Field(foreign_key="child.id", index=True)
    title: str = Field(max_length=200)
    detail: str | None = Field(default=None, max_length=2000)
    position: int = Field(default=0)
    proposed_by_person_id: uuid.UUID = Field(foreign_key="person.id")
    proposed_by_name: str = Field(max_length=200)
    withdrawn_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    version: int = Field(default=1)
    created_at: dt.datetime = created_at_field()


class Invitation(SQLModel, table=True):
    """Innkalling: one person invited to one meeting, a network member or a guest."""

    __tablename__ = "meeting_invitation"
    __table_args__ = (
        sa.UniqueConstraint("meeting_id", "person_id", name="uq_meeting_invitation_person"),
    )

    id: uuid.UUID = id_field()
    meeting_id: uuid.UUID = Field(foreign_key="meeting.id", index=True)
    child_id: uuid.UUID = Field(foreign_key="child.id", index=True)
    person_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    # The network membership the invitation is for (null for a guest).
    member_id: uuid.UUID | None = Field(
        default=None, foreign_key="network_member.id", nullable=True
    )
    # A specialist outside the network (sykehus, habiliteringstjenesten), for this meeting only.
    guest: bool = Field(default=False)
    # The organisation the guest comes from (their employer), for consent and the access log.
    guest_service_id: uuid.UUID | None = Field(
        default=None, foreign_key="service_provider.id", nullable=True
    )
    # A guest reads the meeting until then (a set time after its end).
    access_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    answer: str = Field(max_length=16, default=InvitationAnswer.PENDING.value)
    answer_comment: str | None = Field(default=None, max_length=1000)
    answered_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    # Withdrawn by the coordinator (e.g. after the guardians objected to a guest).
    withdrawn_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    invited_by_person_id: uuid.UUID = Field(foreign_key="person.id")
    version: int = Field(default=1)
    created_at: dt.datetime = created_at_field()


class GuestObjection(SQLModel, table=True):
    """A guardian objects to a guest before the meeting; the coordinator answers."""

    __tablename__ = "meeting_guest_objection"

    id: uuid.UUID = id_field()
    invitation_id: uuid.UUID = Field(foreign_key="meeting_invitation.id", index=True)
    meeting_id: uuid.UUID = Field(foreign_key="meeting.id", index=True)
    child_id: uuid.UUID = Field(foreign_key="child.id", index=True)
    person_id: uuid.UUID = Field(foreign_key="person.id")
    person_name: str = Field(max_length=200)
    reason: str = Field(max_length=2000)
    created_at: dt.datetime = created_at_field()


class Minutes(SQLModel, table=True):
    """Referat: one per meeting, open while it is written, then closed (frozen versions)."""

    __tablename__ = "meeting_minutes"

    id: uuid.UUID = id_field()
    meeting_id: uuid.UUID = Field(foreign_key="meeting.id", unique=True)
    child_id: uuid.UUID = Field(foreign_key="child.id", index=True)
    state: str = Field(max_length=16, default=MinutesState.OPEN.value)
    # The newest frozen version (0: never closed).
    current_version: int = Field(default=0)
    # The last accepted update's number (MinutesUpdate.seq).
    head_seq: int = Field(default=0)
    closed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    closed_by_person_id: uuid.UUID | None = Field(
        default=None, foreign_key="person.id", nullable=True
    )
    version: int = Field(default=1)
    created_at: dt.datetime = created_at_field()


class MinutesUpdate(SQLModel, table=True):
    """One accepted update of the shared minutes document (a Yjs update, v1 encoding), in
    order; the document is these updates applied in `seq` order."""

    __tablename__ = "meeting_minutes_update"
    __table_args__ = (
        sa.UniqueConstraint("meeting_id", "seq", name="uq_meeting_minutes_update_seq"),
    )

    id: uuid.UUID = id_field()
    meeting_id: uuid.UUID = Field(foreign_key="meeting.id", index=True)
    child_id: uuid.UUID = Field(foreign_key="child.id", index=True)
    seq: int
    data: bytes = Field(sa_column=Column(sa.LargeBinary, nullable=False))
    person_id: uuid.UUID | None = Field(default=None, foreign_key="person.id", nullable=True)
    created_at: dt.datetime = created_at_field()


class MinutesVersion(SQLModel, table=True):
    """A frozen version of the minutes: the text per agenda item when the coordinator closed
    them (`content`: {"general": str, "items": {agenda item id: {"discussion": str,
    "decisions": str}}}), and the document's state then."""

    __tablename__ = "meeting_minutes_version"
    __table_args__ = (
        sa.UniqueConstraint("meeting_id", "number", name="uq_meeting_minutes_version"),
    )

    id: uuid.UUID = id_field()
    meeting_id: uuid.UUID = Field(foreign_key="meeting.id", index=True)
    child_id: uuid.UUID = Field(foreign_key="child.id", index=True)
    number: int
    content: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: bytes = Field(sa_column=Column(sa.LargeBinary, nullable=False))
    closed_by_person_id: uuid.UUID = Field(foreign_key="person.id")
    closed_by_name: str = Field(max_length=200)
    closed_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)


class MinutesConfirmation(SQLModel, table=True):
    """A guardian's (from 16: the young person's) confirmation of, or comment on, a version."""

    __tablename__ = "meeting_minutes_confirmation"
    __table_args__ = (
        sa.UniqueConstraint("version_id", "person_id", name="uq_meeting_minutes_confirmation"),
    )

    id: uuid.UUID = id_field()
    version_id: uuid.UUID = Field(foreign_key="meeting_minutes_version.id", index=True)
    meeting_id: uuid.UUID = Field(foreign_key="meeting.id", index=True)
    child_id: uuid.UUID = Field(foreign_key="child.id", index=True)
    person_id: uuid.UUID = Field(foreign_key="person.id")
    person_name: str = Field(max_length=200)
    confirmed: bool
    comment: str | None = Field(default=None, max_length=2000)
    created_at: dt.datetime = created_at_field()


class ActionItem(SQLModel, table=True):
    """Oppfølgingspunkt agreed in a meeting: it becomes a plan task or a plan measure with an
    owner and a due date the moment it is agreed."""

    __tablename__ = "meeting_action_item"

    id: uuid.UUID = id_field()
    meeting_id: uuid.UUID = Field(foreign_key="meeting.id", index=True)
    agenda_item_id: uuid.UUID | None = Field(
        default=None, foreign_key="meeting_agenda_item.id", nullable=True
    )
    child_id: uuid.UUID = Field(foreign_key="child.id", index=True)
    kind: str = Field(max_length=16)
    title: str = Field(max_length=200)
    owner_member_id: uuid.UUID = Field(foreign_key="network_member.id")
    due_on: dt.date
    task_id: uuid.UUID | None = Field(default=None, foreign_key="plan_task.id", nullable=True)
    measure_id: uuid.UUID | None = Field(default=None, foreign_key="plan_measure.id", nullable=True)
    created_by_person_id: uuid.UUID = Field(foreign_key="person.id")
    created_at: dt.datetime = created_at_field()


class CalendarFeed(SQLModel, table=True):
    """A person's secret iCalendar address: only a hash of the secret is kept; revoking it
    (or making a new one) ends the old address at once."""

    __tablename__ = "meeting_calendar_feed"

    id: uuid.UUID = id_field()
    person_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: dt.datetime = created_at_field()
    revoked_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


TABLES: tuple[type[SQLModel], ...] = (
    Meeting,
    AgendaItem,
    Invitation,
    GuestObjection,
    Minutes,
    MinutesUpdate,
    MinutesVersion,
    MinutesConfirmation,
    ActionItem,
    CalendarFeed,
)
