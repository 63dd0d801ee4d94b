"""The only code that writes the kommune's services and the children's networks."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry import UNSET

from backend.authz.access import (
    AccessDenied,
    load_facts,
    load_for_write,
    may_know_membership,
    may_read,
    may_see_child,
    require_global,
    require_on_child,
    still_in_reach,
)
from backend.authz.policy import Action, ChildFacts, decide_on_child
from backend.core import validation
from backend.core.clock import today
from backend.core.database import utcnow
from backend.core.errors import Collector, ErrorCode, UserError, UserErrors, fail
from backend.core.ids import parse_id
from backend.core.languages import language_code
from backend.core.settings import Settings
from backend.events.service import record_change
from backend.identity.actor import Actor
from backend.identity.models import Person, PersonKind
from backend.network.models import (
    Municipality,
    NetworkMember,
    NetworkRole,
    ServiceProvider,
    ServiceType,
)
from backend.network.types import (
    AddNetworkMemberInput,
    AssignCoordinatorInput,
    EndNetworkMembershipInput,
    NewPersonInput,
    RegisterServiceProviderInput,
    UpdateNetworkMemberInput,
)

CITIZEN_ROLES = frozenset({NetworkRole.GUARDIAN, NetworkRole.CHILD})
STAFF_ROLES = frozenset({NetworkRole.COORDINATOR, NetworkRole.SPECIALIST})
SERVICE_ROLES = STAFF_ROLES | {NetworkRole.MEMBER}
RESPONSIBILITIES_MAX = 2000


async def lock_child(session: AsyncSession, child_id: uuid.UUID) -> None:
    """Serialize writers of one child's data (PostgreSQL row lock; SQLite writes are serial)."""
    from backend.children.models import Child  # the child domain builds on this one

    found = await session.exec(select(Child.id).where(Child.id == child_id).with_for_update())
    if found.first() is None:
        fail(ErrorCode.NOT_FOUND, "childId")


async def register_service_provider(
    session: AsyncSession, actor: Actor | None, data: RegisterServiceProviderInput
) -> ServiceProvider:
    actor = require_global(actor, Action.REGISTER_SERVICE)
    errors = Collector()
    name = validation.name(errors, "name", data.name, max_length=200, required=True)
    org_number = validation.org_number(errors, "orgNumber", data.org_number)
    if org_number is None and not any(e.field == "orgNumber" for e in errors.errors):
        errors.add(ErrorCode.REQUIRED, "orgNumber")
    municipality_id = None
    if data.municipality_id is not None:
        municipality_id = parse_id(data.municipality_id, "municipalityId")
        if await session.get(Municipality, municipality_id) is None:
            errors.add(ErrorCode.NOT_FOUND, "municipalityId")
    errors.raise_if_any()
    assert name is not None and org_number is not None
    duplicate = await session.exec(
        select(ServiceProvider.id).where(
            func.lower(ServiceProvider.name) == name.lower(),
            ServiceProvider.org_number == org_number,
        )
    )
    if duplicate.first() is not None:
        fail(ErrorCode.DUPLICATE, "name")
    provider = ServiceProvider(
        name=name, type=data.type.value, org_number=org_number, municipality_id=municipality_id
    )
    session.add(provider)
    await record_change(
        session,
        actor,
        kind="service_provider.registered",
        entity_type="service_provider",
        entity_id=provider.id,
        child_id=None,
        payload={"type": provider.type},
    )
    return provider


_NOT_EMPLOYER = (
    "Personen arbeider ikke for denne tjenesten.",
    "Personen arbeider ikkje for denne tenesta.",
    "This person does not work for this service.",
)
_CHILD_ID = (
    "Barnet legges til med sitt eget fødselsnummer.",
    "Barnet blir lagt til med sitt eige fødselsnummer.",
    "The child is added with their own national identity number.",
)


# Said to anyone else who adds a barnevern membership, the same whether or not barnevern is
# in the network already: the caller chose a barnevern service, so it tells them nothing.
_BARNEVERN_ADDS_ITS_OWN = (
    "Barnevernstjenesten legger selv til sitt medlemskap i nettverket.",
    "Barnevernstenesta legg sjølv til medlemskapet sitt i nettverket.",
    "The child welfare service adds its own membership to the network.",
)
_COORDINATOR_NOT_BARNEVERN = (
    "Barnekoordinatoren kan ikke representere barnevernstjenesten.",
    "Barnekoordinatoren kan ikkje representere barnevernstenesta.",
    "The coordinator cannot represent the child welfare service.",
)


