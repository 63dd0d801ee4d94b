"""The only code that writes children, and the access-checked ways to read them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from stdnum import exceptions as stdnum_errors
from stdnum.no import fodselsnummer
from strawberry import UNSET

from backend.authz.access import (
    AccessDenied,
    coordinating_unit_of,
    may_see_child,
    require_actor,
    require_on_child,
    still_in_reach,
)
from backend.authz.policy import Action, ChildFacts, decide_globally, decide_on_child
from backend.children.models import AddressProtection, Child, strictest
from backend.children.types import GuardianInput, RegisterChildInput, UpdateChildInput
from backend.core import validation
from backend.core.clock import today
from backend.core.errors import Collector, ErrorCode, UserError, UserErrors, fail
from backend.core.ids import parse_id
from backend.core.languages import language_code
from backend.core.settings import Settings
from backend.events.models import ChildEventCounter
from backend.events.service import record_change
from backend.identity.actor import Actor
from backend.identity.models import Person, PersonKind
from backend.network import service as network
from backend.network.models import Municipality, NetworkMember, NetworkRole
from backend.network.types import NewPersonInput

NAME_MAX = 100
# A pregnancy is at most about 300 days; an expected date long past means the child is born.
EXPECTED_DAYS_AHEAD = 300
EXPECTED_DAYS_PAST = 90

_BIRTH_MISMATCH = (
    "Fødselsdatoen stemmer ikke med fødselsnummeret.",
    "Fødselsdatoen stemmer ikkje med fødselsnummeret.",
    "The birth date does not match the national identity number.",
)


_BORN_OR_EXPECTED = (
    "Oppgi enten fødselsdato eller termindato, ikke begge.",
    "Oppgi anten fødselsdato eller termindato, ikkje begge.",
    "Give either a birth date or an expected date, not both.",
)


def _birth_date_from_id(national_id: str) -> dt.date | None:
    try:
        return fodselsnummer.get_birth_date(national_id)
    except stdnum_errors.ValidationError:
        return None  # D-numbers from 2032 and synthetic numbers carry no certain date


def _check_dates(
    errors: Collector,
    *,
    national_id: str | None,
    birth_date: dt.date | None,
    expected_date: dt.date | None,
) -> dt.date | None:
    """Born (birth date, maybe a national id) or expected (expected date only)."""
    now = today()
    if national_id is not None and birth_date is None:
        birth_date = _birth_date_from_id(national_id)
        if birth_date is None:
            errors.add(ErrorCode.REQUIRED, "birthDate")
    if national_id is not None and birth_date is not None:
        derived = _birth_date_from_id(national_id)
        if derived is not None and derived != birth_date:
            errors.add(ErrorCode.INVALID_DATE, "birthDate", _BIRTH_MISMATCH)
    if birth_date is None and expected_date is None and national_id is None:
        errors.add(ErrorCode.REQUIRED, "birthDate")
    if birth_date is not None and birth_date > now:
        errors.add(ErrorCode.INVALID_DATE, "birthDate")
    if birth_date is not None and birth_date < now - dt.timedelta(days=366 * 25):
        errors.add(ErrorCode.INVALID_DATE, "birthDate")
    if (
        birth_date is None
        and expected_date is not None
        and not (
            now - dt.timedelta(days=EXPECTED_DAYS_PAST)
            <= expected_date
            <= now + dt.timedelta(days=EXPECTED_DAYS_AHEAD)
        )
    ):
        errors.add(ErrorCode.INVALID_DATE, "expectedDate")
    return birth_date


async def _check_unique_national_id(
    session: AsyncSession, actor: Actor, national_id: str | None, own_id: uuid.UUID | None
) -> None:
    """Refuse a child's national id that is already registered. Asked only once everything
    else is valid, so the question "is this number registered?" cannot be put without a
    write that would really happen; a caller who may not see that child gets the same
    answer, and the attempt is in that child's access log."""
    if national_id is None:
        return
    query = select(Child.id).where(Child.national_id == national_id)
    if own_id is not None:
        query = query.where(Child.id != own_id)
    existing = (await session.exec(query)).first()
    if existing is None:
        return
    duplicate = UserError(ErrorCode.DUPLICATE, "nationalId")
    if not await may_see_child(session, actor, existing):
        raise AccessDenied(existing, Action.REGISTER_CHILD, duplicate)
    raise UserErrors([duplicate])


