"""The only code that writes consents and the child's own health-withholding choice."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from sqlmodel.ext.asyncio.session import AsyncSession

from backend.authz.access import (
    AccessDenied,
    load_for_write,
    may_read,
    require_on_child,
    still_in_reach,
)
from backend.authz.policy import Action, Category, ChildFacts, decide_on_child
from backend.children.models import Child
from backend.consent.models import Consent, InformationCategory
from backend.consent.types import (
    RecordConsentInput,
    SetHealthWithholdingInput,
    WithdrawConsentInput,
)
from backend.core import validation
from backend.core.clock import today
from backend.core.database import utcnow
from backend.core.errors import Collector, ErrorCode, UserError, UserErrors, fail
from backend.core.ids import parse_id
from backend.events.service import record_change
from backend.identity.actor import Actor
from backend.network.models import ServiceProvider
from backend.network.service import lock_child


async def record_consent(
    session: AsyncSession, actor: Actor | None, data: RecordConsentInput
) -> Consent:
    child_id = parse_id(data.child_id, "childId")
    category = Category(data.category.value)
    facts = await require_on_child(session, actor, Action.RECORD_CONSENT, child_id, category)
    assert actor is not None
    if data.to_guardians and not ("child" in facts.roles and facts.child_age >= 16):
        # Sharing health information back with the guardians is the young person's own choice.
        raise AccessDenied(child_id, Action.RECORD_CONSENT, UserError(ErrorCode.NOT_ALLOWED))
    await lock_child(session, child_id)
    errors = Collector()
    service_id: uuid.UUID | None = None
    if data.to_guardians == (data.service_id is not None):
        errors.add(ErrorCode.REQUIRED, "serviceId")
    elif data.service_id is not None:
        try:
            service_id = parse_id(data.service_id, "serviceId")
        except UserErrors as exc:
            errors.errors.extend(exc.errors)
        if service_id is not None and await session.get(ServiceProvider, service_id) is None:
            errors.add(ErrorCode.NOT_FOUND, "serviceId")
    elif data.category is not InformationCategory.HEALTH:
        # Only health information is held back from guardians, so only it is shared back.
        errors.add(ErrorCode.INVALID, "toGuardians")
    valid_from = data.valid_from or today()
    validation.date_range(errors, "validTo", valid_from, data.valid_to)
    child_row = await session.get(Child, child_id)
    birth_date = child_row.birth_date if child_row is not None else None
    validation.not_before(errors, "validFrom", valid_from, validation.earliest_start(birth_date))
    if data.valid_to is not None and data.valid_to < today():
        errors.add(ErrorCode.INVALID_DATE, "validTo")
    errors.raise_if_any()
    consent = Consent(
        child_id=child_id,
        service_id=service_id,
        to_guardians=data.to_guardians,
        category=data.category.value,
        valid_from=valid_from,
        valid_to=data.valid_to,
        given_by_person_id=actor.person_id,
    )
    session.add(consent)
    await record_change(
        session,
        actor,
        kind="consent.recorded",
        entity_type="consent",
        entity_id=consent.id,
        child_id=child_id,
        payload={
            "consentId": str(consent.id),
            "childId": str(child_id),
            "category": consent.category,
            "serviceId": str(service_id) if service_id else None,
            "toGuardians": consent.to_guardians,
        },
    )
    await still_in_reach(session, actor, child_id)
    return consent


async def withdraw_consent(
    session: AsyncSession, actor: Actor | None, data: WithdrawConsentInput
) -> Consent:

    def readable_by(caller: Actor) -> Callable[[Consent, ChildFacts], Awaitable[bool]]:
        async def readable(row: Consent, facts: ChildFacts) -> bool:
            # As the child's consents are read: the consent records, then its category
            # (its own if it names the reader's service or they gave it).
            own = row.given_by_person_id == caller.person_id or (
                row.service_id is not None and row.service_id in facts.service_ids
            )
            read = may_read(caller, facts)
            return read([Category.CONSENTS], False) and read([Category(row.category)], own)

        return readable

    def permitted(row: Consent, facts: ChildFacts) -> bool:
        assert actor is not None
        return decide_on_child(actor, Action.WITHDRAW_CONSENT, facts, Category(row.category))

    consent, _ = await load_for_write(
        session,
        actor,
        Consent,
        data.id,
        action=Action.WITHDRAW_CONSENT,
        readable=readable_by(actor) if actor is not None else None,
        permitted=permitted,
    )
    assert actor is not None
    if consent.withdrawn_at is not None:
        fail(ErrorCode.ALREADY_WITHDRAWN, "id")
    # Effective at once: the next decision no longer finds an active consent.
    consent.withdrawn_at = utcnow()
    consent.withdrawn_by_person_id = actor.person_id
    consent.version += 1
    session.add(consent)
    await record_change(
        session,
        actor,
        kind="consent.withdrawn",
        entity_type="consent",
        entity_id=consent.id,
        child_id=consent.child_id,
        payload={
            "consentId": str(consent.id),
            "childId": str(consent.child_id),
            "category": consent.category,
            # Who may know of the withdrawal: a consent naming one's service is one's own.
            "serviceId": str(consent.service_id) if consent.service_id else None,
        },
    )
    await still_in_reach(session, actor, consent.child_id)
    return consent


async def set_health_withholding(
    session: AsyncSession, actor: Actor | None, data: SetHealthWithholdingInput
) -> Child:
    child_id = parse_id(data.child_id, "childId")
    await require_on_child(session, actor, Action.SET_HEALTH_WITHHOLDING, child_id)
    await lock_child(session, child_id)
    child = await session.get(Child, child_id)
    assert child is not None
    await session.refresh(child)
    if child.health_withheld_from_guardians != data.withhold:
        child.health_withheld_from_guardians = data.withhold
        child.version += 1
        session.add(child)
        await record_change(
            session,
            actor,
            kind="child.health_withholding_changed",
            entity_type="child",
            entity_id=child.id,
            child_id=child.id,
            payload={"childId": str(child.id), "withheld": data.withhold},
        )
    await still_in_reach(session, actor, child.id)
    return child
