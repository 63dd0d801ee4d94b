"""The only code that writes pathways, templates, transitions and signals.

Every write: the gate first (a row the caller may not reach is NOT_FOUND, like an id that
exists nowhere), then the permission (policies/pathway.cedar), the child's write lock and
the version; then every field is validated (all errors at once, nothing written), the rows
are written and the change is recorded (`record_change`: one event and audit row), in the
transaction of the mutation, or of the change that met a milestone (the listener).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import TYPE_CHECKING, Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.authz.access import may_know_membership, may_read
from backend.authz.policy import Action, ChildFacts, decide_on_child
from backend.catalogue.access import kommune_facts
from backend.children.models import Child
from backend.core import validation
from backend.core.clock import today
from backend.core.deadlines import oslo_date
from backend.core.errors import Collector, ErrorCode, UserError, fail
from backend.core.i18n import Text, pick
from backend.core.ids import parse_id
from backend.events.models import Event
from backend.events.service import record_change
from backend.identity.actor import Actor
from backend.network.models import NetworkMember, ServiceProvider
from backend.pathway import logic
from backend.pathway.access import (
    PathwayAction,
    decide,
    decide_for_kommune,
    denied,
    load_for_write,
    require_on_child,
)
from backend.pathway.models import (
    Milestone,
    MilestoneAnchor,
    MilestoneState,
    MilestoneTrigger,
    Pathway,
    PathwayTemplate,
    Signal,
    Transition,
    TransitionItem,
)
from backend.plan.logic import category_of_service_type, policy_category
from backend.plan.models import Plan, PlanCategory, PlanEvaluation

if TYPE_CHECKING:
    from backend.pathway.types import (
        AddTransitionItemInput,
        DeviateMilestoneInput,
        MeetMilestoneInput,
        RecordSignalInput,
        StartTransitionInput,
        UpdatePathwayTemplateInput,
        UpdateTransitionItemInput,
    )

# Items per transition, transitions and signals per child: more is no checklist any more.
ITEMS_MAX = 50
TRANSITIONS_MAX = 50
SIGNALS_MAX = 2000
DESCRIPTION_MAX = 4000

_KEY = re.compile(r"^[A-Za-z0-9_-]{1,40}$")

_TARGET: Text = (
    f"Måltiden er 0 til {logic.TARGET_DAYS_MAX} dager.",
    f"Måltida er 0 til {logic.TARGET_DAYS_MAX} dagar.",
    f"The target time is 0 to {logic.TARGET_DAYS_MAX} days.",
)
_REPEAT: Text = (
    f"Gjentakelse er hver 1. til {logic.TARGET_DAYS_MAX}. dag.",
    f"Gjentaking er kvar 1. til {logic.TARGET_DAYS_MAX}. dag.",
    f"A repeat is every 1 to {logic.TARGET_DAYS_MAX} days.",
)
_KEY_WORDS: Text = (
    "Nøkkelen er 1 til 40 bokstaver (a–z), tall, - eller _.",
    "Nøkkelen er 1 til 40 bokstavar (a–z), tal, - eller _.",
    "The key is 1 to 40 letters (a–z), digits, - or _.",
)
_DUPLICATE_KEY: Text = (
    "To milepæler har samme nøkkel.",
    "To milepælar har same nøkkel.",
    "Two milestones have the same key.",
)
_TOO_MANY_MILESTONES: Text = (
    f"En mal har høyst {logic.MILESTONES_MAX} milepæler.",
    f"Ein mal har høgst {logic.MILESTONES_MAX} milepælar.",
    f"A template has at most {logic.MILESTONES_MAX} milestones.",
)
_NO_MILESTONES: Text = (
    "En mal har minst én milepæl.",
    "Ein mal har minst éin milepæl.",
    "A template has at least one milestone.",
)
_NO_PREVIOUS: Text = (
    "Den første milepælen kan ikke regnes fra den forrige.",
    "Den første milepælen kan ikkje reknast frå den førre.",
    "The first milestone cannot be counted from the previous one.",
)
_ALREADY_MET: Text = (
    "Milepælen er allerede nådd.",
    "Milepælen er allereie nådd.",
    "The milestone has already been met.",
)
_MET_AUTOMATICALLY: Text = (
    "Denne milepælen nås av hendelsen selv (vedtaket, planen, evalueringen).",
    "Denne milepælen blir nådd av hendinga sjølv (vedtaket, planen, evalueringa).",
    "This milestone is met by the event itself (the decision, the plan, the evaluation).",
)
_REASON: Text = (
    "Skriv hvorfor forløpet avviker.",
    "Skriv kvifor forløpet avvik.",
    "Write why the pathway deviates.",
)
_TOO_MANY: Text = (
    "Det er allerede for mange av disse.",
    "Det er allereie for mange av desse.",
    "There are already too many of these.",
)
_TOO_FAR_AHEAD: Text = (
    "Datoen er for langt fram i tid.",
    "Datoen er for langt fram i tid.",
    "The date is too far in the future.",
)
# A transition is planned within the child's childhood: turning 18 for a newborn is 18
# years ahead. Further ahead (or before the child's life) is a typing error.
DUE_YEARS_AHEAD = 20
_UNREADABLE_CATEGORY: Text = (
    "Du kan ikke skrive noe du selv ikke har tilgang til å lese.",
    "Du kan ikkje skrive noko du sjølv ikkje har tilgang til å lese.",
    "You cannot write what you may not read yourself.",
)


# ---- Templates ------------------------------------------------------------------------------


def default_template(municipality_id: uuid.UUID) -> PathwayTemplate:
    """The kommune's default template as it is before anyone stored it."""
    return PathwayTemplate(
        id=logic.default_template_id(municipality_id),
        municipality_id=municipality_id,
        name=logic.DEFAULT_NAME,
        milestones=[dict(m) for m in logic.DEFAULT_MILESTONES],
        is_default=True,
    )


