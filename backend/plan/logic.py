"""The plan's rules that need no database: categories, evaluation schedules, what is overdue,
and the snapshot of a revision.

The read side (types.py), the write side (service.py) and the daily job (jobs.py) decide
"overdue" and "which category" here, so a count, a field and a reminder never disagree.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import SQLModel

from backend.authz.access import SERVICE_CATEGORY
from backend.authz.policy import Category
from backend.core.database import UTCDateTime
from backend.plan.models import (
    DisagreementStatus,
    MeasureStatus,
    Plan,
    PlanCategory,
    PlanConfirmation,
    PlanDisagreement,
    PlanEvaluation,
    PlanGoal,
    PlanGoalNeed,
    PlanMeasure,
    PlanMeasureGoal,
    PlanMeasureNeed,
    PlanNeed,
    PlanTask,
    PlanVoice,
    TaskStatus,
)

# The plan's categories in the policies' words. A general part is basic information: every
# member of the network who may see the child reads it.
POLICY_CATEGORY: dict[str, Category] = {
    PlanCategory.GENERAL.value: Category.BASIC,
    PlanCategory.HEALTH.value: Category.HEALTH,
    PlanCategory.SCHOOL.value: Category.SCHOOL,
    PlanCategory.NAV.value: Category.WELFARE,
    PlanCategory.BARNEVERN.value: Category.BARNEVERN,
}
_FROM_POLICY = {
    Category.HEALTH: PlanCategory.HEALTH,
    Category.SCHOOL: PlanCategory.SCHOOL,
    Category.WELFARE: PlanCategory.NAV,
    Category.BARNEVERN: PlanCategory.BARNEVERN,
}


def policy_category(category: str) -> Category:
    """Unknown values read as the strictest category: nothing leaks by a typo."""
    return POLICY_CATEGORY.get(category, Category.BARNEVERN)


def category_of_service_type(service_type: str | None) -> PlanCategory:
    """A part's category taken from its service's type (helsestasjon: health, NAV and
    avlastning: NAV/welfare, ...); a service of no category, or none: general."""
    if service_type is None:
        return PlanCategory.GENERAL
    return _FROM_POLICY.get(
        SERVICE_CATEGORY.get(service_type, Category.BASIC), PlanCategory.GENERAL
    )


# ---- Evaluation schedules and what is overdue ------------------------------------------


def _later(*days: dt.date | None) -> dt.date | None:
    found = [d for d in days if d is not None]
    return max(found) if found else None


def next_evaluation(
    every_weeks: int | None, last_evaluated: dt.date | None, start: dt.date | None
) -> dt.date | None:
    """Next due: the last evaluation (or the start) plus the interval; None: no schedule."""
    if every_weeks is None:
        return None
    base = last_evaluated or start
    if base is None:
        return None
    return base + dt.timedelta(weeks=every_weeks)


def goal_start(goal: PlanGoal, plan: Plan) -> dt.date:
    """A goal is evaluated from the plan's start, or from when it was set if later."""
    created = goal.created_at.date() if goal.created_at else None
    return _later(plan.period_start, created) or plan.period_start


def measure_start(measure: PlanMeasure, plan: Plan) -> dt.date:
    """A measure from its start date; without one, as a goal."""
    if measure.starts_on is not None:
        return measure.starts_on
    created = measure.created_at.date() if measure.created_at else None
    return _later(plan.period_start, created) or plan.period_start


def overdue_evaluation(next_on: dt.date | None, today: dt.date) -> bool:
    return next_on is not None and next_on < today


def measure_is_evaluated(measure: PlanMeasure) -> bool:
    """An ended measure is not evaluated any more."""
    return measure.status != MeasureStatus.ENDED.value


def task_overdue(task: PlanTask, today: dt.date) -> bool:
    return task.status == TaskStatus.OPEN.value and task.due_on < today


OPEN_DISAGREEMENTS = frozenset({DisagreementStatus.OPEN.value, DisagreementStatus.RAISED.value})


@dataclass
class PlanParts:
    """Every part of one plan, as loaded (one statement per table) or from a snapshot."""

    needs: list[PlanNeed] = field(default_factory=list)
    goals: list[PlanGoal] = field(default_factory=list)
    goal_needs: list[PlanGoalNeed] = field(default_factory=list)
    measures: list[PlanMeasure] = field(default_factory=list)
    measure_needs: list[PlanMeasureNeed] = field(default_factory=list)
    measure_goals: list[PlanMeasureGoal] = field(default_factory=list)
    evaluations: list[PlanEvaluation] = field(default_factory=list)
    tasks: list[PlanTask] = field(default_factory=list)
    voices: list[PlanVoice] = field(default_factory=list)
    disagreements: list[PlanDisagreement] = field(default_factory=list)

    def item_count(self) -> int:
        return max(
            len(self.needs),
            len(self.goals),
            len(self.measures),
            len(self.tasks),
            len(self.voices),
            len(self.disagreements),
            len(self.evaluations),
        )

    def last_evaluated(self) -> dict[uuid.UUID, dt.date]:
        """The newest evaluation date per goal and measure."""
        found: dict[uuid.UUID, dt.date] = {}
        for e in self.evaluations:
            target = e.goal_id or e.measure_id
            if target is not None and (target not in found or e.evaluated_on > found[target]):
                found[target] = e.evaluated_on
        return found


