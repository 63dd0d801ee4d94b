"""GraphQL types and inputs for the kommune, its services and the child's network."""

from __future__ import annotations

import datetime as dt
import uuid

import strawberry

from backend.api.common import UserError
from backend.api.context import Info
from backend.api.input_caps import EMAIL_LENGTH, FREE_TEXT, cap
from backend.authz.access import (
    contact_category,
    may_know_membership,
    membership_category,
    municipality_category,
    person_categories,
    service_categories,
)
from backend.authz.policy import Category, ChildFacts
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


async def visible_service(
    info: Info, row: ServiceProviderRow | None, facts: ChildFacts, own: bool
) -> ServiceProvider | None:
    """A service as seen from a child's network: only if what it is may be read."""
    if row is None:
        return None
    if not info.context.gate.read(facts, service_categories(row, facts), own=own):
        return None
    return ServiceProvider.from_row(row, facts)


@strawberry.type(description="A person's membership in a child's network (ansvarsgruppe).")
class NetworkMember:
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

    def _own(self, info: Info) -> bool:
        actor = info.context.actor
        return actor is not None and self.row.person_id == actor.person_id

    async def _service_row(self, info: Info) -> ServiceProviderRow | None:
        if self.row.service_id is None:
            return None
        return await info.context.loaders.service.load(self.row.service_id)

    @strawberry.field(description="In plain words; hidden where it would reveal a category.")
    async def responsibilities(self, info: Info) -> str | None:
        service = await self._service_row(info)
        categories = service_categories(service, self.facts)
        if not info.context.gate.read(self.facts, categories, own=self._own(info)):
            return None
        return self.row.responsibilities

    @strawberry.field(
        description="Who this is; null where the person would reveal what you may not see "
        "(a hidden service's staff; every staff member with strengt fortrolig adresse)."
    )
    async def person(self, info: Info) -> Person | None:
        row = await info.context.loaders.person.load(self.row.person_id)
        if row is None:
            return None
        return await visible_person(info, row, self.facts, self._own(info), self.row.service_id)

    @strawberry.field(description="The service this member represents, if any and if visible.")
    async def service(self, info: Info) -> ServiceProvider | None:
        return await visible_service(
            info, await self._service_row(info), self.facts, self._own(info)
        )

    @classmethod
    def from_row(cls, row: NetworkMemberRow, facts: ChildFacts) -> NetworkMember:
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
        )


async def visible_person(
    info: Info,
    row: PersonRow,
    facts: ChildFacts,
    own: bool,
    service_id: uuid.UUID | None = None,
) -> Person | None:
    """A person as seen from a child's network: hidden when who they are reveals what the
    reader may not see; their contact details as far as the reader may see them."""
    gate = info.context.gate
    actor = info.context.actor
    own = own or (actor is not None and row.id == actor.person_id)
    ids = [i for i in dict.fromkeys((service_id, row.employer_service_id)) if i is not None]
    services = await info.context.loaders.service.load_many(ids)
    if not gate.read(facts, person_categories(row, services, facts), own=own):
        return None
    contact_visible = gate.read(facts, [contact_category(row)], own=own)
    return Person.from_row(row, contact_visible=contact_visible)


async def visible_members(
    info: Info, rows: list[NetworkMemberRow], facts: ChildFacts
) -> list[NetworkMember]:
    """The members this reader may know of: a barnevern or health membership itself is
    barnevern or health information."""
    actor = info.context.actor
    # One batch for all the services, not one await per member.
    service_ids = list({row.service_id for row in rows if row.service_id is not None})
    services = dict(
        zip(service_ids, await info.context.loaders.service.load_many(service_ids), strict=True)
    )
    visible = []
    for row in rows:
        service = services.get(row.service_id) if row.service_id else None
        own = actor is not None and row.person_id == actor.person_id
        category = membership_category(service)
        if category is not None and not info.context.gate.read(facts, [category], own=own):
            continue
        visible.append(NetworkMember.from_row(row, facts))
    return visible


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
    return NetworkMember.from_row(row, facts)


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
