"""A per-process cache of rendered query answers, checked against the database on every use.

graphql-core completing a caseload (~8,000 fields) costs many times the reads behind it. When
nothing the answer depends on has changed, the answer is the same bytes: this cache keeps the
encoded `data` of a query over HTTP and hands it out again after checking, in the query's own
read transaction and in two statements, that every dependency is unchanged.
Never by time: an entry is good exactly as long as its dependencies are.

What is cached: queries over HTTP (never mutations, subscriptions or websocket queries, never
a result with errors, never an anonymous caller) whose every root field a domain declares in
`Domain.cacheable_roots`, that select fields only of types defined by domains declaring
`Domain.cache_checked` (their writes are covered by the checks below; a new domain's types
are not, until it says so) and no field of `Domain.uncached_fields` (the access log, which
grows with every read). The key is the canonical document (printed by graphql-core) and
operation name, the variables, the caller (person id, kind, employer service, kommune), the
answer's language, and the date in Oslo (ages, consent periods, overdue marks and "active"
turn with the date).

What an answer depends on (an audit of every service write and every job that writes):
- The children it touched (the gate's reads, refusals and facts): every write of a child's
  data records a child event in its transaction (`record_change` bumps the child's
  `ChildEventCounter.last_seq`): the child row, health withholding (consent/service.py),
  network members added, changed, ended and coordinator hand-overs (network/service.py),
  consents given and withdrawn (consent/service.py), every plan part, revision, confirmation,
  disagreement (plan/service.py, plan/leader.py) and the plan's overdue job (plan/jobs.py).
  Event retention (events/retention.py) deletes old events but no answer here shows them.
- The caller's own active memberships (which children; per child their count and sum of
  versions): a new network appears, an ended one vanishes, even for a child the previous
  answer never touched.
- The people shown: a person is shown in every network they are in, and person writes record
  no child event: the language (identity/service.py) and the address protection raised or
  lowered for a family (children/service.py `_protect_family`, `_lower_protection`) bump
  `Person.version`, and so do no other writes (names and contact details are written once,
  when the person is created). Checked: count and sum of versions of every member (ended ones
  too) of each touched child's network, and of any other person the render loaded (e.g. who
  recorded a consent), by id.
- Rows of no child shown or decided on: services (`ServiceProvider`: registered by the
  coordinating unit, never changed today; its type and kommune decide what its staff may see)
  and the kommune's measure catalogue (catalogue/service.py updates entries with no child
  event; a plan shows their titles): count and sum of versions of each table. Municipalities
  have no write path (seeded once).
- Not dependencies: notifications and their read state (no cacheable root shows them), the
  access log (never cached), the session and API token (checked for every request before
  any query runs: a hit needs a caller signed in now), the caller's name (only the access
  log shows it, written fresh for every hit).

Order: a miss reads the dependencies before the render's data (the children the caller is a
member of, plus those a previous render of the key touched): a commit in between then only
makes the next request render again, never keeps a stale entry. A render that touched a child
(or loaded a person) whose values were not read first is not stored; it leaves the children
and people to read first next time.

A hit writes the access-log rows the render would have written: the render's reads and
refusals (and the facts for the rows' roles) are stored with the entry and noted in the
request's gate, and `FlushAccessLog` writes them as for a render: a log that cannot be written
withholds the answer.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Hashable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import orjson
import sqlalchemy as sa
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from backend.authz.policy import ChildFacts
from backend.catalogue.models import CatalogueMeasureRow
from backend.core import clock
from backend.events import registry
from backend.events.models import ChildEventCounter
from backend.identity.models import Person
from backend.network.models import NetworkMember, ServiceProvider
from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    print_ast,
    visit,
)

log = logging.getLogger("koordinat.result_cache")

# Documents remembered as cacheable or not (by text and operation name).
DOCUMENTS_KEPT = 256
# A caller in more networks than this is served without the cache (the check would grow).
MAX_CHILDREN = 2000


def _table(model: Any) -> sa.Table:
    table: sa.Table = model.__table__
    return table


# Per child: (last event number, the caller's active memberships there: rows and sum of
# versions, the network's people, ended members too: rows and sum of versions).
ChildValues = tuple[int, int, int, int, int]
NOTHING: ChildValues = (0, 0, 0, 0, 0)


@dataclass(frozen=True)
class Snapshot:
    """The dependencies as read now: for every child the caller is a member of, the children
    asked about and the people asked about."""

    children: dict[uuid.UUID, ChildValues]
    # Every child whose values were read (absent from `children`: no events, no members).
    asked: frozenset[uuid.UUID]
    people: frozenset[uuid.UUID]
    rows: tuple[int, ...]

    def member_of(self) -> frozenset[uuid.UUID]:
        return frozenset(c for c, values in self.children.items() if values[1])


@lru_cache(maxsize=1)
def _statements() -> tuple[Any, Any]:
    """The check's two statements, built once (SQLAlchemy then reuses their compiled form)."""
    counter = ChildEventCounter.__table__.c  # type: ignore[attr-defined]
    person = _table(Person).c
    mine = _table(NetworkMember).alias("mine")
    network = _table(NetworkMember).alias("network")
    me = sa.bindparam("me", type_=mine.c.person_id.type)
    own = (mine.c.child_id == counter.child_id, mine.c.person_id == me, mine.c.ended_at.is_(None))
    people_of = network.join(_table(Person), person.id == network.c.person_id)
    member_of = sa.select(mine.c.child_id).where(mine.c.person_id == me, mine.c.ended_at.is_(None))
    children = sa.select(
        counter.child_id,
        counter.last_seq,
        sa.select(sa.func.count()).select_from(mine).where(*own).scalar_subquery(),
        sa.select(sa.func.coalesce(sa.func.sum(mine.c.version), 0)).where(*own).scalar_subquery(),
        sa.select(sa.func.count())
        .select_from(people_of)
        .where(network.c.child_id == counter.child_id)
        .scalar_subquery(),
        sa.select(sa.func.coalesce(sa.func.sum(person.version), 0))
        .select_from(people_of)
        .where(network.c.child_id == counter.child_id)
        .scalar_subquery(),
    ).where(
        sa.or_(
            counter.child_id.in_(member_of),
            counter.child_id.in_(
                sa.bindparam("children", expanding=True, type_=counter.child_id.type)
            ),
        )
    )

    def counts(table: Any, *where: Any) -> tuple[Any, Any]:
        return (
            sa.select(sa.func.count()).select_from(table).where(*where).scalar_subquery(),
            sa.select(sa.func.coalesce(sa.func.sum(table.c.version), 0))
            .where(*where)
            .scalar_subquery(),
        )

    people = sa.bindparam("people", expanding=True, type_=person.id.type)
    totals = sa.select(
        *counts(_table(Person), person.id.in_(people)),
        *counts(_table(ServiceProvider)),
        *counts(_table(CatalogueMeasureRow)),
    )
    return children, totals