def _is_barnevern(service: ServiceProvider | None) -> bool:
    return service is not None and service.type == ServiceType.BARNEVERN.value


def _may_add_barnevern(actor: Actor, facts: ChildFacts, service: ServiceProvider) -> bool:
    """Whether the caller may add a membership of this barnevern service: only staff of the
    kommune's barnevernstjeneste, for their own service (Cedar `addBarnevernMembership`)."""
    own = service.id == actor.employer_service_id
    return decide_on_child(actor, Action.ADD_BARNEVERN_MEMBERSHIP, facts, own=own)


def _name_key(name: str) -> str:
    return " ".join(name.casefold().split())


def _check_service_fits_person(
    errors: Collector, person: Person, service: ServiceProvider | None
) -> None:
    """A member represents their own employer, or no service: consent is given per service,
    so representing another service would borrow its consents."""
    if service is not None and service.id != person.employer_service_id:
        errors.add(ErrorCode.INVALID, "serviceId", _NOT_EMPLOYER)


async def find_or_create_person(
    session: AsyncSession,
    settings: Settings,
    errors: Collector,
    field: str,
    data: NewPersonInput,
    kind: PersonKind,
    actor: Actor | None = None,
) -> Person | None:
    """A person by national id if Koordinat knows them, else a new one. Records errors."""
    name = validation.name(errors, f"{field}.name", data.name, max_length=200, required=True)
    national_id = validation.national_id(
        errors,
        f"{field}.nationalId",
        data.national_id,
        allow_synthetic=settings.synthetic_ids_allowed,
    )
    email = validation.email(errors, f"{field}.email", data.email)
    phone = validation.phone(errors, f"{field}.phone", data.phone)
    language = language_code(errors, f"{field}.preferredLanguage", data.preferred_language)
    if name is None:
        return None
    if national_id is not None:
        existing = (
            await session.exec(select(Person).where(Person.national_id == national_id))
        ).first()
        if existing is not None:
            # Linking someone Koordinat already knows takes their name as well as their
            # number: a national id alone must not pull a stranger (and their contact
            # details) into one's network.
            if existing.kind == kind.value and _name_key(existing.name) == _name_key(name):
                return existing
            national_id = None
        elif not await _may_claim_child_number(session, actor, national_id):
            national_id = None
        # A number Koordinat knows under another name (a person's, or a registered child's)
        # is not claimed by typing it: the new person is created without it. The answer is
        # the same as for an unknown number, so it tells nobody that the number is known.
    person = Person(
        name=name,
        kind=kind.value,
        national_id=national_id,
        email=email,
        phone=phone,
        preferred_language=language or "nb",
    )
    session.add(person)
    return person


async def _may_claim_child_number(
    session: AsyncSession, actor: Actor | None, national_id: str
) -> bool:
    """Whether a new person may carry this number: not a registered child's, or the caller
    sees that child (its own network adds the child as a person)."""
    from backend.children.models import Child  # the child domain builds on this one

    child_id = (
        await session.exec(select(Child.id).where(Child.national_id == national_id))
    ).first()
    return child_id is None or await may_see_child(session, actor, child_id)


async def link_person(
    session: AsyncSession,
    errors: Collector,
    field: str,
    value: str,
    name: str | None,
    kind: PersonKind | None = None,
) -> Person | None:
    """A person Koordinat knows, by id, if the caller proves they know them. Records errors.

    Staff of a service are in the staff directory: their id is enough. Anyone else (the
    family, people added by name) takes their id and their name. An unknown id, a person of
    the wrong kind and a wrong or missing name all get the same NOT_FOUND on `field`.
    """
    try:
        person_id = parse_id(value, field)
    except UserErrors as exc:
        errors.errors.extend(exc.errors)
        return None
    person = await session.get(Person, person_id)
    listed = (
        person is not None
        and person.kind == PersonKind.STAFF.value
        and person.employer_service_id is not None
    )
    if (
        person is None
        or (kind is not None and person.kind != kind.value)
        or not (listed or (name is not None and _name_key(person.name) == _name_key(name)))
    ):
        errors.add(ErrorCode.NOT_FOUND, field)
        return None
    return person