@dataclass(frozen=True)
class Due:
    """An evaluation or a task that is overdue, for the reminders."""

    kind: str  # plan.evaluation_overdue, plan.task_overdue
    entity_type: str
    entity_id: uuid.UUID
    due_on: dt.date
    category: str
    service_id: uuid.UUID | None
    # Who is reminded: a network membership (the measure's responsible, the task's assignee),
    # or None: the coordinator.
    member_id: uuid.UUID | None


def overdue_items(plan: Plan, parts: PlanParts, today: dt.date) -> list[Due]:
    """Every overdue evaluation and task of one plan."""
    last = parts.last_evaluated()
    found: list[Due] = []
    for goal in parts.goals:
        due = next_evaluation(
            goal.evaluation_every_weeks, last.get(goal.id), goal_start(goal, plan)
        )
        if overdue_evaluation(due, today):
            assert due is not None
            found.append(
                Due(
                    "plan.evaluation_overdue",
                    "plan_goal",
                    goal.id,
                    due,
                    goal.category,
                    goal.service_id,
                    None,
                )
            )
    for measure in parts.measures:
        if not measure_is_evaluated(measure):
            continue
        due = next_evaluation(
            measure.evaluation_every_weeks, last.get(measure.id), measure_start(measure, plan)
        )
        if overdue_evaluation(due, today):
            assert due is not None
            found.append(
                Due(
                    "plan.evaluation_overdue",
                    "plan_measure",
                    measure.id,
                    due,
                    measure.category,
                    measure.service_id,
                    measure.responsible_member_id,
                )
            )
    for task in parts.tasks:
        if task_overdue(task, today):
            found.append(
                Due(
                    "plan.task_overdue",
                    "plan_task",
                    task.id,
                    task.due_on,
                    task.category,
                    task.service_id,
                    task.assignee_member_id,
                )
            )
    return found


# ---- Snapshots: the whole plan at one revision, as JSON ------------------------------------

Model = TypeVar("Model", bound=SQLModel)

_PARTS: tuple[tuple[str, type[SQLModel]], ...] = (
    ("needs", PlanNeed),
    ("goals", PlanGoal),
    ("goal_needs", PlanGoalNeed),
    ("measures", PlanMeasure),
    ("measure_needs", PlanMeasureNeed),
    ("measure_goals", PlanMeasureGoal),
    ("evaluations", PlanEvaluation),
    ("tasks", PlanTask),
    ("voices", PlanVoice),
    ("disagreements", PlanDisagreement),
)
SNAPSHOT_FORMAT = 1


def _dump_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def dump_row(row: SQLModel) -> dict[str, Any]:
    table = row.__table__  # type: ignore[attr-defined]
    return {c.name: _dump_value(getattr(row, c.name)) for c in table.columns}


def _load_value(column: sa.Column[Any], value: Any) -> Any:
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, sa.Uuid):
        return uuid.UUID(value)
    if isinstance(kind, UTCDateTime):
        return dt.datetime.fromisoformat(value)
    if isinstance(kind, sa.Date):
        return dt.date.fromisoformat(value)
    return value


def load_row(model: type[Model], values: dict[str, Any]) -> Model:
    table = model.__table__  # type: ignore[attr-defined]
    return model(
        **{c.name: _load_value(c, values.get(c.name)) for c in table.columns if c.name in values}
    )


def snapshot(plan: Plan, parts: PlanParts) -> dict[str, Any]:
    """Everything a reader may later ask of this revision, every part with its category."""
    found: dict[str, Any] = {"format": SNAPSHOT_FORMAT, "plan": dump_row(plan)}
    for name, _ in _PARTS:
        found[name] = [dump_row(r) for r in getattr(parts, name)]
    return found


def from_snapshot(data: dict[str, Any]) -> tuple[Plan, PlanParts]:
    parts = PlanParts()
    for name, model in _PARTS:
        setattr(parts, name, [load_row(model, v) for v in data.get(name, [])])
    return load_row(Plan, data["plan"]), parts


def confirmed_revision(confirmations: Iterable[PlanConfirmation]) -> int | None:
    revisions = [c.revision for c in confirmations]
    return max(revisions) if revisions else None
