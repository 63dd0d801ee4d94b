"""The coordinated plan (individuell plan): its parts, its history and its confirmations.

One current plan per child (`ended_at IS NULL`). Every part carries the child's id, so the
gate's write helper (`load_for_write`) finds the child of any row, and an information
category (an evaluation takes its target's; a voice and a disagreement theirs when
attached, else their recorder's service's), which the Cedar policies decide on, field by field.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

# The life areas and kinds of provision are the catalogue's too: one enum each in the schema.
from backend.catalogue.models import LifeArea as LifeArea
from backend.catalogue.models import MeasureProvision as MeasureProvision
from backend.core.database import UTCDateTime
from backend.core.models import created_at_field, id_field


class PlanCategory(enum.Enum):
    """A plan item's information category (see `backend.plan.rules.POLICY_CATEGORY`)."""

    GENERAL = "general"
    HEALTH = "health"
    SCHOOL = "school"
    NAV = "nav"  # NAV and the other welfare services (avlastning)
    BARNEVERN = "barnevern"


class MeasureStatus(enum.Enum):
    PLANNED = "planned"
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


class EvaluationDecision(enum.Enum):
    CONTINUE = "continue"
    ADJUST = "adjust"
    END = "end"


class TaskStatus(enum.Enum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class VoiceForm(enum.Enum):
    WRITTEN = "written"  # written by the child
    TOLD = "told"  # told to someone
    DRAWN = "drawn"  # drawn and described


class GoalVoice(enum.Enum):
    CHILD = "child"
    FAMILY = "family"


class DisagreementStatus(enum.Enum):
    OPEN = "open"
    ANSWERED = "answered"
    RAISED = "raised"  # to the coordinating unit's leader
    RESOLVED = "resolved"


def _category_field() -> Any:
    return Field(default=PlanCategory.GENERAL.value, max_length=16)


def _plan_fk() -> Any:
    return Field(foreign_key="plan.id", index=True)


def _child_fk() -> Any:
    return Field(foreign_key="child.id")


def _person_fk() -> Any:
    return Field(default=None, foreign_key="person.id", nullable=True)


class Plan(SQLModel, table=True):
    """Individuell plan: the period, the family's own summary, revision dates."""

    __tablename__ = "plan"
    __table_args__ = (
        sa.Index(
            "uq_plan_current_child",
            "child_id",
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        ),
    )

    id: uuid.UUID = id_field()
    child_id: uuid.UUID = Field(foreign_key="child.id", index=True)
    period_start: dt.date
    period_end: dt.date | None = Field(default=None)
    family_summary: str | None = Field(default=None, max_length=4000)
    next_revision_on: dt.date | None = Field(default=None)
    # Increments with every change to the plan or any of its parts (a snapshot each).
    revision: int = Field(default=1)
    version: int = Field(default=1)
    ended_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    created_by_person_id: uuid.UUID | None = _person_fk()
    created_at: dt.datetime = created_at_field()


class PlanNeed(SQLModel, table=True):
    """Behov: what the child and family need help with, by life area."""

    __tablename__ = "plan_need"

    id: uuid.UUID = id_field()
    plan_id: uuid.UUID = _plan_fk()
    child_id: uuid.UUID = _child_fk()
    life_area: str = Field(max_length=32)
    description: str = Field(max_length=4000)
    raised_by: str | None = Field(default=None, max_length=200)
    category: str = _category_field()
    # The service of whoever wrote it (their own record), if any.
    service_id: uuid.UUID | None = Field(
        default=None, foreign_key="service_provider.id", nullable=True
    )
    version: int = Field(default=1)
    created_by_person_id: uuid.UUID | None = _person_fk()
    created_at: dt.datetime = created_at_field()


class PlanGoal(SQLModel, table=True):
    """Mål, in the child's or the family's own words."""

    __tablename__ = "plan_goal"

    id: uuid.UUID = id_field()
    plan_id: uuid.UUID = _plan_fk()
    child_id: uuid.UUID = _child_fk()
    text: str = Field(max_length=4000)
    in_whose_words: str = Field(max_length=16)
    evaluation_every_weeks: int | None = Field(default=None)
    category: str = _category_field()
    service_id: uuid.UUID | None = Field(
        default=None, foreign_key="service_provider.id", nullable=True
    )
    version: int = Field(default=1)
    created_by_person_id: uuid.UUID | None = _person_fk()
    created_at: dt.datetime = created_at_field()


class PlanGoalNeed(SQLModel, table=True):
    """Which needs a goal answers."""

    __tablename__ = "plan_goal_need"

    goal_id: uuid.UUID = Field(foreign_key="plan_goal.id", primary_key=True)
    need_id: uuid.UUID = Field(foreign_key="plan_need.id", primary_key=True)
    plan_id: uuid.UUID = _plan_fk()


class PlanMeasure(SQLModel, table=True):
    """Tiltak: who does what, how often, from when to when; every one names its reason."""

    __tablename__ = "plan_measure"

    id: uuid.UUID = id_field()
    plan_id: uuid.UUID = _plan_fk()
    child_id: uuid.UUID = _child_fk()
    title: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    provision: str = Field(max_length=24)
    service_id: uuid.UUID | None = Field(
        default=None, foreign_key="service_provider.id", nullable=True
    )
    responsible_member_id: uuid.UUID | None = Field(
        default=None, foreign_key="network_member.id", nullable=True
    )
    frequency: str | None = Field(default=None, max_length=200)
    starts_on: dt.date | None = Field(default=None)
    ends_on: dt.date | None = Field(default=None)
    # NOK per month, where the kommune pays.
    monthly_cost: int | None = Field(default=None)
    status: str = Field(max_length=16)
    # The kommune's catalogue entry it was picked from (catalogue_measure.id; the catalogue's
    # migration adds the constraint).
    catalogue_measure_id: uuid.UUID | None = Field(
        default=None, foreign_key="catalogue_measure.id", nullable=True, index=True
    )
    evaluation_every_weeks: int | None = Field(default=None)
    category: str = _category_field()
    version: int = Field(default=1)
    created_by_person_id: uuid.UUID | None = _person_fk()
    created_at: dt.datetime = created_at_field()


class PlanMeasureNeed(SQLModel, table=True):
    __tablename__ = "plan_measure_need"

    measure_id: uuid.UUID = Field(foreign_key="plan_measure.id", primary_key=True)
    need_id: uuid.UUID = Field(foreign_key="plan_need.id", primary_key=True)
    plan_id: uuid.UUID = _plan_fk()


class PlanMeasureGoal(SQLModel, table=True):
    __tablename__ = "plan_measure_goal"

    measure_id: uuid.UUID = Field(foreign_key="plan_measure.id", primary_key=True)
    goal_id: uuid.UUID = Field(foreign_key="plan_goal.id", primary_key=True)
    plan_id: uuid.UUID = _plan_fk()


class PlanEvaluation(SQLModel, table=True):
    """Evaluering of one goal or one measure; its category is its target's."""

    __tablename__ = "plan_evaluation"

    id: uuid.UUID = id_field()
    plan_id: uuid.UUID = _plan_fk()
    child_id: uuid.UUID = _child_fk()
    goal_id: uuid.UUID | None = Field(default=None, foreign_key="plan_goal.id", nullable=True)
    measure_id: uuid.UUID | None = Field(default=None, foreign_key="plan_measure.id", nullable=True)
    evaluated_on: dt.date
    # Goal Attainment Scaling, -2..+2.
    score: int | None = Field(default=None)
    observed: str = Field(max_length=4000)
    family_view: str | None = Field(default=None, max_length=4000)
    decision: str = Field(max_length=16)
    # Network memberships (ids) of those who took part.
    participant_member_ids: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    recorded_by_person_id: uuid.UUID | None = _person_fk()
    recorded_at: dt.datetime = created_at_field()


class PlanTask(SQLModel, table=True):
    """Oppgave: an action for one member of the network, with a due date."""

    __tablename__ = "plan_task"

    id: uuid.UUID = id_field()
    plan_id: uuid.UUID = _plan_fk()
    child_id: uuid.UUID = _child_fk()
    title: str = Field(max_length=200)
    assignee_member_id: uuid.UUID = Field(foreign_key="network_member.id")
    due_on: dt.date
    status: str = Field(max_length=16, default=TaskStatus.OPEN.value)
    measure_id: uuid.UUID | None = Field(default=None, foreign_key="plan_measure.id", nullable=True)
    category: str = _category_field()
    # The assignee's service (their own record), if any.
    service_id: uuid.UUID | None = Field(
        default=None, foreign_key="service_provider.id", nullable=True
    )
    version: int = Field(default=1)
    created_by_person_id: uuid.UUID | None = _person_fk()
    created_at: dt.datetime = created_at_field()


class PlanVoice(SQLModel, table=True):
    """Barnets stemme: the child's own words, attached to the plan, a goal or a measure."""

    __tablename__ = "plan_voice"

    id: uuid.UUID = id_field()
    plan_id: uuid.UUID = _plan_fk()
    child_id: uuid.UUID = _child_fk()
    text: str = Field(max_length=4000)
    form: str = Field(max_length=16)
    recorded_how: str | None = Field(default=None, max_length=200)
    recorded_by_person_id: uuid.UUID | None = _person_fk()
    recorded_at: dt.datetime = created_at_field()
    goal_id: uuid.UUID | None = Field(default=None, foreign_key="plan_goal.id", nullable=True)
    measure_id: uuid.UUID | None = Field(default=None, foreign_key="plan_measure.id", nullable=True)
    # The child's age when heard (from 12 their view weighs more).
    child_age_years: int | None = Field(default=None)
    # Its goal's or measure's; else the recording service's (a health member's voice is
    # health information); else general (the family's).
    category: str = _category_field()
    service_id: uuid.UUID | None = Field(
        default=None, foreign_key="service_provider.id", nullable=True
    )


class PlanDisagreement(SQLModel, table=True):
    """Uenighet with a measure, an evaluation or the plan, tracked to an answer."""

    __tablename__ = "plan_disagreement"

    id: uuid.UUID = id_field()
    plan_id: uuid.UUID = _plan_fk()
    child_id: uuid.UUID = _child_fk()
    text: str = Field(max_length=4000)
    raised_by_person_id: uuid.UUID | None = _person_fk()
    raised_at: dt.datetime = created_at_field()
    measure_id: uuid.UUID | None = Field(default=None, foreign_key="plan_measure.id", nullable=True)
    evaluation_id: uuid.UUID | None = Field(
        default=None, foreign_key="plan_evaluation.id", nullable=True
    )
    status: str = Field(max_length=16, default=DisagreementStatus.OPEN.value)
    answer: str | None = Field(default=None, max_length=4000)
    answered_by_person_id: uuid.UUID | None = _person_fk()
    answered_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    raised_to_leader_at: dt.datetime | None = Field(
        default=None, sa_type=UTCDateTime, nullable=True
    )
    # Its measure's or evaluation's; else the raising service's; else general (the family's).
    category: str = _category_field()
    service_id: uuid.UUID | None = Field(
        default=None, foreign_key="service_provider.id", nullable=True
    )
    version: int = Field(default=1)


class PlanConfirmation(SQLModel, table=True):
    """A guardian's (from 16: the young person's) confirmation of one revision."""

    __tablename__ = "plan_confirmation"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "person_id", "revision", name="uq_plan_confirmation"),
    )

    id: uuid.UUID = id_field()
    plan_id: uuid.UUID = _plan_fk()
    child_id: uuid.UUID = _child_fk()
    person_id: uuid.UUID = Field(foreign_key="person.id")
    revision: int
    confirmed_at: dt.datetime = created_at_field()


