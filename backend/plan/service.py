"""The only code that writes the coordinated plan (individuell plan).

Every write: the gate first (a part the caller may not read is NOT_FOUND, like an id that
exists nowhere), then the permission (Cedar: policies/koordinat.cedar, "The coordinated
plan"), the child's write lock and the version; then every field is validated (all errors
at once, nothing written), the rows are written, and the change is recorded: one event and
audit row (`record_change`), one line of history, and, when the plan's content changed, the
next revision with a snapshot of the whole plan.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlmodel import SQLModel, col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry import UNSET

from backend.authz.access import (
    AccessDenied,
    age_on,
    load_for_write,
    may_know_membership,
    may_read,
    require_on_child,
)
from backend.authz.policy import Action, ChildFacts, decide_on_child
from backend.children.models import Child
from backend.core import validation
from backend.core.actor import Actor
from backend.core.clock import today
from backend.core.database import utcnow
from backend.core.errors import Collector, ErrorCode, UserError, UserErrors, fail
from backend.core.i18n import Text
from backend.core.ids import parse_id
from backend.events.service import record_change
from backend.network.models import NetworkMember, ServiceProvider
from backend.network.service import lock_child
from backend.plan.logic import category_of_service_type, policy_category, snapshot
from backend.plan.models import (
    DisagreementStatus,
    EvaluationDecision,
    MeasureStatus,
    Plan,
    PlanCategory,
    PlanChange,
    PlanConfirmation,
    PlanDisagreement,
    PlanEvaluation,
    PlanGoal,
    PlanGoalNeed,
    PlanMeasure,
    PlanMeasureGoal,
    PlanMeasureNeed,
    PlanNeed,
    PlanRevision,
    PlanTask,
    PlanVoice,
)
from backend.plan.queries import load_parts

if TYPE_CHECKING:
    from backend.plan.types import (
        AddChildVoiceInput,
        AddGoalInput,
        AddMeasureInput,
        AddNeedInput,
        AddTaskInput,
        AnswerDisagreementInput,
        ConfirmPlanInput,
        CreatePlanInput,
        RaiseDisagreementInput,
        RecordDisagreementInput,
        RecordEvaluationInput,
        UpdateGoalInput,
        UpdateMeasureInput,
        UpdateNeedInput,
        UpdatePlanInput,
        UpdateTaskInput,
    )

# Caps (the input caps refuse longer input before any work; these are the stored limits).
DESCRIPTION_MAX = 4000
TITLE_MAX = 200
RAISED_BY_MAX = 200
# Each kind of part (needs, goals, measures, tasks, evaluations, voices, disagreements).
ITEMS_MAX = 500
LINKS_MAX = 50
# An evaluation interval of at most ten years.
WEEKS_MAX = 520
# NOK per month: more than this is a typing error.
COST_MAX = 10_000_000
SCORE_MIN, SCORE_MAX = -2, 2
LABEL_MAX = 80

_NEGATIVE: Text = (
    "Beløpet kan ikke være negativt.",
    "Beløpet kan ikkje vere negativt.",
    "The amount cannot be negative.",
)
_TOO_HIGH: Text = (
    "Beløpet er urimelig høyt.",
    "Beløpet er urimeleg høgt.",
    "The amount is unreasonably high.",
)
_SCORE: Text = (
    "Måloppnåelsen skåres fra -2 til +2.",
    "Måloppnåinga blir skåra frå -2 til +2.",
    "Goal attainment is scored from -2 to +2.",
)
_WEEKS: Text = (
    f"Evalueringen gjøres hver 1. til {WEEKS_MAX}. uke.",
    f"Evalueringa blir gjord kvar 1. til {WEEKS_MAX}. veke.",
    f"Evaluations are every 1 to {WEEKS_MAX} weeks.",
)
_BEFORE_START: Text = (
    "Evalueringen kan ikke være før tiltaket starter.",
    "Evalueringa kan ikkje vere før tiltaket startar.",
    "The evaluation cannot be before the measure starts.",
)
_BEFORE_PLAN: Text = (
    "Evalueringen kan ikke være før planperioden starter.",
    "Evalueringa kan ikkje vere før planperioden startar.",
    "The evaluation cannot be before the plan period starts.",
)
_IN_FUTURE: Text = (
    "Evalueringen kan ikke være fram i tid.",
    "Evalueringa kan ikkje vere fram i tid.",
    "The evaluation cannot be in the future.",
)
_REVISION_BEFORE_START: Text = (
    "Neste revisjon kan ikke være før planperioden starter.",
    "Neste revisjon kan ikkje vere før planperioden startar.",
    "The next revision cannot be before the plan period starts.",
)
_ONE_TARGET: Text = (
    "Velg ett mål eller ett tiltak, ikke begge.",
    "Vel eitt mål eller eitt tiltak, ikkje begge.",
    "Choose one goal or one measure, not both.",
)
_ONE_SUBJECT: Text = (
    "Velg et tiltak eller en evaluering, ikke begge.",
    "Vel eit tiltak eller ei evaluering, ikkje begge.",
    "Choose a measure or an evaluation, not both.",
)
_TARGET_REQUIRED: Text = (
    "Velg målet eller tiltaket som evalueres.",
    "Vel målet eller tiltaket som blir evaluert.",
    "Choose the goal or the measure being evaluated.",
)
_NEED_REQUIRED: Text = (
    "Målet må vise til minst ett behov.",
    "Målet må vise til minst eitt behov.",
    "A goal must answer at least one need.",
)
_TOO_MANY_PARTS: Text = (
    f"Planen har allerede {ITEMS_MAX} slike.",
    f"Planen har allereie {ITEMS_MAX} slike.",
    f"The plan already has {ITEMS_MAX} of these.",
)
_RESOLVED: Text = (
    "Uenigheten er allerede løst.",
    "Usemja er allereie løyst.",
    "The disagreement has already been resolved.",
)
_NOT_RAISABLE: Text = (
    "Uenigheten er allerede tatt videre eller løst.",
    "Usemja er allereie teken vidare eller løyst.",
    "The disagreement has already been raised or resolved.",
)
_UNREADABLE_CATEGORY: Text = (
    "Du kan ikke skrive noe du selv ikke har tilgang til å lese.",
    "Du kan ikkje skrive noko du sjølv ikkje har tilgang til å lese.",
    "You cannot write what you may not read yourself.",
)


@dataclass(frozen=True)
class Written:
    """What a write changed: the plan, and the part (or the plan itself)."""

    plan_id: uuid.UUID
    entity_type: str
    entity_id: uuid.UUID


@dataclass(frozen=True)
class Writer:
    """The caller as a writer of one child's plan."""

    actor: Actor
    facts: ChildFacts
    # The plan categories of the services the caller represents in this network, with the
    # service: parts in these categories are in the caller's own field.
    fields: dict[str, uuid.UUID]

    @property
    def default_category(self) -> str:
        """Their service's category (a service of no category, or none: general)."""
        special = sorted(c for c in self.fields if c != PlanCategory.GENERAL.value)
        return special[0] if special else PlanCategory.GENERAL.value

    def own_field(self, category: str) -> bool:
        return category in self.fields

    def reads(
        self,
        category: str,
        service_id: uuid.UUID | None = None,
        member_id: uuid.UUID | None = None,
    ) -> bool:
        """Whether the caller may read a part of this category (decided as a read is)."""
        own = (service_id is not None and service_id in self.facts.service_ids) or (
            member_id is not None and member_id in self.facts.member_ids
        )
        return decide_on_child(
            self.actor, Action.READ_CATEGORY, self.facts, policy_category(category), own
        )

    def may(
        self, action: Action, category: str = PlanCategory.GENERAL.value, own: bool = False
    ) -> bool:
        return decide_on_child(self.actor, action, self.facts, policy_category(category), own)

    def may_write(self, category: str) -> bool:
        return self.may(Action.WRITE_PLAN_ITEM, category, own=self.own_field(category))


