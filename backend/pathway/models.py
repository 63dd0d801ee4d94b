"""The pathway (pakkeforløp): a kommune's templates, each child's milestones, the transitions
families say go wrong (overganger) and the signals the network must know now.

A template is the kommune's: milestones with a target time from an anchor (the request, the
grant, the previous milestone met). A child's pathway copies the template it started from,
so a later edit of the template changes no running pathway. Every child-owned row carries
the child's id, so the gate's write helper (`load_for_write`) finds the child of any row.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from backend.core.models import created_at_field, id_field


class MilestoneAnchor(enum.Enum):
    REQUEST_SUBMITTED = "request_submitted"
    DECISION_GRANTED = "decision_granted"
    PREVIOUS_MET = "previous_met"


class MilestoneTrigger(enum.Enum):
    DECISION = "decision"
    NETWORK_MEETING = "network_meeting"
    PLAN_CREATED = "plan_created"
    PLAN_EVALUATED = "plan_evaluated"
    MANUAL = "manual"


class MilestoneState(enum.Enum):
    """What is stored; DUE and SOON_DUE are read from the date (see logic.status_of)."""

    OPEN = "open"
    MET = "met"
    MISSED = "missed"
    DEVIATED = "deviated"


class TransitionKind(enum.Enum):
    HOSPITAL_TO_HOME = "hospital_to_home"
    BARNEHAGE_TO_SCHOOL = "barnehage_to_school"
    CHANGE_OF_SCHOOL = "change_of_school"
    TURNING_18 = "turning_18"


class TransitionItemStatus(enum.Enum):
    OPEN = "open"
    DONE = "done"
    NOT_NEEDED = "not_needed"


class SignalKind(enum.Enum):
    SCHOOL_ABSENCE = "school_absence"
    HOSPITAL_ADMISSION = "hospital_admission"
    CRISIS_AT_HOME = "crisis_at_home"
    OTHER = "other"


class PathwayTemplate(SQLModel, table=True):
    """A kommune's pathway template; `milestones` is the list of MilestoneTemplate values."""

    __tablename__ = "pathway_template"
    __table_args__ = (
        sa.Index(
            "uq_pathway_template_default",
            "municipality_id",
            unique=True,
            sqlite_where=sa.text("is_default"),
            postgresql_where=sa.text("is_default"),
        ),
    )

    id: uuid.UUID = id_field()
    municipality_id: uuid.UUID = Field(foreign_key="municipality.id", index=True)
    name: str = Field(max_length=200)
    milestones: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    is_default: bool = Field(default=True)
    version: int = Field(default=1)
    created_at: dt.datetime = created_at_field()


class Pathway(SQLModel, table=True):
    """One child's pathway, started from a template (copied, as it was then)."""

    __tablename__ = "pathway"

    id: uuid.UUID = id_field()
    child_id: uuid.UUID = Field(foreign_key="child.id", unique=True)
    template_id: uuid.UUID | None = Field(
        default=None, foreign_key="pathway_template.id", nullable=True
    )
    template_name: str = Field(max_length=200)
    milestones: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    started_on: dt.date
    request_submitted_on: dt.date | None = Field(default=None)
    decision_granted_on: dt.date | None = Field(default=None)
    version: int = Field(default=1)
    created_at: dt.datetime = created_at_field()


