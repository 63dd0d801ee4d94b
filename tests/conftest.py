"""Test fixtures: every database test runs on SQLite and on PostgreSQL, each in a fresh database.

In CI (CI=true) a PostgreSQL that cannot be reached fails the run instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import text

from backend import domains
from backend.app import create_app
from backend.audit.access_log import SQLITE_GUARDS, SQLITE_UNGUARDS
from backend.core.database import Database
from backend.core.migrate import upgrade
from backend.core.settings import Settings
from backend.core.tables import metadata
from backend.identity.models import Person, PersonKind
from backend.network.models import Municipality, ServiceProvider, ServiceType

PG_HOST = os.environ.get("KOORDINAT_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("KOORDINAT_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("KOORDINAT_TEST_PG_USER", "postgres")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# Tables, schema and change listeners: what every entry point installs first.
domains.install()


async def _pg_admin() -> asyncpg.Connection:
    return await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")


async def _postgres_available() -> bool:
    try:
        connection = await _pg_admin()
    except (OSError, asyncpg.PostgresError):
        return False
    await connection.close()
    return True


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test marked `postgres` runs on PostgreSQL only: its SQLite variant is not collected
    (e.g. several app processes sharing one database, which SQLite's embedded default is not)."""
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_sqlite = callspec is not None and callspec.params.get("database_url") == "sqlite"
        (dropped if on_sqlite and item.get_closest_marker("postgres") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path_factory: Any) -> AsyncIterator[str]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "koordinat-test.sqlite3"
        url = f"sqlite+aiosqlite:///{path}"
        await upgrade(url)
        yield url
        return
    if not await _postgres_available():
        message = f"PostgreSQL is not reachable on {PG_HOST}:{PG_PORT}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    name = f"koordinat_test_{uuid.uuid4().hex[:12]}"
    admin = await _pg_admin()
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    await upgrade(url)
    yield url
    admin = await _pg_admin()
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


def make_settings(url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": url,
        "dev_mode": True,
        "secret_key": "test-secret",
        # The shared app runs no background jobs: tests that need them start their own,
        # so nothing sends or changes notification rows behind another test's back.
        "jobs_in_process": False,
        # One address and a handful of people send every request of the suite; the limits
        # have their own tests (tests/api/test_limits.py), which turn them on.
        "rate_limit_enabled": False,
        # Many tests set up what they read by writing rows directly (no event, no version), so
        # an answer kept from before would be stale; the read cache has its own tests
        # (tests/api/test_result_cache.py), which turn it on.
        "read_cache_size": 0,
        **overrides,
    }
    return Settings(**values)


@dataclass
class AppUnderTest:
    app: Any
    settings: Settings
    db: Database

    @property
    def backend(self) -> str:
        return "sqlite" if self.settings.is_sqlite else "postgresql"


@pytest.fixture(scope="session")
async def app_under_test(database_url: str) -> AsyncIterator[AppUnderTest]:
    settings = make_settings(database_url)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield AppUnderTest(app=app, settings=settings, db=app.state.db)


async def wipe(db: Database) -> None:
    """Empty every table between tests. The access log refuses DELETE, so it is truncated
    (PostgreSQL) or its guard triggers are lifted for the moment (SQLite)."""
    async with db.engine.begin() as connection:
        if db.is_sqlite:
            for statement in SQLITE_UNGUARDS:
                await connection.execute(text(statement))
        else:
            await connection.execute(text("TRUNCATE access_log"))
        for table in reversed(metadata.sorted_tables):
            await connection.execute(text(f"DELETE FROM {table.name}"))
        if db.is_sqlite:
            for statement in SQLITE_GUARDS:
                await connection.execute(text(statement))


