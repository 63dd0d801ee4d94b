"""How a domain plugs in: one `Domain` per domain folder, registered in `backend/domains.py`.

`core/` and `events/` know no domain. A domain declares, in its own folder, its tables, its
GraphQL root fields and types, how an event's entity is rendered (`renderers`) and what knowing
of an event reveals (`categorizers`), and what must happen in the writer's transaction when a
change is recorded (`listeners`: notification rules, counters). `events/` asks this registry,
never a domain module.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import strawberry
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.core.actor import Actor
from backend.events.models import ChildEventCounter, Event

if TYPE_CHECKING:
    from backend.api.context import Info
    from backend.authz.policy import ChildFacts
    from backend.core.database import Database
    from backend.core.settings import Settings


@strawberry.interface(
    description="What an event is about: a child, a network membership, a part of the plan... "
    "Shown as far as you may see it now, with the protection the event was recorded under."
)
class EventEntity:
    id: strawberry.ID


# entity_type -> the entity as this reader may see it (None: gone, or not theirs to see).
# `facts` are the reader's facts with the protection the event was recorded under.
EntityRenderer = Callable[["Info", Event, "ChildFacts"], Awaitable[EventEntity | None]]

# Called by `record_change` for every event it appends, in the writer's transaction.
ChangeListener = Callable[[AsyncSession, Event], Awaitable[None]]

# What knowing of an event reveals (see backend.events.visibility: `Reveals`). The second
# argument is the batched lookup the caller provides.
Categorizer = Callable[[Event, Any], Awaitable[Any]]

# --- hooks: what events/ needs of the domains beyond entities and changes (all optional)

# A batched lookup a categorizer may ask by name (see backend.events.visibility: `Lookups`):
# the values for these keys, read in the given session (a key left out: None).
BatchLookup = Callable[[AsyncSession, Sequence[uuid.UUID]], Awaitable[Mapping[uuid.UUID, Any]]]

# Writes the audit row of a recorded change, in the writer's transaction.
ChangeAuditor = Callable[[AsyncSession, Actor | None, Event], None]

# The children each person is in now (active memberships), for the person's live feed.
PersonChildren = Callable[
    [AsyncSession, Sequence[uuid.UUID]], Awaitable[Mapping[uuid.UUID, frozenset[uuid.UUID]]]
]


@dataclass(frozen=True)
class Credentials:
    """How the live streams learn who is calling and whether that still holds."""

    # The caller named in a websocket's `connection_init` payload (None: nobody named).
    authenticate: Callable[[Mapping[str, Any] | None, Database, Settings], Awaitable[Actor | None]]
    # Whether one caller's session or API token still holds.
    still_valid: Callable[[Actor, Database, Settings], Awaitable[bool]]
    # Of these session and token ids, the ones that still hold (one read for all).
    live: Callable[
        [AsyncSession, Sequence[uuid.UUID], Settings, dt.datetime], Awaitable[set[uuid.UUID]]
    ]


@dataclass(frozen=True)
class PersonFeed:
    """A person's own numbered feed (their in-app notifications), merged into myEvents."""

    # The newest feed number of each person (left out: 0, nothing yet).
    heads: Callable[[AsyncSession, Sequence[uuid.UUID]], Awaitable[Mapping[uuid.UUID, int]]]
    # Up to `limit` rows of one person's feed after `position`, in feed order, with numbers.
    after: Callable[[AsyncSession, uuid.UUID, int, int], Awaitable[Sequence[tuple[int, Any]]]]
    # The stream item for one row, given the cursor to resume after it.
    item: Callable[[str, Any], Any]


@dataclass(frozen=True)
class EmailAttachment:
    """A file an e-mail carries (e.g. a meeting's .ics: text/calendar; method=REQUEST)."""

    filename: str
    content: bytes
    maintype: str
    subtype: str
    # Content-Type parameters, e.g. {"method": "REQUEST", "charset": "utf-8"}.
    params: Mapping[str, str] = field(default_factory=dict)