def _check_linked_guardian(
    errors: Collector, settings: Settings, index: int, guardian: GuardianInput
) -> None:
    """A guardian linked by `personId` may carry details too: each one given must be valid,
    never silently ignored."""
    field = f"guardians.{index}"
    validation.name(errors, f"{field}.name", guardian.name, max_length=NAME_MAX)
    validation.national_id(
        errors,
        f"{field}.nationalId",
        guardian.national_id,
        allow_synthetic=settings.synthetic_ids_allowed,
    )
    validation.email(errors, f"{field}.email", guardian.email)
    validation.phone(errors, f"{field}.phone", guardian.phone)
    language_code(errors, f"{field}.preferredLanguage", guardian.preferred_language)


async def _guardian_person(
    session: AsyncSession,
    settings: Settings,
    errors: Collector,
    index: int,
    guardian: GuardianInput,
) -> Person | None:
    field = f"guardians.{index}"
    if guardian.person_id is not None:
        # By id and name together: an id seen somewhere is no proof of knowing the family.
        return await network.link_person(
            session,
            errors,
            f"{field}.personId",
            guardian.person_id,
            guardian.name,
            PersonKind.CITIZEN,
        )
    return await network.find_or_create_person(
        session,
        settings,
        errors,
        field,
        NewPersonInput(
            name=guardian.name or "",
            national_id=guardian.national_id,
            email=guardian.email,
            phone=guardian.phone,
            preferred_language=guardian.preferred_language,
        ),
        PersonKind.CITIZEN,
    )


async def register_child(
    session: AsyncSession, actor: Actor | None, settings: Settings, data: RegisterChildInput
) -> Child:
    actor = require_actor(actor)
    unit_municipality = await coordinating_unit_of(session, actor)
    if not decide_globally(
        actor, Action.REGISTER_CHILD, in_coordinating_unit=unit_municipality is not None
    ):
        # The coordinating unit appoints the coordinator (helse- og omsorgstjenesteloven
        # § 7-2 a); other services propose the child to it (not in Koordinat yet).
        fail(ErrorCode.COORDINATING_UNIT_REQUIRED if actor.is_staff else ErrorCode.NOT_ALLOWED)
    errors = Collector()
    given_name = validation.name(errors, "givenName", data.given_name, max_length=NAME_MAX)
    family_name = validation.name(
        errors, "familyName", data.family_name, max_length=NAME_MAX, required=True
    )
    national_id = validation.national_id(
        errors, "nationalId", data.national_id, allow_synthetic=settings.synthetic_ids_allowed
    )
    national_id_failed = any(e.field == "nationalId" for e in errors.errors)
    birth_date = data.birth_date
    if not national_id_failed:
        birth_date = _check_dates(
            errors,
            national_id=national_id,
            birth_date=data.birth_date,
            expected_date=data.expected_date,
        )
    if birth_date is not None and given_name is None:
        errors.add(ErrorCode.REQUIRED, "givenName")
    if data.expected_date is not None and (data.birth_date is not None or national_id is not None):
        errors.add(ErrorCode.INVALID_DATE, "expectedDate", _BORN_OR_EXPECTED)
    preferred_language = language_code(errors, "preferredLanguage", data.preferred_language)
    interpreter_language = language_code(errors, "interpreterLanguage", data.interpreter_language)
    municipality_id = unit_municipality
    if data.municipality_id is not None:
        try:
            given = parse_id(data.municipality_id, "municipalityId")
        except UserErrors as exc:
            errors.errors.extend(exc.errors)
        else:
            # The unit registers the children of its own kommune.
            municipality_id = given if given == unit_municipality else None
    if municipality_id is None or await session.get(Municipality, municipality_id) is None:
        errors.add(ErrorCode.NOT_FOUND, "municipalityId")

    if not any(g.has_parental_responsibility for g in data.guardians):
        errors.add(ErrorCode.GUARDIAN_REQUIRED, "guardians")
    for index, guardian in enumerate(data.guardians):
        if guardian.person_id is not None:
            _check_linked_guardian(errors, settings, index, guardian)
    guardians: list[tuple[Person | None, GuardianInput]] = []
    for index, guardian in enumerate(data.guardians):
        person = await _guardian_person(session, settings, errors, index, guardian)
        guardians.append((person, guardian))
    seen: set[uuid.UUID] = set()
    for index, (person, _) in enumerate(guardians):
        if person is not None:
            if person.id in seen:
                errors.add(ErrorCode.DUPLICATE_MEMBER, f"guardians.{index}")
            seen.add(person.id)

    coordinator = None
    if data.coordinator_person_id is not None:
        coordinator = await network.link_person(
            session,
            errors,
            "coordinatorPersonId",
            data.coordinator_person_id,
            None,
            PersonKind.STAFF,
        )
        await network.check_coordinator_not_barnevern(
            session, errors, "coordinatorPersonId", coordinator
        )
    else:
        coordinator = await session.get(Person, actor.person_id)
    errors.raise_if_any()
    await _check_unique_national_id(session, actor, national_id, None)
    assert family_name is not None and municipality_id is not None and coordinator is not None

    child = Child(
        municipality_id=municipality_id,
        given_name=given_name,
        family_name=family_name,
        national_id=national_id,
        birth_date=birth_date,
        expected_date=data.expected_date if birth_date is None else None,
        preferred_language=preferred_language or "nb",
        interpreter_language=interpreter_language,
        address_protection=data.address_protection.value,
    )
    session.add(child)
    await record_change(
        session,
        actor,
        kind="child.registered",
        entity_type="child",
        entity_id=child.id,
        child_id=child.id,
        payload={"childId": str(child.id), "expected": birth_date is None},
    )
    for person, guardian in guardians:
        assert person is not None
        await network.add_member_row(
            session,
            actor,
            child_id=child.id,
            person=person,
            role=NetworkRole.GUARDIAN,
            service=None,
            responsibilities=None,
            has_parental_responsibility=guardian.has_parental_responsibility,
            active_from=today(),
            active_to=None,
        )
    await network.assign_coordinator_row(session, actor, child.id, coordinator, None, None)
    await _protect_family(session, child.id, child.address_protection)
    await _flush_or_fail(session)
    if coordinator.id == actor.person_id:
        await still_in_reach(session, actor, child.id)
    return child


