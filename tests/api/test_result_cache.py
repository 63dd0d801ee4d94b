"""The read cache (backend/api/result_cache.py) never serves a stale or wider view.

Two apps over one database: one with the cache, one without. After every change made through
the public API, each cached answer is byte for byte the uncached render, and the access log
gets the same rows for a hit as for a render.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import types
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, make_url, text

from backend.api.operations import OPERATIONS_DIR, document
from backend.api.result_cache import ResultCache, cache_of
from backend.app import create_app
from backend.core import clock
from backend.core.clock import today
from tests.conftest import Api, AppUnderTest, World, make_settings
from tests.faults.conftest import Faulty, _app_role, assert_clean
from tests.helpers import add_member, birth, family_child, fnr, give_consent, register_child

# Everything a reader may be shown of one child, people's contact details and plan included.
WIDE = """query Wide($id: ID!) {
  child(id: $id) {
    ...ChildFields
    nationalId healthWithheldFromGuardians
    network(includeEnded: true) { ...MemberFields
      person { id name kind email phone preferredLanguage }
      service { id name type orgNumber version municipality { id name } } }
    guardians { id person { name } }
    consents { ...ConsentFields }
    plan { id revision version needs { id description category } overdueTaskCount }
  }
}"""


def fragments_for(query: str) -> str:
    """A hand-written document with the web app's fragments it spreads."""
    text = (OPERATIONS_DIR / "fragments.graphql").read_text()
    parts = re.split(r"(?=^fragment )", text, flags=re.MULTILINE)
    wanted = {"ChildFields", "MemberFields", "ConsentFields"}
    return (
        query + "\n" + "".join(p for p in parts if p.split(" ")[1:2] and p.split(" ")[1] in wanted)
    )


def read_cache(app: Any) -> ResultCache:
    for route in app.routes:
        schema = getattr(getattr(route, "endpoint", None), "schema", None)
        if schema is not None:
            found = cache_of(schema.extensions)
            assert found is not None, "the read cache is off"
            return found
    raise AssertionError("no GraphQL route")


@dataclass
class Client:
    app: Any
    http: httpx.AsyncClient

    async def post(
        self, query: str, variables: dict[str, Any], as_: Any, language: str | None = None
    ) -> httpx.Response:
        headers = {"content-type": "application/json", "x-koordinat-dev-person": str(as_.id)}
        if language:
            headers["accept-language"] = language
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )

    async def ok(self, query: str, variables: dict[str, Any], as_: Any) -> dict[str, Any]:
        body = (await self.post(query, variables, as_)).json()
        assert "errors" not in body, body
        return dict(body["data"])


@dataclass
class Pair:
    cached: Client
    plain: Client

    @property
    def cache(self) -> ResultCache:
        return read_cache(self.cached.app)


@pytest.fixture
async def pair(app_under_test: AppUnderTest, world: World) -> AsyncIterator[Pair]:
    url = app_under_test.settings.database_url
    apps = [create_app(make_settings(url, read_cache_size=size)) for size in (64, 0)]
    clients = [
        httpx.AsyncClient(transport=httpx.ASGITransport(app=a), base_url="http://testserver")
        for a in apps
    ]
    async with apps[0].router.lifespan_context(apps[0]), apps[1].router.lifespan_context(apps[1]):
        yield Pair(Client(apps[0], clients[0]), Client(apps[1], clients[1]))
    for client in clients:
        await client.aclose()


LOGGED = "child_id, actor_person_id, actor_name, roles, organisation, what, refused, purpose, "
LOGGED += "purpose_category, via, outsider"


async def log_rows(aut: AppUnderTest) -> list[tuple[Any, ...]]:
    async with aut.db.reading() as session:
        rows = (await session.execute(text(f"SELECT id, {LOGGED} FROM access_log"))).all()
    return [tuple(row) for row in rows]