async def _stored_default(
    session: AsyncSession, municipality_id: uuid.UUID
) -> PathwayTemplate | None:
    found = await session.exec(
        select(PathwayTemplate).where(
            PathwayTemplate.municipality_id == municipality_id,
            col(PathwayTemplate.is_default).is_(True),
        )
    )
    return found.first()


async def ensure_default_template(
    session: AsyncSession, municipality_id: uuid.UUID
) -> PathwayTemplate:
    """The kommune's default template, stored now if it was not (its id is fixed, so two
    writers at once store it once: the second gets the uniqueness conflict)."""
    found = await _stored_default(session, municipality_id)
    if found is not None:
        return found
    template = default_template(municipality_id)
    session.add(template)
    await session.flush()
    return template


async def _kommunes_of(session: AsyncSession, actor: Actor) -> list[uuid.UUID]:
    """The kommuner the caller works for (their own, their employer's)."""
    found = [actor.municipality_id] if actor.municipality_id else []
    if actor.is_staff and actor.employer_service_id is not None:
        employer = await session.get(ServiceProvider, actor.employer_service_id)
        if employer is not None and employer.municipality_id is not None:
            found.append(employer.municipality_id)
    return list(dict.fromkeys(found))


async def templates(session: AsyncSession, actor: Actor | None) -> list[PathwayTemplate]:
    """The caller's kommune's templates (its default first, stored or not); empty for
    anyone who is not staff of a kommune."""
    if actor is None or not actor.is_staff:
        return []
    result: list[PathwayTemplate] = []
    for kommune in await _kommunes_of(session, actor):
        facts = await kommune_facts(session, actor, kommune)
        if not decide_for_kommune(actor, PathwayAction.VIEW_TEMPLATES, facts):
            continue
        rows = list(
            (
                await session.exec(
                    select(PathwayTemplate)
                    .where(PathwayTemplate.municipality_id == kommune)
                    .order_by(col(PathwayTemplate.is_default).desc(), col(PathwayTemplate.name))
                )
            ).all()
        )
        if not any(r.is_default for r in rows):
            rows.insert(0, default_template(kommune))
        result.extend(rows)
    return result


