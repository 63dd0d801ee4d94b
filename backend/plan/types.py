"""GraphQL types and inputs of the coordinated plan (individuell plan).

The read path follows the network's (README, "the read path"): a plan is built once per
request and reader (`build_plan`): its parts, the network's member views and the services
in one batch each, and every part's gate decision made once (`Seen`, from its information
category). The types' resolvers are then attribute reads that note in the access log what
they hand out. The current plan and an earlier revision (`Child.planAt`) are built alike,
so a snapshot is filtered by the reader's policies exactly like the current plan.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import TypeVar

import strawberry

from backend.api.common import UserError
from backend.api.context import Info
from backend.api.input_caps import FREE_TEXT, cap
from backend.authz.access import Seen, service_categories
from backend.authz.policy import Action, ChildFacts
from backend.catalogue.types import CatalogueMeasure, catalogue_loaders, in_plan
from backend.consent.types import WHAT_IN_WORDS
from backend.core.clock import today
from backend.core.i18n import Text, pick
from backend.events.registry import EventEntity
from backend.network.models import NetworkRole
from backend.network.models import ServiceProvider as ServiceProviderRow
from backend.network.types import NetworkMember, ServiceProvider, member_views
from backend.plan import logic
from backend.plan.loaders import HistoryKey, plan_loaders
from backend.plan.logic import PlanParts, policy_category
from backend.plan.models import (
    DisagreementStatus,
    EvaluationDecision,
    GoalVoice,
    LifeArea,
    MeasureProvision,
    MeasureStatus,
    PlanCategory,
    TaskStatus,
    VoiceForm,
)
from backend.plan.models import Plan as PlanRow
from backend.plan.models import PlanChange as PlanChangeRow
from backend.plan.models import PlanConfirmation as PlanConfirmationRow
from backend.plan.models import PlanDisagreement as DisagreementRow
from backend.plan.models import PlanEvaluation as EvaluationRow
from backend.plan.models import PlanGoal as GoalRow
from backend.plan.models import PlanMeasure as MeasureRow
from backend.plan.models import PlanNeed as NeedRow
from backend.plan.models import PlanTask as TaskRow
from backend.plan.models import PlanVoice as VoiceRow

strawberry.enum(
    PlanCategory,
    name="PlanCategory",
    description="A plan part's information category: general (everyone in the network who "
    "sees the child), health, school/barnehage, NAV and welfare (avlastning), barnevern. "
    "Taken from the responsible service's type unless set.",
)
strawberry.enum(MeasureStatus, name="MeasureStatus", description="Where a measure stands.")
strawberry.enum(
    EvaluationDecision, name="EvaluationDecision", description="An evaluation's decision."
)
strawberry.enum(TaskStatus, name="TaskStatus")
strawberry.enum(
    VoiceForm,
    name="VoiceForm",
    description="Written by the child, told to someone, or drawn and described.",
)
strawberry.enum(GoalVoice, name="GoalVoice", description="In whose own words a goal is written.")
strawberry.enum(
    DisagreementStatus,
    name="DisagreementStatus",
    description="RAISED: raised to the coordinating unit's leader.",
)

# What the access log says was read, in words (beside the parts' categories).
WHAT_IN_WORDS.update(
    {
        "plan": ("planen", "planen", "the plan"),
        "planHistory": ("planens historikk", "historikken til planen", "the plan's history"),
        "planAt": (
            "en tidligere versjon av planen",
            "ein tidlegare versjon av planen",
            "an earlier version of the plan",
        ),
    }
)

# The child's view weighs more from this age (barnets rett til medvirkning).
WEIGHS_MORE_FROM = 12


# ---- The view: one plan as one reader may see it ------------------------------------------

# A part of the plan: every one carries its gate decision as `seen`.
Part = TypeVar("Part")


@dataclass
class PlanView:
    """Everything one reader's plan needs, loaded and decided once (see `build_plan`)."""

    facts: ChildFacts
    row: PlanRow
    parts: PlanParts
    historical: bool
    day: dt.date
    confirmations: list[PlanConfirmationRow]
    # The parts the reader may not read as they are today: their lines of the history are
    # not shown either (a part moved to health since keeps its earlier lines to itself).
    hidden_now: frozenset[uuid.UUID]
    # Every membership of the child's network (ended ones too), with the decision whether
    # the reader may know of it (None: anyone who sees the child may).
    members: dict[uuid.UUID, tuple[NetworkMember, Seen | None]] = field(default_factory=dict)
    people: dict[uuid.UUID, list[tuple[NetworkMember, Seen | None]]] = field(default_factory=dict)
    services: dict[uuid.UUID, ServiceProviderRow | None] = field(default_factory=dict)
    needs: dict[uuid.UUID, Need] = field(default_factory=dict)
    goals: dict[uuid.UUID, Goal] = field(default_factory=dict)
    measures: dict[uuid.UUID, Measure] = field(default_factory=dict)
    evaluations: dict[uuid.UUID, Evaluation] = field(default_factory=dict)
    tasks: dict[uuid.UUID, Task] = field(default_factory=dict)
    voices: dict[uuid.UUID, ChildVoice] = field(default_factory=dict)
    disagreements: dict[uuid.UUID, Disagreement] = field(default_factory=dict)

    def member(self, info: Info, member_id: uuid.UUID | None) -> NetworkMember | None:
        """A membership, if the reader may know of it (the look or the refusal is noted)."""
        found = self.members.get(member_id) if member_id is not None else None
        if found is None:
            return None
        member, knowing = found
        if knowing is not None and not info.context.gate.seen(knowing):
            return None
        return member

    def name(self, info: Info, person_id: uuid.UUID | None) -> str | None:
        """A person's name as the network shows it to this reader: through a membership the
        reader may know of, when the person may be shown (address protection, a hidden
        service's staff); otherwise no name."""
        if person_id is None:
            return None
        gate = info.context.gate
        for member, knowing in self.people.get(person_id, ()):
            view = member.view
            if view.person is None or view.person_seen is None:
                continue
            if knowing is not None and not knowing.allowed:
                continue
            if view.person_seen.allowed:
                if knowing is not None:
                    gate.seen(knowing)
                gate.seen(view.person_seen)
                return view.person.name
        return None

    def visible(self, info: Info, items: list[Part]) -> list[Part]:
        gate = info.context.gate
        return [item for item in items if gate.seen(item.seen)]  # type: ignore[attr-defined]


