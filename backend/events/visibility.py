"""Who may know of an event: the one category decision for live delivery, notifications and
digests.

An event says something even without its entity: `child.health_withholding_changed` tells
that the child made a health choice, `consent.recorded` names a category, an event about a
barnevern membership tells that barnevern is involved. Each kind declares what it reveals
(`reveals_for`); `may_know` decides it for one reader with the same policies as a field
read, so a stream, a notification rule and a digest count never disagree.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.authz.access import MEMBERSHIP_IS_DATA, SERVICE_CATEGORY
from backend.authz.policy import Action, Category, ChildFacts, decide_on_child
from backend.events.models import Event
from backend.identity.actor import Actor
from backend.network.models import NetworkMember, ServiceProvider

# The type of service a membership represents (None: no service), batched by the caller.
MemberServiceType = Callable[[uuid.UUID], Awaitable[str | None]]


@dataclass(frozen=True)
class Reveals:
    """What knowing of an event tells: categories read as anyone's, categories that are the
    reader's own record when it names them (their person or their service)."""

    categories: tuple[Category, ...] = ()
    owned: tuple[Category, ...] = ()
    own_people: frozenset[uuid.UUID] = field(default_factory=frozenset)
    own_services: frozenset[uuid.UUID] = field(default_factory=frozenset)


NOTHING = Reveals()

Categorizer = Callable[[Event, MemberServiceType], Awaitable[Reveals]]

# By event kind; `entity:<type>` answers for every kind about that entity type.
CATEGORIZERS: dict[str, Categorizer] = {}


def categorize(*keys: str) -> Callable[[Categorizer], Categorizer]:
    """Register what events of these kinds (or `entity:<type>`) reveal."""

    def wrap(function: Categorizer) -> Categorizer:
        for key in keys:
            CATEGORIZERS[key] = function
        return function

    return wrap


async def reveals_for(event: Event, member_service_type: MemberServiceType) -> Reveals:
    function = CATEGORIZERS.get(event.kind) or CATEGORIZERS.get(f"entity:{event.entity_type}")
    return await function(event, member_service_type) if function else NOTHING


def may_know(actor: Actor, facts: ChildFacts, reveals: Reveals) -> bool:
    """Whether this reader may know the event happened (row level first, then categories)."""
    if not decide_on_child(actor, Action.VIEW_CHILD, facts):
        return False
    own = actor.person_id in reveals.own_people or bool(facts.service_ids & reveals.own_services)
    return all(
        decide_on_child(actor, Action.READ_CATEGORY, facts, c) for c in reveals.categories
    ) and all(decide_on_child(actor, Action.READ_CATEGORY, facts, c, own) for c in reveals.owned)


def session_member_service_types(session: AsyncSession) -> MemberServiceType:
    """A lookup for code that runs in a transaction (rules, digests): one statement each."""

    async def lookup(member_id: uuid.UUID) -> str | None:
        row = (
            await session.exec(
                select(ServiceProvider.type)
                .join(NetworkMember, col(NetworkMember.service_id) == col(ServiceProvider.id))
                .where(NetworkMember.id == member_id)
            )
        ).first()
        return row

    return lookup


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _ids(values: Iterable[Any]) -> frozenset[uuid.UUID]:
    return frozenset(u for v in values if (u := _uuid(v)) is not None)


@categorize("child.health_withholding_changed")
async def _health_choice(event: Event, _: MemberServiceType) -> Reveals:
    # The child's own choice about health information is health information.
    return Reveals(categories=(Category.HEALTH,))


@categorize("consent.recorded", "consent.withdrawn")
async def _consent(event: Event, _: MemberServiceType) -> Reveals:
    """A consent event is a consent record, and names its category (as the consent list:
    the records themselves, then the category unless the consent is the reader's own)."""
    try:
        named: tuple[Category, ...] = (Category(event.payload.get("category")),)
    except ValueError:
        named = ()
    return Reveals(
        categories=(Category.CONSENTS,),
        owned=named,
        own_people=_ids([event.actor_person_id]),
        own_services=_ids([event.payload.get("serviceId")]),
    )


@categorize("entity:network_member")
async def _membership(event: Event, member_service_type: MemberServiceType) -> Reveals:
    """A barnevern or health membership is data of its category: even that it changed (as
    the network query, see MEMBERSHIP_IS_DATA)."""
    service_type = await member_service_type(event.entity_id)
    category = SERVICE_CATEGORY.get(service_type or "")
    if category not in MEMBERSHIP_IS_DATA:
        return NOTHING
    return Reveals(
        owned=(category,),
        own_people=_ids([event.payload.get("personId")]),
    )