def _check_milestones(errors: Collector, milestones: list[Any]) -> list[dict[str, Any]]:
    if len(milestones) > logic.MILESTONES_MAX:
        errors.add(ErrorCode.TOO_MANY, "milestones", _TOO_MANY_MILESTONES)
        return []
    if not milestones:
        errors.add(ErrorCode.REQUIRED, "milestones", _NO_MILESTONES)
        return []
    seen: set[str] = set()
    result = []
    for index, item in enumerate(milestones):
        field = f"milestones.{index}"
        key = (item.key or "").strip()
        if not _KEY.match(key):
            errors.add(ErrorCode.INVALID, f"{field}.key", _KEY_WORDS)
        elif key.lower() in seen:
            errors.add(ErrorCode.DUPLICATE, f"{field}.key", _DUPLICATE_KEY)
        seen.add(key.lower())
        title = validation.text(
            errors,
            f"{field}.title",
            item.title,
            max_length=logic.TITLE_MAX,
            required=True,
            multiline=False,
        )
        if not 0 <= item.target_days <= logic.TARGET_DAYS_MAX:
            errors.add(ErrorCode.INVALID, f"{field}.targetDays", _TARGET)
        repeat = item.repeat_every_days
        if repeat is not None and not 1 <= repeat <= logic.TARGET_DAYS_MAX:
            errors.add(ErrorCode.INVALID, f"{field}.repeatEveryDays", _REPEAT)
        if index == 0 and item.anchor is MilestoneAnchor.PREVIOUS_MET:
            errors.add(ErrorCode.INVALID, f"{field}.anchor", _NO_PREVIOUS)
        result.append(
            {
                "key": key,
                "title": title,
                "anchor": item.anchor.value,
                "targetDays": item.target_days,
                "repeatEveryDays": repeat,
                "trigger": item.trigger.value,
            }
        )
    return result


async def update_template(
    session: AsyncSession, actor: Actor | None, data: UpdatePathwayTemplateInput
) -> PathwayTemplate:
    """The coordinating unit edits its kommune's template; running pathways keep theirs."""
    if actor is None:
        fail(ErrorCode.UNAUTHENTICATED)
    assert actor is not None
    template_id = parse_id(data.template_id, "templateId")
    row = await session.get(PathwayTemplate, template_id)
    if row is None:
        # The kommune's default before it is stored: its fixed id names it.
        for kommune in await _kommunes_of(session, actor) if actor.is_staff else []:
            if logic.default_template_id(kommune) == template_id:
                row = default_template(kommune)
                break
    if row is None:
        fail(ErrorCode.NOT_FOUND, "templateId")
    assert row is not None
    facts = await kommune_facts(session, actor, row.municipality_id)
    if not decide_for_kommune(actor, PathwayAction.VIEW_TEMPLATES, facts):
        fail(ErrorCode.NOT_FOUND, "templateId")
    if not decide_for_kommune(actor, PathwayAction.MANAGE_TEMPLATES, facts):
        fail(ErrorCode.NOT_ALLOWED)
    stored = await session.get(PathwayTemplate, template_id, with_for_update=True)
    if stored is not None:
        row = stored
        await session.refresh(row)
    if row.version != data.version:
        fail(ErrorCode.CONFLICT, "version")
    errors = Collector()
    name = validation.text(
        errors, "name", data.name, max_length=logic.NAME_MAX, required=True, multiline=False
    )
    milestones = _check_milestones(errors, list(data.milestones))
    errors.raise_if_any()
    assert name is not None
    row.name = name
    row.milestones = milestones
    row.version += 1
    session.add(row)
    await session.flush()  # a second first edit at the same moment conflicts here
    await record_change(
        session,
        actor,
        kind="pathway.template_updated",
        entity_type="pathway_template",
        entity_id=row.id,
        child_id=None,
        payload={"municipalityId": str(row.municipality_id), "version": row.version},
    )
    return row


# ---- Pathways and milestones -----------------------------------------------------------------