def _id(value: uuid.UUID) -> strawberry.ID:
    return strawberry.ID(str(value))


def _opt_id(value: uuid.UUID | None) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


# ---- The parts -------------------------------------------------------------------------


@strawberry.type(description="Behov: what the child and family need help with, by life area.")
class Need(EventEntity):
    life_area: LifeArea
    description: str = strawberry.field(description="In plain words.")
    raised_by: str | None = strawberry.field(description="Who raised it, in plain words.")
    category: PlanCategory
    version: int
    seen: strawberry.Private[Seen]

    @classmethod
    def from_row(cls, row: NeedRow, seen: Seen) -> Need:
        return cls(
            id=_id(row.id),
            life_area=LifeArea(row.life_area),
            description=row.description,
            raised_by=row.raised_by,
            category=PlanCategory(row.category),
            version=row.version,
            seen=seen,
        )


@strawberry.type(description="One goal-attainment score (-2..+2, Goal Attainment Scaling).")
class GoalScore:
    evaluated_on: dt.date
    score: int


@strawberry.type(description="Mål, in the child's or the family's own words.")
class Goal(EventEntity):
    text: str
    in_whose_words: GoalVoice
    evaluation_every_weeks: int | None
    next_evaluation_on: dt.date | None = strawberry.field(
        description="The last evaluation (or the start) plus the interval."
    )
    evaluation_overdue: bool
    category: PlanCategory
    version: int
    row: strawberry.Private[GoalRow]
    seen: strawberry.Private[Seen]
    view: strawberry.Private[PlanView]

    @strawberry.field(description="The needs it answers (those you may see).")
    def needs(self, info: Info) -> list[Need]:
        ids = [link.need_id for link in self.view.parts.goal_needs if link.goal_id == self.row.id]
        return self.view.visible(info, [self.view.needs[i] for i in ids if i in self.view.needs])

    @strawberry.field(description="Its evaluations, oldest first.")
    def evaluations(self, info: Info) -> list[Evaluation]:
        return [e for e in self.view.evaluations.values() if e.row.goal_id == self.row.id]

    @strawberry.field(description="The scores over time, oldest first: the table behind the chart.")
    def scores(self, info: Info) -> list[GoalScore]:
        return [
            GoalScore(evaluated_on=e.row.evaluated_on, score=e.row.score)
            for e in self.view.evaluations.values()
            if e.row.goal_id == self.row.id and e.row.score is not None
        ]


@strawberry.type(
    description="Tiltak: what is done, by which service and person, how often, from when to "
    "when, and the need or goal it serves."
)
class Measure(EventEntity):
    title: str
    description: str | None
    provision: MeasureProvision
    frequency: str | None
    starts_on: dt.date | None
    ends_on: dt.date | None
    monthly_cost: int | None = strawberry.field(
        description="NOK per month, where the kommune pays."
    )
    status: MeasureStatus
    evaluation_every_weeks: int | None
    next_evaluation_on: dt.date | None
    evaluation_overdue: bool
    category: PlanCategory
    version: int
    row: strawberry.Private[MeasureRow]
    seen: strawberry.Private[Seen]
    service_seen: strawberry.Private[Seen | None]
    view: strawberry.Private[PlanView]

    @strawberry.field(description="The responsible service, if you may see it.")
    def service(self, info: Info) -> ServiceProvider | None:
        row = self.view.services.get(self.row.service_id) if self.row.service_id else None
        if row is None or self.service_seen is None:
            return None
        if not info.context.gate.seen(self.service_seen):
            return None
        return ServiceProvider.from_row(row, self.view.facts)

    @strawberry.field(description="The responsible person's membership, if you may see it.")
    def responsible(self, info: Info) -> NetworkMember | None:
        return self.view.member(info, self.row.responsible_member_id)

    @strawberry.field(description="The needs it serves (those you may see).")
    def needs(self, info: Info) -> list[Need]:
        view = self.view
        ids = [link.need_id for link in view.parts.measure_needs if link.measure_id == self.row.id]
        return view.visible(info, [view.needs[i] for i in ids if i in view.needs])

    @strawberry.field(description="The goals it serves (those you may see).")
    def goals(self, info: Info) -> list[Goal]:
        view = self.view
        ids = [link.goal_id for link in view.parts.measure_goals if link.measure_id == self.row.id]
        return view.visible(info, [view.goals[i] for i in ids if i in view.goals])

    @strawberry.field(description="Its evaluations, oldest first.")
    def evaluations(self, info: Info) -> list[Evaluation]:
        return [e for e in self.view.evaluations.values() if e.row.measure_id == self.row.id]

    @strawberry.field(description="The kommune's catalogue entry it was picked from, if any.")
    async def catalogue_measure(self, info: Info) -> CatalogueMeasure | None:
        if self.row.catalogue_measure_id is None:
            return None
        row = await catalogue_loaders(info).entries.load(self.row.catalogue_measure_id)
        return in_plan(info, row, self.view.facts) if row else None