async def _writer(session: AsyncSession, actor: Actor, facts: ChildFacts) -> Writer:
    fields: dict[str, uuid.UUID] = {}
    if facts.service_ids:
        rows = await session.exec(
            select(ServiceProvider.id, ServiceProvider.type).where(
                col(ServiceProvider.id).in_(list(facts.service_ids))
            )
        )
        for service_id, service_type in sorted(rows.all(), key=lambda r: str(r[0])):
            fields.setdefault(category_of_service_type(service_type).value, service_id)
    return Writer(actor=actor, facts=facts, fields=fields)


def _refuse(child_id: uuid.UUID, action: Action, field: str | None = None) -> AccessDenied:
    return AccessDenied(child_id, action, UserError(ErrorCode.NOT_ALLOWED, field))


def _require_write(writer: Writer, child_id: uuid.UUID, category: str) -> None:
    """A new part (or a part moved to another category): the caller writes in that
    category, and can read what they write."""
    if not writer.may_write(category):
        raise _refuse(child_id, Action.WRITE_PLAN_ITEM)
    if not writer.reads(category, writer.fields.get(category)):
        raise AccessDenied(
            child_id,
            Action.WRITE_PLAN_ITEM,
            UserError(ErrorCode.NOT_ALLOWED, "category", _UNREADABLE_CATEGORY),
        )


def _label(text: str | None) -> str | None:
    if text is None:
        return None
    line = " ".join(text.split())
    return line if len(line) <= LABEL_MAX else line[: LABEL_MAX - 1] + "…"


async def _recorded(
    session: AsyncSession,
    actor: Actor | None,
    plan: Plan,
    *,
    kind: str,
    entity_type: str,
    entity_id: uuid.UUID,
    category: str,
    service_id: uuid.UUID | None = None,
    label: str | None = None,
    payload: dict[str, Any] | None = None,
    revise: bool = True,
) -> None:
    """Record one change: the history line, the event and audit row, and (`revise`) the
    next revision of the plan with its snapshot."""
    if revise:
        plan.revision += 1
        session.add(plan)
    session.add(
        PlanChange(
            plan_id=plan.id,
            child_id=plan.child_id,
            revision=plan.revision,
            kind=kind,
            entity_type=entity_type,
            entity_id=entity_id,
            category=category,
            service_id=service_id,
            label=_label(label),
            actor_person_id=actor.person_id if actor else None,
        )
    )
    await record_change(
        session,
        actor,
        kind=kind,
        entity_type=entity_type,
        entity_id=entity_id,
        child_id=plan.child_id,
        payload={
            "planId": str(plan.id),
            "revision": plan.revision,
            # What knowing of the event reveals (see backend.plan.rules: categorize).
            "category": category,
            "serviceId": str(service_id) if service_id else None,
            **(payload or {}),
        },
    )
    if revise:
        await _snapshot(session, plan)


async def _snapshot(session: AsyncSession, plan: Plan) -> None:
    await session.flush()
    parts = (await load_parts(session, [plan.id]))[plan.id]
    session.add(
        PlanRevision(
            plan_id=plan.id,
            child_id=plan.child_id,
            revision=plan.revision,
            snapshot=snapshot(plan, parts),
        )
    )


Part = TypeVar("Part", bound=SQLModel)


async def _room(session: AsyncSession, model: type[SQLModel], plan_id: uuid.UUID) -> None:
    """Refuses a part beyond ITEMS_MAX of its kind in one plan."""
    column = model.plan_id  # type: ignore[attr-defined]
    count = (
        await session.exec(select(func.count()).select_from(model).where(column == plan_id))
    ).one()
    if count >= ITEMS_MAX:
        fail(ErrorCode.TOO_MANY, "planId", _TOO_MANY_PARTS)


async def _plan_for(
    session: AsyncSession,
    actor: Actor | None,
    value: str,
    *,
    action: Action,
    field: str = "planId",
    version: int | None = None,
    permitted: Callable[[Writer], bool] | None = None,
) -> tuple[Plan, Writer]:
    """The current plan behind `value` for a write, with the caller as its writer."""
    found: dict[str, Writer] = {}

    async def readable(plan: Plan, facts: ChildFacts) -> bool:
        assert actor is not None
        found["writer"] = await _writer(session, actor, facts)
        return plan.ended_at is None

    def allowed(plan: Plan, facts: ChildFacts) -> bool:
        writer = found["writer"]
        return permitted(writer) if permitted is not None else writer.may(action)

    plan, _ = await load_for_write(
        session,
        actor,
        Plan,
        value,
        action=action,
        field=field,
        version=version,
        readable=readable,
        permitted=allowed,
    )
    return plan, found["writer"]


@dataclass(frozen=True)
class Subject:
    """What a part's visibility follows: its category and whose own record it is."""

    category: str
    service_id: uuid.UUID | None = None
    member_id: uuid.UUID | None = None


async def _part_for(
    session: AsyncSession,
    actor: Actor | None,
    model: type[Part],
    value: str,
    *,
    subject: Callable[[Part], Awaitable[Subject]],
    action: Action = Action.WRITE_PLAN_ITEM,
    field: str = "id",
    version: int | None = None,
    permitted: Callable[[Writer, Part, Subject], bool] | None = None,
) -> tuple[Part, Plan, Writer, Subject]:
    """A part of a current plan for a write: NOT_FOUND unless the caller may read it (its
    category), then the permission (default: writing in its category), then the child's
    lock and the version."""
    found: dict[str, Any] = {}

    async def readable(row: Part, facts: ChildFacts) -> bool:
        assert actor is not None
        plan = await session.get(Plan, row.plan_id)  # type: ignore[attr-defined]
        if plan is None or plan.ended_at is not None:
            return False
        writer = await _writer(session, actor, facts)
        about = await subject(row)
        found.update(plan=plan, writer=writer, subject=about)
        return writer.reads(about.category, about.service_id, about.member_id)

    def allowed(row: Part, facts: ChildFacts) -> bool:
        writer, about = found["writer"], found["subject"]
        if permitted is not None:
            return permitted(writer, row, about)
        return bool(writer.may_write(about.category))

    row, _ = await load_for_write(
        session,
        actor,
        model,
        value,
        action=action,
        field=field,
        version=version,
        readable=readable,
        permitted=allowed,
    )
    plan = found["plan"]
    await session.refresh(plan)  # under the lock
    return row, plan, found["writer"], found["subject"]


# ---- Validation helpers --------------------------------------------------------------------


def _weeks(errors: Collector, field: str, value: int | None) -> int | None:
    if value is not None and not 1 <= value <= WEEKS_MAX:
        errors.add(ErrorCode.INVALID, field, _WEEKS)
        return None
    return value


