"""A large kommune on PostgreSQL, bulk-loaded in the shapes the services write.

Every row is built from the product's table metadata (`backend.core.tables.metadata`): a row
that misses a required column, or names one the table does not have, stops the load. Ids are
the product's uuid7 (`backend.core.ids.new_id`); events are numbered per child in order with
their counter row, and each event has the audit row `record_change` writes beside it.
Rows go in with PostgreSQL's COPY (asyncpg), in batches, behind a progress bar.

The database is fresh per run: `fresh_database()` creates it, migrates it with the product's
`backend.core.migrate.upgrade`, and drops it when the block ends.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import random
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

import asyncpg
import orjson
import sqlalchemy as sa

from backend import domains
from backend.consent.models import InformationCategory
from backend.core.ids import new_id
from backend.core.migrate import upgrade
from backend.core.tables import metadata
from backend.identity.models import PersonKind
from backend.network.models import NetworkRole, ServiceType

domains.install()  # every domain's tables in `metadata`

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
BATCH = 20_000
CASELOAD = 50  # children per coordinator

try:  # the optional `bench` extra
    from rich.progress import Progress
except ImportError:  # pragma: no cover - plain output without rich
    Progress = None  # type: ignore[assignment,misc]


@dataclasses.dataclass(frozen=True)
class Size:
    children: int = 10_000
    staff: int = 1_500
    services: int = 300
    events: int = 1_000_000
    network_min: int = 6
    network_max: int = 12
    access_log_per_child: int = 5
    # One extra child followed by this many staff members (the fan-out case).
    fanout_members: int = 0


@dataclasses.dataclass
class Kommune:
    """What the benchmarks need to know of the generated data."""

    url: str
    name: str
    size: Size
    coordinators: list[uuid.UUID]
    children: list[uuid.UUID]
    child_members: dict[uuid.UUID, list[tuple[uuid.UUID, uuid.UUID, str]]]  # person, member, role
    guardians: list[uuid.UUID]
    fanout_child: uuid.UUID | None = None
    fanout_members: list[tuple[uuid.UUID, uuid.UUID]] = dataclasses.field(default_factory=list)
    rows: dict[str, int] = dataclasses.field(default_factory=dict)


def _url(name: str) -> str:
    return f"postgresql+asyncpg://{PG['user']}@{PG['host']}:{PG['port']}/{name}"


async def _admin() -> asyncpg.Connection:
    return await asyncpg.connect(database="postgres", **PG)  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def fresh_database(prefix: str = "koordinat_bench") -> AsyncIterator[tuple[str, str]]:
    """(name, SQLAlchemy URL) of a new, migrated database; dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = await _admin()
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        await upgrade(_url(name))
        yield name, _url(name)
    finally:
        admin = await _admin()
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


class _Loader:
    """COPY rows into one table at a time, checked against the product's table metadata."""

    def __init__(self, connection: asyncpg.Connection, progress: Any, task: Any) -> None:
        self.connection = connection
        self.progress = progress
        self.task = task
        self.counts: dict[str, int] = {}

    async def load(self, table_name: str, rows: Iterable[dict[str, Any]]) -> int:
        table = metadata.tables[table_name]
        columns = [c.name for c in table.columns]
        json_columns = {c.name for c in table.columns if isinstance(c.type, sa.JSON)}
        allowed = set(columns)
        optional = {c.name for c in table.columns if c.nullable or c.server_default is not None} - {
            c.name for c in table.primary_key.columns
        }
        batch: list[tuple[Any, ...]] = []
        total = 0
        for row in rows:
            unknown = row.keys() - allowed
            missing = allowed - row.keys() - optional
            if unknown or missing:
                raise ValueError(f"{table_name}: unknown {unknown}, missing {missing}")
            batch.append(
                tuple(
                    orjson.dumps(row[c]).decode() if c in json_columns else row.get(c)
                    for c in columns
                )
            )
            if len(batch) >= BATCH:
                total += await self._flush(table_name, columns, batch)
                batch = []
        total += await self._flush(table_name, columns, batch)
        self.counts[table_name] = self.counts.get(table_name, 0) + total
        return total

    async def _flush(self, table: str, columns: list[str], batch: list[tuple[Any, ...]]) -> int:
        if not batch:
            return 0
        await self.connection.copy_records_to_table(table, records=batch, columns=columns)
        if self.progress is not None:
            self.progress.update(self.task, advance=len(batch))
        return len(batch)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _member(child: uuid.UUID, person: uuid.UUID, service: uuid.UUID | None, role: str) -> dict:
    return {
        "id": new_id(),
        "child_id": child,
        "person_id": person,
        "service_id": service,
        "role": role,
        "responsibilities": None,
        "has_parental_responsibility": role == NetworkRole.GUARDIAN.value,
        "active_from": dt.date(2025, 8, 1),
        "active_to": None,
        "ended_at": None,
        "version": 1,
        "created_at": _now(),
    }