@strawberry.type(
    description="Evaluering of a goal or a measure: the score, what was observed, who took "
    "part (the family's view separately) and the decision."
)
class Evaluation(EventEntity):
    evaluated_on: dt.date
    score: int | None = strawberry.field(description="-2..+2 (Goal Attainment Scaling).")
    observed: str
    family_view: str | None = strawberry.field(description="The family's view, in its words.")
    decision: EvaluationDecision
    goal_id: strawberry.ID | None
    measure_id: strawberry.ID | None
    row: strawberry.Private[EvaluationRow]
    seen: strawberry.Private[Seen]
    view: strawberry.Private[PlanView]

    @strawberry.field(description="Who took part (the memberships you may see).")
    def participants(self, info: Info) -> list[NetworkMember]:
        found = []
        for value in self.row.participant_member_ids:
            try:
                member = self.view.member(info, uuid.UUID(str(value)))
            except ValueError:
                continue
            if member is not None:
                found.append(member)
        return found

    @strawberry.field
    def recorded_by_name(self, info: Info) -> str | None:
        return self.view.name(info, self.row.recorded_by_person_id)


@strawberry.type(description="Oppgave: an action for one member, with a due date.")
class Task(EventEntity):
    title: str
    due_on: dt.date
    status: TaskStatus
    overdue: bool
    measure_id: strawberry.ID | None
    category: PlanCategory
    version: int
    row: strawberry.Private[TaskRow]
    seen: strawberry.Private[Seen]
    view: strawberry.Private[PlanView]

    @strawberry.field(description="Whom it is for, if you may see the membership.")
    def assignee(self, info: Info) -> NetworkMember | None:
        return self.view.member(info, self.row.assignee_member_id)


@strawberry.type(
    description="Barnets stemme: the child's own words (written, told to someone, drawn and "
    "described), with who recorded them, how, and the child's age then."
)
class ChildVoice(EventEntity):
    text: str
    form: VoiceForm
    recorded_how: str | None
    recorded_at: dt.datetime
    child_age_years: int | None = strawberry.field(description="The child's age when heard.")
    weighs_more: bool = strawberry.field(description="The child was 12 or older: it weighs more.")
    goal_id: strawberry.ID | None
    measure_id: strawberry.ID | None
    category: PlanCategory = strawberry.field(
        description="Its goal's or measure's; else the recording service's (general: the family's)."
    )
    row: strawberry.Private[VoiceRow]
    seen: strawberry.Private[Seen]
    view: strawberry.Private[PlanView]

    @strawberry.field
    def recorded_by_name(self, info: Info) -> str | None:
        return self.view.name(info, self.row.recorded_by_person_id)


@strawberry.type(
    description="Uenighet with a measure, an evaluation or (neither given) the plan, tracked "
    "to an answer; it can be raised to the coordinating unit's leader."
)
class Disagreement(EventEntity):
    text: str
    raised_at: dt.datetime
    measure_id: strawberry.ID | None
    evaluation_id: strawberry.ID | None
    status: DisagreementStatus
    answer: str | None
    raised_to_leader_at: dt.datetime | None
    category: PlanCategory = strawberry.field(
        description="Its measure's or evaluation's; else the recording service's "
        "(general: the family's)."
    )
    version: int
    row: strawberry.Private[DisagreementRow]
    seen: strawberry.Private[Seen]
    view: strawberry.Private[PlanView]

    @strawberry.field
    def raised_by_name(self, info: Info) -> str | None:
        return self.view.name(info, self.row.raised_by_person_id)

    @strawberry.field
    def answered_by_name(self, info: Info) -> str | None:
        return self.view.name(info, self.row.answered_by_person_id)


@strawberry.type(description="A confirmation of one revision of the plan.")
class PlanConfirmation:
    revision: int
    confirmed_at: dt.datetime
    row: strawberry.Private[PlanConfirmationRow]
    view: strawberry.Private[PlanView]

    @strawberry.field(description="Who confirmed (as the network shows them to you).")
    def person_name(self, info: Info) -> str:
        return self.view.name(info, self.row.person_id) or ""


# What each kind of change is called in the history (`{label}`: the part's title).
CHANGE_TEXT: dict[str, Text] = {
    "plan.created": ("Planen ble opprettet", "Planen vart oppretta", "The plan was created"),
    "plan.updated": ("Planen ble endret", "Planen vart endra", "The plan was changed"),
    "plan.confirmed": (
        "Planen ble bekreftet av familien",
        "Planen vart stadfesta av familien",
        "The family confirmed the plan",
    ),
    "plan.need_added": ("Nytt behov: {label}", "Nytt behov: {label}", "New need: {label}"),
    "plan.need_updated": ("Behov endret: {label}", "Behov endra: {label}", "Need changed: {label}"),
    "plan.goal_added": ("Nytt mål: {label}", "Nytt mål: {label}", "New goal: {label}"),
    "plan.goal_updated": ("Mål endret: {label}", "Mål endra: {label}", "Goal changed: {label}"),
    "plan.measure_added": ("Nytt tiltak: {label}", "Nytt tiltak: {label}", "New measure: {label}"),
    "plan.measure_updated": (
        "Tiltak endret: {label}",
        "Tiltak endra: {label}",
        "Measure changed: {label}",
    ),
    "plan.evaluation_recorded": (
        "Evaluering av {label}",
        "Evaluering av {label}",
        "Evaluation of {label}",
    ),
    "plan.task_added": ("Ny oppgave: {label}", "Ny oppgåve: {label}", "New task: {label}"),
    "plan.task_updated": (
        "Oppgave endret: {label}",
        "Oppgåve endra: {label}",
        "Task changed: {label}",
    ),
    "plan.voice_added": (
        "Barnets stemme er lagt til",
        "Barnet si stemme er lagd til",
        "The child's voice was added",
    ),
    "plan.disagreement_recorded": (
        "Uenighet er registrert",
        "Usemje er registrert",
        "A disagreement was recorded",
    ),
    "plan.disagreement_answered": (
        "Uenighet er besvart",
        "Usemje er svara på",
        "A disagreement was answered",
    ),
    "plan.disagreement_raised": (
        "Uenighet er tatt videre til lederen for koordinerende enhet",
        "Usemje er teken vidare til leiaren for koordinerande eining",
        "A disagreement was raised to the coordinating unit's leader",
    ),
}
_CHANGED: Text = ("Planen ble endret", "Planen vart endra", "The plan was changed")


