"""The only code that writes requests, decisions and appeals.

Every write: the caller's right to it decided by the policies (policies/right.cedar), the
input checked in full before anything is written, the rows, the event (`record_change`, which
also writes the audit row and runs the notification rules) in one transaction. A request
about a registered child is refused to anyone who may not read it exactly as a request that
exists nowhere is (NOT_FOUND), and the refusal goes into that child's access log.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.authz.access import (
    AccessDenied,
    age_on,
    coordinating_unit_of,
    load_facts,
)
from backend.authz.policy import Action, ChildFacts
from backend.children.models import Child
from backend.children.service import EXPECTED_DAYS_AHEAD, EXPECTED_DAYS_PAST, register_child
from backend.children.types import GuardianInput, RegisterChildInput
from backend.core import validation
from backend.core.clock import today
from backend.core.database import utcnow
from backend.core.deadlines import oslo_date
from backend.core.errors import Collector, ErrorCode, UserError, UserErrors, fail
from backend.core.ids import parse_id
from backend.core.settings import Settings
from backend.events.service import record_change
from backend.identity.actor import Actor
from backend.identity.models import Person, PersonKind
from backend.network import service as network
from backend.network.models import Municipality, NetworkRole
from backend.right import logic
from backend.right.inputs import (
    CHILD_NAME_MAX,
    LEGAL_BASIS_MAX,
    REASONS_MAX,
    SERVICE_NAME_MAX,
    SITUATION_MAX,
    AppealDecisionInput,
    DecideCoordinatorRequestInput,
    ReassessAppealInput,
    RecordStatsforvalterOutcomeInput,
    SubmitCoordinatorRequestInput,
)
from backend.right.models import (
    CoordinatorAppeal,
    CoordinatorDecision,
    CoordinatorRequest,
    DecisionOutcome,
    ReassessmentOutcome,
    RequestStatus,
    RequestSubmitter,
    StatsforvalterOutcome,
)

ENTITY_TYPE = "coordinator_request"
# A request still being handled: a second one for the same child is refused.
OPEN_STATUSES = frozenset(
    {
        RequestStatus.AWAITING_DECISION.value,
        RequestStatus.APPEALED.value,
        RequestStatus.WITH_STATSFORVALTEREN.value,
    }
)

_ONE_DATE = (
    "Oppgi enten fødselsdato eller termindato.",
    "Oppgi anten fødselsdato eller termindato.",
    "Give either a birth date or an expected date.",
)
_CHILD_GIVEN = (
    "Barnet er registrert: navn, datoer og kommune hentes fra registreringen.",
    "Barnet er registrert: namn, datoar og kommune blir henta frå registreringa.",
    "The child is registered: names, dates and kommune come from the registration.",
)


def request_facts(
    actor: Actor,
    row: CoordinatorRequest,
    child: ChildFacts | None,
    unit_kommune: uuid.UUID | None,
) -> logic.RequestFacts:
    """The caller's facts for one request: the child's (as the gate computed them) if it is
    registered, and whether the caller works for the request's kommune's coordinating unit."""
    return logic.RequestFacts(
        is_submitter=row.submitted_by_person_id == actor.person_id,
        child_registered=row.child_id is not None,
        roles=child.roles if child is not None else frozenset(),
        has_parental_responsibility=child.has_parental_responsibility if child else False,
        child_age=child.child_age if child is not None else age_on(row.birth_date, today()),
        in_kommunes_coordinating_unit=unit_kommune is not None
        and unit_kommune == row.municipality_id,
        service_has_consent=bool(child is not None and child.consented_categories),
    )


def event_payload(row: CoordinatorRequest, **extra: Any) -> dict[str, Any]:
    """What every event of the right carries (the pathway listens to these)."""
    return {
        "request_id": str(row.id),
        "municipality_id": str(row.municipality_id),
        "submitted_on": oslo_date(row.submitted_at).isoformat(),
        "child_id": str(row.child_id) if row.child_id else None,
        "submitted_by_person_id": str(row.submitted_by_person_id),
        **extra,
    }


async def _record(
    session: AsyncSession, actor: Actor, kind: str, row: CoordinatorRequest, **extra: Any
) -> None:
    await record_change(
        session,
        actor,
        kind=kind,
        entity_type=ENTITY_TYPE,
        entity_id=row.id,
        child_id=row.child_id,
        payload=event_payload(row, **extra),
    )


def _anonymous(child_id: uuid.UUID | None) -> None:
    error = UserError(ErrorCode.UNAUTHENTICATED)
    if child_id is not None:
        raise AccessDenied(child_id, Action.VIEW_CHILD, error)
    raise UserErrors([error])


def _refuse(row: CoordinatorRequest, field: str) -> None:
    """The NOT_FOUND of a row that exists nowhere; logged in the child's log if registered."""
    error = UserError(ErrorCode.NOT_FOUND, field)
    if row.child_id is not None:
        raise AccessDenied(row.child_id, Action.VIEW_CHILD, error)
    raise UserErrors([error])


