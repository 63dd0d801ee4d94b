"""Who may know of an event: the one category decision for live delivery, notifications and
digests.

An event says something even without its entity: `child.health_withholding_changed` tells
that the child made a health choice, `consent.recorded` names a category, an event about a
barnevern membership tells that barnevern is involved. The domain of each kind declares what
it reveals (`Domain.categorizers`, asked through `reveals_for`); `may_know` decides it for one
reader with the same policies as a field read, so a stream, a notification rule and a digest
count never disagree.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from backend.authz.policy import Action, Category, ChildFacts, decide_on_child
from backend.core.actor import Actor
from backend.core.loaders import DataLoader
from backend.events import registry
from backend.events.models import Event


@dataclass(frozen=True)
class Reveals:
    """What knowing of an event tells: categories read as anyone's, categories that are the
    reader's own record when it names them (their person or their service)."""

    categories: tuple[Category, ...] = ()
    owned: tuple[Category, ...] = ()
    own_people: frozenset[uuid.UUID] = field(default_factory=frozenset)
    own_services: frozenset[uuid.UUID] = field(default_factory=frozenset)
    # Readers whose every role on the child is one of these know of the event only when it
    # names them (own_people, own_services), whatever categories they read: e.g. the child,
    # who reads the consent records but sees only the meetings they are invited to.
    own_only_roles: frozenset[str] = field(default_factory=frozenset)


NOTHING = Reveals()

# Reads the values of one named lookup for these keys (see `Lookups`).
LoadMany = Callable[[str, Sequence[uuid.UUID]], Awaitable[Mapping[uuid.UUID, Any]]]


class Lookups:
    """What categorizers may ask, by name (`await lookup("member_service_type", id)`), from
    the lookups the domains register (`Domain.lookups`). Asked together (one event for many
    readers, many events of a digest), the same lookup is one statement for all keys."""

    def __init__(self, load_many: LoadMany, *, cache: bool = False) -> None:
        self._load_many = load_many
        self._cache = cache
        self._loaders: dict[str, DataLoader[uuid.UUID, Any]] = {}

    async def __call__(self, name: str, key: uuid.UUID) -> Any:
        loader = self._loaders.get(name)
        if loader is None:

            async def load(keys: list[uuid.UUID], name: str = name) -> list[Any]:
                found = await self._load_many(name, keys)
                return [found.get(k) for k in keys]

            loader = self._loaders[name] = DataLoader(load, cache=self._cache)
        return await loader.load(key)


async def run_lookup(
    session: AsyncSession, name: str, keys: Sequence[uuid.UUID]
) -> Mapping[uuid.UUID, Any]:
    lookup = registry.lookup_for(name)
    if lookup is None:
        raise LookupError(f"no domain provides the lookup {name!r}")
    return await lookup(session, list(dict.fromkeys(keys)))


def session_lookups(session: AsyncSession) -> Lookups:
    """Lookups for code that runs in a transaction (rules, digests): they read in it, one
    statement at a time (a session runs one at a time)."""
    lock = asyncio.Lock()

    async def load_many(name: str, keys: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, Any]:
        async with lock:
            return await run_lookup(session, name, keys)

    return Lookups(load_many, cache=True)


async def reveals_for(event: Event, lookups: Lookups) -> Reveals:
    """What knowing of this event tells (NOTHING unless a domain says otherwise)."""
    function = registry.categorizer_for(event.kind, event.entity_type)
    if function is None:
        return NOTHING
    reveals = await function(event, lookups)
    assert isinstance(reveals, Reveals)
    return reveals


async def reveals_of(events: Iterable[Event], lookups: Lookups) -> list[Reveals]:
    """`reveals_for` of many events at once, so that their lookups go together."""
    return list(await asyncio.gather(*(reveals_for(e, lookups) for e in events)))


def may_know(actor: Actor, facts: ChildFacts, reveals: Reveals) -> bool:
    """Whether this reader may know the event happened (row level first, then categories)."""
    if not decide_on_child(actor, Action.VIEW_CHILD, facts):
        return False
    own = actor.person_id in reveals.own_people or bool(facts.service_ids & reveals.own_services)
    if not own and facts.roles and facts.roles <= reveals.own_only_roles:
        return False
    return all(
        decide_on_child(actor, Action.READ_CATEGORY, facts, c) for c in reveals.categories
    ) and all(decide_on_child(actor, Action.READ_CATEGORY, facts, c, own) for c in reveals.owned)


def uuid_or_none(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def uuids(values: Iterable[Any]) -> frozenset[uuid.UUID]:
    """The valid ids among these payload values (for `Reveals.own_people`/`own_services`)."""
    return frozenset(u for v in values if (u := uuid_or_none(v)) is not None)