def _event_and_audit(
    child: uuid.UUID,
    seq: int,
    kind: str,
    entity_type: str,
    entity_id: uuid.UUID,
    actor: uuid.UUID,
    payload: dict[str, Any],
    at: dt.datetime,
) -> tuple[dict, dict]:
    event = {
        "id": new_id(),
        "child_id": child,
        "seq": seq,
        "kind": kind,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "actor_person_id": actor,
        "payload": payload,
        "occurred_at": at,
    }
    audit = {
        "id": new_id(),
        "at": at,
        "actor_person_id": actor,
        "action": kind,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "child_id": child,
        "detail": {"auth": "dev", **payload},
    }
    return event, audit


async def generate(url_name: str, url: str, size: Size, *, seed: int = 9) -> Kommune:
    """Fill the (migrated, empty) database `url_name` with one kommune of `size`."""
    rng = random.Random(seed)
    now = _now()
    kommune_id = new_id()
    services: list[tuple[uuid.UUID, str]] = []
    service_types = [t.value for t in ServiceType if t is not ServiceType.COORDINATING_UNIT]
    coordinating_unit = new_id()
    services.append((coordinating_unit, ServiceType.COORDINATING_UNIT.value))
    for n in range(size.services - 1):
        services.append((new_id(), service_types[n % len(service_types)]))
    coordinator_count = max(1, -(-size.children // CASELOAD))
    staff_count = max(size.staff, coordinator_count + 10)
    staff = [new_id() for _ in range(staff_count)]
    coordinators = staff[:coordinator_count]
    staff_service = {
        p: (
            coordinating_unit if n < coordinator_count else services[1 + n % (len(services) - 1)][0]
        )
        for n, p in enumerate(staff)
    }
    others = staff[coordinator_count:]
    children = [new_id() for _ in range(size.children)]
    guardians: list[uuid.UUID] = []
    child_members: dict[uuid.UUID, list[tuple[uuid.UUID, uuid.UUID, str]]] = {}
    members: list[dict] = []
    consents: list[dict] = []
    child_guardians: dict[uuid.UUID, list[uuid.UUID]] = {}
    for n, child in enumerate(children):
        coordinator = coordinators[n // CASELOAD]
        people = [(coordinator, coordinating_unit, NetworkRole.COORDINATOR.value)]
        pair = [new_id() for _ in range(1 if n % 7 == 0 else 2)]
        guardians.extend(pair)
        child_guardians[child] = pair
        people += [(g, None, NetworkRole.GUARDIAN.value) for g in pair]
        wanted = rng.randint(size.network_min, size.network_max) - len(people)
        for person in rng.sample(others, max(0, wanted)):
            people.append((person, staff_service[person], NetworkRole.MEMBER.value))
        child_members[child] = []
        for person, service, role in people:
            row = _member(child, person, service, role)
            members.append(row)
            child_members[child].append((person, row["id"], role))
        member_services = [s for _, s, r in people if s is not None and s != coordinating_unit]
        # The family consents to the coordinating unit for every category (so the
        # coordinator sees the whole network) and to a few member services for one each.
        categories = [c.value for c in InformationCategory]
        grants = [(coordinating_unit, c) for c in categories] + [
            (rng.choice(member_services), rng.choice(categories))
            for _ in range(rng.randint(0, 2) if member_services else 0)
        ]
        for grantee, category in grants:
            consents.append(
                {
                    "id": new_id(),
                    "child_id": child,
                    "service_id": grantee,
                    "to_guardians": False,
                    "category": category,
                    "valid_from": dt.date(2025, 8, 1),
                    "valid_to": None,
                    "given_by_person_id": pair[0],
                    "given_at": now,
                    "withdrawn_at": None,
                    "withdrawn_by_person_id": None,
                    "version": 1,
                }
            )
    fanout_child = new_id() if size.fanout_members else None
    fanout_people = [new_id() for _ in range(size.fanout_members)]
    fanout_members: list[tuple[uuid.UUID, uuid.UUID]] = []
    if fanout_child is not None:
        child_members[fanout_child] = []
        for person in [coordinators[0], *fanout_people]:
            role = NetworkRole.COORDINATOR if person == coordinators[0] else NetworkRole.MEMBER
            row = _member(
                fanout_child, person, staff_service.get(person, coordinating_unit), role.value
            )
            members.append(row)
            child_members[fanout_child].append((person, row["id"], role.value))
            if person != coordinators[0]:
                fanout_members.append((person, row["id"]))

    consents_by_child: dict[uuid.UUID, list[dict]] = {}
    for c in consents:
        consents_by_child.setdefault(c["child_id"], []).append(c)
    per_child, extra = divmod(size.events, max(1, len(children)))
    last_seq: dict[uuid.UUID, int] = {}

    def events() -> Iterator[tuple[dict, dict]]:
        start = now - dt.timedelta(days=365)
        for n, child in enumerate(children):
            count = per_child + (1 if n < extra else 0)
            coordinator = child_members[child][0][0]
            at = start
            step = dt.timedelta(minutes=max(1, 525_600 // max(count, 1)))
            seq = 0

            def one(
                kind: str,
                entity: str,
                entity_id: uuid.UUID,
                payload: dict,
                child: uuid.UUID = child,
                coordinator: uuid.UUID = coordinator,
                step: dt.timedelta = step,
            ) -> tuple:
                nonlocal seq, at
                seq += 1
                at += step
                return _event_and_audit(
                    child, seq, kind, entity, entity_id, coordinator, payload, at
                )

            yield one("child.registered", "child", child, {"childId": str(child)})
            plan = [
                (
                    "network.member_added",
                    "network_member",
                    m,
                    {"memberId": str(m), "personId": str(p)},
                )
                for p, m, _ in child_members[child]
            ] + [
                (
                    "consent.recorded",
                    "consent",
                    c["id"],
                    {
                        "consentId": str(c["id"]),
                        "childId": str(child),
                        "category": c["category"],
                        "serviceId": str(c["service_id"]) if c["service_id"] else None,
                        "toGuardians": False,
                    },
                )
                for c in consents_by_child.get(child, [])
            ]
            for kind, entity, entity_id, payload in plan:
                if seq >= count:
                    break
                yield one(kind, entity, entity_id, payload)
            staff_members = [(p, m) for p, m, r in child_members[child] if r == "member"]
            while seq < count and staff_members:
                person, member = staff_members[seq % len(staff_members)]
                yield one(
                    "network.member_updated",
                    "network_member",
                    member,
                    {
                        "memberId": str(member),
                        "personId": str(person),
                        "changed": ["responsibilities"],
                    },
                )
            last_seq[child] = seq

    people_rows: list[dict] = []

    def person(pid: uuid.UUID, name: str, kind: str, service: uuid.UUID | None) -> dict:
        return {
            "id": pid,
            "name": name,
            "kind": kind,
            "national_id": None,
            "hpr_number": None,
            "email": None,
            "phone": None,
            "preferred_language": "nb",
            "address_protection": "none",
            "leads_service": False,
            "employer_service_id": service,
            "municipality_id": kommune_id if service == coordinating_unit else None,
            "version": 1,
            "created_at": now,
        }

    for n, p in enumerate(staff):
        people_rows.append(person(p, f"Ansatt {n}", PersonKind.STAFF.value, staff_service[p]))
    for n, p in enumerate(fanout_people):
        people_rows.append(person(p, f"Følger {n}", PersonKind.STAFF.value, services[1][0]))
    for n, g in enumerate(guardians):
        people_rows.append(person(g, f"Forelder {n}", PersonKind.CITIZEN.value, None))

    def child_row(cid: uuid.UUID, n: int) -> dict:
        return {
            "id": cid,
            "municipality_id": kommune_id,
            "given_name": f"Barn {n}",
            "family_name": f"Familie {n // 2}",
            "national_id": None,
            "birth_date": dt.date(2012, 1, 1) + dt.timedelta(days=n % 3000),
            "expected_date": None,
            "preferred_language": "nb",
            "interpreter_language": None,
            "address_protection": "none",
            "health_withheld_from_guardians": False,
            "history_protection": "none",
            "history_protected_seq": 0,
            "version": 1,
            "created_at": now,
        }

    def access_log() -> Iterator[dict]:
        for child in children:
            coordinator = child_members[child][0][0]
            for k in range(size.access_log_per_child):
                yield {
                    "id": new_id(),
                    "at": now - dt.timedelta(days=30 - k),
                    "child_id": child,
                    "actor_person_id": coordinator,
                    "actor_name": "Ansatt",
                    "roles": ["coordinator"],
                    "organisation": "Koordinerende enhet",
                    "what": ["basic"],
                    "refused": [],
                    "purpose": "CASELOAD",
                    "purpose_category": None,
                    "via": "api",
                    "outsider": False,
                }

    total = (
        1
        + len(services)
        + len(people_rows)
        + len(children)
        + (1 if fanout_child else 0)
        + len(members)
        + len(consents)
        + 2 * size.events
        + len(children)
        + len(children) * size.access_log_per_child
    )
    connection = await asyncpg.connect(database=url_name, **PG)  # type: ignore[arg-type]
    progress = Progress(transient=False) if Progress is not None else None
    try:
        if progress is not None:
            progress.start()
        task = (
            progress.add_task(f"kommune: {size.children} children", total=total)
            if progress
            else None
        )
        loader = _Loader(connection, progress, task)
        await loader.load(
            "municipality",
            [
                {
                    "id": kommune_id,
                    "name": "Benchvik",
                    "number": "4699",
                    "org_number": "974760673",
                    "created_at": now,
                }
            ],
        )
        await loader.load(
            "service_provider",
            (
                {
                    "id": sid,
                    "municipality_id": kommune_id,
                    "name": f"{kind.capitalize()} {n}",
                    "type": kind,
                    "org_number": "974760673",
                    "version": 1,
                    "created_at": now,
                }
                for n, (sid, kind) in enumerate(services)
            ),
        )
        await loader.load("person", people_rows)
        rows = [child_row(c, n) for n, c in enumerate(children)]
        if fanout_child is not None:
            rows.append(child_row(fanout_child, len(children)))
        await loader.load("child", rows)
        await loader.load("network_member", members)
        await loader.load("consent", consents)
        audits: list[dict] = []

        def only_events() -> Iterator[dict]:
            for event, audit in events():
                audits.append(audit)
                yield event

        # Events and their audit rows in slices, so memory stays bounded at a million.
        pending = only_events()
        while True:
            chunk = [e for _, e in zip(range(BATCH * 5), pending, strict=False)]
            if not chunk:
                break
            await loader.load("event", chunk)
            await loader.load("audit_entry", audits)
            audits.clear()
        await loader.load(
            "child_event_counter",
            ({"child_id": c, "last_seq": s, "pruned_seq": 0} for c, s in last_seq.items()),
        )
        await loader.load("access_log", access_log())
        await connection.execute("ANALYZE")
    finally:
        if progress is not None:
            progress.stop()
        await connection.close()
    return Kommune(
        url=url,
        name=url_name,
        size=size,
        coordinators=coordinators,
        children=children,
        child_members=child_members,
        guardians=guardians,
        fanout_child=fanout_child,
        fanout_members=fanout_members,
        rows=loader.counts,
    )
