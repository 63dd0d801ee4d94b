"""The pathway's queries and mutations. Resolvers stay thin: the service does the work, the
types build the answer as the caller may see it now."""

from __future__ import annotations

import uuid

import strawberry

from backend.api.context import Info
from backend.api.writes import run_write
from backend.audit import purposes
from backend.pathway import service
from backend.pathway.types import (
    AddTransitionItemInput,
    DeviateMilestoneInput,
    MeetMilestoneInput,
    MilestoneOverview,
    MilestonePayload,
    MilestoneScope,
    PathwayTemplate,
    PathwayTemplatePayload,
    RecordSignalInput,
    SignalPayload,
    StartTransitionInput,
    TransitionPayload,
    UpdatePathwayTemplateInput,
    UpdateTransitionItemInput,
    milestone_by_id,
    needing_attention,
    signal_by_id,
    transition_by_id,
)


@strawberry.type
class PathwayQuery:
    @strawberry.field(
        description="The caller's kommune's templates (the coordinating unit edits them; "
        "staff of the kommune read)."
    )
    async def pathway_templates(self, info: Info) -> list[PathwayTemplate]:
        async with info.context.reads.session() as session:
            rows = await service.templates(session, info.context.actor)
        return [PathwayTemplate.from_row(r) for r in rows]

    @strawberry.field(
        description="Missed and soon-due milestones: the coordinator's children (scope MINE) "
        "or the caller's kommune (scope KOMMUNE: coordinating unit only)."
    )
    async def milestones_needing_attention(
        self, info: Info, scope: MilestoneScope = MilestoneScope.MINE
    ) -> list[MilestoneOverview]:
        return await needing_attention(info, scope)


async def _transition(info: Info, transition_id: uuid.UUID | None) -> TransitionPayload:
    found = await transition_by_id(info, transition_id) if transition_id else None
    return TransitionPayload(transition=found, errors=[])


@strawberry.type
class PathwayMutation:
    @strawberry.mutation(description="Edit a pathway template (the kommune's coordinating unit).")
    async def update_pathway_template(
        self, info: Info, input: UpdatePathwayTemplateInput
    ) -> PathwayTemplatePayload:
        row, errors = await run_write(
            info, lambda s: service.update_template(s, info.context.actor, input)
        )
        return PathwayTemplatePayload(
            template=PathwayTemplate.from_row(row) if row else None, errors=errors
        )

    @strawberry.mutation(
        description="Record a deviation from a milestone, with its reason (the coordinator)."
    )
    async def deviate_milestone(self, info: Info, input: DeviateMilestoneInput) -> MilestonePayload:
        row, errors = await run_write(
            info, lambda s: service.deviate_milestone(s, info.context.actor, input)
        )
        found = await milestone_by_id(info, row.id) if row else None
        return MilestonePayload(milestone=found, errors=errors)

    @strawberry.mutation(
        description="Mark a manual milestone (or the first network meeting) met (the coordinator)."
    )
    async def meet_milestone(self, info: Info, input: MeetMilestoneInput) -> MilestonePayload:
        row, errors = await run_write(
            info, lambda s: service.meet_milestone(s, info.context.actor, input)
        )
        found = await milestone_by_id(info, row.id) if row else None
        return MilestonePayload(milestone=found, errors=errors)

    @strawberry.mutation(description="Start a transition with its default checklist.")
    async def start_transition(self, info: Info, input: StartTransitionInput) -> TransitionPayload:
        row, errors = await run_write(
            info,
            lambda s: service.start_transition(s, info.context.actor, input, info.context.language),
        )
        payload = await _transition(info, row.id if row else None)
        payload.errors = errors
        return payload

    @strawberry.mutation(description="Add an item to a transition's checklist.")
    async def add_transition_item(
        self, info: Info, input: AddTransitionItemInput
    ) -> TransitionPayload:
        row, errors = await run_write(
            info, lambda s: service.add_transition_item(s, info.context.actor, input)
        )
        payload = await _transition(info, row.id if row else None)
        payload.errors = errors
        return payload

    @strawberry.mutation(description="Change a transition item; its owner may set its status.")
    async def update_transition_item(
        self, info: Info, input: UpdateTransitionItemInput
    ) -> TransitionPayload:
        row, errors = await run_write(
            info, lambda s: service.update_transition_item(s, info.context.actor, input)
        )
        payload = await _transition(info, row.id if row else None)
        payload.errors = errors
        return payload

    @strawberry.mutation(
        description="Record a signal the network must know now (a staff member of the network)."
    )
    async def record_signal(self, info: Info, input: RecordSignalInput) -> SignalPayload:
        row, errors = await run_write(
            info, lambda s: service.record_signal(s, info.context.actor, input)
        )
        found = await signal_by_id(info, row.id, row.child_id) if row else None
        return SignalPayload(signal=found, errors=errors)


# Why the access log says these were read (see backend.audit.purposes).
purposes.register(
    {
        name: purposes.Purpose.PLAN_WORK
        for name in (
            "pathwayTemplates",
            "milestonesNeedingAttention",
            "updatePathwayTemplate",
            "deviateMilestone",
            "meetMilestone",
            "startTransition",
            "addTransitionItem",
            "updateTransitionItem",
            "recordSignal",
        )
    }
)