async def answer(
    aut: AppUnderTest, client: Client, query: str, variables: dict[str, Any], as_: Any
) -> tuple[bytes, list[tuple[Any, ...]]]:
    """The response body and the access-log rows (without id) the request wrote."""
    before = {row[0] for row in await log_rows(aut)}
    response = await client.post(query, variables, as_)
    assert response.status_code == 200, response.text
    written = sorted(row[1:] for row in await log_rows(aut) if row[0] not in before)
    return response.content, [tuple(str(v) for v in row) for row in written]


async def test_every_cached_answer_equals_a_render_after_every_change(
    pair: Pair, api: Api, world: World, app_under_test: AppUnderTest, monkeypatch: Any
) -> None:
    plain = pair.plain
    child = await family_child(api, world)
    a = child["id"]
    teacher = await add_member(
        api,
        world.coordinator,
        a,
        role="MEMBER",
        personId=str(world.teacher.id),
        serviceId=str(world.school.id),
    )
    # A consent that ends today: tomorrow the school sees less.
    await plain.ok(
        document("RecordConsent"),
        {
            "input": {
                "childId": a,
                "serviceId": str(world.school.id),
                "category": "SCHOOL",
                "validTo": today().isoformat(),
            }
        },
        world.parent,
    )
    # The sibling: world.parent is a guardian here too; the caller is not in this network.
    sibling = await register_child(
        api,
        world.coordinator2,
        givenName="Ola",
        nationalId=fnr(7, 2),
        birthDate=birth(7).isoformat(),
        guardians=[
            {
                "personId": str(world.parent.id),
                "name": world.parent.name,
                "hasParentalResponsibility": True,
            }
        ],
    )
    b = sibling["id"]
    reads: list[tuple[Any, str, dict[str, Any]]] = [
        (viewer, query, variables)
        for viewer in (world.coordinator, world.teacher)
        for query, variables in (
            (document("MyCaseload"), {"first": 50}),
            (document("Child"), {"id": a}),
            (document("ChildConsents"), {"id": a}),
            (fragments_for(WIDE), {"id": a}),
            (document("Child"), {"id": b}),
        )
    ]
    previous: list[bytes] = []

    async def check(step: str, changes_an_answer: bool = True) -> None:
        answers = []
        for viewer, query, variables in reads:
            cached, cached_log = await answer(app_under_test, pair.cached, query, variables, viewer)
            rendered, rendered_log = await answer(app_under_test, plain, query, variables, viewer)
            assert cached == rendered, (step, viewer.name, variables)
            assert cached_log == rendered_log, (step, viewer.name, variables)
            # Unchanged since: a hit (at the latest the second time: a render that touched a
            # child or person it had not checked first leaves them to check next time), with
            # the render's answer and the render's log rows.
            for _ in range(2):
                hits = pair.cache.stats.hits
                again = await answer(app_under_test, pair.cached, query, variables, viewer)
                assert again == (rendered, rendered_log), (step, viewer.name, variables)
            assert pair.cache.stats.hits == hits + 1, (step, viewer.name, variables)
            answers.append(rendered)
        if previous and changes_an_answer:
            assert answers != previous, f"{step}: no answer changed, the step tests nothing"
        previous[:] = answers

    await check("start")
    ppt = await add_member(
        api,
        world.coordinator,
        a,
        role="MEMBER",
        personId=str(world.psychologist.id),
        serviceId=str(world.ppt.id),
    )
    await check("a member added for someone else")
    mine = await add_member(
        api,
        world.coordinator2,
        b,
        role="MEMBER",
        personId=str(world.coordinator.id),
        serviceId=str(world.unit.id),
    )
    await check("a member added for the caller: the sibling appears")
    ended = await plain.ok(
        document("EndNetworkMembership"),
        {"input": {"id": ppt["id"], "version": ppt["version"]}},
        world.coordinator,
    )
    assert ended["endNetworkMembership"]["errors"] == []
    await check("a member ended for someone else")
    school_consents = await give_consent(api, world.parent, a, world.school.id, ("HEALTH",))
    await check("a consent given")
    withdrawn = await plain.ok(
        document("WithdrawConsent"), {"input": {"id": school_consents[0]["id"]}}, world.parent
    )
    assert withdrawn["withdrawConsent"]["errors"] == []
    await check("a consent withdrawn")
    updated = await plain.ok(
        document("UpdateChild"),
        {"input": {"id": a, "version": child["version"], "givenName": "Emmeline"}},
        world.coordinator,
    )
    assert updated["updateChild"]["errors"] == []
    await check("the child updated")
    protected = await plain.ok(
        document("UpdateChild"),
        {"input": {"id": b, "version": sibling["version"], "addressProtection": "CONFIDENTIAL"}},
        world.coordinator2,
    )
    assert protected["updateChild"]["errors"] == [], protected
    await check("protection raised on the sibling's network, shared guardian")
    spoken = await plain.ok(document("SetMyLanguage"), {"input": {"language": "nn"}}, world.parent)
    assert spoken["setMyLanguage"]["errors"] == []
    await check("a person shown in two networks changed via their own settings")
    registered = await plain.ok(
        document("RegisterServiceProvider"),
        {
            "input": {
                "name": "Testvik helsestasjon",
                "type": "HELSESTASJON",
                "orgNumber": "974761076",
                "municipalityId": str(world.municipality.id),
            }
        },
        world.coordinator,
    )
    assert registered["registerServiceProvider"]["errors"] == [], registered
    await check("a service registered (services cannot be renamed)", changes_an_answer=False)
    plan = await plain.ok(
        document("PlanCreate"),
        {"input": {"childId": a, "periodStart": today().isoformat()}},
        world.coordinator,
    )
    assert plan["createPlan"]["errors"] == [], plan
    need = await plain.ok(
        document("PlanAddNeed"),
        {
            "input": {
                "planId": plan["createPlan"]["plan"]["id"],
                "lifeArea": "HEALTH",
                "description": "Trenger ro",
            }
        },
        world.coordinator,
    )
    assert need["addNeed"]["errors"] == [], need
    await check("a plan with a part added")
    notes = await plain.ok(document("MyNotifications"), {"first": 5}, world.coordinator)
    first = notes["myNotifications"]["edges"][0]["node"]["id"]
    read = await plain.ok(
        document("MarkNotificationRead"), {"input": {"id": first}}, world.coordinator
    )
    assert read["markNotificationRead"]["errors"] == []
    await check("a notification marked read", changes_an_answer=False)
    english = await plain.ok(
        document("SetMyLanguage"), {"input": {"language": "en"}}, world.coordinator
    )
    assert english["setMyLanguage"]["errors"] == []
    await check("the caller's language changed", changes_an_answer=False)

    class Tomorrow(dt.datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:  # type: ignore[override]
            return dt.datetime.now(tz) + dt.timedelta(days=1)

    monkeypatch.setattr(clock, "dt", types.SimpleNamespace(datetime=Tomorrow))
    assert today() == dt.datetime.now(clock.OSLO).date() + dt.timedelta(days=1)
    await check("the day rolled over: the school's consent has ended")
    monkeypatch.undo()
    out = await plain.ok(
        document("EndNetworkMembership"),
        {"input": {"id": mine["id"], "version": mine["version"]}},
        world.coordinator2,
    )
    assert out["endNetworkMembership"]["errors"] == []
    await check("the caller's membership ended: the sibling vanishes")
    handed = await plain.ok(
        document("AssignCoordinator"),
        {
            "input": {
                "childId": a,
                "personId": str(world.coordinator2.id),
                "serviceId": str(world.unit.id),
            }
        },
        world.coordinator,
    )
    assert handed["assignCoordinator"]["errors"] == [], handed
    await check("the coordinator handed over: the child vanishes for the caller")
    gone = await pair.cached.ok(document("MyCaseload"), {"first": 50}, world.coordinator)
    assert gone["myChildren"]["edges"] == []
    assert teacher  # the teacher's view was compared at every step


@contextmanager
def statements(app: Any) -> Iterator[list[str]]:
    seen: list[str] = []

    def before(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        if statement.split(" ")[0] not in ("BEGIN", "COMMIT", "ROLLBACK"):
            seen.append(statement)

    engine = app.state.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


BACKEND = Path(__file__).resolve().parents[2] / "backend"


@contextmanager
def resolver_calls() -> Iterator[list[str]]:
    """Calls into the domains' GraphQL types and resolvers (types.py, schema.py), watched
    with the interpreter's profiler (requests run in this thread)."""
    seen: list[str] = []
    domains = {str(BACKEND / d.name) for d in BACKEND.iterdir() if d.name not in ("api", "events")}

    def profile(frame: Any, what: str, _: Any) -> None:
        if what == "call":
            path = Path(frame.f_code.co_filename)
            if path.name in ("types.py", "schema.py") and str(path.parent) in domains:
                seen.append(f"{path.parent.name}/{path.name}:{frame.f_code.co_name}")

    sys.setprofile(profile)
    try:
        yield seen
    finally:
        sys.setprofile(None)


async def test_a_hit_costs_the_same_statements_for_2_or_6_children_and_runs_no_resolver(
    pair: Pair, api: Api, world: World
) -> None:
    counts = []
    registered = 0
    for size in (2, 6):
        while registered < size:
            await register_child(api, world.coordinator, nationalId=fnr(9, 10 + registered))
            registered += 1
        variables = {"first": 50}
        with resolver_calls() as rendering:
            body = await pair.cached.ok(document("MyCaseload"), variables, world.coordinator)
        assert len(body["myChildren"]["edges"]) == size
        assert rendering, "the render ran no resolver: this check could not fail"
        hits = pair.cache.stats.hits
        with statements(pair.cached.app) as seen, resolver_calls() as hitting:
            again = await pair.cached.ok(document("MyCaseload"), variables, world.coordinator)
        assert pair.cache.stats.hits == hits + 1
        assert again == body
        assert hitting == []
        counts.append(len(seen))
    assert counts[0] == counts[1], counts
    # The caller; the check (two statements); the caller's organisation for the log and the
    # log's insert (one statement for all children).
    assert counts[1] == 5, [s[:60] for s in seen]


async def test_two_callers_never_share_an_answer(pair: Pair, api: Api, world: World) -> None:
    child = await family_child(api, world)
    await add_member(
        api,
        world.coordinator,
        child["id"],
        role="MEMBER",
        personId=str(world.teacher.id),
        serviceId=str(world.school.id),
    )
    query, variables = document("Child"), {"id": child["id"]}
    answers = {}
    for viewer in (world.coordinator, world.teacher):
        renders = pair.cache.stats.renders
        cached = await pair.cached.post(query, variables, viewer)
        assert pair.cache.stats.renders == renders + 1, "another caller's answer was served"
        rendered = await pair.plain.post(query, variables, viewer)
        assert cached.content == rendered.content
        answers[viewer.name] = cached.json()["data"]["child"]
    # The teacher may not see the national id: the views differ, and so must the entries.
    assert answers[world.coordinator.name]["nationalId"] is not None
    assert answers[world.teacher.name]["nationalId"] is None
    for viewer in (world.coordinator, world.teacher):
        hits = pair.cache.stats.hits
        again = await pair.cached.post(query, variables, viewer)
        assert pair.cache.stats.hits == hits + 1
        assert again.json()["data"]["child"] == answers[viewer.name]


async def test_an_error_is_never_kept(pair: Pair, api: Api, world: World) -> None:
    await register_child(api, world.coordinator)
    stored = pair.cache.stats.stored
    for _ in range(2):
        renders = pair.cache.stats.renders
        response = await pair.cached.post(document("MyCaseload"), {"first": -1}, world.coordinator)
        body = response.json()
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "INVALID"
        assert pair.cache.stats.renders == renders + 1
    assert pair.cache.stats.stored == stored
    # And with the setting at 0 there is no cache at all.
    with pytest.raises(AssertionError, match="off"):
        read_cache(pair.plain.app)


@pytest.fixture
async def cached_faulty(app_under_test: AppUnderTest, world: World) -> AsyncIterator[Faulty]:
    """tests/faults' production-mode app over a database the test breaks, with the cache on."""
    from backend.identity.sessions import issue_api_token

    base = app_under_test.settings.database_url
    role: str | None = None
    if app_under_test.backend == "sqlite":
        url = base + "?timeout=0.3"
    else:
        role, url = await _app_role(base)
    settings = make_settings(
        url, dev_mode=False, secret_key=f"cache-{uuid.uuid4()}", read_cache_size=64
    )
    app = create_app(settings)
    _, token = await issue_api_token(app_under_test.db, world.coordinator.id, "cache")
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="https://koordinat.test"
        ) as client,
    ):
        faulty = Faulty(app_under_test, client, url, role, token)
        faulty.app = app  # type: ignore[attr-defined]
        yield faulty
    if role is not None:
        import asyncpg

        from tests.conftest import PG_HOST, PG_PORT, PG_USER

        admin = await asyncpg.connect(
            host=PG_HOST, port=PG_PORT, user=PG_USER, database=make_url(base).database
        )
        await admin.execute(f'DROP OWNED BY "{role}"')
        await admin.execute(f'DROP ROLE "{role}"')
        await admin.close()