def _not_allowed(row: CoordinatorRequest) -> None:
    error = UserError(ErrorCode.NOT_ALLOWED)
    if row.child_id is not None:
        raise AccessDenied(row.child_id, Action.VIEW_CHILD, error)
    raise UserErrors([error])


async def _facts_for(
    session: AsyncSession, actor: Actor, row: CoordinatorRequest
) -> logic.RequestFacts:
    child = None
    if row.child_id is not None:
        child = (await load_facts(session, actor, [row.child_id]))[row.child_id]
    return request_facts(actor, row, child, await coordinating_unit_of(session, actor))


async def _for_write(
    session: AsyncSession,
    actor: Actor | None,
    row: CoordinatorRequest | None,
    field: str,
    action: str,
) -> CoordinatorRequest:
    """The request, if the caller may read it (else NOT_FOUND) and do `action` (else
    NOT_ALLOWED); locked, and re-read under the lock. Someone not signed in is refused, in
    the child's access log when the request is a registered child's."""
    if actor is None:
        _anonymous(row.child_id if row is not None else None)
    assert actor is not None
    if row is None:
        fail(ErrorCode.NOT_FOUND, field)
    assert row is not None
    facts = await _facts_for(session, actor, row)
    if not logic.decide(actor, logic.READ, facts):
        _refuse(row, field)
    if not logic.decide(actor, action, facts):
        _not_allowed(row)
    if row.child_id is not None:
        await network.lock_child(session, row.child_id)
    await session.exec(
        select(CoordinatorRequest.id).where(CoordinatorRequest.id == row.id).with_for_update()
    )
    await session.refresh(row)
    return row


async def _get(session: AsyncSession, model: Any, value: str, field: str) -> Any:
    """The row behind an id, or None (a malformed id is one that exists nowhere)."""
    try:
        row_id = parse_id(value, field)
    except UserErrors:
        return None
    return await session.get(model, row_id)


def _draft(**fields: Any) -> CoordinatorRequest:
    """A request being checked; `submit` fills in the rest once the input holds."""
    defaults: dict[str, Any] = {
        "situation": "",
        "status": RequestStatus.AWAITING_DECISION.value,
        "submitted_by": RequestSubmitter.GUARDIAN.value,
        "submitted_by_name": "",
        "submitted_at": utcnow(),
        "decision_due_on": today(),
    }
    return CoordinatorRequest(**{**defaults, **fields})


def _touch(row: Any) -> None:
    row.version += 1


# ---- submit -----------------------------------------------------------------------------


def _services(errors: Collector, values: list[str]) -> list[str]:
    found: list[str] = []
    for index, value in enumerate(values):
        cleaned = validation.name(
            errors, f"servicesInvolved.{index}", value, max_length=SERVICE_NAME_MAX, required=True
        )
        if cleaned is not None and cleaned not in found:
            found.append(cleaned)
    return found