def change_summary(kind: str, label: str | None, language: str) -> str:
    text = pick(CHANGE_TEXT.get(kind, _CHANGED), language)
    return text.format(label=label or "").rstrip(": ")


@strawberry.type(description="One change of the plan: who, when, what.")
class PlanChange:
    revision: int
    at: dt.datetime
    kind: str = strawberry.field(description="The event kind, e.g. plan.measure_added.")
    summary: str = strawberry.field(description="What changed, in your language.")
    row: strawberry.Private[PlanChangeRow]
    view: strawberry.Private[PlanView]

    @strawberry.field
    def by_name(self, info: Info) -> str | None:
        return self.view.name(info, self.row.actor_person_id)


@strawberry.type(
    description="The child's coordinated plan (individuell plan): the period, who "
    "coordinates, the participants, the family's own summary, the revision dates, the "
    "family's confirmation, and its parts. Each part is shown as far as its information "
    "category lets you see it; counts count only what you may see."
)
class Plan(EventEntity):
    child_id: strawberry.ID
    period_start: dt.date
    period_end: dt.date | None
    family_summary: str | None = strawberry.field(
        description="The family's own words: what matters to us."
    )
    next_revision_on: dt.date | None
    revision: int = strawberry.field(
        description="Increments with every change to the plan or any of its parts."
    )
    version: int = strawberry.field(description="Give it to updatePlan (the version rule).")
    is_historical: bool = strawberry.field(description="Read through Child.planAt.")
    view: strawberry.Private[PlanView]

    @strawberry.field(description="The network's barnekoordinator, as far as you may see it.")
    def coordinator(self, info: Info) -> NetworkMember | None:
        for member, knowing in self.view.members.values():
            current = member.row.role == NetworkRole.COORDINATOR.value and not member.row.ended_at
            if current and (knowing is None or info.context.gate.seen(knowing)):
                return member
        return None

    @strawberry.field(description="Who takes part: the network, filtered as `network` is.")
    def participants(self, info: Info) -> list[NetworkMember]:
        gate = info.context.gate
        return [
            member
            for member, knowing in self.view.members.values()
            if member.row.ended_at is None and (knowing is None or gate.seen(knowing))
        ]

    @strawberry.field(description="The confirmations of this revision.")
    def confirmations(self, info: Info) -> list[PlanConfirmation]:
        return [
            PlanConfirmation(
                revision=c.revision, confirmed_at=c.confirmed_at, row=c, view=self.view
            )
            for c in self.view.confirmations
            if c.revision == self.revision
        ]

    @strawberry.field(
        description="The newest revision a guardian (from 16: the young person) confirmed."
    )
    def confirmed_revision(self) -> int | None:
        return logic.confirmed_revision(
            c for c in self.view.confirmations if c.revision <= self.revision
        )

    @strawberry.field(description="This revision is not confirmed.")
    def needs_confirmation(self) -> bool:
        return not any(c.revision == self.revision for c in self.view.confirmations)

    @strawberry.field
    def needs(self, info: Info) -> list[Need]:
        return self.view.visible(info, list(self.view.needs.values()))

    @strawberry.field
    def goals(self, info: Info) -> list[Goal]:
        return self.view.visible(info, list(self.view.goals.values()))

    @strawberry.field
    def measures(self, info: Info) -> list[Measure]:
        return self.view.visible(info, list(self.view.measures.values()))

    @strawberry.field
    def tasks(self, info: Info) -> list[Task]:
        return self.view.visible(info, list(self.view.tasks.values()))

    @strawberry.field
    def voices(self, info: Info) -> list[ChildVoice]:
        return self.view.visible(info, list(self.view.voices.values()))

    @strawberry.field
    def disagreements(self, info: Info) -> list[Disagreement]:
        return self.view.visible(info, list(self.view.disagreements.values()))

    @strawberry.field(description="Goals and measures overdue for evaluation (that you see).")
    def overdue_evaluation_count(self, info: Info) -> int:
        goals = [g for g in self.view.goals.values() if g.evaluation_overdue]
        measures = [m for m in self.view.measures.values() if m.evaluation_overdue]
        return len(self.view.visible(info, goals)) + len(self.view.visible(info, measures))

    @strawberry.field(description="Open tasks past their due date (that you see).")
    def overdue_task_count(self, info: Info) -> int:
        return len(self.view.visible(info, [t for t in self.view.tasks.values() if t.overdue]))

    @strawberry.field(description="Disagreements waiting for an answer (that you see).")
    def open_disagreement_count(self, info: Info) -> int:
        waiting = [
            d for d in self.view.disagreements.values() if d.row.status in logic.OPEN_DISAGREEMENTS
        ]
        return len(self.view.visible(info, waiting))

    @strawberry.field(description="Who changed what and when, newest first.")
    async def history(self, info: Info, limit: int | None = 50) -> list[PlanChange]:
        view = self.view
        gate = info.context.gate
        gate.note_read(view.row.child_id, "planHistory")
        # Only the lines the reader may see are asked for: their categories, and their own
        # service's lines (the limit counts what is shown).
        readable = frozenset(
            category.value
            for category in PlanCategory
            if gate.decided(view.facts, [policy_category(category.value)]).allowed
        )
        key = HistoryKey(
            plan_id=view.row.id,
            up_to=self.revision,
            limit=max(1, min(limit if limit is not None else 50, HISTORY_MAX)),
            categories=readable,
            own_services=view.facts.service_ids,
            hidden=view.hidden_now,
        )
        found = []
        for row in await plan_loaders(info.context.loaders).history.load(key):
            own = row.service_id is not None and row.service_id in view.facts.service_ids
            gate.seen(gate.decided(view.facts, [policy_category(row.category)], own))
            found.append(
                PlanChange(
                    revision=row.revision,
                    at=row.at,
                    kind=row.kind,
                    summary=change_summary(row.kind, row.label, info.context.language),
                    row=row,
                    view=view,
                )
            )
        return found