def _cost(errors: Collector, value: int | None) -> int | None:
    if value is None:
        return None
    if value < 0:
        errors.add(ErrorCode.INVALID, "monthlyCost", _NEGATIVE)
        return None
    if value > COST_MAX:
        errors.add(ErrorCode.INVALID, "monthlyCost", _TOO_HIGH)
        return None
    return value


def _ids(errors: Collector, field: str, values: Sequence[str]) -> list[uuid.UUID] | None:
    if len(values) > LINKS_MAX:
        errors.add(ErrorCode.TOO_MANY, field)
        return None
    found: list[uuid.UUID] = []
    for value in values:
        try:
            found.append(parse_id(value, field))
        except UserErrors:
            errors.add(ErrorCode.NOT_FOUND, field)
            return None
    return list(dict.fromkeys(found))


def _one_id(errors: Collector, field: str, value: str | None) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return parse_id(value, field)
    except UserErrors:
        errors.add(ErrorCode.NOT_FOUND, field)
        return None


async def _linked(
    session: AsyncSession,
    errors: Collector,
    writer: Writer,
    plan: Plan,
    model: type[PlanNeed] | type[PlanGoal],
    ids: list[uuid.UUID],
    field: str,
) -> list[Any]:
    """The plan's needs or goals behind these ids, each one the writer may read; else
    NOT_FOUND on the field (another plan's id answers like one that exists nowhere)."""
    if not ids:
        return []
    found = await session.exec(
        select(model).where(col(model.id).in_(ids), model.plan_id == plan.id)
    )
    rows = cast("Sequence[PlanNeed | PlanGoal]", found.all())
    readable = [r for r in rows if writer.reads(r.category, r.service_id)]
    if len(readable) != len(ids):
        errors.add(ErrorCode.NOT_FOUND, field)
    return readable


async def _needs(
    session: AsyncSession, errors: Collector, writer: Writer, plan: Plan, ids: list[uuid.UUID]
) -> list[PlanNeed]:
    return await _linked(session, errors, writer, plan, PlanNeed, ids, "needIds")


async def _goals(
    session: AsyncSession, errors: Collector, writer: Writer, plan: Plan, ids: list[uuid.UUID]
) -> list[PlanGoal]:
    return await _linked(session, errors, writer, plan, PlanGoal, ids, "goalIds")


async def _measure(
    session: AsyncSession,
    errors: Collector,
    writer: Writer,
    plan: Plan,
    measure_id: uuid.UUID | None,
    field: str = "measureId",
) -> PlanMeasure | None:
    if measure_id is None:
        return None
    row = await session.get(PlanMeasure, measure_id)
    if (
        row is None
        or row.plan_id != plan.id
        or not writer.reads(row.category, row.service_id, row.responsible_member_id)
    ):
        errors.add(ErrorCode.NOT_FOUND, field)
        return None
    return row


async def _goal(
    session: AsyncSession, errors: Collector, writer: Writer, plan: Plan, goal_id: uuid.UUID | None
) -> PlanGoal | None:
    if goal_id is None:
        return None
    row = await session.get(PlanGoal, goal_id)
    if row is None or row.plan_id != plan.id or not writer.reads(row.category, row.service_id):
        errors.add(ErrorCode.NOT_FOUND, "goalId")
        return None
    return row


async def _member(
    session: AsyncSession,
    errors: Collector,
    writer: Writer,
    child_id: uuid.UUID,
    member_id: uuid.UUID | None,
    field: str,
) -> NetworkMember | None:
    """An active membership of this child's network the writer may know of; else NOT_FOUND."""
    if member_id is None:
        return None
    row = await session.get(NetworkMember, member_id)
    if row is None or row.child_id != child_id or row.ended_at is not None:
        errors.add(ErrorCode.NOT_FOUND, field)
        return None
    service = await session.get(ServiceProvider, row.service_id) if row.service_id else None
    own = row.person_id == writer.actor.person_id
    if not may_know_membership(may_read(writer.actor, writer.facts), service, own):
        errors.add(ErrorCode.NOT_FOUND, field)
        return None
    return row


async def _participants(
    session: AsyncSession,
    errors: Collector,
    writer: Writer,
    child_id: uuid.UUID,
    member_ids: list[uuid.UUID],
) -> list[str]:
    """Memberships of this child's network (ended ones too: who took part then) that the
    writer may know of, in two statements however many; else NOT_FOUND."""
    if not member_ids:
        return []
    rows = (
        await session.exec(
            select(NetworkMember).where(
                col(NetworkMember.id).in_(member_ids), NetworkMember.child_id == child_id
            )
        )
    ).all()
    service_ids = list({r.service_id for r in rows if r.service_id is not None})
    services = {
        s.id: s
        for s in (
            await session.exec(
                select(ServiceProvider).where(col(ServiceProvider.id).in_(service_ids))
            )
        ).all()
    }
    read = may_read(writer.actor, writer.facts)
    known = [
        r
        for r in rows
        if may_know_membership(
            read,
            services.get(r.service_id) if r.service_id else None,
            r.person_id == writer.actor.person_id,
        )
    ]
    if len(known) != len(member_ids):
        errors.add(ErrorCode.NOT_FOUND, "participantMemberIds")
        return []
    by_id = {r.id: r for r in known}
    return [str(by_id[m].id) for m in member_ids]


async def _service(
    session: AsyncSession, errors: Collector, service_id: uuid.UUID | None
) -> ServiceProvider | None:
    if service_id is None:
        return None
    row = await session.get(ServiceProvider, service_id)
    if row is None:
        errors.add(ErrorCode.NOT_FOUND, "serviceId")
    return row


async def _service_type(session: AsyncSession, service_id: uuid.UUID | None) -> str | None:
    if service_id is None:
        return None
    row = await session.get(ServiceProvider, service_id)
    return row.type if row else None


def _text(
    errors: Collector, field: str, value: str | None, *, required: bool = False
) -> str | None:
    return validation.text(errors, field, value, max_length=DESCRIPTION_MAX, required=required)


def _line(
    errors: Collector, field: str, value: str | None, *, required: bool = False
) -> str | None:
    return validation.text(
        errors, field, value, max_length=TITLE_MAX, required=required, multiline=False
    )


# ---- The plan ------------------------------------------------------------------------------


def _check_period(
    errors: Collector,
    start: dt.date | None,
    end: dt.date | None,
    next_revision: dt.date | None,
    birth_date: dt.date | None,
) -> None:
    if start is None:
        errors.add(ErrorCode.REQUIRED, "periodStart")
        return
    validation.not_before(errors, "periodStart", start, validation.earliest_start(birth_date))
    validation.date_range(errors, "periodEnd", start, end)
    if next_revision is not None and next_revision < start:
        errors.add(ErrorCode.INVALID_DATE, "nextRevisionOn", _REVISION_BEFORE_START)


async def create_plan(session: AsyncSession, actor: Actor | None, data: CreatePlanInput) -> Written:
    child_id = parse_id(data.child_id, "childId")
    await require_on_child(session, actor, Action.EDIT_PLAN, child_id)
    await lock_child(session, child_id)
    errors = Collector()
    summary = _text(errors, "familySummary", data.family_summary)
    child = await session.get(Child, child_id)
    assert child is not None
    _check_period(
        errors, data.period_start, data.period_end, data.next_revision_on, child.birth_date
    )
    errors.raise_if_any()
    current = await session.exec(
        select(Plan.id).where(Plan.child_id == child_id, col(Plan.ended_at).is_(None))
    )
    if current.first() is not None:
        fail(ErrorCode.DUPLICATE, "childId")
    plan = Plan(
        child_id=child_id,
        period_start=data.period_start,
        period_end=data.period_end,
        family_summary=summary,
        next_revision_on=data.next_revision_on,
        created_by_person_id=actor.person_id if actor else None,
    )
    session.add(plan)
    await session.flush()  # a second current plan is refused by the unique index here
    await _recorded(
        session,
        actor,
        plan,
        kind="plan.created",
        entity_type="plan",
        entity_id=plan.id,
        category=PlanCategory.GENERAL.value,
        revise=False,
    )
    await _snapshot(session, plan)  # revision 1
    return Written(plan.id, "plan", plan.id)