class Milestone(SQLModel, table=True):
    """Milepæl: one step of a child's pathway, with its due date (a repeat is a new row)."""

    __tablename__ = "pathway_milestone"
    __table_args__ = (
        sa.UniqueConstraint("pathway_id", "key", "occurrence", name="uq_pathway_milestone"),
    )

    id: uuid.UUID = id_field()
    pathway_id: uuid.UUID = Field(foreign_key="pathway.id", index=True)
    child_id: uuid.UUID = Field(foreign_key="child.id", index=True)
    key: str = Field(max_length=40)
    # The place of its template in the pathway's list (PREVIOUS_MET follows the one before).
    position: int = Field(default=0)
    # 0 for the first; each repeat (evaluation every six months) counts up.
    occurrence: int = Field(default=0)
    title: str = Field(max_length=200)
    trigger: str = Field(max_length=24)
    repeat_every_days: int | None = Field(default=None)
    due_on: dt.date = Field(index=True)
    state: str = Field(default=MilestoneState.OPEN.value, max_length=16, index=True)
    met_on: dt.date | None = Field(default=None)
    # What met it (a trigger's value, or "manual"), and whether after its due date.
    met_by: str | None = Field(default=None, max_length=24)
    met_late: bool = Field(default=False)
    deviation_reason: str | None = Field(default=None, max_length=4000)
    version: int = Field(default=1)
    created_at: dt.datetime = created_at_field()


class PathwayReminder(SQLModel, table=True):
    """That a milestone's reminder or alert was recorded for a due date: the daily job
    writes it before its event, so a second run (or a second worker) stops there."""

    __tablename__ = "pathway_reminder"
    __table_args__ = (
        sa.UniqueConstraint("milestone_id", "kind", "due_on", name="uq_pathway_reminder"),
    )

    id: uuid.UUID = id_field()
    child_id: uuid.UUID = Field(foreign_key="child.id", index=True)
    milestone_id: uuid.UUID = Field(foreign_key="pathway_milestone.id")
    kind: str = Field(max_length=64)
    due_on: dt.date
    created_at: dt.datetime = created_at_field()


class Transition(SQLModel, table=True):
    """Overgang: a checklist for a change that families say goes wrong."""

    __tablename__ = "pathway_transition"

    id: uuid.UUID = id_field()
    child_id: uuid.UUID = Field(foreign_key="child.id", index=True)
    kind: str = Field(max_length=32)
    due_on: dt.date | None = Field(default=None)
    created_by_person_id: uuid.UUID | None = Field(
        default=None, foreign_key="person.id", nullable=True
    )
    version: int = Field(default=1)
    created_at: dt.datetime = created_at_field()


class TransitionItem(SQLModel, table=True):
    """One item of a transition's checklist: an owner (a member of the network), a date."""

    __tablename__ = "pathway_transition_item"

    id: uuid.UUID = id_field()
    transition_id: uuid.UUID = Field(foreign_key="pathway_transition.id", index=True)
    child_id: uuid.UUID = Field(foreign_key="child.id", index=True)
    # A default item's key: its title is shown in the reader's language.
    item_key: str | None = Field(default=None, max_length=40)
    title: str = Field(max_length=200)
    owner_member_id: uuid.UUID | None = Field(
        default=None, foreign_key="network_member.id", nullable=True
    )
    due_on: dt.date | None = Field(default=None)
    status: str = Field(default=TransitionItemStatus.OPEN.value, max_length=16)
    position: int = Field(default=0)
    version: int = Field(default=1)
    created_at: dt.datetime = created_at_field()


class Signal(SQLModel, table=True):
    """Signal / bekymring: something a member sees that the network must know now. Read by
    its information category, as a part of the plan is."""

    __tablename__ = "pathway_signal"

    id: uuid.UUID = id_field()
    child_id: uuid.UUID = Field(foreign_key="child.id", index=True)
    kind: str = Field(max_length=32)
    description: str = Field(max_length=4000)
    category: str = Field(max_length=16)
    # The recorder's service in this network (its signals are its own record).
    service_id: uuid.UUID | None = Field(
        default=None, foreign_key="service_provider.id", nullable=True
    )
    recorded_by_member_id: uuid.UUID | None = Field(
        default=None, foreign_key="network_member.id", nullable=True
    )
    recorded_by_person_id: uuid.UUID | None = Field(
        default=None, foreign_key="person.id", nullable=True
    )
    recorded_at: dt.datetime = created_at_field()


TABLES: tuple[type[SQLModel], ...] = (
    PathwayTemplate,
    Pathway,
    Milestone,
    PathwayReminder,
    Transition,
    TransitionItem,
    Signal,
)
