"""The only code that writes children, and the access-checked ways to read them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from stdnum import exceptions as stdnum_errors
from stdnum.no import fodselsnummer
from strawberry import UNSET

from backend.api.common import parse_id
from backend.authz.access import require_global, require_on_child, still_in_reach
from backend.authz.policy import Action
from backend.children.models import AddressProtection, Child
from backend.children.types import GuardianInput, RegisterChildInput, UpdateChildInput
from backend.core import validation
from backend.core.clock import today
from backend.core.errors import Collector, ErrorCode, UserError, UserErrors, fail
from backend.core.languages import language_code
from backend.core.settings import Settings
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
    "The birth date does not match the national identity number.",
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
    session: AsyncSession, errors: Collector, national_id: str | None, own_id: uuid.UUID | None
) -> None:
    if national_id is None:
        return
    query = select(Child.id).where(Child.national_id == national_id)
    if own_id is not None:
        query = query.where(Child.id != own_id)
    if (await session.exec(query)).first() is not None:
        errors.add(ErrorCode.DUPLICATE, "nationalId")


async def _guardian_person(
    session: AsyncSession,
    settings: Settings,
    errors: Collector,
    index: int,
    guardian: GuardianInput,
) -> Person | None:
    field = f"guardians.{index}"
    if guardian.person_id is not None:
        try:
            person_id = parse_id(guardian.person_id, f"{field}.personId")
        except UserErrors as exc:
            errors.errors.extend(exc.errors)
            return None
        person = await session.get(Person, person_id)
        if person is None or person.kind != PersonKind.CITIZEN.value:
            errors.add(ErrorCode.NOT_FOUND, f"{field}.personId")
            return None
        return person
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
    actor = require_global(actor, Action.REGISTER_CHILD)
    errors = Collector()
    given_name = validation.text(errors, "givenName", data.given_name, max_length=NAME_MAX)
    family_name = validation.text(
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
    preferred_language = language_code(errors, "preferredLanguage", data.preferred_language)
    interpreter_language = language_code(errors, "interpreterLanguage", data.interpreter_language)
    municipality_id = actor.municipality_id
    if data.municipality_id is not None:
        try:
            municipality_id = parse_id(data.municipality_id, "municipalityId")
        except UserErrors as exc:
            errors.errors.extend(exc.errors)
    if municipality_id is None or await session.get(Municipality, municipality_id) is None:
        errors.add(ErrorCode.NOT_FOUND, "municipalityId")
    await _check_unique_national_id(session, errors, national_id, None)

    if not any(g.has_parental_responsibility for g in data.guardians):
        errors.add(ErrorCode.GUARDIAN_REQUIRED, "guardians")
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
        try:
            coordinator_id = parse_id(data.coordinator_person_id, "coordinatorPersonId")
            coordinator = await session.get(Person, coordinator_id)
        except UserErrors as exc:
            errors.errors.extend(exc.errors)
        if coordinator is None or coordinator.kind != PersonKind.STAFF.value:
            errors.add(ErrorCode.NOT_FOUND, "coordinatorPersonId")
    else:
        coordinator = await session.get(Person, actor.person_id)
    errors.raise_if_any()
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
    await require_on_child(session, actor, Action.UPDATE_CHILD, child_id)
    await network.lock_child(session, child_id)
    child = await session.get(Child, child_id)
    assert child is not None
    await session.refresh(child)
    if child.version != data.version:
        fail(ErrorCode.CONFLICT, "version")
    errors = Collector()
    changes: dict[str, Any] = {}
    if data.given_name is not UNSET:
        changes["given_name"] = validation.text(
            errors, "givenName", data.given_name, max_length=NAME_MAX
        )
    if data.family_name is not UNSET:
        changes["family_name"] = validation.text(
            errors, "familyName", data.family_name, max_length=NAME_MAX, required=True
        )
    if data.national_id is not UNSET:
        changes["national_id"] = validation.national_id(
            errors,
            "nationalId",
            data.national_id,
            allow_synthetic=settings.synthetic_ids_allowed,
        )
        await _check_unique_national_id(session, errors, changes["national_id"], child.id)
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
    if data.address_protection is not UNSET:
        if data.address_protection is None:
            errors.add(ErrorCode.REQUIRED, "addressProtection")
        else:
            changes["address_protection"] = data.address_protection.value
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
    if birth_date is not None:
        changes["birth_date"] = birth_date
        changes["expected_date"] = None  # born: the expected date is history
        if merged["given_name"] is None:
            errors.add(ErrorCode.REQUIRED, "givenName")
    errors.raise_if_any()

    changed = sorted(k for k, v in changes.items() if getattr(child, k) != v)
    for key in changed:
        setattr(child, key, changes[key])
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
            payload={"childId": str(child.id), "changed": changed},
        )
    await _flush_or_fail(session)
    await still_in_reach(session, actor, child.id)
    return child


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
