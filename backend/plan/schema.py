"""The plan's mutations. Resolvers stay thin: the service does the work, the types build the
answer as the caller may see it now."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.api.common import UserError
from backend.api.context import Info
from backend.api.writes import run_write
from backend.audit import purposes
from backend.plan import service
from backend.plan.leader_schema import LeaderMutation
from backend.plan.types import (
    AddChildVoiceInput,
    AddGoalInput,
    AddMeasureInput,
    AddNeedInput,
    AddTaskInput,
    AnswerDisagreementInput,
    ChildVoice,
    ChildVoicePayload,
    ConfirmPlanInput,
    CreatePlanInput,
    Disagreement,
    DisagreementPayload,
    Evaluation,
    EvaluationPayload,
    Goal,
    GoalPayload,
    Measure,
    MeasurePayload,
    Need,
    NeedPayload,
    PlanPayload,
    RaiseDisagreementInput,
    RecordDisagreementInput,
    RecordEvaluationInput,
    Task,
    TaskPayload,
    UpdateGoalInput,
    UpdateMeasureInput,
    UpdateNeedInput,
    UpdatePlanInput,
    UpdateTaskInput,
    part_of,
    plan_by_id,
    shown,
)
from backend.plan.types import Plan as PlanType


async def _write(
    info: Info, action: Callable[[AsyncSession, Any], Awaitable[service.Written]]
) -> tuple[PlanType | None, Any, list[UserError]]:
    """Run one write; the plan and the written part as the caller may see them now."""
    written, errors = await run_write(info, lambda s: action(s, info.context.actor))
    if written is None:
        return None, None, errors
    plan = await plan_by_id(info, written.plan_id)
    part = shown(info, part_of(plan, written.entity_type, written.entity_id))
    return plan, part, errors


def _as(kind: type, value: Any) -> Any:
    return value if isinstance(value, kind) else None


@strawberry.type
class PlanMutation(LeaderMutation):
    @strawberry.mutation(description="Create the child's plan (one current plan per child).")
    async def create_plan(self, info: Info, input: CreatePlanInput) -> PlanPayload:
        plan, _, errors = await _write(info, lambda s, a: service.create_plan(s, a, input))
        return PlanPayload(plan=plan, errors=errors)

    @strawberry.mutation(
        description="Change the plan's period, revision date or the family's summary."
    )
    async def update_plan(self, info: Info, input: UpdatePlanInput) -> PlanPayload:
        plan, _, errors = await _write(info, lambda s, a: service.update_plan(s, a, input))
        return PlanPayload(plan=plan, errors=errors)

    @strawberry.mutation(
        description="Confirm the current revision (guardians with parental responsibility; "
        "from 16 the young person)."
    )
    async def confirm_plan(self, info: Info, input: ConfirmPlanInput) -> PlanPayload:
        plan, _, errors = await _write(info, lambda s, a: service.confirm_plan(s, a, input))
        return PlanPayload(plan=plan, errors=errors)

    @strawberry.mutation(description="Add a need (behov).")
    async def add_need(self, info: Info, input: AddNeedInput) -> NeedPayload:
        _, part, errors = await _write(info, lambda s, a: service.add_need(s, a, input))
        return NeedPayload(need=_as(Need, part), errors=errors)

    @strawberry.mutation(description="Change a need.")
    async def update_need(self, info: Info, input: UpdateNeedInput) -> NeedPayload:
        _, part, errors = await _write(info, lambda s, a: service.update_need(s, a, input))
        return NeedPayload(need=_as(Need, part), errors=errors)

    @strawberry.mutation(description="Add a goal (mål) answering one or more needs.")
    async def add_goal(self, info: Info, input: AddGoalInput) -> GoalPayload:
        _, part, errors = await _write(info, lambda s, a: service.add_goal(s, a, input))
        return GoalPayload(goal=_as(Goal, part), errors=errors)

    @strawberry.mutation(description="Change a goal.")
    async def update_goal(self, info: Info, input: UpdateGoalInput) -> GoalPayload:
        _, part, errors = await _write(info, lambda s, a: service.update_goal(s, a, input))
        return GoalPayload(goal=_as(Goal, part), errors=errors)

    @strawberry.mutation(description="Add a measure (tiltak); it names the need or goal it serves.")
    async def add_measure(self, info: Info, input: AddMeasureInput) -> MeasurePayload:
        _, part, errors = await _write(info, lambda s, a: service.add_measure(s, a, input))
        return MeasurePayload(measure=_as(Measure, part), errors=errors)

    @strawberry.mutation(description="Change a measure.")
    async def update_measure(self, info: Info, input: UpdateMeasureInput) -> MeasurePayload:
        _, part, errors = await _write(info, lambda s, a: service.update_measure(s, a, input))
        return MeasurePayload(measure=_as(Measure, part), errors=errors)

    @strawberry.mutation(description="Record an evaluation of a goal or a measure.")
    async def record_evaluation(
        self, info: Info, input: RecordEvaluationInput
    ) -> EvaluationPayload:
        _, part, errors = await _write(info, lambda s, a: service.record_evaluation(s, a, input))
        return EvaluationPayload(evaluation=_as(Evaluation, part), errors=errors)

    @strawberry.mutation(description="Add a task (oppgave) for one member of the network.")
    async def add_task(self, info: Info, input: AddTaskInput) -> TaskPayload:
        _, part, errors = await _write(info, lambda s, a: service.add_task(s, a, input))
        return TaskPayload(task=_as(Task, part), errors=errors)

    @strawberry.mutation(description="Change a task, or mark it done.")
    async def update_task(self, info: Info, input: UpdateTaskInput) -> TaskPayload:
        _, part, errors = await _write(info, lambda s, a: service.update_task(s, a, input))
        return TaskPayload(task=_as(Task, part), errors=errors)

    @strawberry.mutation(description="Add the child's own words to the plan, a goal or a measure.")
    async def add_child_voice(self, info: Info, input: AddChildVoiceInput) -> ChildVoicePayload:
        _, part, errors = await _write(info, lambda s, a: service.add_child_voice(s, a, input))
        return ChildVoicePayload(voice=_as(ChildVoice, part), errors=errors)

    @strawberry.mutation(
        description="Record a disagreement with a measure, an evaluation or the plan."
    )
    async def record_disagreement(
        self, info: Info, input: RecordDisagreementInput
    ) -> DisagreementPayload:
        _, part, errors = await _write(info, lambda s, a: service.record_disagreement(s, a, input))
        return DisagreementPayload(disagreement=_as(Disagreement, part), errors=errors)

    @strawberry.mutation(description="Answer a disagreement (the barnekoordinator).")
    async def answer_disagreement(
        self, info: Info, input: AnswerDisagreementInput
    ) -> DisagreementPayload:
        _, part, errors = await _write(info, lambda s, a: service.answer_disagreement(s, a, input))
        return DisagreementPayload(disagreement=_as(Disagreement, part), errors=errors)

    @strawberry.mutation(description="Raise a disagreement to the coordinating unit's leader.")
    async def raise_disagreement(
        self, info: Info, input: RaiseDisagreementInput
    ) -> DisagreementPayload:
        _, part, errors = await _write(info, lambda s, a: service.raise_disagreement(s, a, input))
        return DisagreementPayload(disagreement=_as(Disagreement, part), errors=errors)


# Why the access log says these were read (see backend.audit.purposes). Staff may choose
# PLAN_WORK themselves for any read (`extensions.purpose`).
purposes.register(
    {
        name: purposes.Purpose.PLAN_WORK
        for name in (
            "createPlan",
            "updatePlan",
            "confirmPlan",
            "addNeed",
            "updateNeed",
            "addGoal",
            "updateGoal",
            "addMeasure",
            "updateMeasure",
            "recordEvaluation",
            "addTask",
            "updateTask",
            "addChildVoice",
            "recordDisagreement",
            "answerDisagreement",
            "raiseDisagreement",
        )
    }
)