async def _service(
    session: AsyncSession, errors: Collector, value: str | None
) -> ServiceProvider | None:
    if value is None:
        return None
    try:
        service_id = parse_id(value, "serviceId")
    except UserErrors as exc:
        errors.errors.extend(exc.errors)
        return None
    service = await session.get(ServiceProvider, service_id)
    if service is None:
        errors.add(ErrorCode.NOT_FOUND, "serviceId")
    return service


def _check_person_fits_role(errors: Collector, person: Person, role: NetworkRole) -> None:
    if role in STAFF_ROLES and person.kind != PersonKind.STAFF.value:
        errors.add(
            ErrorCode.INVALID,
            "role",
            (
                "Denne rollen krever en ansatt.",
                "Denne rolla krev ein tilsett.",
                "This role requires a member of staff.",
            ),
        )
    if role in CITIZEN_ROLES and person.kind != PersonKind.CITIZEN.value:
        errors.add(
            ErrorCode.INVALID,
            "role",
            (
                "Denne rollen er for familien.",
                "Denne rolla er for familien.",
                "This role is for the family.",
            ),
        )


async def _active_membership(
    session: AsyncSession, child_id: uuid.UUID, person_id: uuid.UUID
) -> NetworkMember | None:
    rows = await session.exec(
        select(NetworkMember).where(
            NetworkMember.child_id == child_id,
            NetworkMember.person_id == person_id,
            col(NetworkMember.ended_at).is_(None),
        )
    )
    return rows.first()


async def add_member_row(
    session: AsyncSession,
    actor: Actor | None,
    *,
    child_id: uuid.UUID,
    person: Person,
    role: NetworkRole,
    service: ServiceProvider | None,
    responsibilities: str | None,
    has_parental_responsibility: bool,
    active_from: dt.date,
    active_to: dt.date | None,
) -> NetworkMember:
    """Insert a validated membership with its event; refuses a duplicate active membership."""
    if await _active_membership(session, child_id, person.id) is not None:
        fail(ErrorCode.DUPLICATE_MEMBER, "personId")
    # Staff represent their employer unless told otherwise: consent is given per service.
    service_id = service.id if service else person.employer_service_id
    member = NetworkMember(
        child_id=child_id,
        person_id=person.id,
        service_id=service_id,
        role=role.value,
        responsibilities=responsibilities,
        has_parental_responsibility=(
            has_parental_responsibility if role is NetworkRole.GUARDIAN else False
        ),
        active_from=active_from,
        active_to=active_to,
    )
    session.add(member)
    await record_change(
        session,
        actor,
        kind="network.member_added",
        entity_type="network_member",
        entity_id=member.id,
        child_id=child_id,
        payload={"memberId": str(member.id), "personId": str(person.id), "role": role.value},
    )
    return member


