"""Production mode: no IDE, no introspection, no dev identities, masked errors, query limits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from strawberry.extensions.validation_cache import _get_validate_cache

from backend.app import create_app
from backend.core.migrate import upgrade
from tests.conftest import AppUnderTest, World, make_settings

pytestmark = pytest.mark.usefixtures("world")


@pytest.fixture
async def prod(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'prod.sqlite3'}"
    await upgrade(url)
    app = create_app(make_settings(url, dev_mode=False, secret_key="s3cret-for-tests"))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="https://koordinat.test"
        ) as client,
    ):
        yield client


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
    assert "introspection" in body["errors"][0]["message"].lower()


async def test_dev_identity_and_sign_in_are_refused(prod: httpx.AsyncClient, world: World) -> None:
    body = (
        await post(prod, "{ me { id } }", **{"x-koordinat-dev-person": str(world.coordinator.id)})
    ).json()
    assert body == {"data": {"me": None}}
    assert (await prod.get("/dev/sign-in")).status_code == 404
    response = await prod.post("/dev/sign-in", data={"person_id": str(world.coordinator.id)})
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
            "{ me { id name } }",
            context_value=Context(
                db=app.state.db, settings=app.state.settings, actor=actor, language="nb"
            ),
        )
    assert result.errors is not None
    assert [e.message for e in result.errors] == ["Internal error."]


async def test_alias_and_token_limits(prod: httpx.AsyncClient) -> None:
    natural = "{ myChildren { edges { node { network { service { municipality { id } } } } } } }"
    assert "errors" not in (await post(prod, natural)).json()
    aliased = "{ " + " ".join(f"c{n}: me {{ id }}" for n in range(40)) + " }"
    body = (await post(prod, aliased)).json()
    assert "aliases" in body["errors"][0]["message"]
    huge = "{ " + " ".join(["me { id }"] * 2000) + " }"
    body = (await post(prod, huge)).json()
    assert "token" in body["errors"][0]["message"].lower()


async def test_depth_limit(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'depth.sqlite3'}"
    await upgrade(url)
    app = create_app(make_settings(url, dev_mode=False, secret_key="x", max_query_depth=4))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="https://koordinat.test"
        ) as client,
    ):
        shallow = "{ myChildren { edges { node { id } } } }"
        assert "errors" not in (await post(client, shallow)).json()
        deep = "{ myChildren { edges { node { network { person { id } } } } } }"
        body = (await post(client, deep)).json()
        assert "exceeds maximum operation depth" in body["errors"][0]["message"]


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
    message = body["errors"][0]["message"]
    assert "Cannot query field 'nam'" in message
    assert "Did you mean" not in message and "name" not in message.replace("'nam'", "")


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