# What an e-mail of one notification kind carries, given (db, settings, recipient, payload,
# language): read when it is sent, so it shows the state then (nothing: no attachment).
EmailAttachments = Callable[
    ["Database", "Settings", uuid.UUID, Mapping[str, Any], str],
    Awaitable[Sequence[EmailAttachment]],
]


class AccessLogSink(Protocol):
    """Collects access-log rows (from the gate) and writes them in as few transactions as
    possible."""

    def submit(self, entries: list[Any]) -> None: ...

    async def drain(self) -> None: ...


# A job run once a day (and safe to run again): e.g. the plan's overdue reminders.
DailyJob = Callable[["Database", dt.date], Awaitable[int]]


@dataclass(frozen=True)
class Domain:
    """Everything `events/`, `core/` and the schema assembly need to know of one domain."""

    name: str
    tables: tuple[type[SQLModel], ...] = ()
    # Strawberry types whose fields are merged into Query / Mutation / Subscription.
    query: type | None = None
    mutation: type | None = None
    subscription: type | None = None
    # Extra GraphQL types the schema must know (e.g. the domain's EventEntity implementations).
    types: tuple[type, ...] = ()
    # entity_type -> renderer, for `Event.entity`.
    renderers: Mapping[str, EntityRenderer] = field(default_factory=dict)
    # event kind, or "entity:<entity_type>" for every kind about that entity -> categorizer.
    categorizers: Mapping[str, Categorizer] = field(default_factory=dict)
    # Run in the writer's transaction for every recorded event (rules check the kind).
    listeners: tuple[ChangeListener, ...] = ()
    # Entity types whose render is the same for every reader with the same decisions,
    # language and "is this my membership" (see backend.events.live: the render cache).
    # Any other entity is rendered per reader: it may show "your own record".
    shared_renders: frozenset[str] = frozenset()
    # name -> batched lookup, for categorizers (e.g. a membership's service type).
    lookups: Mapping[str, BatchLookup] = field(default_factory=dict)
    # The hooks below are each provided by one domain (the first registered one is used).
    # The audit row of every recorded change (required: no change without its audit row).
    auditor: ChangeAuditor | None = None
    # The live hub's writer of access-log rows.
    access_log_writer: Callable[[Database], AccessLogSink] | None = None
    # Sign-in sessions and API tokens behind live streams.
    credentials: Credentials | None = None
    # Which children a person is in, for their myEvents stream.
    person_children: PersonChildren | None = None
    # A person's own feed, merged into their myEvents stream.
    person_feed: PersonFeed | None = None
    # Jobs the job runner runs once a day, (db, day) -> how many changes they recorded.
    daily_jobs: tuple[DailyJob, ...] = ()
    # Query root fields (GraphQL names, e.g. "myChildren") whose HTTP answers the read cache
    # may keep (backend/api/result_cache.py). Declare a root only when all it shows changes
    # with what that cache checks (the children's events and the listed rows); a root no
    # domain declares is never cached.
    cacheable_roots: frozenset[str] = frozenset()
    # Whether the GraphQL types of this domain's package may be part of a cached answer: every
    # write of what they show records a child event or is among the rows the cache checks.
    # An answer showing a type of an undeclared domain is never cached.
    cache_checked: bool = False
    # Fields ("Type.field") whose answer changes with nothing the cache checks (the access
    # log grows with every read): a document selecting one is never cached.
    uncached_fields: frozenset[str] = frozenset()
    # HTTP and websocket routes of the domain's own (e.g. a calendar feed, a live document),
    # mounted before the web app's pages; endpoints find the database, settings and live hub
    # on `request.app.state` (db, settings, live).
    routes: tuple[Any, ...] = ()
    # notification kind -> what its e-mails carry (the notifier imports no domain).
    email_attachments: Mapping[str, EmailAttachments] = field(default_factory=dict)