async def add_member(
    session: AsyncSession, actor: Actor | None, settings: Settings, data: AddNetworkMemberInput
) -> NetworkMember:
    child_id = parse_id(data.child_id, "childId")
    facts = await _may_add_to(session, actor, child_id)
    assert actor is not None
    await lock_child(session, child_id)
    errors = Collector()
    if data.role is NetworkRole.COORDINATOR:
        errors.add(
            ErrorCode.INVALID,
            "role",
            (
                "Barnekoordinator tildeles med assignCoordinator.",
                "Barnekoordinator blir tildelt med assignCoordinator.",
                "Assign the coordinator with assignCoordinator.",
            ),
        )
    person: Person | None = None
    if (data.person_id is None) == (data.new_person is None):
        errors.add(ErrorCode.REQUIRED, "personId")
    elif data.person_id is not None:
        person = await link_person(session, errors, "personId", data.person_id, data.name)
    elif data.new_person is not None:
        # Only service roles are staff; an observer added by name is family or a friend.
        kind = PersonKind.STAFF if data.role in SERVICE_ROLES else PersonKind.CITIZEN
        person = await find_or_create_person(
            session, settings, errors, "newPerson", data.new_person, kind, actor
        )
    service = await _service(session, errors, data.service_id)
    responsibilities = validation.text(
        errors, "responsibilities", data.responsibilities, max_length=RESPONSIBILITIES_MAX
    )
    active_from = data.active_from or today()
    validation.date_range(errors, "activeTo", active_from, data.active_to)
    from backend.children.models import Child

    child_row = await session.get(Child, child_id)
    birth_date = child_row.birth_date if child_row is not None else None
    validation.not_before(errors, "activeFrom", active_from, validation.earliest_start(birth_date))
    if person is not None:
        _check_person_fits_role(errors, person, data.role)
        _check_service_fits_person(errors, person, service)
        if data.role is NetworkRole.CHILD:
            from backend.children.models import Child

            child = await session.get(Child, child_id)
            if (
                child is None
                or child.national_id is None
                or child.national_id != person.national_id
            ):
                errors.add(ErrorCode.INVALID, "role", _CHILD_ID)
    errors.raise_if_any()
    assert person is not None
    effective = service or await _service_of(session, person.employer_service_id)
    sees = decide_on_child(actor, Action.VIEW_CHILD, facts)
    # Who may add this membership is decided before anything about the network is looked
    # at, so no answer tells whether barnevern (or anyone) is in it already. Refusals here
    # are plain errors, not logged ones: a line in the child's access log (or the kommune's
    # security review) saying that someone tried to add barnevern would tell its readers who
    # may not know of barnevern that it was meant to be involved.
    if _is_barnevern(effective):
        assert effective is not None
        if not _may_add_barnevern(actor, facts, effective):
            if not sees:
                fail(ErrorCode.NOT_FOUND, "childId")
            fail(ErrorCode.NOT_ALLOWED, "personId", _BARNEVERN_ADDS_ITS_OWN)
    elif not sees:
        # Barnevern staff not yet in the network add their own service's membership only.
        fail(ErrorCode.NOT_FOUND, "childId")
    elif not decide_on_child(actor, Action.MANAGE_NETWORK, facts):
        raise AccessDenied(child_id, Action.MANAGE_NETWORK, UserError(ErrorCode.NOT_ALLOWED))
    # Adding someone who already holds a membership the caller may not know of (barnevern's)
    # is answered like any add whose result the caller may not see: no errors, no member.
    # Nothing is written: the membership is there already.
    if not may_know_membership(may_read(actor, facts), effective, own=person.id == actor.person_id):
        hidden = await _active_membership(session, child_id, person.id)
        if hidden is not None:
            return hidden
    member = await add_member_row(
        session,
        actor,
        child_id=child_id,
        person=person,
        role=data.role,
        service=service,
        responsibilities=responsibilities,
        has_parental_responsibility=data.has_parental_responsibility,
        active_from=active_from,
        active_to=data.active_to,
    )
    if sees or person.id == actor.person_id:
        # Barnevern adding a colleague before joining had no reach to lose.
        await still_in_reach(session, actor, child_id)
    return member


async def _may_add_to(
    session: AsyncSession, actor: Actor | None, child_id: uuid.UUID
) -> ChildFacts:
    """The row-level check of an add, before any input is looked at.

    The coordinator manages the network. Staff of the kommune's barnevernstjeneste add
    their own service's membership, also before they are in the network (they see the child
    only once they are): asked as for a membership of their own service. Anyone else who
    cannot see the child gets NOT_FOUND, exactly as for a child that exists nowhere (staff
    of another kommune's barnevern included); a member who sees it, NOT_ALLOWED.
    """
    if actor is None:
        raise AccessDenied(child_id, Action.MANAGE_NETWORK, UserError(ErrorCode.UNAUTHENTICATED))
    facts = (await load_facts(session, actor, [child_id]))[child_id]
    joins = decide_on_child(actor, Action.ADD_BARNEVERN_MEMBERSHIP, facts, own=True)
    if not joins and not decide_on_child(actor, Action.VIEW_CHILD, facts):
        raise AccessDenied(
            child_id, Action.MANAGE_NETWORK, UserError(ErrorCode.NOT_FOUND, "childId")
        )
    if not joins and not decide_on_child(actor, Action.MANAGE_NETWORK, facts):
        raise AccessDenied(child_id, Action.MANAGE_NETWORK, UserError(ErrorCode.NOT_ALLOWED))
    return facts


async def check_coordinator_not_barnevern(
    session: AsyncSession, errors: Collector, field: str, person: Person | None
) -> None:
    """A coordinator from barnevern would hold a barnevern membership given on barnevern's
    behalf (registering a child names its first coordinator): refused, as in assignCoordinator."""
    if person is not None and _is_barnevern(await _service_of(session, person.employer_service_id)):
        errors.add(ErrorCode.NOT_ALLOWED, field, _COORDINATOR_NOT_BARNEVERN)


async def _service_of(
    session: AsyncSession, service_id: uuid.UUID | None
) -> ServiceProvider | None:
    return await session.get(ServiceProvider, service_id) if service_id else None


