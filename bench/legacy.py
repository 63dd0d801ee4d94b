"""Older in-process comparisons on SQLite (`bin/bench --cases legacy`).

The suite itself is bench.run; these stay for comparison with earlier figures.
"""

from __future__ import annotations

import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable

import httpx
import orjson
import strawberry
from sqlmodel import col, select
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter

from backend.api.context import Context
from backend.api.operations import document
from backend.api.schema import Mutation, Query, build_schema
from backend.app import create_app
from backend.children.models import Child
from backend.core.clock import today
from backend.core.migrate import upgrade
from backend.core.settings import Settings
from backend.identity.models import Person, PersonKind
from backend.network.models import (
    Municipality,
    NetworkMember,
    NetworkRole,
    ServiceProvider,
    ServiceType,
)

CHILDREN = 50


async def timed(fn: Callable[[], Awaitable[object]], rounds: int) -> list[float]:
    for _ in range(max(3, rounds // 10)):  # warm up
        await fn()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        await fn()
        samples.append(time.perf_counter() - start)
    return samples


async def seed(app_state: object) -> Person:
    db = app_state.db  # type: ignore[attr-defined]
    async with db.writing() as session:
        kommune = Municipality(name="Benchvik", number="4602", org_number="974760673")
        session.add(kommune)
        await session.flush()
        school = ServiceProvider(
            name="Skole",
            type=ServiceType.SKOLE.value,
            org_number="974760673",
            municipality_id=kommune.id,
        )
        session.add(school)
        await session.flush()
        coordinator = Person(
            name="Koordinator", kind=PersonKind.STAFF.value, municipality_id=kommune.id
        )
        others = [Person(name=f"Person {n}", kind=PersonKind.STAFF.value) for n in range(3)]
        session.add_all([coordinator, *others])
        await session.flush()
        for n in range(CHILDREN):
            child = Child(
                municipality_id=kommune.id,
                given_name=f"Barn {n}",
                family_name="Bench",
                birth_date=today() - dt.timedelta(days=3000),
            )
            session.add(child)
            await session.flush()
            for person, role in [(coordinator, NetworkRole.COORDINATOR)] + [
                (p, NetworkRole.MEMBER) for p in others
            ]:
                session.add(
                    NetworkMember(
                        child_id=child.id,
                        person_id=person.id,
                        service_id=school.id,
                        role=role.value,
                        active_from=today(),
                    )
                )
    return coordinator


async def bare_caseload(db: object, person_id: object) -> bytes:
    """The same data with hand-written queries and no GraphQL: the floor for the API."""
    async with db.reading() as session:  # type: ignore[attr-defined]
        children = (
            await session.exec(
                select(Child)
                .join(NetworkMember, col(NetworkMember.child_id) == col(Child.id))
                .where(NetworkMember.person_id == person_id, col(NetworkMember.ended_at).is_(None))
                .order_by(col(Child.id))
                .limit(CHILDREN)
            )
        ).all()
        ids = [c.id for c in children]
        members = (
            await session.exec(select(NetworkMember).where(col(NetworkMember.child_id).in_(ids)))
        ).all()
        people = {
            p.id: p
            for p in (
                await session.exec(
                    select(Person).where(col(Person.id).in_({m.person_id for m in members}))
                )
            ).all()
        }
        services = {s.id: s for s in (await session.exec(select(ServiceProvider))).all()}
    by_child: dict[object, list[dict[str, object]]] = {}
    for m in members:
        by_child.setdefault(m.child_id, []).append(
            {
                "role": m.role,
                "person": {"name": people[m.person_id].name},
                "service": {"name": services[m.service_id].name} if m.service_id else None,
            }
        )
    return orjson.dumps(
        [
            {"id": str(c.id), "givenName": c.given_name, "network": by_child.get(c.id, [])}
            for c in children
        ]
    )


async def bench_caseload(rounds: int) -> list[tuple[str, float, float]]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.sqlite3"
        await upgrade(url)
        app = create_app(Settings(database_url=url, dev_mode=True, secret_key="bench"))
        async with app.router.lifespan_context(app):
            coordinator = await seed(app.state)
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://bench"
            )
            query = document("MyCaseload")

            async def api() -> None:
                response = await client.post(
                    "/graphql",
                    json={"query": query, "variables": {"first": CHILDREN}},
                    headers={"x-koordinat-dev-person": str(coordinator.id)},
                )
                assert len(response.json()["data"]["myChildren"]["edges"]) == CHILDREN

            async def bare() -> None:
                await bare_caseload(app.state.db, coordinator.id)

            base = statistics.median(await timed(bare, rounds))
            product = statistics.median(await timed(api, rounds))
            await client.aclose()
    return [
        ("caseload of 50 children, bare SQL + JSON (baseline)", base, 1.0),
        ("caseload of 50 children, GraphQL over HTTP (ASGI)", product, product / base),
    ]


async def bench_validation(rounds: int) -> list[tuple[str, float, float]]:
    """Parse + validate + execute a small query under three ways of adding security rules."""
    settings = Settings(dev_mode=False, secret_key="bench", database_url="sqlite+aiosqlite://")
    ours = build_schema(settings)
    bare = strawberry.Schema(query=Query, mutation=Mutation)
    factories = strawberry.Schema(
        query=Query,
        mutation=Mutation,
        extensions=[
            lambda: QueryDepthLimiter(max_depth=12),
            lambda: MaxAliasesLimiter(max_alias_count=30),
        ],
    )
    query = document("MyCaseload")
    actor = None
    context = Context(db=None, settings=settings, actor=actor, language="nb")  # type: ignore[arg-type]

    def runner(schema: strawberry.Schema) -> Callable[[], Awaitable[object]]:
        async def run() -> None:
            result = await schema.execute(query, context_value=context)
            assert result.errors is None, result.errors

        return run

    base = statistics.median(await timed(runner(bare), rounds))
    static = statistics.median(await timed(runner(ours), rounds))
    per_request = statistics.median(await timed(runner(factories), rounds))
    return [
        ("MyCaseload document, strawberry with no extensions (baseline)", base, 1.0),
        ("same, Koordinat's static rules + parser/validation caches", static, static / base),
        (
            "same, per-request limiter factories (not used: defeats the cache)",
            per_request,
            per_request / base,
        ),
    ]