class Api:
    """A GraphQL client over HTTP against the ASGI app, acting as one person or anonymous."""

    def __init__(self, app_under_test: AppUnderTest) -> None:
        self.aut = app_under_test
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app_under_test.app), base_url="http://testserver"
        )

    async def raw(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        as_: Any = None,
        language: str | None = None,
    ) -> httpx.Response:
        headers = {"content-type": "application/json"}
        if as_ is not None:
            headers["x-koordinat-dev-person"] = str(getattr(as_, "id", as_))
        if language:
            headers["accept-language"] = language
        return await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def gql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        as_: Any = None,
        language: str | None = None,
    ) -> dict[str, Any]:
        response = await self.raw(query, variables, as_=as_, language=language)
        body = response.json()
        assert response.status_code == 200, body
        assert "errors" not in body, body["errors"]
        return dict(body["data"])


@dataclass
class World:
    """A kommune with services and people; children are registered by the tests."""

    municipality: Municipality
    unit: ServiceProvider
    school: ServiceProvider
    ppt: ServiceProvider
    barnevern: ServiceProvider
    hospital: ServiceProvider
    coordinator: Person
    coordinator2: Person
    teacher: Person
    psychologist: Person
    caseworker: Person
    doctor: Person
    outsider_staff: Person
    parent: Person
    parent2: Person
    other_parent: Person


VALID_ORGNR = ["974760673", "923609016", "971524960", "983971636", "889640782", "974761076"]


@pytest.fixture
async def world(app_under_test: AppUnderTest) -> AsyncIterator[World]:
    yield await build_world(app_under_test.db)


async def build_world(db: Database) -> World:
    """Empty the database, then a kommune with services and people (no children)."""
    await wipe(db)
    async with db.writing() as session:
        kommune = Municipality(name="Testvik kommune", number="4601", org_number=VALID_ORGNR[0])
        session.add(kommune)
        await session.flush()

        def provider(name: str, kind: ServiceType, org: str, local: bool = True) -> ServiceProvider:
            row = ServiceProvider(
                name=name,
                type=kind.value,
                org_number=org,
                municipality_id=kommune.id if local else None,
            )
            session.add(row)
            return row

        unit = provider("Koordinerende enhet", ServiceType.COORDINATING_UNIT, VALID_ORGNR[0])
        school = provider("Testvik skole", ServiceType.SKOLE, VALID_ORGNR[1])
        ppt = provider("PPT Testvik", ServiceType.PPT, VALID_ORGNR[2])
        barnevern = provider("Barnevernet Testvik", ServiceType.BARNEVERN, VALID_ORGNR[3])
        hospital = provider("Testvik sykehus", ServiceType.SYKEHUS, VALID_ORGNR[4], local=False)
        await session.flush()

        def person(
            name: str, kind: PersonKind, employer: ServiceProvider | None = None, **extra: Any
        ) -> Person:
            row = Person(
                name=name,
                kind=kind.value,
                employer_service_id=employer.id if employer else None,
                municipality_id=kommune.id if employer and employer.municipality_id else None,
                **extra,
            )
            session.add(row)
            return row

        staff = PersonKind.STAFF
        citizen = PersonKind.CITIZEN
        w = World(
            municipality=kommune,
            unit=unit,
            school=school,
            ppt=ppt,
            barnevern=barnevern,
            hospital=hospital,
            coordinator=person("Kari Koordinator", staff, unit),
            coordinator2=person("Kåre Koordinator", staff, unit),
            teacher=person("Tina Lærer", staff, school),
            psychologist=person("Petter PPT", staff, ppt),
            caseworker=person("Berit Barnevern", staff, barnevern),
            doctor=person("Dag Doktor", staff, hospital),
            outsider_staff=person("Otto Utenfor", staff, school),
            parent=person("Pia Forelder", citizen, preferred_language="nb"),
            parent2=person("Paul Forelder", citizen, preferred_language="en"),
            other_parent=person("Olga Annenforelder", citizen),
        )
    return w


@pytest.fixture
async def api(app_under_test: AppUnderTest) -> AsyncIterator[Api]:
    client = Api(app_under_test)
    yield client
    await client.client.aclose()