def _milestone(pathway: Pathway, position: int, start: dt.date, occurrence: int = 0) -> Milestone:
    entry = pathway.milestones[position]
    days = entry["targetDays"] if occurrence == 0 else entry["repeatEveryDays"]
    return Milestone(
        pathway_id=pathway.id,
        child_id=pathway.child_id,
        key=entry["key"],
        position=position,
        occurrence=occurrence,
        title=entry["title"],
        trigger=entry["trigger"],
        repeat_every_days=entry.get("repeatEveryDays"),
        due_on=logic.due_after(start, days),
    )


async def _milestones_of(session: AsyncSession, pathway_id: uuid.UUID) -> list[Milestone]:
    rows = await session.exec(
        select(Milestone)
        .where(Milestone.pathway_id == pathway_id)
        .order_by(col(Milestone.due_on), col(Milestone.position), col(Milestone.occurrence))
    )
    return list(rows.all())


async def start_pathway(
    session: AsyncSession,
    actor: Actor | None,
    *,
    child_id: uuid.UUID,
    submitted_on: dt.date | None,
    granted_on: dt.date,
) -> Pathway:
    """The child's pathway from its kommune's default template (stored now if it was not):
    every milestone whose anchor is known gets its due date; the decision is met on the day
    of the grant, and a plan that already exists meets the first plan. Once per child."""
    existing = (await session.exec(select(Pathway).where(Pathway.child_id == child_id))).first()
    if existing is not None:
        await meet_by_trigger(session, child_id, MilestoneTrigger.DECISION, granted_on)
        return existing
    child = await session.get(Child, child_id)
    if child is None:
        fail(ErrorCode.NOT_FOUND, "childId")
    assert child is not None
    template = await ensure_default_template(session, child.municipality_id)
    pathway = Pathway(
        child_id=child_id,
        template_id=template.id,
        template_name=template.name,
        milestones=[dict(m) for m in template.milestones],
        started_on=granted_on,
        request_submitted_on=submitted_on,
        decision_granted_on=granted_on,
    )
    session.add(pathway)
    await session.flush()
    anchors = {
        MilestoneAnchor.REQUEST_SUBMITTED.value: submitted_on or granted_on,
        MilestoneAnchor.DECISION_GRANTED.value: granted_on,
    }
    for position, entry in enumerate(pathway.milestones):
        start = anchors.get(entry["anchor"])
        if start is not None:
            session.add(_milestone(pathway, position, start))
    await session.flush()
    await record_change(
        session,
        actor,
        kind="pathway.started",
        entity_type="pathway",
        entity_id=pathway.id,
        child_id=child_id,
        payload={"pathwayId": str(pathway.id), "startedOn": granted_on.isoformat()},
    )
    await meet_by_trigger(session, child_id, MilestoneTrigger.DECISION, granted_on, actor=actor)
    plan = (
        await session.exec(
            select(Plan).where(Plan.child_id == child_id, col(Plan.ended_at).is_(None))
        )
    ).first()
    if plan is not None:
        await meet_by_trigger(
            session,
            child_id,
            MilestoneTrigger.PLAN_CREATED,
            oslo_date(plan.created_at),
            actor=actor,
        )
    return pathway


async def _met(
    session: AsyncSession,
    actor: Actor | None,
    pathway: Pathway,
    milestone: Milestone,
    on: dt.date,
    by: str,
) -> None:
    """Record a milestone met, then what follows from it: its repeat, and the next
    milestone counted from it (PREVIOUS_MET)."""
    milestone.state = MilestoneState.MET.value
    milestone.met_on = on
    milestone.met_by = by
    milestone.met_late = on > milestone.due_on
    milestone.version += 1
    session.add(milestone)
    await session.flush()
    await record_change(
        session,
        actor,
        kind="pathway.milestone_met",
        entity_type="pathway_milestone",
        entity_id=milestone.id,
        child_id=milestone.child_id,
        payload={
            "pathwayId": str(pathway.id),
            "key": milestone.key,
            "metOn": on.isoformat(),
            "metBy": by,
            "late": milestone.met_late,
        },
    )
    rows = await _milestones_of(session, pathway.id)
    present = {(m.key, m.occurrence) for m in rows}
    if milestone.repeat_every_days and (milestone.key, milestone.occurrence + 1) not in present:
        session.add(_milestone(pathway, milestone.position, on, milestone.occurrence + 1))
    following = milestone.position + 1
    if (
        milestone.occurrence == 0
        and following < len(pathway.milestones)
        and pathway.milestones[following]["anchor"] == MilestoneAnchor.PREVIOUS_MET.value
        and (pathway.milestones[following]["key"], 0) not in present
    ):
        session.add(_milestone(pathway, following, on))
    await session.flush()


