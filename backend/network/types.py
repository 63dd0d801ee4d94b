"""GraphQL types and inputs for the kommune, its services and the child's network."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import strawberry

from backend.api.common import UserError
from backend.api.context import Info
from backend.api.input_caps import EMAIL_LENGTH, FREE_TEXT, cap
from backend.authz.access import (
    Seen,
    contact_category,
    may_know_membership,
    membership_category,
    municipality_category,
    person_categories,
    service_categories,
)
from backend.authz.policy import Category, ChildFacts
from backend.events.registry import EventEntity
from backend.identity.models import Person as PersonRow
from backend.identity.types import Person
from backend.network.models import Municipality as MunicipalityRow
from backend.network.models import NetworkMember as NetworkMemberRow
from backend.network.models import NetworkRole, ServiceType
from backend.network.models import ServiceProvider as ServiceProviderRow

strawberry.enum(ServiceType, name="ServiceType", description="Kind of welfare service.")
strawberry.enum(
    NetworkRole, name="NetworkRole", description="A person's role in one child's network."
)


@strawberry.type(description="Kommune.")
class Municipality:
    id: strawberry.ID
    name: str
    number: str = strawberry.field(description="Kommunenummer.")
    org_number: str

    @classmethod
    def from_row(cls, row: MunicipalityRow) -> Municipality:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            number=row.number,
            org_number=row.org_number,
        )


@strawberry.type(description="A service (tjeneste): school, PPT, barnevern, hospital...")
class ServiceProvider:
    id: strawberry.ID
    name: str
    type: ServiceType
    org_number: str
    version: int
    municipality_id: strawberry.Private[uuid.UUID | None]
    # Seen as part of a child's network: the reader's facts about that child (None: the
    # directory, outside any child).
    facts: strawberry.Private[ChildFacts | None] = None

    @strawberry.field(description="The kommune; hidden with a protected address where needed.")
    async def municipality(self, info: Info) -> Municipality | None:
        if self.municipality_id is None:
            return None
        # Not even the service's own staff get the kommune from a protected child's network:
        # as on the child, it is where the child lives.
        if self.facts is not None and not info.context.gate.read(
            self.facts, [municipality_category(self.facts)]
        ):
            return None
        row = await info.context.loaders.municipality.load(self.municipality_id)
        return Municipality.from_row(row) if row else None

    @classmethod
    def from_row(cls, row: ServiceProviderRow, facts: ChildFacts | None = None) -> ServiceProvider:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            type=ServiceType(row.type),
            org_number=row.org_number,
            version=row.version,
            municipality_id=row.municipality_id,
            facts=facts,
        )


@dataclass(frozen=True, slots=True)
class MemberView:
    """What this reader may see of one membership, decided once per request when the member
    is built (`build_members`): its resolvers are attribute reads that note the decision."""

    service: ServiceProviderRow | None
    # The service's categories: for the service and for the responsibilities.
    service_seen: Seen
    person: PersonRow | None
    person_seen: Seen | None
    contact_seen: Seen | None


@strawberry.type(description="A person's membership in a child's network (ansvarsgruppe).")
class NetworkMember(EventEntity):
    id: strawberry.ID
    role: NetworkRole
    has_parental_responsibility: bool = strawberry.field(
        description="Foreldreansvar; only meaningful for guardians."
    )
    active_from: dt.date
    active_to: dt.date | None
    is_active: bool
    version: int
    row: strawberry.Private[NetworkMemberRow]
    facts: strawberry.Private[ChildFacts]
    view: strawberry.Private[MemberView]

    @strawberry.field(description="In plain words; hidden where it would reveal a category.")
    def responsibilities(self, info: Info) -> str | None:
        if not info.context.gate.seen(self.view.service_seen):
            return None
        return self.row.responsibilities

    @strawberry.field(
        description="Who this is; null where the person would reveal what you may not see "
        "(a hidden service's staff; every staff member with strengt fortrolig adresse)."
    )
    def person(self, info: Info) -> Person | None:
        view = self.view
        if view.person is None or view.person_seen is None or view.contact_seen is None:
            return None
        gate = info.context.gate
        if not gate.seen(view.person_seen):
            return None
        return Person.from_row(view.person, contact_visible=gate.seen(view.contact_seen))

    @strawberry.field(description="The service this member represents, if any and if visible.")
    def service(self, info: Info) -> ServiceProvider | None:
        view = self.view
        if view.service is None or not info.context.gate.seen(view.service_seen):
            return None
        return ServiceProvider.from_row(view.service, self.facts)

    @classmethod
    def from_row(cls, row: NetworkMemberRow, facts: ChildFacts, view: MemberView) -> NetworkMember:
        return cls(
            id=strawberry.ID(str(row.id)),
            role=NetworkRole(row.role),
            has_parental_responsibility=row.has_parental_responsibility,
            active_from=row.active_from,
            active_to=row.active_to,
            is_active=row.ended_at is None,
            version=row.version,
            row=row,
            facts=facts,
            view=view,
        )


async def member_views(
    info: Info, rows: list[NetworkMemberRow], facts: ChildFacts
) -> list[tuple[NetworkMember, Seen | None]]:
    """Members with their views, each decision made once and nothing noted yet: the
    services, people and the people's employers in one batch each (shared with every other
    list resolved at the same time). With each member, the decision whether the reader may
    know of the membership at all (None: anyone who sees the child may); `known` applies it."""
    loaders = info.context.loaders
    gate = info.context.gate
    actor = info.context.actor
    service_ids = list({row.service_id for row in rows if row.service_id is not None})
    person_ids = list({row.person_id for row in rows})
    services = dict(zip(service_ids, await loaders.service.load_many(service_ids), strict=True))
    people = dict(zip(person_ids, await loaders.person.load_many(person_ids), strict=True))
    employers = list(
        {
            p.employer_service_id
            for p in people.values()
            if p is not None
            and p.employer_service_id is not None
            and p.employer_service_id not in services
        }
    )
    if employers:
        services.update(zip(employers, await loaders.service.load_many(employers), strict=True))
    members = []
    for row in rows:
        service = services.get(row.service_id) if row.service_id else None
        person = people.get(row.person_id)
        own = actor is not None and row.person_id == actor.person_id
        person_seen = contact_seen = None
        if person is not None:
            # Who the person is: their membership's service and their employer tell it.
            ids = dict.fromkeys((row.service_id, person.employer_service_id))
            theirs = [services.get(i) for i in ids if i is not None]
            person_seen = gate.decided(facts, person_categories(person, theirs, facts), own)
            contact_seen = gate.decided(facts, [contact_category(person)], own)
        view = MemberView(
            service=service,
            service_seen=gate.decided(facts, service_categories(service, facts), own),
            person=person,
            person_seen=person_seen,
            contact_seen=contact_seen,
        )
        category = membership_category(service)
        knowing = gate.decided(facts, [category], own) if category is not None else None
        members.append((NetworkMember.from_row(row, facts, view), knowing))
    return members


def known(info: Info, members: list[tuple[NetworkMember, Seen | None]]) -> list[NetworkMember]:
    """The members this reader may know of (a barnevern or health membership itself is
    barnevern or health information); the look or the refusal is noted."""
    gate = info.context.gate
    return [m for m, knowing in members if knowing is None or gate.seen(knowing)]


async def build_members(
    info: Info, rows: list[NetworkMemberRow], facts: ChildFacts
) -> list[NetworkMember]:
    """Members with their views, whether or not the reader may know of them."""
    return [m for m, _ in await member_views(info, rows, facts)]


async def visible_members(
    info: Info, rows: list[NetworkMemberRow], facts: ChildFacts
) -> list[NetworkMember]:
    """The members this reader may know of, built with their views."""
    return known(info, await member_views(info, rows, facts))


async def member_for(info: Info, row: NetworkMemberRow | None) -> NetworkMember | None:
    """A member for a payload, if the caller (still) sees the child and may know of this
    membership: the rule of the network list (`visible_members`)."""
    if row is None:
        return None
    facts = await info.context.gate.view(row.child_id)
    if facts is None:
        return None
    service = await info.context.loaders.service.load(row.service_id) if row.service_id else None
    actor = info.context.actor
    own = actor is not None and row.person_id == actor.person_id

    def read(categories: list[Category], own: bool) -> bool:
        return info.context.gate.read(facts, categories, own=own)

    if not may_know_membership(read, service, own):
        return None
    return (await build_members(info, [row], facts))[0]


@strawberry.input(description="A new person, when they are not in Koordinat yet.")
class NewPersonInput:
    name: str
    national_id: str | None = None
    email: str | None = strawberry.field(default=None, metadata=cap(length=EMAIL_LENGTH))
    phone: str | None = None
    preferred_language: str = "nb"


@strawberry.input
class RegisterServiceProviderInput:
    name: str
    type: ServiceType
    org_number: str
    municipality_id: strawberry.ID | None = strawberry.field(
        default=None, description="Empty for services outside the kommune (e.g. a hospital)."
    )


@strawberry.input
class AddNetworkMemberInput:
    child_id: strawberry.ID
    role: NetworkRole
    person_id: strawberry.ID | None = strawberry.field(
        default=None, description="An existing person; or give newPerson."
    )
    name: str | None = strawberry.field(
        default=None,
        description="With personId: the person's name. Staff of a service need only their "
        "id; anyone else is linked by id and name together.",
    )
    new_person: NewPersonInput | None = None
    service_id: strawberry.ID | None = None
    responsibilities: str | None = strawberry.field(default=None, metadata=cap(length=FREE_TEXT))
    has_parental_responsibility: bool = False
    active_from: dt.date | None = strawberry.field(default=None, description="Default: today.")
    active_to: dt.date | None = None


@strawberry.input
class UpdateNetworkMemberInput:
    id: strawberry.ID
    version: int
    responsibilities: str | None = strawberry.field(
        default=strawberry.UNSET, metadata=cap(length=FREE_TEXT)
    )
    service_id: strawberry.ID | None = strawberry.UNSET
    active_to: dt.date | None = strawberry.UNSET
    has_parental_responsibility: bool | None = strawberry.UNSET


@strawberry.input
class EndNetworkMembershipInput:
    id: strawberry.ID
    version: int
    end_date: dt.date | None = strawberry.field(default=None, description="Default: today.")


@strawberry.input(description="Assign the barnekoordinator, or hand over to another.")
class AssignCoordinatorInput:
    child_id: strawberry.ID
    person_id: strawberry.ID
    service_id: strawberry.ID | None = None
    responsibilities: str | None = strawberry.field(default=None, metadata=cap(length=FREE_TEXT))


@strawberry.type
class ServiceProviderPayload:
    service_provider: ServiceProvider | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class NetworkMemberPayload:
    member: NetworkMember | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AssignCoordinatorPayload:
    coordinator: NetworkMember | None = None
    previous: NetworkMember | None = strawberry.field(
        default=None, description="The coordinator handed over from, if any."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)
