"""GraphQL types and inputs for the child."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import TYPE_CHECKING, Annotated

import strawberry

from backend.api.common import (
    PageInfo,
    UserError,
    encode_cursor,
    page_args,
)
from backend.api.context import Info
from backend.api.input_caps import EMAIL_LENGTH, cap
from backend.audit.access_log import LoggedRow, read_page
from backend.authz.access import (
    Seen,
    municipality_category,
    person_categories,
    service_categories,
)
from backend.authz.policy import Action, Category, ChildFacts
from backend.children.models import AddressProtection
from backend.children.models import Child as ChildRow
from backend.consent.types import (
    AccessLogConnection,
    AccessLogEdge,
    AccessLogEntry,
    Consent,
    PageWords,
    visible_consents,
)
from backend.events.registry import EventEntity
from backend.network.models import NetworkRole
from backend.network.types import Municipality, NetworkMember, known, member_views

if TYPE_CHECKING:
    from backend.pathway.types import Pathway, Signal, Transition
    from backend.plan.types import Plan
    from backend.right.types import CoordinatorRequest

strawberry.enum(
    AddressProtection,
    name="AddressProtection",
    description="Protected address: fortrolig (kode 7) or strengt fortrolig (kode 6).",
)


@strawberry.type(description="The child (barnet) at the centre of a network.")
class Child(EventEntity):
    id: strawberry.ID
    given_name: str | None
    family_name: str
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
    # Plain data: fields, not resolvers (a resolver costs per field and per child).
    is_expected: bool
    needs_interpreter: bool
    row: strawberry.Private[ChildRow]
    facts: strawberry.Private[ChildFacts]
    # The network's member views, by include_ended, shared by this child's resolvers.
    members: strawberry.Private[dict[bool, asyncio.Future[list[tuple[NetworkMember, Seen | None]]]]]

    @strawberry.field(description="Fødselsnummer or D-nummer; null if you may not see it.")
    def national_id(self, info: Info) -> str | None:
        if not info.context.gate.read(self.facts, [Category.IDENTITY]):
            return None
        return self.row.national_id

    @strawberry.field(
        description="The child (12+) has asked that health information be withheld from the "
        "guardians. Health information itself: null unless you may read health information "
        "(the child always sees their own choice)."
    )
    def health_withheld_from_guardians(self, info: Info) -> bool | None:
        own = "child" in self.facts.roles
        if not info.context.gate.read(self.facts, [Category.HEALTH], own=own):
            return None
        return self.row.health_withheld_from_guardians

    @strawberry.field(description="The kommune; hidden with a protected address where needed.")
    async def municipality(self, info: Info) -> Municipality | None:
        if not info.context.gate.read(self.facts, [municipality_category(self.facts)]):
            return None
        row = await info.context.loaders.municipality.load(self.row.municipality_id)
        return Municipality.from_row(row) if row else None

    async def _members(
        self, info: Info, include_ended: bool
    ) -> list[tuple[NetworkMember, Seen | None]]:
        """The network with its views, built once per child and request for the network,
        the coordinator and the guardians; each resolver notes what it hands out."""
        found = self.members.get(include_ended)
        if found is None:
            loaders = info.context.loaders
            loader = loaders.all_members if include_ended else loaders.active_members

            async def build() -> list[tuple[NetworkMember, Seen | None]]:
                return await member_views(info, await loader.load(self.row.id), self.facts)

            found = self.members[include_ended] = asyncio.ensure_future(build())
        return await found

    @strawberry.field(description="The network (ansvarsgruppe); ended memberships on request.")
    async def network(self, info: Info, include_ended: bool = False) -> list[NetworkMember]:
        return known(info, await self._members(info, include_ended))

    @strawberry.field(description="The current barnekoordinator.")
    async def coordinator(self, info: Info) -> NetworkMember | None:
        members = await self._members(info, False)
        coordinators = known(
            info, [m for m in members if m[0].row.role == NetworkRole.COORDINATOR.value]
        )
        return coordinators[0] if coordinators else None

    @strawberry.field(description="Current guardians (foresatte).")
    async def guardians(self, info: Info) -> list[NetworkMember]:
        members = await self._members(info, False)
        return known(info, [m for m in members if m[0].row.role == NetworkRole.GUARDIAN.value])

    @strawberry.field(description="Consents, withdrawn ones included (the history).")
    async def consents(self, info: Info) -> list[Consent]:
        if not info.context.gate.read(self.facts, [Category.CONSENTS]):
            return []
        rows = await info.context.loaders.consents.load(self.row.id)
        return visible_consents(info, rows, self.facts)

    @strawberry.field(description="Who looked at this child's data (tilgangslogg), newest first.")
    async def access_log(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> AccessLogConnection:
        gate = info.context.gate
        if not gate.decide(self.facts, Action.READ_ACCESS_LOG):
            gate.note_refused(self.row.id, "accessLog")
            return AccessLogConnection(
                edges=[], page_info=PageInfo(has_next_page=False, end_cursor=None)
            )
        gate.note_read(self.row.id, "accessLog")
        limit, before_id = page_args(first, after, info.context.language)
        async with info.context.reads.session() as session:
            rows = await read_page(session, self.row.id, limit, before_id)
        page = rows[:limit]
        withheld = await readers_to_withhold(info, self.facts, page)
        facts = self.facts

        def may_read(category: Category) -> bool:
            return gate.decide(facts, Action.READ_CATEGORY, category)

        # Decisions and words once per page, not per row (see PageWords).
        words = PageWords(info.context.language, may_read)
        edges = []
        for r in page:
            cursor = encode_cursor(r.id)
            node = AccessLogEntry.from_row(r, words, r.actor_person_id in withheld)
            edges.append(AccessLogEdge(cursor=cursor, node=node))
        return AccessLogConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(rows) > limit,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )

    # The plan domain builds on the child: its types are resolved lazily (backend/plan).
    @strawberry.field(description="The current coordinated plan (individuell plan), if any.")
    async def plan(
        self, info: Info
    ) -> Annotated[Plan, strawberry.lazy("backend.plan.types")] | None:
        from backend.plan.types import current_plan

        return await current_plan(info, self.row.id, self.facts)

    @strawberry.field(description="The current plan as it was at a revision (isHistorical).")
    async def plan_at(
        self, info: Info, revision: int
    ) -> Annotated[Plan, strawberry.lazy("backend.plan.types")] | None:
        from backend.plan.types import plan_at

        return await plan_at(info, self.row.id, self.facts, revision)

    # The right to a barnekoordinator builds on the child too (backend/right).
    @strawberry.field(
        description="The request trail for this child (family, the coordinating unit, the "
        "coordinator)."
    )
    async def coordinator_requests(
        self, info: Info
    ) -> list[Annotated[CoordinatorRequest, strawberry.lazy("backend.right.types")]]:
        from backend.right.types import child_requests

        return await child_requests(info, self.row.id)

    # The pathway domain builds on the child too (backend/pathway).
    @strawberry.field(description="The child's pathway: what happens next, and by when.")
    async def pathway(
        self, info: Info
    ) -> Annotated[Pathway, strawberry.lazy("backend.pathway.types")] | None:
        from backend.pathway.types import pathway_for

        return await pathway_for(info, self.row.id, self.facts)

    @strawberry.field(description="Transitions (overganger) with their checklists.")
    async def transitions(
        self, info: Info
    ) -> list[Annotated[Transition, strawberry.lazy("backend.pathway.types")]]:
        from backend.pathway.types import transitions_for

        return await transitions_for(info, self.row.id, self.facts)

    @strawberry.field(description="Signals this reader may see (by category and consent).")
    async def signals(
        self, info: Info
    ) -> list[Annotated[Signal, strawberry.lazy("backend.pathway.types")]]:
        from backend.pathway.types import signals_for

        return await signals_for(info, self.row.id, self.facts)

    @classmethod
    def from_row(cls, row: ChildRow, facts: ChildFacts) -> Child:
        return cls(
            id=strawberry.ID(str(row.id)),
            given_name=row.given_name,
            family_name=row.family_name,
            birth_date=row.birth_date,
            expected_date=row.expected_date,
            preferred_language=row.preferred_language,
            interpreter_language=row.interpreter_language,
            address_protection=AddressProtection(row.address_protection),
            version=row.version,
            is_expected=row.birth_date is None,
            needs_interpreter=row.interpreter_language is not None,
            row=row,
            facts=facts,
            members={},
        )


async def readers_to_withhold(
    info: Info, facts: ChildFacts, rows: list[LoggedRow]
) -> set[uuid.UUID]:
    """The people in these log rows whose name would reveal a category the reader may not see.

    Who someone is tells what their service is: any membership they have had in this child's
    network (ended ones included) and the organisation they work for. The reader's own rows
    are theirs.
    """
    actor = info.context.actor
    people = {
        r.actor_person_id
        for r in rows
        if r.actor_person_id is not None and (actor is None or r.actor_person_id != actor.person_id)
    }
    if not people:
        return set()
    loaders = info.context.loaders
    memberships = [
        m for m in await loaders.all_members.load(facts.child_id) if m.person_id in people
    ]
    persons = [p for p in await loaders.person.load_many(list(people)) if p is not None]
    service_of: dict[uuid.UUID, set[uuid.UUID]] = {person: set() for person in people}
    for m in memberships:
        if m.service_id is not None:
            service_of[m.person_id].add(m.service_id)
    for p in persons:
        if p.employer_service_id is not None:
            service_of[p.id].add(p.employer_service_id)
    service_ids = list({s for ids in service_of.values() for s in ids})
    services = dict(zip(service_ids, await loaders.service.load_many(service_ids), strict=True))
    gate = info.context.gate
    rows_of = {p.id: p for p in persons}
    withheld = set()
    for person, ids in service_of.items():
        categories = {
            c for s in ids if (row := services.get(s)) for c in service_categories(row, facts)
        }
        if (found := rows_of.get(person)) is not None:
            # The same rule as for a person in the network (kode 6: no staff names at all).
            categories.update(person_categories(found, [services.get(s) for s in ids], facts))
        if not all(gate.decide(facts, Action.READ_CATEGORY, c) for c in categories):
            withheld.add(person)
    return withheld


async def child_for(info: Info, row: ChildRow | None) -> Child | None:
    """A child for a payload or a query, if the caller may see it (the look is logged)."""
    if row is None:
        return None
    facts = await info.context.gate.view(row.id)
    return Child.from_row(row, facts) if facts else None


@strawberry.type
class ChildEdge:
    cursor: str
    node: Child


@strawberry.type
class ChildConnection:
    edges: list[ChildEdge]
    page_info: PageInfo


# A child has two parents, maybe step-parents or a fosterhjem: ten is plenty.
GUARDIANS_MAX = 10


@strawberry.input(description="A guardian: an existing person, or a new one.")
class GuardianInput:
    has_parental_responsibility: bool
    person_id: strawberry.ID | None = None
    name: str | None = None
    national_id: str | None = None
    email: str | None = strawberry.field(default=None, metadata=cap(length=EMAIL_LENGTH))
    phone: str | None = None
    preferred_language: str = "nb"


@strawberry.input
class RegisterChildInput:
    family_name: str
    guardians: list[GuardianInput] = strawberry.field(
        metadata=cap(items=GUARDIANS_MAX), description=f"At most {GUARDIANS_MAX}."
    )
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
    address_protection_reason: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Required to lower the address protection: the coordinating unit's "
        "reason (koordinerende enhet decides; the protected family is told).",
    )


@strawberry.type
class ChildPayload:
    child: Child | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