class PlanRevision(SQLModel, table=True):
    """The whole plan as it was at one revision (every part with its category), read back
    through the same policies as the current plan."""

    __tablename__ = "plan_revision"
    __table_args__ = (sa.UniqueConstraint("plan_id", "revision", name="uq_plan_revision"),)

    id: uuid.UUID = id_field()
    plan_id: uuid.UUID = _plan_fk()
    child_id: uuid.UUID = _child_fk()
    revision: int
    snapshot: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at: dt.datetime = created_at_field()


class PlanChange(SQLModel, table=True):
    """One line of the plan's history: who, when, what (the part's category and title)."""

    __tablename__ = "plan_change"

    id: uuid.UUID = id_field()
    plan_id: uuid.UUID = _plan_fk()
    child_id: uuid.UUID = _child_fk()
    revision: int
    kind: str = Field(max_length=64)
    entity_type: str = Field(max_length=32)
    entity_id: uuid.UUID
    category: str = _category_field()
    # The part's own service, for "own record" when reading the line.
    service_id: uuid.UUID | None = Field(default=None, nullable=True)
    label: str | None = Field(default=None, max_length=200)
    actor_person_id: uuid.UUID | None = _person_fk()
    at: dt.datetime = created_at_field()


class PlanReminder(SQLModel, table=True):
    """An overdue evaluation or task already recorded for its due date: the daily job
    records one event per item and due date, however often it runs."""

    __tablename__ = "plan_reminder"
    __table_args__ = (sa.UniqueConstraint("entity_id", "kind", "due_on", name="uq_plan_reminder"),)

    id: uuid.UUID = id_field()
    child_id: uuid.UUID = _child_fk()
    entity_id: uuid.UUID
    kind: str = Field(max_length=64)
    due_on: dt.date
    created_at: dt.datetime = created_at_field()


TABLES: tuple[type[SQLModel], ...] = (
    Plan,
    PlanNeed,
    PlanGoal,
    PlanGoalNeed,
    PlanMeasure,
    PlanMeasureNeed,
    PlanMeasureGoal,
    PlanEvaluation,
    PlanTask,
    PlanVoice,
    PlanDisagreement,
    PlanConfirmation,
    PlanRevision,
    PlanChange,
    PlanReminder,
)