async def _member_for_write(
    session: AsyncSession, actor: Actor | None, member_id_value: str, version: int
) -> tuple[NetworkMember, ChildFacts]:
    """A membership the caller may read and write. One they may not know of (barnevern's,
    for the coordinator) is NOT_FOUND, exactly like an id that exists nowhere; the
    coordinator manages the network, and a service's member their own membership."""

    async def readable(member: NetworkMember, facts: ChildFacts) -> bool:
        assert actor is not None
        service = await _service_of(session, member.service_id)
        return may_know_membership(
            may_read(actor, facts), service, own=member.person_id == actor.person_id
        )

    def permitted(member: NetworkMember, facts: ChildFacts) -> bool:
        assert actor is not None
        if decide_on_child(actor, Action.MANAGE_NETWORK, facts):
            return True
        own = member.person_id == actor.person_id
        return own and decide_on_child(actor, Action.MANAGE_OWN_MEMBERSHIP, facts, own=True)

    return await load_for_write(
        session,
        actor,
        NetworkMember,
        member_id_value,
        action=Action.MANAGE_NETWORK,
        version=version,
        readable=readable,
        permitted=permitted,
    )


async def _ensure_guardian_remains(
    session: AsyncSession, child_id: uuid.UUID, leaving_member_id: uuid.UUID
) -> None:
    others = await session.exec(
        select(func.count())
        .select_from(NetworkMember)
        .where(
            NetworkMember.child_id == child_id,
            NetworkMember.role == NetworkRole.GUARDIAN.value,
            NetworkMember.has_parental_responsibility == True,  # noqa: E712
            col(NetworkMember.ended_at).is_(None),
            NetworkMember.id != leaving_member_id,
        )
    )
    if others.one() == 0:
        fail(ErrorCode.GUARDIAN_REQUIRED)


async def update_member(
    session: AsyncSession, actor: Actor | None, data: UpdateNetworkMemberInput
) -> NetworkMember:
    member, facts = await _member_for_write(session, actor, data.id, data.version)
    assert actor is not None
    if member.ended_at is not None:
        fail(ErrorCode.ALREADY_ENDED, "id")
    errors = Collector()
    changed: list[str] = []
    if data.responsibilities is not UNSET:
        member.responsibilities = validation.text(
            errors, "responsibilities", data.responsibilities, max_length=RESPONSIBILITIES_MAX
        )
        changed.append("responsibilities")
    if data.service_id is not UNSET:
        service = await _service(session, errors, data.service_id)
        person = await session.get(Person, member.person_id)
        assert person is not None
        _check_service_fits_person(errors, person, service)
        if (
            _is_barnevern(service)
            and service is not None
            and service.id != member.service_id
            and not _may_add_barnevern(actor, facts, service)
        ):
            # Moving a membership into barnevern adds a barnevern membership: barnevern's.
            errors.add(ErrorCode.NOT_ALLOWED, "serviceId", _BARNEVERN_ADDS_ITS_OWN)
        member.service_id = service.id if service else None
        changed.append("service")
    if data.active_to is not UNSET:
        validation.date_range(errors, "activeTo", member.active_from, data.active_to)
        member.active_to = data.active_to
        changed.append("activeTo")
    if data.has_parental_responsibility is not UNSET:
        if data.has_parental_responsibility is None:
            errors.add(ErrorCode.REQUIRED, "hasParentalResponsibility")
        elif member.role != NetworkRole.GUARDIAN.value:
            errors.add(ErrorCode.INVALID, "hasParentalResponsibility")
        else:
            if member.has_parental_responsibility and not data.has_parental_responsibility:
                await _ensure_guardian_remains(session, member.child_id, member.id)
            member.has_parental_responsibility = data.has_parental_responsibility
            changed.append("hasParentalResponsibility")
    errors.raise_if_any()
    member.version += 1
    session.add(member)
    await record_change(
        session,
        actor,
        kind="network.member_updated",
        entity_type="network_member",
        entity_id=member.id,
        child_id=member.child_id,
        payload={
            "memberId": str(member.id),
            "personId": str(member.person_id),
            "changed": changed,
        },
    )
    await still_in_reach(session, actor, member.child_id)
    return member


async def end_membership_row(
    session: AsyncSession, actor: Actor | None, member: NetworkMember, end_date: dt.date
) -> NetworkMember:
    member.active_to = end_date
    member.ended_at = utcnow()
    member.version += 1
    session.add(member)
    await record_change(
        session,
        actor,
        kind="network.member_ended",
        entity_type="network_member",
        entity_id=member.id,
        child_id=member.child_id,
        payload={"memberId": str(member.id), "personId": str(member.person_id)},
    )
    return member