async def read_snapshot(
    session: Any, person_id: uuid.UUID, children: Iterable[uuid.UUID], people: Iterable[uuid.UUID]
) -> Snapshot:
    """Two statements, whatever the number of children and people."""
    by_child, totals = _statements()
    asked = frozenset(children)
    extra = frozenset(people)
    found = (await session.execute(by_child, {"me": person_id, "children": sorted(asked)})).all()
    values = {
        row[0]: (int(row[1]), int(row[2]), int(row[3] or 0), int(row[4]), int(row[5] or 0))
        for row in found
    }
    rows = (await session.execute(totals, {"people": sorted(extra)})).one()
    return Snapshot(
        children=values,
        asked=asked | frozenset(c for c, v in values.items() if v[1]),
        people=extra,
        rows=tuple(int(v or 0) for v in rows),
    )


@dataclass
class Entry:
    """A stored answer (or, with no body, what to read first next time) and what it
    depends on."""

    children: frozenset[uuid.UUID]
    people: frozenset[uuid.UUID]
    body: bytes | None = None
    member_of: frozenset[uuid.UUID] = frozenset()
    values: dict[uuid.UUID, ChildValues] = field(default_factory=dict)
    rows: tuple[int, ...] = ()
    # For the access log: what the render read and was refused, and the caller's facts.
    reads: dict[uuid.UUID, frozenset[str]] = field(default_factory=dict)
    refused: dict[uuid.UUID, frozenset[str]] = field(default_factory=dict)
    facts: tuple[ChildFacts, ...] = ()

    def holds(self, now: Snapshot) -> bool:
        return (
            self.body is not None
            and now.member_of() == self.member_of
            and now.rows == self.rows
            and now.people == self.people
            and all(now.children.get(c, NOTHING) == self.values[c] for c in self.children)
        )


@dataclass(frozen=True)
class Document:
    digest: str
    cacheable: bool