async def submit(
    session: AsyncSession, actor: Actor | None, data: SubmitCoordinatorRequestInput
) -> CoordinatorRequest:
    if actor is None:
        child = await _get(session, Child, data.child_id, "childId") if data.child_id else None
        _anonymous(child.id if child is not None else None)
    assert actor is not None
    errors = Collector()
    situation = validation.text(
        errors, "situation", data.situation, max_length=SITUATION_MAX, required=True
    )
    services = _services(errors, data.services_involved)
    person = await session.get(Person, actor.person_id)
    assert person is not None
    now = utcnow()
    if data.child_id is not None:
        row = await _submit_for_registered(session, actor, errors, data)
    else:
        row = await _submit_for_unregistered(session, actor, errors, data)
    errors.raise_if_any()
    assert situation is not None and row is not None
    row.situation = situation
    row.services_involved = services
    row.unresolved = data.unresolved
    row.status = RequestStatus.AWAITING_DECISION.value
    row.submitted_by_person_id = actor.person_id
    row.submitted_by_name = person.name
    row.submitted_at = now
    row.decision_due_on = logic.decision_due_on(now)
    session.add(row)
    await _record(session, actor, "right.request_submitted", row)
    return row


async def _submit_for_registered(
    session: AsyncSession, actor: Actor, errors: Collector, data: SubmitCoordinatorRequestInput
) -> CoordinatorRequest | None:
    for field, value in (
        ("childGivenName", data.child_given_name),
        ("childFamilyName", data.child_family_name),
        ("birthDate", data.birth_date),
        ("expectedDate", data.expected_date),
        ("municipalityId", data.municipality_id),
    ):
        if value is not None:
            errors.add(ErrorCode.INVALID, field, _CHILD_GIVEN)
    assert data.child_id is not None
    child = await _get(session, Child, data.child_id, "childId")
    if child is None:
        fail(ErrorCode.NOT_FOUND, "childId")
    facts = (await load_facts(session, actor, [child.id]))[child.id]
    draft = _draft(
        municipality_id=child.municipality_id,
        child_id=child.id,
        child_given_name=child.given_name,
        child_family_name=child.family_name,
        birth_date=child.birth_date,
        expected_date=child.expected_date,
        submitted_by_person_id=actor.person_id,
    )
    unit = await coordinating_unit_of(session, actor)
    if not logic.decide(actor, logic.SUBMIT, request_facts(actor, draft, facts, unit)):
        # Anyone else: the answer to a child that exists nowhere (and a line in its log).
        raise AccessDenied(child.id, Action.VIEW_CHILD, UserError(ErrorCode.NOT_FOUND, "childId"))
    await network.lock_child(session, child.id)
    open_request = (
        await session.exec(
            select(CoordinatorRequest.id).where(
                CoordinatorRequest.child_id == child.id,
                col(CoordinatorRequest.status).in_(sorted(OPEN_STATUSES)),
            )
        )
    ).first()
    if open_request is not None:
        errors.add(ErrorCode.DUPLICATE, "childId")
    if NetworkRole.CHILD.value in facts.roles:
        draft.submitted_by = RequestSubmitter.YOUNG_PERSON.value
    elif facts.has_parental_responsibility:
        draft.submitted_by = RequestSubmitter.GUARDIAN.value
    else:
        draft.submitted_by = RequestSubmitter.SERVICE.value
        draft.submitted_by_service_id = actor.employer_service_id
    return draft