HISTORY_MAX = 200


# ---- Building a plan for one reader -------------------------------------------------------


def _own(facts: ChildFacts, service_id: uuid.UUID | None, member_id: uuid.UUID | None) -> bool:
    """A part of the reader's own service, or a task or measure that is theirs."""
    return (service_id is not None and service_id in facts.service_ids) or (
        member_id is not None and member_id in facts.member_ids
    )


def _decisions(info: Info, facts: ChildFacts, parts: PlanParts) -> dict[uuid.UUID, Seen]:
    """Every part's gate decision, by its id: its category (an evaluation, and an attached
    voice or disagreement, their goal's or measure's), or its being the reader's own."""
    gate = info.context.gate

    def decided(category: str, own: bool) -> Seen:
        return gate.decided(facts, [policy_category(category)], own)

    general = decided(PlanCategory.GENERAL.value, False)
    found: dict[uuid.UUID, Seen] = {}
    for need in parts.needs:
        found[need.id] = decided(need.category, _own(facts, need.service_id, None))
    goals = {goal.id for goal in parts.goals}
    for goal in parts.goals:
        found[goal.id] = decided(goal.category, _own(facts, goal.service_id, None))
    measures = {measure.id for measure in parts.measures}
    for measure in parts.measures:
        own = _own(facts, measure.service_id, measure.responsible_member_id)
        found[measure.id] = decided(measure.category, own)
    for task in parts.tasks:
        found[task.id] = decided(
            task.category, _own(facts, task.service_id, task.assignee_member_id)
        )

    def target(
        goal_id: uuid.UUID | None, measure_id: uuid.UUID | None, otherwise: Seen = general
    ) -> Seen:
        if goal_id is not None and goal_id in goals:
            return found[goal_id]
        if measure_id is not None and measure_id in measures:
            return found[measure_id]
        return otherwise

    def spoken(row: VoiceRow | DisagreementRow) -> Seen:
        """Unattached: its own category (a health service's word is health information)."""
        return decided(row.category, _own(facts, row.service_id, None))

    evaluations = {}
    for evaluation in parts.evaluations:
        evaluations[evaluation.id] = evaluation
        found[evaluation.id] = target(evaluation.goal_id, evaluation.measure_id)
    for voice in parts.voices:
        found[voice.id] = target(voice.goal_id, voice.measure_id, spoken(voice))
    for disagreement in parts.disagreements:
        if disagreement.evaluation_id is not None:
            about = evaluations.get(disagreement.evaluation_id)
            found[disagreement.id] = (
                target(about.goal_id, about.measure_id, spoken(disagreement))
                if about is not None
                else spoken(disagreement)
            )
        else:
            found[disagreement.id] = target(None, disagreement.measure_id, spoken(disagreement))
    return found


def _stricter(then: Seen, now: Seen | None) -> Seen:
    """An earlier revision's part is read only if it may be read as it was and as it is:
    a part moved to health since is health information in every revision."""
    return now if now is not None and then.allowed and not now.allowed else then