class _Fields(Visitor):
    """Every `Type.field` a document selects (with the type each is selected on)."""

    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.found: set[tuple[str, str]] = set()
        # The types the fields return: a field of a checked type (`Child.signals`) may hand
        # out another domain's objects, selected only through an interface (`... on
        # EventEntity { id }`), so the returned type's domain must be checked too.
        self.returns: set[str] = set()

    def enter_field(self, node: FieldNode, *_: object) -> None:
        parent = self.type_info.get_parent_type()
        if parent is not None:
            self.found.add((parent.name, node.name.value))
        returned = self.type_info.get_type()
        if returned is not None:
            self.returns.add(get_named_type(returned).name)


def _root_fields(
    selection: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode], depth: int = 0
) -> list[str] | None:
    names: list[str] = []
    for node in selection.selections:
        if isinstance(node, FieldNode):
            names.append(node.name.value)
            continue
        inner: SelectionSetNode | None = None
        if isinstance(node, InlineFragmentNode):
            inner = node.selection_set
        elif isinstance(node, FragmentSpreadNode) and node.name.value in fragments:
            inner = fragments[node.name.value].selection_set
        found = _root_fields(inner, fragments, depth + 1) if inner and depth < 8 else None
        if found is None:
            return None
        names.extend(found)
    return names


# Packages that are no domain but whose types any answer may carry (pages, user errors, the
# event entity interface).
NEUTRAL_PACKAGES = frozenset({"api", "core", "events"})


def _package(schema: Any, type_name: str) -> str | None:
    """The backend package that defines a GraphQL type (None: not one of ours)."""
    definition = schema.get_type_by_name(type_name)
    module = getattr(getattr(definition, "origin", None), "__module__", "") or ""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "backend" else None


def judge(schema: Any, document: DocumentNode, operation_name: str | None) -> Document:
    """Whether this operation of the document may be cached (`schema`: strawberry's), and
    its canonical digest."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        o
        for o in operations
        if operation_name is None or (o.name and o.name.value == operation_name)
    ]
    digest = hashlib.sha256(orjson.dumps([print_ast(document), operation_name])).hexdigest()
    if len(chosen) != 1 or chosen[0].operation.value != "query":
        return Document(digest, False)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    roots = _root_fields(chosen[0].selection_set, fragments)
    allowed = registry.cacheable_roots() | {"__typename"}
    if not roots or not set(roots) <= allowed:
        return Document(digest, False)
    graphql_schema: GraphQLSchema = schema._schema
    type_info = TypeInfo(graphql_schema)
    fields = _Fields(type_info)
    visit(document, TypeInfoVisitor(type_info, fields))
    root = graphql_schema.query_type.name if graphql_schema.query_type else "Query"
    checked = registry.cache_checked() | NEUTRAL_PACKAGES
    uncached = registry.uncached_fields()
    for type_name, name in fields.found:
        if type_name == root:
            continue
        if f"{type_name}.{name}" in uncached or _package(schema, type_name) not in checked:
            return Document(digest, False)
    for type_name in fields.returns:
        package = _package(schema, type_name)
        # Scalars and enums of no package are plain values; an object of an unchecked
        # domain is not.
        if package is not None and package not in checked:
            return Document(digest, False)
    return Document(digest, True)


@dataclass
class Stats:
    hits: int = 0
    renders: int = 0
    stored: int = 0


class ResultCache:
    """LRU of rendered answers; each hit is checked against the database first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[Hashable, Entry] = OrderedDict()
        self.documents: OrderedDict[tuple[str, str | None], Document] = OrderedDict()
        self.stats = Stats()

    def document(
        self, schema: Any, query: str, document: DocumentNode, name: str | None
    ) -> Document:
        key = (query, name)
        found = self.documents.get(key)
        if found is None:
            found = self.documents[key] = judge(schema, document, name)
            while len(self.documents) > DOCUMENTS_KEPT:
                self.documents.popitem(last=False)
        return found

    def get(self, key: Hashable) -> Entry | None:
        found = self.entries.get(key)
        if found is not None:
            self.entries.move_to_end(key)
        return found

    def put(self, key: Hashable, entry: Entry) -> None:
        self.entries[key] = entry
        self.entries.move_to_end(key)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)


def _loaded(loader: Any) -> dict[Any, Any] | None:
    """What a per-request DataLoader loaded (key -> value), or None if it cannot tell."""
    cache = getattr(getattr(loader, "cache_map", None), "cache_map", None)
    if not isinstance(cache, dict):
        return None
    loaded = {}
    for key, future in cache.items():
        if not future.done() or future.cancelled() or future.exception() is not None:
            return None
        loaded[key] = future.result()
    return loaded


