"""GraphQL types and inputs for the child."""

from __future__ import annotations

import datetime as dt
import uuid

import strawberry

from backend.api.common import PageInfo, UserError
from backend.api.context import Info
from backend.children.models import AddressProtection
from backend.children.models import Child as ChildRow
from backend.network.models import NetworkRole
from backend.network.types import Municipality, NetworkMember

strawberry.enum(
    AddressProtection,
    name="AddressProtection",
    description="Protected address: fortrolig (kode 7) or strengt fortrolig (kode 6).",
)


@strawberry.type(description="The child (barnet) at the centre of a network.")
class Child:
    id: strawberry.ID
    given_name: str | None
    family_name: str
    national_id: str | None = strawberry.field(description="Fødselsnummer or D-nummer.")
    birth_date: dt.date | None
    expected_date: dt.date | None = strawberry.field(
        description="For a child not yet born: the expected date."
    )
    preferred_language: str
    interpreter_language: str | None = strawberry.field(
        description="Language for an interpreter (tolk), if the family needs one."
    )
    address_protection: AddressProtection
    version: int
    municipality_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    def is_expected(self) -> bool:
        return self.birth_date is None

    @strawberry.field
    def needs_interpreter(self) -> bool:
        return self.interpreter_language is not None

    @strawberry.field
    async def municipality(self, info: Info) -> Municipality | None:
        row = await info.context.loaders.municipality.load(self.municipality_id)
        return Municipality.from_row(row) if row else None

    @strawberry.field(description="The network (ansvarsgruppe); ended memberships on request.")
    async def network(self, info: Info, include_ended: bool = False) -> list[NetworkMember]:
        loader = (
            info.context.loaders.all_members
            if include_ended
            else info.context.loaders.active_members
        )
        rows = await loader.load(uuid.UUID(self.id))
        return [NetworkMember.from_row(row) for row in rows]

    @strawberry.field(description="The current barnekoordinator.")
    async def coordinator(self, info: Info) -> NetworkMember | None:
        rows = await info.context.loaders.active_members.load(uuid.UUID(self.id))
        for row in rows:
            if row.role == NetworkRole.COORDINATOR.value:
                return NetworkMember.from_row(row)
        return None

    @strawberry.field(description="Current guardians (foresatte).")
    async def guardians(self, info: Info) -> list[NetworkMember]:
        rows = await info.context.loaders.active_members.load(uuid.UUID(self.id))
        return [
            NetworkMember.from_row(row) for row in rows if row.role == NetworkRole.GUARDIAN.value
        ]

    @classmethod
    def from_row(cls, row: ChildRow) -> Child:
        return cls(
            id=strawberry.ID(str(row.id)),
            given_name=row.given_name,
            family_name=row.family_name,
            national_id=row.national_id,
            birth_date=row.birth_date,
            expected_date=row.expected_date,
            preferred_language=row.preferred_language,
            interpreter_language=row.interpreter_language,
            address_protection=AddressProtection(row.address_protection),
            version=row.version,
            municipality_id=row.municipality_id,
        )


@strawberry.type
class ChildEdge:
    cursor: str
    node: Child


@strawberry.type
class ChildConnection:
    edges: list[ChildEdge]
    page_info: PageInfo


@strawberry.input(description="A guardian: an existing person, or a new one.")
class GuardianInput:
    has_parental_responsibility: bool
    person_id: strawberry.ID | None = None
    name: str | None = None
    national_id: str | None = None
    email: str | None = None
    phone: str | None = None
    preferred_language: str = "nb"


@strawberry.input
class RegisterChildInput:
    family_name: str
    guardians: list[GuardianInput]
    given_name: str | None = strawberry.field(
        default=None, description="Required once the child is born."
    )
    national_id: str | None = None
    birth_date: dt.date | None = None
    expected_date: dt.date | None = None
    preferred_language: str = "nb"
    interpreter_language: str | None = None
    address_protection: AddressProtection = AddressProtection.NONE
    municipality_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: the caller's kommune."
    )
    coordinator_person_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: the caller becomes the barnekoordinator."
    )


@strawberry.input
class UpdateChildInput:
    id: strawberry.ID
    version: int
    given_name: str | None = strawberry.UNSET
    family_name: str | None = strawberry.UNSET
    national_id: str | None = strawberry.UNSET
    birth_date: dt.date | None = strawberry.UNSET
    expected_date: dt.date | None = strawberry.UNSET
    preferred_language: str | None = strawberry.UNSET
    interpreter_language: str | None = strawberry.UNSET
    address_protection: AddressProtection | None = strawberry.UNSET


@strawberry.type
class ChildPayload:
    child: Child | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
