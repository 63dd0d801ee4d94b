"""Production mode: no IDE, no introspection, no dev identities, masked errors, query limits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from strawberry.extensions.validation_cache import _get_validate_cache

from backend.app import create_app
from backend.core.migrate import upgrade
from backend.core.settings import PROJECT_ROOT as ROOT
from backend.identity.sessions import issue_api_token
from tests.conftest import AppUnderTest, World, build_world, make_settings

pytestmark = pytest.mark.usefixtures("world")


@pytest.fixture
async def prod_clients(
    tmp_path: Path,
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """An anonymous client and one with an API token (another system, not the web app)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'prod.sqlite3'}"
    await upgrade(url)
    app = create_app(make_settings(url, dev_mode=False, secret_key="s3cret-for-tests"))
    async with app.router.lifespan_context(app):
        owner = (await build_world(app.state.db)).coordinator
        _, secret = await issue_api_token(app.state.db, owner.id, name="fagsystem")
        transport = httpx.ASGITransport(app=app)
        async with (
            httpx.AsyncClient(transport=transport, base_url="https://koordinat.test") as anonymous,
            httpx.AsyncClient(
                transport=transport,
                base_url="https://koordinat.test",
                headers={"authorization": f"Bearer {secret}"},
            ) as token_client,
        ):
            yield anonymous, token_client


@pytest.fixture
def prod(prod_clients: tuple[httpx.AsyncClient, httpx.AsyncClient]) -> httpx.AsyncClient:
    """The web app's callers may send only graphql/operations/ (test_trusted_documents.py);
    the limits below are what still holds for API-token clients, which may send any document."""
    return prod_clients[1]


@pytest.fixture
def anonymous(prod_clients: tuple[httpx.AsyncClient, httpx.AsyncClient]) -> httpx.AsyncClient:
    return prod_clients[0]


def post(client: httpx.AsyncClient, query: str, **headers: str) -> httpx.Response:
    return client.post(
        "/graphql", json={"query": query}, headers={"content-type": "application/json", **headers}
    )


async def test_no_graphiql_and_no_get_queries(prod: httpx.AsyncClient) -> None:
    response = await prod.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code in (404, 405)
    response = await prod.get("/graphql", params={"query": "{ me { id } }"})
    assert response.status_code in (404, 405)


async def test_introspection_is_refused(prod: httpx.AsyncClient) -> None:
    body = (await post(prod, "{ __schema { types { name } } }")).json()
    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] == "INTROSPECTION_DISABLED"


async def test_dev_identity_and_sign_in_are_refused(
    anonymous: httpx.AsyncClient, world: World
) -> None:
    me = (ROOT / "graphql" / "operations" / "Me.graphql").read_text()
    body = (
        await post(anonymous, me, **{"x-koordinat-dev-person": str(world.coordinator.id)})
    ).json()
    assert body == {"data": {"me": None}}
    assert (await anonymous.get("/dev/sign-in")).status_code == 404
    response = await anonymous.post("/dev/sign-in", data={"person_id": str(world.coordinator.id)})
    assert response.status_code == 404
    assert "set-cookie" not in response.headers


async def test_internal_error_text_never_reaches_the_client(tmp_path: Path, world: World) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}"
    app = create_app(make_settings(url, dev_mode=False, secret_key="x"))
    # Reading the caller's own record fails (no tables); the client sees a masked error only.
    from backend.api.context import Context
    from backend.identity.actor import Actor

    actor = Actor.from_person(world.coordinator, auth_method="test")
    graphql_app = next(r for r in app.routes if getattr(r, "path", "") == "/graphql").endpoint
    schema = graphql_app.schema
    async with app.router.lifespan_context(app):
        result = await schema.execute(
            (ROOT / "graphql" / "operations" / "Me.graphql").read_text(),
            context_value=Context(
                db=app.state.db, settings=app.state.settings, actor=actor, language="nb"
            ),
        )
    assert result.errors is not None
    assert [(e.message, e.extensions) for e in result.errors] == [
        ("Det oppstod en intern feil.", {"code": "INTERNAL_ERROR", "retryable": False})
    ]


async def test_alias_and_token_limits(prod: httpx.AsyncClient) -> None:
    natural = "{ myChildren { edges { node { network { service { municipality { id } } } } } } }"
    assert "errors" not in (await post(prod, natural)).json()
    # Counted on the raw document and refused before parsing (tests/api/test_limits.py).
    aliased = "{ " + " ".join(f"c{n}: me {{ id }}" for n in range(40)) + " }"
    body = (await post(prod, aliased)).json()
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    huge = "{ " + " ".join(["me { id }"] * 2000) + " }"
    body = (await post(prod, huge)).json()
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    # Aliases multiplied by fragment spreads are still caught by the validation rule.
    spread = (
        "query { me { ...F } other: me { ...F } } fragment F on Person { "
        + " ".join(f"c{n}: id" for n in range(16))
        + " }"
    )
    body = (await post(prod, spread)).json()
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


async def test_depth_limit(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'depth.sqlite3'}"
    await upgrade(url)
    app = create_app(make_settings(url, dev_mode=False, secret_key="x", max_query_depth=4))
    async with app.router.lifespan_context(app):
        owner = (await build_world(app.state.db)).coordinator
        _, secret = await issue_api_token(app.state.db, owner.id, name="fagsystem")
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="https://koordinat.test",
            headers={"authorization": f"Bearer {secret}"},
        )
        shallow = "{ myChildren { edges { node { id } } } }"
        assert "errors" not in (await post(client, shallow)).json()
        deep = "{ myChildren { edges { node { network { person { id } } } } } }"
        body = (await post(client, deep)).json()
        assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
        await client.aclose()


async def test_non_json_posts_are_refused(prod: httpx.AsyncClient) -> None:
    for content_type in ("application/x-www-form-urlencoded", "text/plain", "multipart/form-data"):
        response = await prod.post(
            "/graphql", content=b"query={me{id}}", headers={"content-type": content_type}
        )
        assert response.status_code == 415


async def test_validation_cache_hits_across_requests(app_under_test: AppUnderTest) -> None:
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app_under_test.app), base_url="http://testserver"
    )
    cache = _get_validate_cache(app_under_test.settings.validation_cache_size)
    query = "query CacheProbe { me { id name } }"
    await post(client, query)
    hits = cache.cache_info().hits
    for _ in range(5):
        await post(client, query)
    assert cache.cache_info().hits - hits == 5
    await client.aclose()


async def test_validation_errors_do_not_suggest_field_names(prod: httpx.AsyncClient) -> None:
    body = (await post(prod, "{ me { nam } }")).json()
    error = body["errors"][0]
    assert error["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED", "retryable": False}
    assert error["message"] == "Forespørselen passer ikke med API-et."
    assert "Did you mean" not in str(body) and "name" not in str(body)


async def test_oversized_bodies_are_refused(prod: httpx.AsyncClient) -> None:
    padding = "x" * 1_100_000
    response = await prod.post(
        "/graphql",
        content=b'{"query": "{ me { id } }", "variables": {"p": "' + padding.encode() + b'"}}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413

    async def chunks():  # type: ignore[no-untyped-def]
        yield b'{"query": "{ me { id } }", "variables": {"p": "'
        for _ in range(12):
            yield b"x" * 100_000
        yield b'"}}'

    response = await prod.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