async def meet_by_trigger(
    session: AsyncSession,
    child_id: uuid.UUID,
    trigger: MilestoneTrigger,
    on: dt.date,
    *,
    actor: Actor | None = None,
) -> Milestone | None:
    """The event that meets a milestone (a decision, a plan, an evaluation) meets the
    child's earliest milestone of that trigger not met yet."""
    pathway = (await session.exec(select(Pathway).where(Pathway.child_id == child_id))).first()
    if pathway is None:
        return None
    waiting = [
        m
        for m in await _milestones_of(session, pathway.id)
        if m.trigger == trigger.value and m.state != MilestoneState.MET.value
    ]
    if not waiting:
        return None
    milestone = waiting[0]
    await _met(session, actor, pathway, milestone, on, trigger.value)
    return milestone


def _manages(actor: Actor | None) -> Any:
    def permitted(row: Any, facts: ChildFacts) -> bool:
        assert actor is not None
        return decide(actor, PathwayAction.MANAGE, facts)

    return permitted


async def deviate_milestone(
    session: AsyncSession, actor: Actor | None, data: DeviateMilestoneInput
) -> Milestone:
    """Avvik: the coordinator records why the pathway leaves its target (professional
    judgement); the milestone no longer alerts anyone."""
    milestone, _ = await load_for_write(
        session,
        actor,
        Milestone,
        data.milestone_id,
        action=PathwayAction.MANAGE,
        field="milestoneId",
        version=data.version,
        permitted=_manages(actor),
    )
    errors = Collector()
    reason = validation.text(errors, "reason", data.reason, max_length=logic.REASON_MAX)
    if reason is None and not errors.errors:
        errors.add(ErrorCode.REASON_REQUIRED, "reason", _REASON)
    if milestone.state == MilestoneState.MET.value:
        errors.add(ErrorCode.INVALID, "milestoneId", _ALREADY_MET)
    errors.raise_if_any()
    missed = milestone.state == MilestoneState.MISSED.value or milestone.due_on < today()
    milestone.state = MilestoneState.DEVIATED.value
    milestone.deviation_reason = reason
    milestone.version += 1
    session.add(milestone)
    await record_change(
        session,
        actor,
        kind="pathway.milestone_deviated",
        entity_type="pathway_milestone",
        entity_id=milestone.id,
        child_id=milestone.child_id,
        payload={
            "pathwayId": str(milestone.pathway_id),
            "key": milestone.key,
            "wasMissed": missed,
        },
    )
    return milestone


async def meet_milestone(
    session: AsyncSession, actor: Actor | None, data: MeetMilestoneInput
) -> Milestone:
    """The coordinator marks a manual milestone met (and the first network meeting, when it
    was held outside Koordinat; a meeting's closed minutes meet it by themselves)."""
    milestone, _ = await load_for_write(
        session,
        actor,
        Milestone,
        data.milestone_id,
        action=PathwayAction.MANAGE,
        field="milestoneId",
        version=data.version,
        permitted=_manages(actor),
    )
    if milestone.state == MilestoneState.MET.value:
        fail(ErrorCode.INVALID, "milestoneId", _ALREADY_MET)
    manual = (MilestoneTrigger.MANUAL.value, MilestoneTrigger.NETWORK_MEETING.value)
    if milestone.trigger not in manual:
        fail(ErrorCode.INVALID, "milestoneId", _MET_AUTOMATICALLY)
    pathway = await session.get(Pathway, milestone.pathway_id)
    assert pathway is not None
    await _met(session, actor, pathway, milestone, today(), milestone.trigger)
    return milestone