async def end_membership(
    session: AsyncSession, actor: Actor | None, data: EndNetworkMembershipInput
) -> NetworkMember:
    member, _ = await _member_for_write(session, actor, data.id, data.version)
    if member.ended_at is not None:
        fail(ErrorCode.ALREADY_ENDED, "id")
    end_date = data.end_date or today()
    errors = Collector()
    if end_date > today():
        errors.add(ErrorCode.INVALID_DATE, "endDate")
    validation.date_range(errors, "endDate", member.active_from, end_date)
    if member.role == NetworkRole.COORDINATOR.value:
        errors.add(
            ErrorCode.INVALID,
            "id",
            (
                "Barnekoordinatoren avsluttes ved å overlevere til en ny.",
                "Barnekoordinatoren blir avslutta ved å overlevere til ein ny.",
                "Hand over to a new coordinator instead of ending the coordinator.",
            ),
        )
    errors.raise_if_any()
    if member.role == NetworkRole.GUARDIAN.value and member.has_parental_responsibility:
        await _ensure_guardian_remains(session, member.child_id, member.id)
    ended = await end_membership_row(session, actor, member, end_date)
    if actor is not None and member.person_id != actor.person_id:
        # Ending one's own membership is leaving: the one write that may end one's reach.
        await still_in_reach(session, actor, member.child_id)
    return ended


async def current_coordinator(session: AsyncSession, child_id: uuid.UUID) -> NetworkMember | None:
    rows = await session.exec(
        select(NetworkMember).where(
            NetworkMember.child_id == child_id,
            NetworkMember.role == NetworkRole.COORDINATOR.value,
            col(NetworkMember.ended_at).is_(None),
        )
    )
    return rows.first()


async def assign_coordinator(
    session: AsyncSession, actor: Actor | None, data: AssignCoordinatorInput
) -> tuple[NetworkMember, NetworkMember | None]:
    child_id = parse_id(data.child_id, "childId")
    await require_on_child(session, actor, Action.ASSIGN_COORDINATOR, child_id)
    await lock_child(session, child_id)
    errors = Collector()
    person = await link_person(session, errors, "personId", data.person_id, None)
    service = await _service(session, errors, data.service_id)
    responsibilities = validation.text(
        errors, "responsibilities", data.responsibilities, max_length=RESPONSIBILITIES_MAX
    )
    if person is not None:
        _check_person_fits_role(errors, person, NetworkRole.COORDINATOR)
        _check_service_fits_person(errors, person, service)
    errors.raise_if_any()
    assert person is not None
    if _is_barnevern(service or await _service_of(session, person.employer_service_id)):
        # The coordinator would hold a barnevern membership (and the role the person holds
        # now, maybe a hidden one, would end): refused before the network is looked at.
        fail(ErrorCode.NOT_ALLOWED, "personId", _COORDINATOR_NOT_BARNEVERN)
    return await assign_coordinator_row(session, actor, child_id, person, service, responsibilities)


async def assign_coordinator_row(
    session: AsyncSession,
    actor: Actor | None,
    child_id: uuid.UUID,
    person: Person,
    service: ServiceProvider | None,
    responsibilities: str | None,
) -> tuple[NetworkMember, NetworkMember | None]:
    previous = await current_coordinator(session, child_id)
    if previous is not None:
        if previous.person_id == person.id:
            fail(ErrorCode.DUPLICATE_MEMBER, "personId")
        await end_membership_row(session, actor, previous, today())
        await session.flush()  # free the one-active-coordinator slot before the insert
    # The new coordinator may already sit in the network in another role: that role ends.
    existing = await _active_membership(session, child_id, person.id)
    if existing is not None:
        await end_membership_row(session, actor, existing, today())
        await session.flush()
    member = await add_member_row(
        session,
        actor,
        child_id=child_id,
        person=person,
        role=NetworkRole.COORDINATOR,
        service=service,
        responsibilities=responsibilities,
        has_parental_responsibility=False,
        active_from=today(),
        active_to=None,
    )
    await record_change(
        session,
        actor,
        kind="network.coordinator_assigned",
        entity_type="network_member",
        entity_id=member.id,
        child_id=child_id,
        payload={
            "memberId": str(member.id),
            "personId": str(person.id),
            "previousMemberId": str(previous.id) if previous else None,
        },
    )
    return member, previous