async def _submit_for_unregistered(
    session: AsyncSession, actor: Actor, errors: Collector, data: SubmitCoordinatorRequestInput
) -> CoordinatorRequest | None:
    given = validation.name(
        errors, "childGivenName", data.child_given_name, max_length=CHILD_NAME_MAX
    )
    family = validation.name(
        errors, "childFamilyName", data.child_family_name, max_length=CHILD_NAME_MAX, required=True
    )
    now = today()
    if (data.birth_date is None) == (data.expected_date is None):
        errors.add(ErrorCode.INVALID_DATE, "birthDate", _ONE_DATE)
    if data.birth_date is not None:
        if not now - dt.timedelta(days=366 * 25) <= data.birth_date <= now:
            errors.add(ErrorCode.INVALID_DATE, "birthDate")
        if given is None:
            errors.add(ErrorCode.REQUIRED, "childGivenName")
    if data.expected_date is not None and not (
        now - dt.timedelta(days=EXPECTED_DAYS_PAST)
        <= data.expected_date
        <= now + dt.timedelta(days=EXPECTED_DAYS_AHEAD)
    ):
        errors.add(ErrorCode.INVALID_DATE, "expectedDate")
    municipality = None
    if data.municipality_id is None:
        errors.add(ErrorCode.REQUIRED, "municipalityId")
    else:
        municipality = await _get(session, Municipality, data.municipality_id, "municipalityId")
        if municipality is None:
            errors.add(ErrorCode.NOT_FOUND, "municipalityId")
    draft = _draft(
        municipality_id=municipality.id if municipality else uuid.UUID(int=0),
        child_given_name=given,
        child_family_name=family or "",
        birth_date=data.birth_date,
        expected_date=data.expected_date,
        submitted_by_person_id=actor.person_id,
    )
    if not logic.decide(actor, logic.SUBMIT, request_facts(actor, draft, None, None)):
        fail(ErrorCode.NOT_ALLOWED)
    return draft if municipality is not None else None


# ---- decide -----------------------------------------------------------------------------


async def _coordinator(
    session: AsyncSession, errors: Collector, value: str | None, field: str
) -> Person | None:
    """A staff person from the directory, never of barnevern (as assignCoordinator asks)."""
    if value is None:
        errors.add(ErrorCode.REQUIRED, field)
        return None
    person = await network.link_person(session, errors, field, value, None, PersonKind.STAFF)
    await network.check_coordinator_not_barnevern(session, errors, field, person)
    return person


async def _grant(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    row: CoordinatorRequest,
    coordinator: Person,
) -> None:
    """Register the child if it is not yet (the submitter becomes its guardian with parental
    responsibility) and assign the coordinator, in the decision's transaction."""
    if row.child_id is None:
        submitter = await session.get(Person, row.submitted_by_person_id)
        assert submitter is not None
        child = await register_child(
            session,
            actor,
            settings,
            RegisterChildInput(
                family_name=row.child_family_name,
                given_name=row.child_given_name,
                birth_date=row.birth_date,
                expected_date=row.expected_date,
                preferred_language=submitter.preferred_language or "nb",
                municipality_id=str(row.municipality_id),  # type: ignore[arg-type]
                coordinator_person_id=str(coordinator.id),  # type: ignore[arg-type]
                guardians=[
                    GuardianInput(
                        has_parental_responsibility=True,
                        person_id=str(submitter.id),  # type: ignore[arg-type]
                        name=submitter.name,
                    )
                ],
            ),
        )
        row.child_id = child.id
        return
    current = await network.current_coordinator(session, row.child_id)
    if current is None or current.person_id != coordinator.id:
        await network.assign_coordinator_row(session, actor, row.child_id, coordinator, None, None)


async def _decision(
    session: AsyncSession,
    actor: Actor,
    row: CoordinatorRequest,
    outcome: DecisionOutcome,
    *,
    reasons: str | None,
    legal_basis: str | None,
    coordinator: Person | None,
) -> CoordinatorDecision:
    person = await session.get(Person, actor.person_id)
    assert person is not None
    now = utcnow()
    decision = CoordinatorDecision(
        request_id=row.id,
        outcome=outcome.value,
        reasons=reasons,
        legal_basis=legal_basis,
        decided_by_person_id=actor.person_id,
        decided_by_name=person.name,
        decided_at=now,
        # The notification rules tell the family in this transaction: told = decided.
        family_told_at=now,
        appeal_deadline=logic.appeal_deadline(now) if outcome is DecisionOutcome.REFUSED else None,
        coordinator_person_id=coordinator.id if coordinator else None,
        coordinator_name=coordinator.name if coordinator else None,
    )
    session.add(decision)
    row.status = (
        RequestStatus.GRANTED.value
        if outcome is DecisionOutcome.GRANTED
        else RequestStatus.REFUSED.value
    )
    _touch(row)
    await session.flush()
    await _record(
        session,
        actor,
        "right.decided",
        row,
        decision_id=str(decision.id),
        outcome=outcome.name,
        decided_on=oslo_date(now).isoformat(),
    )
    return decision


