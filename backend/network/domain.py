"""The network domain as the registry sees it: kommune, services, the child's network."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.api.context import Info
from backend.authz.access import MEMBERSHIP_IS_DATA, SERVICE_CATEGORY
from backend.authz.policy import ChildFacts
from backend.events.broker import note_person
from backend.events.models import Event
from backend.events.registry import Domain
from backend.events.visibility import NOTHING, Lookups, Reveals, uuid_or_none, uuids
from backend.network.models import Municipality, NetworkMember, ServiceProvider
from backend.network.schema import NetworkMutation, NetworkQuery
from backend.network.types import NetworkMember as NetworkMemberNode
from backend.network.types import visible_members

MEMBER_SERVICE_TYPE = "member_service_type"


async def render_member(info: Info, event: Event, facts: ChildFacts) -> NetworkMemberNode | None:
    """The membership an event is about, filtered as the network query filters it (a
    barnevern or health membership is data of its category)."""
    async with info.context.db.reading() as session:
        row = await session.get(NetworkMember, event.entity_id)
    if row is None or row.child_id != event.child_id:
        return None
    visible = await visible_members(info, [row], facts)
    return visible[0] if visible else None


async def member_service_types(
    session: AsyncSession, member_ids: Sequence[uuid.UUID]
) -> Mapping[uuid.UUID, str | None]:
    """The type of service each membership represents (None: no service)."""
    rows = await session.exec(
        select(NetworkMember.id, ServiceProvider.type)
        .join(
            ServiceProvider,
            col(ServiceProvider.id) == col(NetworkMember.service_id),
            isouter=True,
        )
        .where(col(NetworkMember.id).in_(member_ids))
    )
    return dict(rows.all())


async def membership_reveals(event: Event, lookup: Lookups) -> Reveals:
    """A barnevern or health membership is data of its category: even that it changed (as
    the network query, see MEMBERSHIP_IS_DATA)."""
    service_type = await lookup(MEMBER_SERVICE_TYPE, event.entity_id)
    category = SERVICE_CATEGORY.get(service_type or "")
    if category not in MEMBERSHIP_IS_DATA:
        return NOTHING
    return Reveals(owned=(category,), own_people=uuids([event.payload.get("personId")]))


async def hint_the_member(session: AsyncSession, event: Event) -> None:
    """Their memberships changed: their myEvents stream follows the child, or stops."""
    if event.entity_type != "network_member":
        return
    person = uuid_or_none(event.payload.get("personId"))
    if person is not None:
        note_person(session.info, person)


async def children_of(
    session: AsyncSession, people: Sequence[uuid.UUID]
) -> Mapping[uuid.UUID, frozenset[uuid.UUID]]:
    """The children each person is in now (active memberships)."""
    rows = await session.exec(
        select(NetworkMember.person_id, NetworkMember.child_id).where(
            col(NetworkMember.person_id).in_(set(people)),
            col(NetworkMember.ended_at).is_(None),
        )
    )
    found: dict[uuid.UUID, set[uuid.UUID]] = {}
    for person_id, child_id in rows.all():
        if person_id is not None:
            found.setdefault(person_id, set()).add(child_id)
    return {person: frozenset(children) for person, children in found.items()}


DOMAIN = Domain(
    name="network",
    # What this domain shows changes with child events or rows the read cache checks.
    cache_checked=True,
    tables=(Municipality, ServiceProvider, NetworkMember),
    query=NetworkQuery,
    mutation=NetworkMutation,
    types=(NetworkMemberNode,),
    renderers={"network_member": render_member},
    # A membership shows the same to all with the same decisions (and "own" flag).
    shared_renders=frozenset({"network_member"}),
    categorizers={"entity:network_member": membership_reveals},
    listeners=(hint_the_member,),
    lookups={MEMBER_SERVICE_TYPE: member_service_types},
    person_children=children_of,
)