async def update_plan(session: AsyncSession, actor: Actor | None, data: UpdatePlanInput) -> Written:
    summary_only = (
        data.period_start is UNSET and data.period_end is UNSET and data.next_revision_on is UNSET
    )

    def permitted(writer: Writer) -> bool:
        # The family writes its own summary; the rest of the plan is the coordinator's.
        return writer.may(Action.EDIT_PLAN) or (
            summary_only and writer.may(Action.UPDATE_FAMILY_SUMMARY)
        )

    plan, _ = await _plan_for(
        session,
        actor,
        data.id,
        action=Action.EDIT_PLAN,
        field="id",
        version=data.version,
        permitted=permitted,
    )
    errors = Collector()
    changed: list[str] = []
    if data.period_start is not UNSET:
        if data.period_start is None:
            errors.add(ErrorCode.REQUIRED, "periodStart")
        else:
            plan.period_start = data.period_start
        changed.append("periodStart")
    if data.period_end is not UNSET:
        plan.period_end = data.period_end
        changed.append("periodEnd")
    if data.next_revision_on is not UNSET:
        plan.next_revision_on = data.next_revision_on
        changed.append("nextRevisionOn")
    if data.family_summary is not UNSET:
        plan.family_summary = _text(errors, "familySummary", data.family_summary)
        changed.append("familySummary")
    child = await session.get(Child, plan.child_id)
    _check_period(
        errors,
        plan.period_start,
        plan.period_end,
        plan.next_revision_on,
        child.birth_date if child else None,
    )
    errors.raise_if_any()
    plan.version += 1
    await _recorded(
        session,
        actor,
        plan,
        kind="plan.updated",
        entity_type="plan",
        entity_id=plan.id,
        category=PlanCategory.GENERAL.value,
        payload={"changed": changed},
    )
    return Written(plan.id, "plan", plan.id)


async def confirm_plan(
    session: AsyncSession, actor: Actor | None, data: ConfirmPlanInput
) -> Written:
    plan, writer = await _plan_for(session, actor, data.plan_id, action=Action.CONFIRM_PLAN)
    if data.revision != plan.revision:
        # The family confirms what it read: a newer revision must be read first.
        fail(ErrorCode.CONFLICT, "revision")
    person_id = writer.actor.person_id
    existing = await session.exec(
        select(PlanConfirmation.id).where(
            PlanConfirmation.plan_id == plan.id,
            PlanConfirmation.person_id == person_id,
            PlanConfirmation.revision == plan.revision,
        )
    )
    if existing.first() is not None:
        return Written(plan.id, "plan", plan.id)  # confirmed already: nothing changes
    session.add(
        PlanConfirmation(
            plan_id=plan.id, child_id=plan.child_id, person_id=person_id, revision=plan.revision
        )
    )
    # A confirmation is no new revision: it confirms this one.
    await _recorded(
        session,
        actor,
        plan,
        kind="plan.confirmed",
        entity_type="plan",
        entity_id=plan.id,
        category=PlanCategory.GENERAL.value,
        revise=False,
    )
    return Written(plan.id, "plan", plan.id)


# ---- Needs ---------------------------------------------------------------------------------


async def add_need(session: AsyncSession, actor: Actor | None, data: AddNeedInput) -> Written:
    plan, writer = await _plan_for(
        session, actor, data.plan_id, action=Action.WRITE_PLAN_ITEM, permitted=lambda w: True
    )
    category = data.category.value if data.category else writer.default_category
    errors = Collector()
    description = _text(errors, "description", data.description, required=True)
    raised_by = validation.text(
        errors, "raisedBy", data.raised_by, max_length=RAISED_BY_MAX, multiline=False
    )
    errors.raise_if_any()
    _require_write(writer, plan.child_id, category)
    await _room(session, PlanNeed, plan.id)
    assert description is not None
    need = PlanNeed(
        plan_id=plan.id,
        child_id=plan.child_id,
        life_area=data.life_area.value,
        description=description,
        raised_by=raised_by,
        category=category,
        service_id=writer.fields.get(category),
        created_by_person_id=writer.actor.person_id,
    )
    session.add(need)
    await _recorded(
        session,
        actor,
        plan,
        kind="plan.need_added",
        entity_type="plan_need",
        entity_id=need.id,
        category=category,
        service_id=need.service_id,
        label=description,
    )
    return Written(plan.id, "plan_need", need.id)


async def _need_subject(row: PlanNeed) -> Subject:
    return Subject(row.category, row.service_id)


async def update_need(session: AsyncSession, actor: Actor | None, data: UpdateNeedInput) -> Written:
    need, plan, writer, _ = await _part_for(
        session, actor, PlanNeed, data.id, subject=_need_subject, version=data.version
    )
    errors = Collector()
    if data.life_area is not UNSET:
        if data.life_area is None:
            errors.add(ErrorCode.REQUIRED, "lifeArea")
        else:
            need.life_area = data.life_area.value
    if data.description is not UNSET:
        description = _text(errors, "description", data.description, required=True)
        if description is not None:
            need.description = description
    if data.raised_by is not UNSET:
        need.raised_by = validation.text(
            errors, "raisedBy", data.raised_by, max_length=RAISED_BY_MAX, multiline=False
        )
    if data.category is not UNSET:
        if data.category is None:
            errors.add(ErrorCode.REQUIRED, "category")
        elif data.category.value != need.category:
            need.category = data.category.value
    errors.raise_if_any()
    _require_write(writer, plan.child_id, need.category)
    need.version += 1
    session.add(need)
    await _recorded(
        session,
        actor,
        plan,
        kind="plan.need_updated",
        entity_type="plan_need",
        entity_id=need.id,
        category=need.category,
        service_id=need.service_id,
        label=need.description,
    )
    return Written(plan.id, "plan_need", need.id)


# ---- Goals ---------------------------------------------------------------------------------


async def add_goal(session: AsyncSession, actor: Actor | None, data: AddGoalInput) -> Written:
    plan, writer = await _plan_for(
        session, actor, data.plan_id, action=Action.WRITE_PLAN_ITEM, permitted=lambda w: True
    )
    category = data.category.value if data.category else writer.default_category
    errors = Collector()
    text = _text(errors, "text", data.text, required=True)
    weeks = _weeks(errors, "evaluationEveryWeeks", data.evaluation_every_weeks)
    need_ids = _ids(errors, "needIds", data.need_ids)
    if need_ids == []:
        errors.add(ErrorCode.REQUIRED, "needIds", _NEED_REQUIRED)
    needs = await _needs(session, errors, writer, plan, need_ids or [])
    errors.raise_if_any()
    _require_write(writer, plan.child_id, category)
    await _room(session, PlanGoal, plan.id)
    assert text is not None
    goal = PlanGoal(
        plan_id=plan.id,
        child_id=plan.child_id,
        text=text,
        in_whose_words=data.in_whose_words.value,
        evaluation_every_weeks=weeks,
        category=category,
        service_id=writer.fields.get(category),
        created_by_person_id=writer.actor.person_id,
    )
    session.add(goal)
    await session.flush()
    for need in needs:
        session.add(PlanGoalNeed(goal_id=goal.id, need_id=need.id, plan_id=plan.id))
    await _recorded(
        session,
        actor,
        plan,
        kind="plan.goal_added",
        entity_type="plan_goal",
        entity_id=goal.id,
        category=category,
        service_id=goal.service_id,
        label=text,
    )
    return Written(plan.id, "plan_goal", goal.id)