async def _flush_or_fail(session: AsyncSession) -> None:
    """A race lost to a concurrent writer surfaces as a unique violation: report it cleanly."""
    try:
        await session.flush()
    except IntegrityError as exc:
        raise UserErrors([UserError(ErrorCode.DUPLICATE)]) from exc


async def update_child(
    session: AsyncSession, actor: Actor | None, settings: Settings, data: UpdateChildInput
) -> Child:
    child_id = parse_id(data.id, "id")
    facts = await require_on_child(session, actor, Action.UPDATE_CHILD, child_id)
    await network.lock_child(session, child_id)
    child = await session.get(Child, child_id)
    assert child is not None
    await session.refresh(child)
    if child.version != data.version:
        fail(ErrorCode.CONFLICT, "version")
    errors = Collector()
    changes: dict[str, Any] = {}
    if data.given_name is not UNSET:
        changes["given_name"] = validation.name(
            errors, "givenName", data.given_name, max_length=NAME_MAX
        )
    if data.family_name is not UNSET:
        changes["family_name"] = validation.name(
            errors, "familyName", data.family_name, max_length=NAME_MAX, required=True
        )
    if data.national_id is not UNSET:
        changes["national_id"] = validation.national_id(
            errors,
            "nationalId",
            data.national_id,
            allow_synthetic=settings.synthetic_ids_allowed,
        )
    if data.birth_date is not UNSET:
        changes["birth_date"] = data.birth_date
    if data.expected_date is not UNSET:
        changes["expected_date"] = data.expected_date
    if data.preferred_language is not UNSET:
        code = language_code(errors, "preferredLanguage", data.preferred_language)
        if code is None and not errors.errors:
            errors.add(ErrorCode.REQUIRED, "preferredLanguage")
        changes["preferred_language"] = code
    if data.interpreter_language is not UNSET:
        changes["interpreter_language"] = language_code(
            errors, "interpreterLanguage", data.interpreter_language
        )
    lowered = None
    if data.address_protection is not UNSET:
        if data.address_protection is None:
            errors.add(ErrorCode.REQUIRED, "addressProtection")
        else:
            changes["address_protection"] = data.address_protection.value
            lowered = await _check_lowering(
                session, actor, errors, facts, child, data.address_protection.value, data
            )
    errors.raise_if_any()

    merged = {
        "national_id": child.national_id,
        "birth_date": child.birth_date,
        "expected_date": child.expected_date,
        "given_name": child.given_name,
        **changes,
    }
    birth_date = _check_dates(
        errors,
        national_id=merged["national_id"],
        birth_date=merged["birth_date"],
        expected_date=merged["expected_date"],
    )
    if birth_date is not None and data.expected_date is not UNSET and data.expected_date:
        # A born child has no expected date: refused, not silently dropped.
        errors.add(ErrorCode.INVALID_DATE, "expectedDate", _BORN_OR_EXPECTED)
    if birth_date is not None:
        changes["birth_date"] = birth_date
        changes["expected_date"] = None  # born: the expected date is history
        if merged["given_name"] is None:
            errors.add(ErrorCode.REQUIRED, "givenName")
    errors.raise_if_any()
    if "national_id" in changes:
        assert actor is not None
        await _check_unique_national_id(session, actor, changes["national_id"], child.id)

    changed = sorted(k for k, v in changes.items() if getattr(child, k) != v)
    if lowered is not None and "address_protection" not in changed:
        changed = sorted([*changed, "address_protection"])  # the family's own protection
    for key in changed:
        setattr(child, key, changes[key])
    payload: dict[str, Any] = {"childId": str(child.id), "changed": changed}
    if lowered is not None:
        payload["protectionLowered"] = await _lower_protection(session, child, *lowered)
    elif "address_protection" in changed:
        await _protect_family(session, child.id, child.address_protection)
    if changed:
        child.version += 1
        session.add(child)
        await record_change(
            session,
            actor,
            kind="child.updated",
            entity_type="child",
            entity_id=child.id,
            child_id=child.id,
            payload=payload,
        )
    await _flush_or_fail(session)
    await still_in_reach(session, actor, child.id)
    return child


