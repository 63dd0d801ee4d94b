"""Queries and mutations for services and networks. Resolvers stay thin: services do the work."""

from __future__ import annotations

import strawberry
from sqlmodel import col, select

from backend.api.common import parse_id, query_error
from backend.api.context import Info
from backend.api.writes import run_write
from backend.audit import purposes
from backend.authz.policy import Action, decide_globally
from backend.core.errors import UserErrors
from backend.identity.models import Person as PersonRow
from backend.identity.models import PersonKind
from backend.identity.types import Person
from backend.network import service
from backend.network.models import Municipality as MunicipalityRow
from backend.network.models import ServiceProvider as ServiceProviderRow
from backend.network.types import (
    AddNetworkMemberInput,
    AssignCoordinatorInput,
    AssignCoordinatorPayload,
    EndNetworkMembershipInput,
    Municipality,
    NetworkMemberPayload,
    RegisterServiceProviderInput,
    ServiceProvider,
    ServiceProviderPayload,
    UpdateNetworkMemberInput,
    build_members,
    member_for,
)

DIRECTORY_LIMIT = 200


def _may_use_directory(info: Info) -> bool:
    actor = info.context.actor
    return actor is not None and decide_globally(actor, Action.VIEW_DIRECTORY)


@strawberry.type
class NetworkQuery:
    @strawberry.field(
        description="Kommuner: public register facts (name, number, organisation number), for "
        "anyone signed in (a family asks its kommune for a barnekoordinator)."
    )
    async def municipalities(self, info: Info) -> list[Municipality]:
        if info.context.actor is None:
            return []
        async with info.context.reads.session() as session:
            rows = await session.exec(select(MunicipalityRow).order_by(MunicipalityRow.name))
            return [Municipality.from_row(r) for r in rows.all()]

    @strawberry.field(description="Services, optionally in one kommune (staff only).")
    async def service_providers(
        self, info: Info, municipality_id: strawberry.ID | None = None
    ) -> list[ServiceProvider]:
        if not _may_use_directory(info):
            return []
        query = select(ServiceProviderRow).order_by(ServiceProviderRow.name)
        if municipality_id is not None:
            try:
                query = query.where(
                    ServiceProviderRow.municipality_id
                    == parse_id(municipality_id, "municipalityId")
                )
            except UserErrors as exc:
                raise query_error(exc, info.context.language) from None
        async with info.context.reads.session() as session:
            rows = await session.exec(query.limit(DIRECTORY_LIMIT))
            return [ServiceProvider.from_row(r) for r in rows.all()]

    @strawberry.field(description="Staff by name, to add to a network (staff only).")
    async def staff_directory(self, info: Info, search: str = "") -> list[Person]:
        if not _may_use_directory(info):
            return []
        pattern = "%" + search.strip()[:100].replace("%", "").replace("_", "") + "%"
        query = (
            select(PersonRow)
            .where(
                PersonRow.kind == PersonKind.STAFF.value,
                # Staff of a service only: people added to a network by name are not listed.
                col(PersonRow.employer_service_id).is_not(None),
                col(PersonRow.name).ilike(pattern),
            )
            .order_by(PersonRow.name)
            .limit(DIRECTORY_LIMIT)
        )
        async with info.context.reads.session() as session:
            # Staff contact details are work details, shared among staff.
            return [
                Person.from_row(r, contact_visible=True) for r in (await session.exec(query)).all()
            ]


@strawberry.type
class NetworkMutation:
    @strawberry.mutation(description="Register a service, with a valid organisasjonsnummer.")
    async def register_service_provider(
        self, info: Info, input: RegisterServiceProviderInput
    ) -> ServiceProviderPayload:
        row, errors = await run_write(
            info, lambda s: service.register_service_provider(s, info.context.actor, input)
        )
        return ServiceProviderPayload(
            service_provider=ServiceProvider.from_row(row) if row else None, errors=errors
        )

    @strawberry.mutation(description="Add a person to a child's network.")
    async def add_network_member(
        self, info: Info, input: AddNetworkMemberInput
    ) -> NetworkMemberPayload:
        ctx = info.context
        row, errors = await run_write(
            info, lambda s: service.add_member(s, ctx.actor, ctx.settings, input)
        )
        if row is not None and not await ctx.gate.can(row.child_id, Action.VIEW_CHILD):
            # Barnevern adding a colleague before joining: no member to show, and no refused
            # look to log (they wrote, they did not ask to read).
            row = None
        return NetworkMemberPayload(member=await member_for(info, row), errors=errors)

    @strawberry.mutation(description="Change a member's responsibilities, service or end date.")
    async def update_network_member(
        self, info: Info, input: UpdateNetworkMemberInput
    ) -> NetworkMemberPayload:
        row, errors = await run_write(
            info, lambda s: service.update_member(s, info.context.actor, input)
        )
        return NetworkMemberPayload(member=await member_for(info, row), errors=errors)

    @strawberry.mutation(description="End a membership; the person loses access.")
    async def end_network_membership(
        self, info: Info, input: EndNetworkMembershipInput
    ) -> NetworkMemberPayload:
        row, errors = await run_write(
            info, lambda s: service.end_membership(s, info.context.actor, input)
        )
        return NetworkMemberPayload(member=await member_for(info, row), errors=errors)

    @strawberry.mutation(description="Assign the barnekoordinator, or hand over to another.")
    async def assign_coordinator(
        self, info: Info, input: AssignCoordinatorInput
    ) -> AssignCoordinatorPayload:
        result, errors = await run_write(
            info, lambda s: service.assign_coordinator(s, info.context.actor, input)
        )
        if result is None:
            return AssignCoordinatorPayload(errors=errors)
        member, previous = result
        coordinator = await member_for(info, member)
        return AssignCoordinatorPayload(
            coordinator=coordinator,
            # A coordinator handing over leaves the network: show the ended membership with
            # the facts that held for the new coordinator's view, if the caller still sees it.
            previous=(await build_members(info, [previous], coordinator.facts))[0]
            if previous and coordinator
            else None,
        )


# Why the access log says these were read (see backend.audit.purposes).
purposes.register(
    {
        name: purposes.Purpose.NETWORK_WORK
        for name in (
            "municipalities",
            "serviceProviders",
            "staffDirectory",
            "registerServiceProvider",
            "addNetworkMember",
            "updateNetworkMember",
            "endNetworkMembership",
            "assignCoordinator",
        )
    }
)