async def _goal_subject(row: PlanGoal) -> Subject:
    return Subject(row.category, row.service_id)


async def _hidden_links(
    session: AsyncSession,
    writer: Writer,
    link: type[SQLModel],
    owner: Any,
    owner_id: uuid.UUID,
    target: type[SQLModel],
    target_key: Any,
) -> list[uuid.UUID]:
    """The links of a part to needs or goals the writer may not read: a writer replacing
    the links they see keeps those they cannot."""
    rows = (
        await session.exec(
            select(target).join(link, target_key == target.id).where(owner == owner_id)  # type: ignore[attr-defined]
        )
    ).all()
    return [
        r.id  # type: ignore[attr-defined]
        for r in rows
        if not writer.reads(r.category, r.service_id)  # type: ignore[attr-defined]
    ]


async def _replace_links(
    session: AsyncSession, link: type[SQLModel], owner: Any, owner_id: uuid.UUID
) -> None:
    for row in (await session.exec(select(link).where(owner == owner_id))).all():
        await session.delete(row)
    await session.flush()


async def update_goal(session: AsyncSession, actor: Actor | None, data: UpdateGoalInput) -> Written:
    goal, plan, writer, _ = await _part_for(
        session, actor, PlanGoal, data.id, subject=_goal_subject, version=data.version
    )
    errors = Collector()
    if data.text is not UNSET:
        text = _text(errors, "text", data.text, required=True)
        if text is not None:
            goal.text = text
    if data.in_whose_words is not UNSET:
        if data.in_whose_words is None:
            errors.add(ErrorCode.REQUIRED, "inWhoseWords")
        else:
            goal.in_whose_words = data.in_whose_words.value
    if data.evaluation_every_weeks is not UNSET:
        goal.evaluation_every_weeks = _weeks(
            errors, "evaluationEveryWeeks", data.evaluation_every_weeks
        )
    if data.category is not UNSET:
        if data.category is None:
            errors.add(ErrorCode.REQUIRED, "category")
        else:
            goal.category = data.category.value
    needs: list[PlanNeed] | None = None
    if data.need_ids is not UNSET:
        need_ids = _ids(errors, "needIds", data.need_ids or [])
        if need_ids == []:
            errors.add(ErrorCode.REQUIRED, "needIds", _NEED_REQUIRED)
        needs = await _needs(session, errors, writer, plan, need_ids or [])
    errors.raise_if_any()
    _require_write(writer, plan.child_id, goal.category)
    if needs is not None:
        kept = await _hidden_links(
            session,
            writer,
            PlanGoalNeed,
            PlanGoalNeed.goal_id,
            goal.id,
            PlanNeed,
            PlanGoalNeed.need_id,
        )
        await _replace_links(session, PlanGoalNeed, PlanGoalNeed.goal_id, goal.id)
        for need_id in dict.fromkeys([n.id for n in needs] + kept):
            session.add(PlanGoalNeed(goal_id=goal.id, need_id=need_id, plan_id=plan.id))
    goal.version += 1
    session.add(goal)
    await _recorded(
        session,
        actor,
        plan,
        kind="plan.goal_updated",
        entity_type="plan_goal",
        entity_id=goal.id,
        category=goal.category,
        service_id=goal.service_id,
        label=goal.text,
    )
    return Written(plan.id, "plan_goal", goal.id)


# ---- Measures ------------------------------------------------------------------------------


async def _catalogue_entry(
    session: AsyncSession, errors: Collector, plan: Plan, value: str | None
) -> Any:
    entry_id = _one_id(errors, "catalogueMeasureId", value)
    if entry_id is None:
        return None
    # The catalogue is the plan's neighbour: a measure is picked from the child's kommune's.
    from backend.catalogue.service import pickable

    child = await session.get(Child, plan.child_id)
    entry = await pickable(session, entry_id, child.municipality_id) if child else None
    if entry is None:
        errors.add(ErrorCode.NOT_FOUND, "catalogueMeasureId")
    return entry


async def add_measure(session: AsyncSession, actor: Actor | None, data: AddMeasureInput) -> Written:
    plan, writer = await _plan_for(
        session, actor, data.plan_id, action=Action.WRITE_PLAN_ITEM, permitted=lambda w: True
    )
    errors = Collector()
    entry = await _catalogue_entry(session, errors, plan, data.catalogue_measure_id)
    title = _line(
        errors,
        "title",
        data.title if data.title is not None else getattr(entry, "title", None),
        required=True,
    )
    description = _text(
        errors,
        "description",
        data.description if data.description is not None else getattr(entry, "description", None),
    )
    provision = data.provision.value if data.provision else getattr(entry, "provision", None)
    if provision is None:
        errors.add(ErrorCode.REQUIRED, "provision")
    frequency = _line(errors, "frequency", data.frequency)
    cost = _cost(
        errors,
        data.monthly_cost
        if data.monthly_cost is not None
        else getattr(entry, "monthly_cost", None),
    )
    validation.date_range(errors, "endsOn", data.starts_on, data.ends_on)
    weeks = _weeks(errors, "evaluationEveryWeeks", data.evaluation_every_weeks)
    service = await _service(session, errors, _one_id(errors, "serviceId", data.service_id))
    responsible = await _member(
        session,
        errors,
        writer,
        plan.child_id,
        _one_id(errors, "responsibleMemberId", data.responsible_member_id),
        "responsibleMemberId",
    )
    need_ids = _ids(errors, "needIds", data.need_ids) or []
    goal_ids = _ids(errors, "goalIds", data.goal_ids) or []
    if not data.need_ids and not data.goal_ids:
        # Every measure names its reason: what was found and what is done stay linked.
        errors.add(ErrorCode.REASON_REQUIRED, "needIds")
    needs = await _needs(session, errors, writer, plan, need_ids)
    goals = await _goals(session, errors, writer, plan, goal_ids)
    errors.raise_if_any()
    if service is None and responsible is not None and responsible.service_id is not None:
        service = await session.get(ServiceProvider, responsible.service_id)
    if data.category is not None:
        category = data.category.value
    elif service is not None:
        category = category_of_service_type(service.type).value
    else:
        category = writer.default_category
    _require_write(writer, plan.child_id, category)
    await _room(session, PlanMeasure, plan.id)
    assert title is not None and provision is not None
    measure = PlanMeasure(
        plan_id=plan.id,
        child_id=plan.child_id,
        title=title,
        description=description,
        provision=provision,
        service_id=service.id if service else None,
        responsible_member_id=responsible.id if responsible else None,
        frequency=frequency,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        monthly_cost=cost,
        status=data.status.value,
        catalogue_measure_id=entry.id if entry is not None else None,
        evaluation_every_weeks=weeks,
        category=category,
        created_by_person_id=writer.actor.person_id,
    )
    session.add(measure)
    await session.flush()
    for need in needs:
        session.add(PlanMeasureNeed(measure_id=measure.id, need_id=need.id, plan_id=plan.id))
    for goal in goals:
        session.add(PlanMeasureGoal(measure_id=measure.id, goal_id=goal.id, plan_id=plan.id))
    await _recorded(
        session,
        actor,
        plan,
        kind="plan.measure_added",
        entity_type="plan_measure",
        entity_id=measure.id,
        category=category,
        service_id=measure.service_id,
        label=title,
        payload=await _responsible_person(session, measure),
    )
    return Written(plan.id, "plan_measure", measure.id)