def _people_outside(context: Any, children: set[uuid.UUID]) -> set[uuid.UUID] | None:
    """The people the render loaded who are not members of these children's networks (as the
    render's own member lists show), or None if that cannot be told."""
    loaders = context.loaders
    people = _loaded(loaders.person)
    if people is None:
        return None
    members: set[uuid.UUID] = set()
    for loader in (loaders.active_members, loaders.all_members):
        lists = _loaded(loader)
        if lists is None:
            return None
        for child_id, rows in lists.items():
            if child_id in children:
                members.update(row.person_id for row in rows)
    return {p for p, row in people.items() if row is not None and p not in members}


def build_extension(size: int) -> type[SchemaExtension]:
    """The cache as a schema extension, placed inside FlushAccessLog (which opens the query's
    read transaction and writes the access log after it)."""
    cache = ResultCache(size)

    class ReadCache(SchemaExtension):
        result_cache = cache

        async def on_execute(self) -> AsyncIterator[None]:
            execution = self.execution_context
            context = execution.context
            actor = getattr(context, "actor", None)
            document = execution.graphql_document
            if (
                actor is None
                or getattr(context, "via", None) != "http"
                or document is None
                or execution.query is None
                or execution.operation_type is not OperationType.QUERY
            ):
                yield
                return
            judged = cache.document(
                execution.schema, execution.query, document, execution.operation_name
            )
            if not judged.cacheable:
                yield
                return
            key = (
                judged.digest,
                orjson.dumps(execution.variables or {}, option=orjson.OPT_SORT_KEYS, default=str),
                actor.person_id,
                actor.kind.value,
                actor.employer_service_id,
                actor.municipality_id,
                context.language,
                clock.today(),
            )
            known = cache.get(key)
            previous_children = known.children if known is not None else frozenset()
            previous_people = known.people if known is not None else frozenset()
            try:
                async with context.reads.session() as session:
                    now = await read_snapshot(
                        session, actor.person_id, previous_children, previous_people
                    )
            except Exception:
                # No check, no cache: the render answers (or fails) as it would without one,
                # in a fresh transaction.
                log.warning("read cache not checked", exc_info=True)
                try:
                    async with context.reads.session() as session:
                        await session.rollback()
                except Exception:
                    log.warning("read transaction not rolled back", exc_info=True)
                yield
                return
            if known is not None and known.holds(now):
                cache.stats.hits += 1
                gate = context.gate
                for child_id, what in known.reads.items():
                    for item in what:
                        gate.note_read(child_id, item)
                for child_id, what in known.refused.items():
                    for item in what:
                        gate.note_refused(child_id, item)
                for facts in known.facts:
                    gate.remember(facts)
                assert known.body is not None
                execution.result = ExecutionResult(data=orjson.loads(known.body))
                yield
                return
            cache.stats.renders += 1
            yield
            self._store(key, now, previous_children, previous_people)

        def _store(
            self,
            key: Hashable,
            now: Snapshot,
            previous_children: frozenset[uuid.UUID],
            previous_people: frozenset[uuid.UUID],
        ) -> None:
            result = self.execution_context.result
            if result is None or result.errors or result.data is None:
                return  # an error is never kept
            context = self.execution_context.context
            gate = context.gate
            touched = set(gate._read) | set(gate._refused) | set(gate._known)
            outside = _people_outside(context, touched)
            if outside is None or len(touched) > MAX_CHILDREN:
                return
            if not touched <= now.asked or not outside <= now.people:
                # Read after the dependencies were: next time, read those first.
                children = frozenset(touched | previous_children)
                people = frozenset(outside | previous_people)
                if len(children) <= MAX_CHILDREN:
                    cache.put(key, Entry(children=children, people=people))
                return
            children = frozenset(touched)
            cache.put(
                key,
                Entry(
                    children=children,
                    # The people read before the render (a superset of those it showed).
                    people=now.people,
                    body=orjson.dumps(result.data),
                    member_of=now.member_of(),
                    values={c: now.children.get(c, NOTHING) for c in children},
                    rows=now.rows,
                    reads={c: frozenset(w) for c, w in gate._read.items()},
                    refused={c: frozenset(w) for c, w in gate._refused.items()},
                    facts=tuple(gate._known[c] for c in children if c in gate._known),
                ),
            )
            cache.stats.stored += 1

    return ReadCache


def cache_of(extensions: Iterable[Any]) -> ResultCache | None:
    """The read cache among a schema's extensions (None: off)."""
    for extension in extensions:
        found = getattr(extension, "result_cache", None)
        if isinstance(found, ResultCache):
            return found
    return None