async def test_a_hit_the_log_cannot_record_is_withheld(
    cached_faulty: Faulty, api: Api, world: World
) -> None:
    faulty = cached_faulty
    cache = read_cache(faulty.app)  # type: ignore[attr-defined]
    child = await register_child(api, world.coordinator)
    query, variables = document("Child"), {"id": child["id"]}
    first = await faulty.post(query, variables)
    assert first.json()["data"]["child"]["id"] == child["id"]
    logged = await faulty.count("access_log")
    hits = cache.stats.hits
    async with faulty.log_refuses_rows():
        response = await faulty.post(query, variables)
    assert cache.stats.hits == hits + 1, "not a hit: this test would test the render"
    assert_clean(response)
    body = response.json()
    assert body["data"] is None
    assert "Emma" not in response.text and "Testesen" not in response.text
    assert body["errors"][0]["extensions"] == {
        "code": "UNAVAILABLE",
        "retryable": True,
        "committed": False,
    }
    assert await faulty.count("access_log") == logged
    # Writable again: the same hit is answered, and logged.
    again = await faulty.post(query, variables)
    assert cache.stats.hits == hits + 2
    assert again.content == first.content
    assert await faulty.count("access_log") == logged + 1


@pytest.mark.parametrize(
    ("selection", "cacheable"),
    [
        ("id plan { id revision }", True),
        # Another domain's objects under a checked type, selected only through the interface
        # they share: the returned type's domain decides, not the interface's.
        ("id signals { ... on EventEntity { id } }", False),
        ("id transitions { ... on EventEntity { id } }", False),
        ("id coordinatorRequests { id }", False),
        ("id pathway { id }", False),
        ("id accessLog { edges { cursor } }", False),
    ],
)
def test_only_checked_domains_objects_are_cached(selection: str, cacheable: bool) -> None:
    from backend.api.result_cache import judge
    from backend.api.schema import build_schema
    from graphql import parse

    schema = build_schema(make_settings("sqlite+aiosqlite:///:memory:"))
    query = f'query {{ child(id: "x") {{ {selection} }} }}'
    assert judge(schema, parse(query), None).cacheable is cacheable, selection