async def _responsible_person(session: AsyncSession, measure: PlanMeasure) -> dict[str, Any]:
    """The measure's responsible person: knowing of its events is their own record."""
    if measure.responsible_member_id is None:
        return {}
    member = await session.get(NetworkMember, measure.responsible_member_id)
    return {"responsiblePersonId": str(member.person_id)} if member else {}


async def _measure_subject(row: PlanMeasure) -> Subject:
    return Subject(row.category, row.service_id, row.responsible_member_id)


async def update_measure(
    session: AsyncSession, actor: Actor | None, data: UpdateMeasureInput
) -> Written:
    measure, plan, writer, before = await _part_for(
        session, actor, PlanMeasure, data.id, subject=_measure_subject, version=data.version
    )
    errors = Collector()
    if data.catalogue_measure_id is not UNSET:
        entry = await _catalogue_entry(session, errors, plan, data.catalogue_measure_id)
        measure.catalogue_measure_id = entry.id if entry is not None else None
    if data.title is not UNSET:
        title = _line(errors, "title", data.title, required=True)
        if title is not None:
            measure.title = title
    if data.description is not UNSET:
        measure.description = _text(errors, "description", data.description)
    if data.provision is not UNSET:
        if data.provision is None:
            errors.add(ErrorCode.REQUIRED, "provision")
        else:
            measure.provision = data.provision.value
    if data.frequency is not UNSET:
        measure.frequency = _line(errors, "frequency", data.frequency)
    if data.starts_on is not UNSET:
        measure.starts_on = data.starts_on
    if data.ends_on is not UNSET:
        measure.ends_on = data.ends_on
    validation.date_range(errors, "endsOn", measure.starts_on, measure.ends_on)
    if data.monthly_cost is not UNSET:
        measure.monthly_cost = _cost(errors, data.monthly_cost)
    if data.status is not UNSET:
        if data.status is None:
            errors.add(ErrorCode.REQUIRED, "status")
        else:
            measure.status = data.status.value
    if data.evaluation_every_weeks is not UNSET:
        measure.evaluation_every_weeks = _weeks(
            errors, "evaluationEveryWeeks", data.evaluation_every_weeks
        )
    if data.service_id is not UNSET:
        service = await _service(session, errors, _one_id(errors, "serviceId", data.service_id))
        measure.service_id = service.id if service else None
    if data.responsible_member_id is not UNSET:
        responsible = await _member(
            session,
            errors,
            writer,
            plan.child_id,
            _one_id(errors, "responsibleMemberId", data.responsible_member_id),
            "responsibleMemberId",
        )
        measure.responsible_member_id = responsible.id if responsible else None
    if data.category is not UNSET:
        if data.category is None:
            errors.add(ErrorCode.REQUIRED, "category")
        else:
            measure.category = data.category.value
    needs: list[PlanNeed] | None = None
    goals: list[PlanGoal] | None = None
    if data.need_ids is not UNSET:
        needs = await _needs(
            session, errors, writer, plan, _ids(errors, "needIds", data.need_ids or []) or []
        )
    if data.goal_ids is not UNSET:
        goals = await _goals(
            session, errors, writer, plan, _ids(errors, "goalIds", data.goal_ids or []) or []
        )
    errors.raise_if_any()
    if measure.category != before.category:
        _require_write(writer, plan.child_id, measure.category)
    hidden_needs = await _hidden_links(
        session,
        writer,
        PlanMeasureNeed,
        PlanMeasureNeed.measure_id,
        measure.id,
        PlanNeed,
        PlanMeasureNeed.need_id,
    )
    hidden_goals = await _hidden_links(
        session,
        writer,
        PlanMeasureGoal,
        PlanMeasureGoal.measure_id,
        measure.id,
        PlanGoal,
        PlanMeasureGoal.goal_id,
    )
    if needs is not None or goals is not None:
        current_needs = [
            link.need_id
            for link in (
                await session.exec(
                    select(PlanMeasureNeed).where(PlanMeasureNeed.measure_id == measure.id)
                )
            ).all()
        ]
        current_goals = [
            link.goal_id
            for link in (
                await session.exec(
                    select(PlanMeasureGoal).where(PlanMeasureGoal.measure_id == measure.id)
                )
            ).all()
        ]
        new_needs = (
            list(dict.fromkeys([n.id for n in needs] + hidden_needs))
            if needs is not None
            else current_needs
        )
        new_goals = (
            list(dict.fromkeys([g.id for g in goals] + hidden_goals))
            if goals is not None
            else current_goals
        )
        if not new_needs and not new_goals:
            fail(ErrorCode.REASON_REQUIRED, "needIds")
        if needs is not None:
            await _replace_links(session, PlanMeasureNeed, PlanMeasureNeed.measure_id, measure.id)
            for need_id in new_needs:
                session.add(
                    PlanMeasureNeed(measure_id=measure.id, need_id=need_id, plan_id=plan.id)
                )
        if goals is not None:
            await _replace_links(session, PlanMeasureGoal, PlanMeasureGoal.measure_id, measure.id)
            for goal_id in new_goals:
                session.add(
                    PlanMeasureGoal(measure_id=measure.id, goal_id=goal_id, plan_id=plan.id)
                )
    measure.version += 1
    session.add(measure)
    await _recorded(
        session,
        actor,
        plan,
        kind="plan.measure_updated",
        entity_type="plan_measure",
        entity_id=measure.id,
        category=measure.category,
        service_id=measure.service_id,
        label=measure.title,
        payload=await _responsible_person(session, measure),
    )
    return Written(plan.id, "plan_measure", measure.id)


# ---- Evaluations ---------------------------------------------------------------------------