# ---- The listener: the changes that meet milestones -------------------------------------------


def _date(value: Any, otherwise: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return otherwise


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


async def on_change(session: AsyncSession, event: Event) -> None:
    """Run by `record_change` for every event, in the writer's transaction: a granted
    request starts the child's pathway, a plan and its evaluations meet their milestones."""
    if event.kind.startswith("pathway."):
        return
    day = oslo_date(event.occurred_at)
    if event.kind == "right.decided":
        child_id = event.child_id or _uuid(event.payload.get("child_id"))
        if event.payload.get("outcome") != "GRANTED" or child_id is None:
            return
        granted = _date(event.payload.get("decided_on"), day)
        submitted = event.payload.get("submitted_on")
        await start_pathway(
            session,
            None,
            child_id=child_id,
            submitted_on=_date(submitted, granted) if submitted else None,
            granted_on=granted,
        )
    elif event.kind == "plan.created" and event.child_id is not None:
        await meet_by_trigger(session, event.child_id, MilestoneTrigger.PLAN_CREATED, day)
    elif event.kind == "plan.evaluation_recorded" and event.child_id is not None:
        evaluation = await session.get(PlanEvaluation, event.entity_id)
        on = evaluation.evaluated_on if evaluation is not None else day
        await meet_by_trigger(session, event.child_id, MilestoneTrigger.PLAN_EVALUATED, on)
    elif event.kind == "meeting.held" and event.child_id is not None:
        # Met on the meeting's own (Oslo) day, not the day its minutes were closed.
        on = _date(event.payload.get("heldOn"), day)
        await meet_by_trigger(session, event.child_id, MilestoneTrigger.NETWORK_MEETING, on)


# ---- Transitions ---------------------------------------------------------------------------


async def _member(
    session: AsyncSession,
    errors: Collector,
    actor: Actor,
    facts: ChildFacts,
    child_id: uuid.UUID,
    value: str | None,
    field: str,
) -> NetworkMember | None:
    """An active membership of this child's network the caller may know of; else NOT_FOUND."""
    if value is None:
        return None
    try:
        member_id = uuid.UUID(str(value))
    except ValueError:
        errors.add(ErrorCode.NOT_FOUND, field)
        return None
    row = await session.get(NetworkMember, member_id)
    if row is None or row.child_id != child_id or row.ended_at is not None:
        errors.add(ErrorCode.NOT_FOUND, field)
        return None
    service = await session.get(ServiceProvider, row.service_id) if row.service_id else None
    if not may_know_membership(may_read(actor, facts), service, row.person_id == actor.person_id):
        errors.add(ErrorCode.NOT_FOUND, field)
        return None
    return row


async def _due_on(
    session: AsyncSession, errors: Collector, child_id: uuid.UUID, value: dt.date | None
) -> None:
    """A due date within the child's life: from a year before birth (or today, expected)
    to DUE_YEARS_AHEAD years from now."""
    if value is None:
        return
    child = await session.get(Child, child_id)
    validation.not_before(
        errors, "dueOn", value, validation.earliest_start(child.birth_date if child else None)
    )
    if value > today() + dt.timedelta(days=366 * DUE_YEARS_AHEAD):
        errors.add(ErrorCode.INVALID_DATE, "dueOn", _TOO_FAR_AHEAD)


async def _count(session: AsyncSession, column: Any, value: uuid.UUID, model: Any) -> int:
    return int(
        (await session.exec(select(func.count()).select_from(model).where(column == value))).one()
    )


async def start_transition(
    session: AsyncSession, actor: Actor | None, data: StartTransitionInput, language: str
) -> Transition:
    """A transition with its default checklist; the default items are named in the reader's
    language, and stored in the starter's."""
    child_id = parse_id(data.child_id, "childId")
    await require_on_child(session, actor, PathwayAction.MANAGE, child_id)
    assert actor is not None
    errors = Collector()
    await _due_on(session, errors, child_id, data.due_on)
    errors.raise_if_any()
    if await _count(session, Transition.child_id, child_id, Transition) >= TRANSITIONS_MAX:
        fail(ErrorCode.TOO_MANY, "childId", _TOO_MANY)
    transition = Transition(
        child_id=child_id,
        kind=data.kind.value,
        due_on=data.due_on,
        created_by_person_id=actor.person_id,
    )
    session.add(transition)
    await session.flush()
    for position, item in enumerate(logic.TRANSITION_ITEMS[data.kind.value]):
        session.add(
            TransitionItem(
                transition_id=transition.id,
                child_id=child_id,
                item_key=item.key,
                title=pick(item.title, language),
                due_on=data.due_on,
                position=position,
            )
        )
    await record_change(
        session,
        actor,
        kind="pathway.transition_started",
        entity_type="pathway_transition",
        entity_id=transition.id,
        child_id=child_id,
        payload={"transitionId": str(transition.id), "kind": transition.kind},
    )
    return transition


async def add_transition_item(
    session: AsyncSession, actor: Actor | None, data: AddTransitionItemInput
) -> Transition:
    transition, facts = await load_for_write(
        session,
        actor,
        Transition,
        data.transition_id,
        action=PathwayAction.MANAGE,
        field="transitionId",
        permitted=_manages(actor),
    )
    assert actor is not None
    errors = Collector()
    title = validation.text(
        errors, "title", data.title, max_length=logic.TITLE_MAX, required=True, multiline=False
    )
    owner = await _member(
        session, errors, actor, facts, transition.child_id, data.owner_member_id, "ownerMemberId"
    )
    await _due_on(session, errors, transition.child_id, data.due_on)
    errors.raise_if_any()
    assert title is not None
    count = await _count(session, TransitionItem.transition_id, transition.id, TransitionItem)
    if count >= ITEMS_MAX:
        fail(ErrorCode.TOO_MANY, "transitionId", _TOO_MANY)
    item = TransitionItem(
        transition_id=transition.id,
        child_id=transition.child_id,
        title=title,
        owner_member_id=owner.id if owner else None,
        due_on=data.due_on,
        position=count,
    )
    session.add(item)
    transition.version += 1
    session.add(transition)
    await record_change(
        session,
        actor,
        kind="pathway.transition_item_added",
        entity_type="pathway_transition_item",
        entity_id=item.id,
        child_id=transition.child_id,
        payload={
            "transitionId": str(transition.id),
            "ownerPersonId": str(owner.person_id) if owner else None,
        },
    )
    return transition


async def update_transition_item(
    session: AsyncSession, actor: Actor | None, data: UpdateTransitionItemInput
) -> Transition:
    """The coordinator changes anything; the item's owner sets its status only."""
    only_status = data.owner_member_id is None and data.due_on is None

    def permitted(row: TransitionItem, facts: ChildFacts) -> bool:
        assert actor is not None
        if decide(actor, PathwayAction.MANAGE, facts):
            return True
        own = row.owner_member_id is not None and row.owner_member_id in facts.member_ids
        return only_status and decide(actor, PathwayAction.UPDATE_OWN_ITEM, facts, own=own)

    item, facts = await load_for_write(
        session,
        actor,
        TransitionItem,
        data.item_id,
        action=PathwayAction.MANAGE,
        field="itemId",
        version=data.version,
        permitted=permitted,
    )
    assert actor is not None
    errors = Collector()
    owner = await _member(
        session, errors, actor, facts, item.child_id, data.owner_member_id, "ownerMemberId"
    )
    await _due_on(session, errors, item.child_id, data.due_on)
    transition = await session.get(Transition, item.transition_id)
    assert transition is not None
    errors.raise_if_any()
    if data.status is not None:
        item.status = data.status.value
    if owner is not None:
        item.owner_member_id = owner.id
    if data.due_on is not None:
        item.due_on = data.due_on
    item.version += 1
    session.add(item)
    transition.version += 1
    session.add(transition)
    owner_person = None
    if item.owner_member_id is not None:
        found = await session.get(NetworkMember, item.owner_member_id)
        owner_person = found.person_id if found else None
    await record_change(
        session,
        actor,
        kind="pathway.transition_item_updated",
        entity_type="pathway_transition_item",
        entity_id=item.id,
        child_id=item.child_id,
        payload={
            "transitionId": str(transition.id),
            "status": item.status,
            "ownerPersonId": str(owner_person) if owner_person else None,
        },
    )
    return transition


# ---- Signals -------------------------------------------------------------------------------


async def record_signal(
    session: AsyncSession, actor: Actor | None, data: RecordSignalInput
) -> Signal:
    """A staff member of the network records a signal; its category is the recorder's
    service's unless given (barnevern's signals are barnevern's), and the recorder must be
    able to read what they write."""
    child_id = parse_id(data.child_id, "childId")
    facts = await require_on_child(session, actor, PathwayAction.RECORD_SIGNAL, child_id)
    assert actor is not None
    memberships = list(
        (
            await session.exec(
                select(NetworkMember).where(
                    NetworkMember.child_id == child_id,
                    NetworkMember.person_id == actor.person_id,
                    col(NetworkMember.ended_at).is_(None),
                )
            )
        ).all()
    )
    services: dict[str, uuid.UUID] = {}
    if facts.service_ids:
        rows = await session.exec(
            select(ServiceProvider.id, ServiceProvider.type).where(
                col(ServiceProvider.id).in_(list(facts.service_ids))
            )
        )
        for found_id, found_type in sorted(rows.all(), key=lambda r: str(r[0])):
            services.setdefault(category_of_service_type(found_type).value, found_id)
    special = sorted(c for c in services if c != PlanCategory.GENERAL.value)
    default = special[0] if special else PlanCategory.GENERAL.value
    by_kind = logic.SIGNAL_CATEGORY.get(data.kind.value)
    if not special and by_kind is not None and _reads(actor, facts, by_kind, False):
        # A careless "hospital admission" by the coordinator stays health information.
        default = by_kind
    category = data.category.value if data.category is not None else default
    service_id = services.get(category)
    own = service_id is not None
    if not decide(actor, PathwayAction.RECORD_SIGNAL, facts) or not _reads(
        actor, facts, category, own
    ):
        raise denied(
            child_id,
            PathwayAction.RECORD_SIGNAL,
            UserError(ErrorCode.NOT_ALLOWED, "category", _UNREADABLE_CATEGORY),
        )
    errors = Collector()
    description = validation.text(
        errors, "description", data.description, max_length=DESCRIPTION_MAX, required=True
    )
    errors.raise_if_any()
    assert description is not None
    if await _count(session, Signal.child_id, child_id, Signal) >= SIGNALS_MAX:
        fail(ErrorCode.TOO_MANY, "childId", _TOO_MANY)
    member = memberships[0] if memberships else None
    if service_id is not None:
        member = next((m for m in memberships if m.service_id == service_id), member)
    signal = Signal(
        child_id=child_id,
        kind=data.kind.value,
        description=description,
        category=category,
        service_id=service_id,
        recorded_by_member_id=member.id if member else None,
        recorded_by_person_id=actor.person_id,
    )
    session.add(signal)
    await session.flush()
    await record_change(
        session,
        actor,
        kind="pathway.signal_recorded",
        entity_type="pathway_signal",
        entity_id=signal.id,
        child_id=child_id,
        # What knowing of it reveals: its category (never its text).
        payload={
            "signalId": str(signal.id),
            "kind": signal.kind,
            "category": category,
            "serviceId": str(service_id) if service_id else None,
            "recordedByPersonId": str(actor.person_id),
        },
    )
    return signal


def _reads(actor: Actor, facts: ChildFacts, category: str, own: bool) -> bool:
    return decide_on_child(actor, Action.READ_CATEGORY, facts, policy_category(category), own)
