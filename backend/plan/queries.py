"""The plan's reads shared by the writers, the daily job and the loaders (no GraphQL)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlmodel import SQLModel, col, select

from backend.plan.logic import PlanParts
from backend.plan.models import (
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
)

# The parts of a plan in reading order (by creation: ids are time-ordered UUIDv7).
_PART_TABLES: tuple[tuple[str, type[SQLModel], Any], ...] = (
    ("needs", PlanNeed, PlanNeed.id),
    ("goals", PlanGoal, PlanGoal.id),
    ("goal_needs", PlanGoalNeed, PlanGoalNeed.need_id),
    ("measures", PlanMeasure, PlanMeasure.id),
    ("measure_needs", PlanMeasureNeed, PlanMeasureNeed.need_id),
    ("measure_goals", PlanMeasureGoal, PlanMeasureGoal.goal_id),
    ("evaluations", PlanEvaluation, PlanEvaluation.evaluated_on),
    ("tasks", PlanTask, PlanTask.id),
    ("voices", PlanVoice, PlanVoice.id),
    ("disagreements", PlanDisagreement, PlanDisagreement.id),
)


async def load_parts(session: Any, plan_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, PlanParts]:
    """Every part of these plans: one statement per table, whatever their size."""
    found = {p: PlanParts() for p in plan_ids}
    for name, model, order in _PART_TABLES:
        plan_id = model.plan_id  # type: ignore[attr-defined]
        rows = await session.exec(
            select(model).where(col(plan_id).in_(list(plan_ids))).order_by(col(order))
        )
        for row in rows.all():
            getattr(found[row.plan_id], name).append(row)
    return found