async def build_plan(
    info: Info,
    facts: ChildFacts,
    row: PlanRow,
    parts: PlanParts,
    *,
    historical: bool,
    now: PlanParts | None = None,
) -> Plan:
    """The plan as this reader may see it: a constant number of statements, any size.
    `now`: for an earlier revision, the plan's parts as they are today."""
    loaders = info.context.loaders
    gate = info.context.gate
    gate.note_read(row.child_id, "plan")
    confirmations = await plan_loaders(loaders).confirmations.load(row.id)
    members = await member_views(info, await loaders.all_members.load(row.child_id), facts)
    service_ids = list({m.service_id for m in parts.measures if m.service_id is not None})
    services = dict(zip(service_ids, await loaders.service.load_many(service_ids), strict=True))
    decisions = _decisions(info, facts, parts)
    current = decisions if now is None else _decisions(info, facts, now)
    if now is not None:
        decisions = {k: _stricter(v, current.get(k)) for k, v in decisions.items()}
    view = PlanView(
        facts=facts,
        row=row,
        parts=parts,
        historical=historical,
        day=today(),
        confirmations=list(confirmations),
        services=services,
        hidden_now=frozenset(k for k, v in current.items() if not v.allowed),
    )
    for member, knowing in members:
        view.members[member.row.id] = (member, knowing)
        view.people.setdefault(member.row.person_id, []).append((member, knowing))

    last = parts.last_evaluated()
    for need in parts.needs:
        view.needs[need.id] = Need.from_row(need, decisions[need.id])
    for goal in parts.goals:
        due = logic.next_evaluation(
            goal.evaluation_every_weeks, last.get(goal.id), logic.goal_start(goal, row)
        )
        view.goals[goal.id] = Goal(
            id=_id(goal.id),
            text=goal.text,
            in_whose_words=GoalVoice(goal.in_whose_words),
            evaluation_every_weeks=goal.evaluation_every_weeks,
            next_evaluation_on=due,
            evaluation_overdue=logic.overdue_evaluation(due, view.day),
            category=PlanCategory(goal.category),
            version=goal.version,
            row=goal,
            seen=decisions[goal.id],
            view=view,
        )
    for measure in parts.measures:
        evaluated = logic.measure_is_evaluated(measure)
        due = (
            logic.next_evaluation(
                measure.evaluation_every_weeks,
                last.get(measure.id),
                logic.measure_start(measure, row),
            )
            if evaluated
            else None
        )
        service = services.get(measure.service_id) if measure.service_id else None
        own = _own(facts, measure.service_id, measure.responsible_member_id)
        view.measures[measure.id] = Measure(
            id=_id(measure.id),
            title=measure.title,
            description=measure.description,
            provision=MeasureProvision(measure.provision),
            frequency=measure.frequency,
            starts_on=measure.starts_on,
            ends_on=measure.ends_on,
            monthly_cost=measure.monthly_cost,
            status=MeasureStatus(measure.status),
            evaluation_every_weeks=measure.evaluation_every_weeks,
            next_evaluation_on=due,
            evaluation_overdue=logic.overdue_evaluation(due, view.day),
            category=PlanCategory(measure.category),
            version=measure.version,
            row=measure,
            seen=decisions[measure.id],
            service_seen=(
                gate.decided(facts, service_categories(service, facts), own)
                if service is not None
                else None
            ),
            view=view,
        )

    def target_category(
        goal_id: uuid.UUID | None, measure_id: uuid.UUID | None, own: str
    ) -> PlanCategory:
        if goal_id is not None and goal_id in view.goals:
            return view.goals[goal_id].category
        if measure_id is not None and measure_id in view.measures:
            return view.measures[measure_id].category
        return PlanCategory(own)

    for evaluation in parts.evaluations:
        view.evaluations[evaluation.id] = Evaluation(
            id=_id(evaluation.id),
            evaluated_on=evaluation.evaluated_on,
            score=evaluation.score,
            observed=evaluation.observed,
            family_view=evaluation.family_view,
            decision=EvaluationDecision(evaluation.decision),
            goal_id=_opt_id(evaluation.goal_id),
            measure_id=_opt_id(evaluation.measure_id),
            row=evaluation,
            seen=decisions[evaluation.id],
            view=view,
        )
    for task in parts.tasks:
        view.tasks[task.id] = Task(
            id=_id(task.id),
            title=task.title,
            due_on=task.due_on,
            status=TaskStatus(task.status),
            overdue=logic.task_overdue(task, view.day),
            measure_id=_opt_id(task.measure_id),
            category=PlanCategory(task.category),
            version=task.version,
            row=task,
            seen=decisions[task.id],
            view=view,
        )
    for voice in parts.voices:
        view.voices[voice.id] = ChildVoice(
            id=_id(voice.id),
            text=voice.text,
            form=VoiceForm(voice.form),
            recorded_how=voice.recorded_how,
            recorded_at=voice.recorded_at,
            child_age_years=voice.child_age_years,
            weighs_more=(voice.child_age_years or 0) >= WEIGHS_MORE_FROM,
            goal_id=_opt_id(voice.goal_id),
            measure_id=_opt_id(voice.measure_id),
            category=target_category(voice.goal_id, voice.measure_id, voice.category),
            row=voice,
            seen=decisions[voice.id],
            view=view,
        )
    for disagreement in parts.disagreements:
        goal_id = measure_id = None
        if disagreement.evaluation_id is not None:
            about = view.evaluations.get(disagreement.evaluation_id)
            if about is not None:
                goal_id, measure_id = about.row.goal_id, about.row.measure_id
        else:
            measure_id = disagreement.measure_id
        view.disagreements[disagreement.id] = Disagreement(
            id=_id(disagreement.id),
            text=disagreement.text,
            raised_at=disagreement.raised_at,
            measure_id=_opt_id(disagreement.measure_id),
            evaluation_id=_opt_id(disagreement.evaluation_id),
            status=DisagreementStatus(disagreement.status),
            answer=disagreement.answer,
            raised_to_leader_at=disagreement.raised_to_leader_at,
            category=target_category(goal_id, measure_id, disagreement.category),
            version=disagreement.version,
            row=disagreement,
            seen=decisions[disagreement.id],
            view=view,
        )
    return Plan(
        id=_id(row.id),
        child_id=_id(row.child_id),
        period_start=row.period_start,
        period_end=row.period_end,
        family_summary=row.family_summary,
        next_revision_on=row.next_revision_on,
        revision=row.revision,
        version=row.version,
        is_historical=historical,
        view=view,
    )


def _in_network(info: Info, child_id: uuid.UUID, facts: ChildFacts, what: str) -> bool:
    if info.context.gate.decide(facts, Action.VIEW_CHILD):
        return True
    info.context.gate.note_refused(child_id, what)
    return False