async def decide(
    session: AsyncSession,
    actor: Actor | None,
    settings: Settings,
    data: DecideCoordinatorRequestInput,
) -> CoordinatorRequest:
    row = await _get(session, CoordinatorRequest, data.request_id, "requestId")
    row = await _for_write(session, actor, row, "requestId", logic.DECIDE)
    assert actor is not None
    if row.version != data.version:
        fail(ErrorCode.CONFLICT, "version")
    if row.status != RequestStatus.AWAITING_DECISION.value:
        fail(ErrorCode.NOT_AWAITING_DECISION, "requestId")
    errors = Collector()
    reasons = validation.text(errors, "reasons", data.reasons, max_length=REASONS_MAX)
    legal_basis = validation.text(
        errors, "legalBasis", data.legal_basis, max_length=LEGAL_BASIS_MAX
    )
    coordinator = None
    if data.outcome is DecisionOutcome.GRANTED:
        coordinator = await _coordinator(
            session, errors, data.coordinator_person_id, "coordinatorPersonId"
        )
    else:
        if reasons is None and not any(e.field == "reasons" for e in errors.errors):
            errors.add(ErrorCode.REQUIRED, "reasons")
        if legal_basis is None and not any(e.field == "legalBasis" for e in errors.errors):
            errors.add(ErrorCode.REQUIRED, "legalBasis")
        if data.coordinator_person_id is not None:
            errors.add(ErrorCode.INVALID, "coordinatorPersonId")
    errors.raise_if_any()
    if coordinator is not None:
        await _grant(session, actor, settings, row, coordinator)
    await _decision(
        session,
        actor,
        row,
        data.outcome,
        reasons=reasons,
        legal_basis=legal_basis,
        coordinator=coordinator,
    )
    return row


# ---- appeal -----------------------------------------------------------------------------


async def appeal(
    session: AsyncSession, actor: Actor | None, data: AppealDecisionInput
) -> CoordinatorRequest:
    decision = await _get(session, CoordinatorDecision, data.decision_id, "decisionId")
    row = (
        await session.get(CoordinatorRequest, decision.request_id) if decision is not None else None
    )
    row = await _for_write(session, actor, row, "decisionId", logic.APPEAL)
    assert actor is not None and decision is not None
    errors = Collector()
    grounds = validation.text(
        errors, "grounds", data.grounds, max_length=REASONS_MAX, required=True
    )
    latest = (
        await session.exec(
            select(CoordinatorDecision.id)
            .where(CoordinatorDecision.request_id == row.id)
            .order_by(
                col(CoordinatorDecision.decided_at).desc(), col(CoordinatorDecision.id).desc()
            )
            .limit(1)
        )
    ).first()
    if row.status in (RequestStatus.APPEALED.value, RequestStatus.WITH_STATSFORVALTEREN.value):
        fail(ErrorCode.APPEAL_ALREADY_OPEN, "decisionId")
    if (
        latest != decision.id
        or decision.outcome != DecisionOutcome.REFUSED.value
        or row.status != RequestStatus.REFUSED.value
    ):
        fail(ErrorCode.APPEAL_NOT_POSSIBLE, "decisionId")
    errors.raise_if_any()
    assert grounds is not None and decision.appeal_deadline is not None
    person = await session.get(Person, actor.person_id)
    assert person is not None
    now = utcnow()
    # After the deadline the appeal is still recorded, and marked late: the kommune may
    # consider it anyway (forvaltningsloven § 31), but never as if it were in time.
    late = logic.is_late(now, decision.appeal_deadline)
    found = CoordinatorAppeal(
        request_id=row.id,
        decision_id=decision.id,
        grounds=grounds,
        submitted_by_person_id=actor.person_id,
        submitted_by_name=person.name,
        submitted_at=now,
        deadline=decision.appeal_deadline,
        late=late,
    )
    session.add(found)
    row.status = RequestStatus.APPEALED.value
    _touch(row)
    await session.flush()
    await _record(
        session,
        actor,
        "right.appealed",
        row,
        appeal_id=str(found.id),
        decision_id=str(decision.id),
        late=late,
    )
    return row