async def record_evaluation(
    session: AsyncSession, actor: Actor | None, data: RecordEvaluationInput
) -> Written:
    if data.goal_id is None and data.measure_id is None:
        fail(ErrorCode.REQUIRED, "goalId", _TARGET_REQUIRED)
    if data.goal_id is not None and data.measure_id is not None:
        fail(ErrorCode.INVALID, "measureId", _ONE_TARGET)
    target: PlanGoal | PlanMeasure
    if data.goal_id is not None:
        goal, plan, writer, about = await _part_for(
            session, actor, PlanGoal, data.goal_id, subject=_goal_subject, field="goalId"
        )
        target, label = goal, goal.text
    else:
        assert data.measure_id is not None
        measure, plan, writer, about = await _part_for(
            session,
            actor,
            PlanMeasure,
            data.measure_id,
            subject=_measure_subject,
            field="measureId",
        )
        target, label = measure, measure.title
    errors = Collector()
    if data.evaluated_on > today():
        errors.add(ErrorCode.INVALID_DATE, "evaluatedOn", _IN_FUTURE)
    elif (
        isinstance(target, PlanMeasure)
        and target.starts_on
        and data.evaluated_on < target.starts_on
    ):
        errors.add(ErrorCode.INVALID_DATE, "evaluatedOn", _BEFORE_START)
    elif data.evaluated_on < plan.period_start:
        errors.add(ErrorCode.INVALID_DATE, "evaluatedOn", _BEFORE_PLAN)
    if data.score is not None and not SCORE_MIN <= data.score <= SCORE_MAX:
        errors.add(ErrorCode.INVALID, "score", _SCORE)
    observed = _text(errors, "observed", data.observed, required=True)
    family_view = _text(errors, "familyView", data.family_view)
    member_ids = _ids(errors, "participantMemberIds", data.participant_member_ids) or []
    participants = await _participants(session, errors, writer, plan.child_id, member_ids)
    errors.raise_if_any()
    await _room(session, PlanEvaluation, plan.id)
    assert observed is not None
    evaluation = PlanEvaluation(
        plan_id=plan.id,
        child_id=plan.child_id,
        goal_id=target.id if isinstance(target, PlanGoal) else None,
        measure_id=target.id if isinstance(target, PlanMeasure) else None,
        evaluated_on=data.evaluated_on,
        score=data.score,
        observed=observed,
        family_view=family_view,
        decision=data.decision.value,
        participant_member_ids=participants,
        recorded_by_person_id=writer.actor.person_id,
    )
    session.add(evaluation)
    # An evaluation that decides to end a measure ends it, in the same revision; a goal is
    # not ended by it.
    ended = (
        isinstance(target, PlanMeasure)
        and data.decision is EvaluationDecision.END
        and _end_measure(target, data.evaluated_on)
    )
    await _recorded(
        session,
        actor,
        plan,
        kind="plan.evaluation_recorded",
        entity_type="plan_evaluation",
        entity_id=evaluation.id,
        category=about.category,
        service_id=about.service_id,
        label=label,
    )
    if ended:
        assert isinstance(target, PlanMeasure)
        session.add(target)
        await _recorded(
            session,
            actor,
            plan,
            kind="plan.measure_updated",
            entity_type="plan_measure",
            entity_id=target.id,
            category=target.category,
            service_id=target.service_id,
            label=target.title,
            payload=await _responsible_person(session, target),
            revise=False,
        )
    return Written(plan.id, "plan_evaluation", evaluation.id)


def _end_measure(measure: PlanMeasure, on: dt.date) -> bool:
    """Ended on the evaluation's day (or its own earlier end); whether anything changed."""
    status = MeasureStatus.ENDED.value
    ends_on = on if measure.ends_on is None or measure.ends_on > on else measure.ends_on
    if measure.status == status and measure.ends_on == ends_on:
        return False
    measure.status, measure.ends_on = status, ends_on
    measure.version += 1
    return True


# ---- Tasks ---------------------------------------------------------------------------------


async def add_task(session: AsyncSession, actor: Actor | None, data: AddTaskInput) -> Written:
    plan, writer = await _plan_for(
        session, actor, data.plan_id, action=Action.WRITE_PLAN_ITEM, permitted=lambda w: True
    )
    errors = Collector()
    title = _line(errors, "title", data.title, required=True)
    child = await session.get(Child, plan.child_id)
    validation.not_before(
        errors, "dueOn", data.due_on, validation.earliest_start(child.birth_date if child else None)
    )
    assignee = await _member(
        session,
        errors,
        writer,
        plan.child_id,
        _one_id(errors, "assigneeMemberId", data.assignee_member_id),
        "assigneeMemberId",
    )
    measure = await _measure(
        session, errors, writer, plan, _one_id(errors, "measureId", data.measure_id)
    )
    errors.raise_if_any()
    assert title is not None and assignee is not None
    if data.category is not None:
        category = data.category.value
    elif measure is not None:
        category = measure.category
    elif assignee.service_id is not None:
        category = category_of_service_type(await _service_type(session, assignee.service_id)).value
    else:
        category = writer.default_category
    _require_write(writer, plan.child_id, category)
    await _room(session, PlanTask, plan.id)
    task = PlanTask(
        plan_id=plan.id,
        child_id=plan.child_id,
        title=title,
        assignee_member_id=assignee.id,
        due_on=data.due_on,
        measure_id=measure.id if measure else None,
        category=category,
        service_id=assignee.service_id,
        created_by_person_id=writer.actor.person_id,
    )
    session.add(task)
    await _recorded(
        session,
        actor,
        plan,
        kind="plan.task_added",
        entity_type="plan_task",
        entity_id=task.id,
        category=category,
        service_id=task.service_id,
        label=title,
        payload={"assigneePersonId": str(assignee.person_id)},
    )
    return Written(plan.id, "plan_task", task.id)


async def _task_subject(row: PlanTask) -> Subject:
    return Subject(row.category, row.service_id, row.assignee_member_id)


async def update_task(session: AsyncSession, actor: Actor | None, data: UpdateTaskInput) -> Written:
    status_only = data.title is UNSET and data.due_on is UNSET

    def permitted(writer: Writer, task: PlanTask, about: Subject) -> bool:
        if writer.may_write(task.category):
            return True
        # Whoever the task is for marks it done (or cancelled).
        own = task.assignee_member_id in writer.facts.member_ids
        return status_only and writer.may(Action.UPDATE_OWN_TASK, own=own)

    task, plan, _, _ = await _part_for(
        session,
        actor,
        PlanTask,
        data.id,
        subject=_task_subject,
        version=data.version,
        permitted=permitted,
    )
    errors = Collector()
    if data.title is not UNSET:
        title = _line(errors, "title", data.title, required=True)
        if title is not None:
            task.title = title
    if data.due_on is not UNSET:
        if data.due_on is None:
            errors.add(ErrorCode.REQUIRED, "dueOn")
        else:
            task.due_on = data.due_on
    if data.status is not UNSET:
        if data.status is None:
            errors.add(ErrorCode.REQUIRED, "status")
        else:
            task.status = data.status.value
    errors.raise_if_any()
    task.version += 1
    session.add(task)
    assignee = await session.get(NetworkMember, task.assignee_member_id)
    await _recorded(
        session,
        actor,
        plan,
        kind="plan.task_updated",
        entity_type="plan_task",
        entity_id=task.id,
        category=task.category,
        service_id=task.service_id,
        label=task.title,
        payload={"assigneePersonId": str(assignee.person_id)} if assignee else {},
    )
    return Written(plan.id, "plan_task", task.id)


# ---- The child's voice ---------------------------------------------------------------------


def _spoken_in(
    writer: Writer, about: PlanGoal | PlanMeasure | None
) -> tuple[str, uuid.UUID | None]:
    """A voice's or a disagreement's category and service: its target's; else the recording
    service's (that a health service spoke tells of health), else general (the family's)."""
    if about is not None:
        return about.category, about.service_id
    category = writer.default_category
    return category, writer.fields.get(category)