_DOMAINS: dict[str, Domain] = {}


def register(domain: Domain) -> Domain:
    """Add a domain (once; registering the same name twice is a programming error)."""
    existing = _DOMAINS.get(domain.name)
    if existing is not None and existing is not domain:
        raise ValueError(f"domain {domain.name!r} is registered twice")
    _DOMAINS[domain.name] = domain
    return domain


def domains() -> tuple[Domain, ...]:
    return tuple(_DOMAINS.values())


def renderer_for(entity_type: str) -> EntityRenderer | None:
    for domain in _DOMAINS.values():
        if entity_type in domain.renderers:
            return domain.renderers[entity_type]
    return None


def categorizer_for(kind: str, entity_type: str) -> Categorizer | None:
    for key in (kind, f"entity:{entity_type}"):
        for domain in _DOMAINS.values():
            if key in domain.categorizers:
                return domain.categorizers[key]
    return None


async def changed(session: AsyncSession, event: Event) -> None:
    """Tell every domain's listeners of a recorded change (record_change calls this)."""
    for domain in _DOMAINS.values():
        for listener in domain.listeners:
            await listener(session, event)


# The outbox's own tables (events/ is no domain, but has tables).
EVENT_TABLES: tuple[type[SQLModel], ...] = (Event, ChildEventCounter)


def tables() -> tuple[type[SQLModel], ...]:
    """The outbox's tables, then every registered domain's, in registration order."""
    return EVENT_TABLES + tuple(table for domain in _DOMAINS.values() for table in domain.tables)


def daily_jobs() -> tuple[DailyJob, ...]:
    return tuple(job for domain in _DOMAINS.values() for job in domain.daily_jobs)


def cacheable_roots() -> frozenset[str]:
    return frozenset(root for domain in _DOMAINS.values() for root in domain.cacheable_roots)


def cache_checked() -> frozenset[str]:
    """The domains (by name, which is their package's) whose types a cached answer may show."""
    return frozenset(domain.name for domain in _DOMAINS.values() if domain.cache_checked)


def uncached_fields() -> frozenset[str]:
    return frozenset(name for domain in _DOMAINS.values() for name in domain.uncached_fields)


def routes() -> tuple[Any, ...]:
    return tuple(route for domain in _DOMAINS.values() for route in domain.routes)


def email_attachments_for(kind: str) -> EmailAttachments | None:
    for domain in _DOMAINS.values():
        if kind in domain.email_attachments:
            return domain.email_attachments[kind]
    return None


def render_is_shared(entity_type: str) -> bool:
    return any(entity_type in domain.shared_renders for domain in _DOMAINS.values())


def lookup_for(name: str) -> BatchLookup | None:
    for domain in _DOMAINS.values():
        if name in domain.lookups:
            return domain.lookups[name]
    return None


def _first(attribute: str) -> Any:
    for domain in _DOMAINS.values():
        hook = getattr(domain, attribute)
        if hook is not None:
            return hook
    return None


def audit_change(session: AsyncSession, actor: Actor | None, event: Event) -> None:
    """Write the audit row of a recorded change (record_change calls this)."""
    auditor: ChangeAuditor | None = _first("auditor")
    if auditor is None:
        # Refuse the change rather than record it without its audit row.
        raise RuntimeError("no domain records audit rows: call backend.domains.install()")
    auditor(session, actor, event)


def access_log_writer() -> Callable[[Database], AccessLogSink]:
    writer: Callable[[Database], AccessLogSink] | None = _first("access_log_writer")
    if writer is None:
        raise RuntimeError("no domain writes the access log: call backend.domains.install()")
    return writer


def credentials() -> Credentials | None:
    found: Credentials | None = _first("credentials")
    return found


def person_children() -> PersonChildren | None:
    found: PersonChildren | None = _first("person_children")
    return found


def person_feed() -> PersonFeed | None:
    found: PersonFeed | None = _first("person_feed")
    return found