async def _appeal_for_write(
    session: AsyncSession, actor: Actor | None, value: str, version: int
) -> tuple[CoordinatorAppeal, CoordinatorRequest]:
    found = await _get(session, CoordinatorAppeal, value, "appealId")
    row = await session.get(CoordinatorRequest, found.request_id) if found is not None else None
    row = await _for_write(session, actor, row, "appealId", logic.DECIDE)
    assert found is not None
    await session.refresh(found)
    if found.version != version:
        fail(ErrorCode.CONFLICT, "version")
    return found, row


async def reassess(
    session: AsyncSession, actor: Actor | None, settings: Settings, data: ReassessAppealInput
) -> CoordinatorRequest:
    """The kommune's own reassessment (forvaltningsloven § 33): it changes its decision, or
    upholds it and forwards the appeal to the Statsforvalteren."""
    found, row = await _appeal_for_write(session, actor, data.appeal_id, data.version)
    assert actor is not None
    if found.reassessment is not None:
        fail(ErrorCode.STEP_ALREADY_RECORDED, "appealId")
    errors = Collector()
    reasons = validation.text(
        errors, "reasons", data.reasons, max_length=REASONS_MAX, required=True
    )
    coordinator = None
    if data.outcome is ReassessmentOutcome.REVERSED:
        coordinator = await _coordinator(
            session, errors, data.coordinator_person_id, "coordinatorPersonId"
        )
    elif data.coordinator_person_id is not None:
        errors.add(ErrorCode.INVALID, "coordinatorPersonId")
    errors.raise_if_any()
    now = utcnow()
    found.reassessment = data.outcome.value
    found.reassessment_reasons = reasons
    found.reassessed_by_person_id = actor.person_id
    found.reassessed_at = now
    _touch(found)
    if data.outcome is ReassessmentOutcome.UPHELD:
        found.forwarded_at = now
        row.status = RequestStatus.WITH_STATSFORVALTEREN.value
        _touch(row)
        session.add(found)
        await _record(
            session,
            actor,
            "right.appeal_reassessed",
            row,
            appeal_id=str(found.id),
            outcome=data.outcome.name,
        )
        return row
    assert coordinator is not None
    session.add(found)
    await _grant(session, actor, settings, row, coordinator)
    await _record(
        session,
        actor,
        "right.appeal_reassessed",
        row,
        appeal_id=str(found.id),
        outcome=data.outcome.name,
    )
    await _decision(
        session,
        actor,
        row,
        DecisionOutcome.GRANTED,
        reasons=reasons,
        legal_basis=None,
        coordinator=coordinator,
    )
    return row


async def record_statsforvalter_outcome(
    session: AsyncSession, actor: Actor | None, data: RecordStatsforvalterOutcomeInput
) -> CoordinatorRequest:
    found, row = await _appeal_for_write(session, actor, data.appeal_id, data.version)
    assert actor is not None
    if found.reassessment != ReassessmentOutcome.UPHELD.value or found.forwarded_at is None:
        fail(ErrorCode.OUTCOME_BEFORE_APPEAL, "appealId")
    if found.statsforvalter_outcome is not None:
        fail(ErrorCode.STEP_ALREADY_RECORDED, "appealId")
    errors = Collector()
    reasons = validation.text(errors, "reasons", data.reasons, max_length=REASONS_MAX)
    errors.raise_if_any()
    now = utcnow()
    found.statsforvalter_outcome = data.outcome.value
    found.statsforvalter_reasons = reasons
    found.statsforvalter_recorded_at = now
    _touch(found)
    session.add(found)
    if data.outcome is StatsforvalterOutcome.UPHELD:
        row.status = RequestStatus.REFUSAL_FINAL.value
    else:
        # Reversed or sent back: the kommune decides again, with a new target date.
        row.status = RequestStatus.AWAITING_DECISION.value
        row.decision_due_on = logic.decision_due_on(now)
    _touch(row)
    await _record(
        session,
        actor,
        "right.statsforvalter_outcome",
        row,
        appeal_id=str(found.id),
        outcome=data.outcome.name,
    )
    return row