PROTECTION_REASON_MAX = 500
_NOT_THE_UNIT = (
    "Bare koordinerende enhet i barnets kommune kan senke adressebeskyttelsen.",
    "Berre koordinerande eining i kommunen til barnet kan senke adressevernet.",
    "Only the coordinating unit of the child's kommune can lower the address protection.",
)


async def _family(session: AsyncSession, child_id: uuid.UUID) -> list[Person]:
    """The people who share the child's protected address: the child and the guardians
    with parental responsibility (not the other parent)."""
    rows = await session.exec(
        select(Person)
        .join(NetworkMember, col(NetworkMember.person_id) == col(Person.id))
        .where(
            NetworkMember.child_id == child_id,
            col(NetworkMember.ended_at).is_(None),
            col(NetworkMember.role).in_([NetworkRole.GUARDIAN.value, NetworkRole.CHILD.value]),
            or_(
                col(NetworkMember.role) == NetworkRole.CHILD.value,
                col(NetworkMember.has_parental_responsibility).is_(True),
            ),
        )
    )
    return list({p.id: p for p in rows.all()}.values())


async def _protect_family(session: AsyncSession, child_id: uuid.UUID, level: str) -> None:
    """Protection is a fact about persons: it follows the family into every network."""
    if level == AddressProtection.NONE.value:
        return
    for person in await _family(session, child_id):
        raised = strictest(person.address_protection, level)
        if raised != person.address_protection:
            person.address_protection = raised
            person.version += 1
            session.add(person)


async def _check_lowering(
    session: AsyncSession,
    actor: Actor | None,
    errors: Collector,
    facts: ChildFacts,
    child: Child,
    level: str,
    data: UpdateChildInput,
) -> tuple[str, str, str] | None:
    """(from, to, reason) when this update lowers the network's protection, else None.

    Lowering is the coordinating unit's decision, with a reason; raising is not.
    """
    effective = strictest(facts.protection, child.address_protection)
    if level == child.address_protection or strictest(effective, level) == level:
        return None
    assert actor is not None
    if not decide_on_child(actor, Action.LOWER_ADDRESS_PROTECTION, facts):
        errors.add(ErrorCode.NOT_ALLOWED, "addressProtection", _NOT_THE_UNIT)
        return None
    reason = validation.text(
        errors,
        "addressProtectionReason",
        None if data.address_protection_reason is UNSET else data.address_protection_reason,
        max_length=PROTECTION_REASON_MAX,
        required=True,
    )
    return (effective, level, reason or "")


async def _lower_protection(
    session: AsyncSession, child: Child, before: str, after: str, reason: str
) -> dict[str, Any]:
    """Lower the protection of the child and its family; what was recorded so far stays
    protected (history_protection up to the last event)."""
    counter = await session.get(ChildEventCounter, child.id)
    child.history_protection = strictest(child.history_protection, before)
    child.history_protected_seq = counter.last_seq if counter else 0
    people = []
    for person in await _family(session, child.id):
        if strictest(person.address_protection, after) != after:
            person.address_protection = after
            person.version += 1
            session.add(person)
            people.append(str(person.id))
    return {"from": before, "to": after, "reason": reason, "personIds": people}


async def my_children(
    session: AsyncSession,
    actor: Actor,
    *,
    role: NetworkRole | None,
    after: uuid.UUID | None,
    limit: int,
) -> list[Child]:
    """Children where the caller has an active role (a coordinator's caseload), by id."""
    query = (
        select(Child)
        .join(NetworkMember, col(NetworkMember.child_id) == col(Child.id))
        .where(
            NetworkMember.person_id == actor.person_id,
            col(NetworkMember.ended_at).is_(None),
        )
        .distinct()
        .order_by(col(Child.id))
        .limit(limit)
    )
    if role is not None:
        query = query.where(NetworkMember.role == role.value)
    if after is not None:
        query = query.where(col(Child.id) > after)
    return list((await session.exec(query)).all())


__all__ = ["AddressProtection", "my_children", "register_child", "update_child"]