async def current_plan(info: Info, child_id: uuid.UUID, facts: ChildFacts) -> Plan | None:
    """The child's current plan as this reader may see it (the caller decided `facts`).

    Only for someone in the child's network: a child reached another way (the coordinating
    unit's list of pathway milestones) shows no plan, and the refusal is logged."""
    if not _in_network(info, child_id, facts, "plan"):
        return None
    loaders = plan_loaders(info.context.loaders)
    row = await loaders.current_plan.load(child_id)
    if row is None:
        return None
    parts = await loaders.parts.load(row.id)
    return await build_plan(info, facts, row, parts, historical=False)


async def plan_at(info: Info, child_id: uuid.UUID, facts: ChildFacts, revision: int) -> Plan | None:
    """The current plan as it was at `revision`, filtered by the reader's policies now."""
    if not _in_network(info, child_id, facts, "planAt"):
        return None
    loaders = plan_loaders(info.context.loaders)
    current = await loaders.current_plan.load(child_id)
    if current is None:
        return None
    info.context.gate.note_read(child_id, "planAt")
    found = await loaders.revision.load((current.id, revision))
    if found is None:
        return None
    row, parts = logic.from_snapshot(found.snapshot)
    # Read back through today's policies and today's categories of its parts.
    now = await loaders.parts.load(current.id)
    return await build_plan(info, facts, row, parts, historical=True, now=now)


async def plan_by_id(info: Info, plan_id: uuid.UUID) -> Plan | None:
    """A plan for a payload or an event, if the caller (still) sees its child."""
    loaders = plan_loaders(info.context.loaders)
    row = await loaders.plan.load(plan_id)
    if row is None:
        return None
    facts = await info.context.gate.view(row.child_id)
    if facts is None:
        return None
    return await build_plan(info, facts, row, await loaders.parts.load(row.id), historical=False)


def part_of(plan: Plan | None, entity_type: str, entity_id: uuid.UUID) -> EventEntity | None:
    """One part of a built plan by its entity type, if the reader may see it (not noted)."""
    if plan is None:
        return None
    if entity_type == "plan":
        return plan if plan.view.row.id == entity_id else None
    found: dict[uuid.UUID, EventEntity] = {
        "plan_need": plan.view.needs,
        "plan_goal": plan.view.goals,
        "plan_measure": plan.view.measures,
        "plan_evaluation": plan.view.evaluations,
        "plan_task": plan.view.tasks,
        "plan_voice": plan.view.voices,
        "plan_disagreement": plan.view.disagreements,
    }.get(entity_type, {})  # type: ignore[assignment]
    item = found.get(entity_id)
    return item if isinstance(item, EventEntity) else None


def shown(info: Info, entity: EventEntity | None) -> EventEntity | None:
    """The part, if the reader may see it (the look or the refusal is noted)."""
    if entity is None:
        return None
    seen = getattr(entity, "seen", None)
    if isinstance(seen, Seen) and not info.context.gate.seen(seen):
        return None
    return entity


# ---- Inputs and payloads ------------------------------------------------------------------

# A goal or measure names at most this many needs and goals; an evaluation this many people.
LINKS_MAX = 50
TITLE_CAP = 1000


@strawberry.input(description="A new plan: one current plan per child.")
class CreatePlanInput:
    child_id: strawberry.ID
    period_start: dt.date
    period_end: dt.date | None = None
    family_summary: str | None = strawberry.field(default=None, metadata=cap(length=FREE_TEXT))
    next_revision_on: dt.date | None = None


@strawberry.input(description="Change the plan; omitted fields stay. Give the version you read.")
class UpdatePlanInput:
    id: strawberry.ID
    version: int
    period_start: dt.date | None = strawberry.UNSET
    period_end: dt.date | None = strawberry.UNSET
    family_summary: str | None = strawberry.field(
        default=strawberry.UNSET, metadata=cap(length=FREE_TEXT)
    )
    next_revision_on: dt.date | None = strawberry.UNSET


@strawberry.input(
    description="Confirm the revision you read (guardians; from 16 the young person)."
)
class ConfirmPlanInput:
    plan_id: strawberry.ID
    revision: int


@strawberry.input
class AddNeedInput:
    plan_id: strawberry.ID
    life_area: LifeArea
    description: str = strawberry.field(metadata=cap(length=FREE_TEXT))
    raised_by: str | None = strawberry.field(default=None, metadata=cap(length=TITLE_CAP))
    category: PlanCategory | None = strawberry.field(
        default=None, description="Default: your service's category (general for the coordinator)."
    )


@strawberry.input
class UpdateNeedInput:
    id: strawberry.ID
    version: int
    life_area: LifeArea | None = strawberry.UNSET
    description: str | None = strawberry.field(
        default=strawberry.UNSET, metadata=cap(length=FREE_TEXT)
    )
    raised_by: str | None = strawberry.field(
        default=strawberry.UNSET, metadata=cap(length=TITLE_CAP)
    )
    category: PlanCategory | None = strawberry.UNSET


@strawberry.input
class AddGoalInput:
    plan_id: strawberry.ID
    text: str = strawberry.field(metadata=cap(length=FREE_TEXT))
    in_whose_words: GoalVoice
    need_ids: list[strawberry.ID] = strawberry.field(
        metadata=cap(items=LINKS_MAX), description=f"The needs it answers: 1 to {LINKS_MAX}."
    )
    evaluation_every_weeks: int | None = None
    category: PlanCategory | None = None


@strawberry.input
class UpdateGoalInput:
    id: strawberry.ID
    version: int
    text: str | None = strawberry.field(default=strawberry.UNSET, metadata=cap(length=FREE_TEXT))
    in_whose_words: GoalVoice | None = strawberry.UNSET
    need_ids: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET, metadata=cap(items=LINKS_MAX)
    )
    evaluation_every_weeks: int | None = strawberry.UNSET
    category: PlanCategory | None = strawberry.UNSET