async def add_child_voice(
    session: AsyncSession, actor: Actor | None, data: AddChildVoiceInput
) -> Written:
    plan, writer = await _plan_for(session, actor, data.plan_id, action=Action.ADD_CHILD_VOICE)
    errors = Collector()
    text = _text(errors, "text", data.text, required=True)
    recorded_how = _line(errors, "recordedHow", data.recorded_how)
    if data.goal_id is not None and data.measure_id is not None:
        errors.add(ErrorCode.INVALID, "measureId", _ONE_TARGET)
    goal = await _goal(session, errors, writer, plan, _one_id(errors, "goalId", data.goal_id))
    measure = await _measure(
        session, errors, writer, plan, _one_id(errors, "measureId", data.measure_id)
    )
    errors.raise_if_any()
    assert text is not None
    child = await session.get(Child, plan.child_id)
    birth = child.birth_date if child else None
    about = goal or measure
    category, service_id = _spoken_in(writer, about)
    voice = PlanVoice(
        plan_id=plan.id,
        child_id=plan.child_id,
        text=text,
        form=data.form.value,
        recorded_how=recorded_how,
        recorded_by_person_id=writer.actor.person_id,
        goal_id=goal.id if goal else None,
        measure_id=measure.id if measure else None,
        child_age_years=age_on(birth, today()) if birth else None,
        category=category,
        service_id=service_id,
    )
    await _room(session, PlanVoice, plan.id)
    session.add(voice)
    await _recorded(
        session,
        actor,
        plan,
        kind="plan.voice_added",
        entity_type="plan_voice",
        entity_id=voice.id,
        category=category,
        service_id=service_id,
    )
    return Written(plan.id, "plan_voice", voice.id)


# ---- Disagreements -------------------------------------------------------------------------


async def _evaluation_target(
    session: AsyncSession, evaluation: PlanEvaluation
) -> PlanGoal | PlanMeasure | None:
    if evaluation.goal_id is not None:
        return await session.get(PlanGoal, evaluation.goal_id)
    if evaluation.measure_id is not None:
        return await session.get(PlanMeasure, evaluation.measure_id)
    return None


async def record_disagreement(
    session: AsyncSession, actor: Actor | None, data: RecordDisagreementInput
) -> Written:
    plan, writer = await _plan_for(session, actor, data.plan_id, action=Action.RECORD_DISAGREEMENT)
    errors = Collector()
    text = _text(errors, "text", data.text, required=True)
    if data.measure_id is not None and data.evaluation_id is not None:
        errors.add(ErrorCode.INVALID, "evaluationId", _ONE_SUBJECT)
    measure = await _measure(
        session, errors, writer, plan, _one_id(errors, "measureId", data.measure_id)
    )
    evaluation = None
    about: PlanGoal | PlanMeasure | None = measure
    evaluation_id = _one_id(errors, "evaluationId", data.evaluation_id)
    if evaluation_id is not None:
        evaluation = await session.get(PlanEvaluation, evaluation_id)
        about = await _evaluation_target(session, evaluation) if evaluation else None
        if (
            evaluation is None
            or evaluation.plan_id != plan.id
            or about is None
            or not writer.reads(about.category, about.service_id)
        ):
            errors.add(ErrorCode.NOT_FOUND, "evaluationId")
            evaluation = about = None
    errors.raise_if_any()
    assert text is not None
    await _room(session, PlanDisagreement, plan.id)
    category, service_id = _spoken_in(writer, about)
    disagreement = PlanDisagreement(
        plan_id=plan.id,
        child_id=plan.child_id,
        text=text,
        raised_by_person_id=writer.actor.person_id,
        measure_id=measure.id if measure else None,
        evaluation_id=evaluation.id if evaluation else None,
        category=category,
        service_id=service_id,
    )
    session.add(disagreement)
    await _recorded(
        session,
        actor,
        plan,
        kind="plan.disagreement_recorded",
        entity_type="plan_disagreement",
        entity_id=disagreement.id,
        category=category,
        service_id=service_id,
        payload={"raisedByPersonId": str(writer.actor.person_id)},
    )
    return Written(plan.id, "plan_disagreement", disagreement.id)


def _disagreement_subject(
    session: AsyncSession,
) -> Callable[[PlanDisagreement], Awaitable[Subject]]:
    async def subject(row: PlanDisagreement) -> Subject:
        about: PlanGoal | PlanMeasure | None = None
        if row.measure_id is not None:
            about = await session.get(PlanMeasure, row.measure_id)
        elif row.evaluation_id is not None:
            evaluation = await session.get(PlanEvaluation, row.evaluation_id)
            about = await _evaluation_target(session, evaluation) if evaluation else None
        if about is None:
            return Subject(row.category, row.service_id)
        member = about.responsible_member_id if isinstance(about, PlanMeasure) else None
        return Subject(about.category, about.service_id, member)

    return subject


async def answer_disagreement(
    session: AsyncSession, actor: Actor | None, data: AnswerDisagreementInput
) -> Written:
    disagreement, plan, writer, about = await _part_for(
        session,
        actor,
        PlanDisagreement,
        data.id,
        subject=_disagreement_subject(session),
        action=Action.ANSWER_DISAGREEMENT,
        version=data.version,
        permitted=lambda w, row, s: w.may(Action.ANSWER_DISAGREEMENT),
    )
    if disagreement.status == DisagreementStatus.RESOLVED.value:
        fail(ErrorCode.INVALID, "id", _RESOLVED)
    errors = Collector()
    answer = _text(errors, "answer", data.answer, required=True)
    errors.raise_if_any()
    disagreement.answer = answer
    disagreement.status = (
        DisagreementStatus.RESOLVED.value if data.resolved else DisagreementStatus.ANSWERED.value
    )
    disagreement.answered_by_person_id = writer.actor.person_id
    disagreement.answered_at = utcnow()
    disagreement.version += 1
    session.add(disagreement)
    await _recorded(
        session,
        actor,
        plan,
        kind="plan.disagreement_answered",
        entity_type="plan_disagreement",
        entity_id=disagreement.id,
        category=about.category,
        service_id=about.service_id,
        payload={
            "raisedByPersonId": str(disagreement.raised_by_person_id)
            if disagreement.raised_by_person_id
            else None,
            "resolved": bool(data.resolved),
        },
    )
    return Written(plan.id, "plan_disagreement", disagreement.id)


async def raise_disagreement(
    session: AsyncSession, actor: Actor | None, data: RaiseDisagreementInput
) -> Written:
    def permitted(writer: Writer, row: PlanDisagreement, about: Subject) -> bool:
        own = row.raised_by_person_id == writer.actor.person_id
        return writer.may(Action.RAISE_DISAGREEMENT, own=own)

    disagreement, plan, _, about = await _part_for(
        session,
        actor,
        PlanDisagreement,
        data.id,
        subject=_disagreement_subject(session),
        action=Action.RAISE_DISAGREEMENT,
        version=data.version,
        permitted=permitted,
    )
    if disagreement.status not in (
        DisagreementStatus.OPEN.value,
        DisagreementStatus.ANSWERED.value,
    ):
        fail(ErrorCode.INVALID, "id", _NOT_RAISABLE)
    disagreement.status = DisagreementStatus.RAISED.value
    disagreement.raised_to_leader_at = utcnow()
    disagreement.version += 1
    session.add(disagreement)
    await _recorded(
        session,
        actor,
        plan,
        kind="plan.disagreement_raised",
        entity_type="plan_disagreement",
        entity_id=disagreement.id,
        category=about.category,
        service_id=about.service_id,
        payload={
            "raisedByPersonId": str(disagreement.raised_by_person_id)
            if disagreement.raised_by_person_id
            else None
        },
    )
    return Written(plan.id, "plan_disagreement", disagreement.id)