@strawberry.input(
    description="A new measure. It names the need or goal it serves. Picked from the "
    "catalogue (catalogueMeasureId), its title, description, provision and cost default to "
    "the entry's."
)
class AddMeasureInput:
    plan_id: strawberry.ID
    title: str | None = strawberry.field(default=None, metadata=cap(length=TITLE_CAP))
    description: str | None = strawberry.field(default=None, metadata=cap(length=FREE_TEXT))
    provision: MeasureProvision | None = None
    service_id: strawberry.ID | None = None
    responsible_member_id: strawberry.ID | None = None
    frequency: str | None = strawberry.field(default=None, metadata=cap(length=TITLE_CAP))
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    monthly_cost: int | None = strawberry.field(default=None, description="NOK per month.")
    status: MeasureStatus = MeasureStatus.PLANNED
    need_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, metadata=cap(items=LINKS_MAX)
    )
    goal_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, metadata=cap(items=LINKS_MAX)
    )
    catalogue_measure_id: strawberry.ID | None = None
    evaluation_every_weeks: int | None = None
    category: PlanCategory | None = strawberry.field(
        default=None, description="Default: the responsible service's category."
    )


@strawberry.input(description="Change a measure; omitted fields stay.")
class UpdateMeasureInput:
    id: strawberry.ID
    version: int
    title: str | None = strawberry.field(default=strawberry.UNSET, metadata=cap(length=TITLE_CAP))
    description: str | None = strawberry.field(
        default=strawberry.UNSET, metadata=cap(length=FREE_TEXT)
    )
    provision: MeasureProvision | None = strawberry.UNSET
    service_id: strawberry.ID | None = strawberry.UNSET
    responsible_member_id: strawberry.ID | None = strawberry.UNSET
    frequency: str | None = strawberry.field(
        default=strawberry.UNSET, metadata=cap(length=TITLE_CAP)
    )
    starts_on: dt.date | None = strawberry.UNSET
    ends_on: dt.date | None = strawberry.UNSET
    monthly_cost: int | None = strawberry.UNSET
    status: MeasureStatus | None = strawberry.UNSET
    need_ids: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET, metadata=cap(items=LINKS_MAX)
    )
    goal_ids: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET, metadata=cap(items=LINKS_MAX)
    )
    catalogue_measure_id: strawberry.ID | None = strawberry.UNSET
    evaluation_every_weeks: int | None = strawberry.UNSET
    category: PlanCategory | None = strawberry.UNSET


@strawberry.input(description="An evaluation of one goal or one measure (give one of the two).")
class RecordEvaluationInput:
    evaluated_on: dt.date
    observed: str = strawberry.field(metadata=cap(length=FREE_TEXT))
    decision: EvaluationDecision
    goal_id: strawberry.ID | None = None
    measure_id: strawberry.ID | None = None
    score: int | None = strawberry.field(default=None, description="-2..+2.")
    participant_member_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, metadata=cap(items=LINKS_MAX)
    )
    family_view: str | None = strawberry.field(default=None, metadata=cap(length=FREE_TEXT))


@strawberry.input
class AddTaskInput:
    plan_id: strawberry.ID
    title: str = strawberry.field(metadata=cap(length=TITLE_CAP))
    assignee_member_id: strawberry.ID
    due_on: dt.date
    measure_id: strawberry.ID | None = None
    category: PlanCategory | None = strawberry.field(
        default=None, description="Default: the measure's, else the assignee's service's."
    )


@strawberry.input(
    description="Change a task; omitted fields stay. Its assignee may set the status."
)
class UpdateTaskInput:
    id: strawberry.ID
    version: int
    title: str | None = strawberry.field(default=strawberry.UNSET, metadata=cap(length=TITLE_CAP))
    due_on: dt.date | None = strawberry.UNSET
    status: TaskStatus | None = strawberry.UNSET


@strawberry.input(description="The child's own words, on the plan, a goal or a measure.")
class AddChildVoiceInput:
    plan_id: strawberry.ID
    text: str = strawberry.field(metadata=cap(length=FREE_TEXT))
    form: VoiceForm
    recorded_how: str | None = strawberry.field(
        default=None, metadata=cap(length=TITLE_CAP), description="E.g. told to the teacher."
    )
    goal_id: strawberry.ID | None = None
    measure_id: strawberry.ID | None = None


@strawberry.input(description="A disagreement with a measure, an evaluation, or the plan.")
class RecordDisagreementInput:
    plan_id: strawberry.ID
    text: str = strawberry.field(metadata=cap(length=FREE_TEXT))
    measure_id: strawberry.ID | None = None
    evaluation_id: strawberry.ID | None = None


@strawberry.input
class AnswerDisagreementInput:
    id: strawberry.ID
    version: int
    answer: str = strawberry.field(metadata=cap(length=FREE_TEXT))
    resolved: bool = strawberry.field(default=False, description="The matter is settled.")


@strawberry.input(description="Raise a disagreement to the coordinating unit's leader.")
class RaiseDisagreementInput:
    id: strawberry.ID
    version: int


@strawberry.type
class PlanPayload:
    plan: Plan | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class NeedPayload:
    need: Need | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class GoalPayload:
    goal: Goal | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class MeasurePayload:
    measure: Measure | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class EvaluationPayload:
    evaluation: Evaluation | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class TaskPayload:
    task: Task | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ChildVoicePayload:
    voice: ChildVoice | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DisagreementPayload:
    disagreement: Disagreement | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
