"""What one person or address may cost: documents refused before parsing, budgets over HTTP.

Each budget test runs its own app (limits on, tiny budgets; a bucket holds 10 seconds of its
per-minute rate) on the database the `world` fixture seeds; the Redis test runs two apps on
one real Redis with a prefix of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from backend.api import limits
from backend.app import create_app
from tests.conftest import IN_CI, Api, World, make_settings

pytestmark = pytest.mark.usefixtures("world")

REDIS_URL = "redis://127.0.0.1:6379/0"
ME = "{ me { id } }"
MANY_ALIASES = "{ " + " ".join(f"a{n}: __typename" for n in range(1000)) + " }"
MANY_TOKENS = "{ " + " ".join(["me { id }"] * 2000) + " }"


@asynccontextmanager
async def limited_app(
    database_url: str, client_address: str = "127.0.0.1", **settings: Any
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(database_url, rate_limit_enabled=True, **settings))
    transport = httpx.ASGITransport(app=app, client=(client_address, 40000))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        yield client


def post(
    client: httpx.AsyncClient, query: str, person: Any = None, language: str | None = None
) -> Any:
    headers = {"content-type": "application/json"}
    if person is not None:
        headers["x-koordinat-dev-person"] = str(person.id)
    if language:
        headers["accept-language"] = language
    return client.post("/graphql", json={"query": query}, headers=headers)


def refusal_code(response: httpx.Response) -> str:
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    return str(error["extensions"]["code"])


async def test_costly_documents_are_refused_before_parsing(api: Api, world: World) -> None:
    parsed = limits.stats.documents_parsed
    assert (await api.raw(ME, as_=world.coordinator)).status_code == 200
    assert limits.stats.documents_parsed == parsed + 1  # the counter sees what is parsed

    assert limits.stats.refused is not None
    refused = limits.stats.refused["QUERY_TOO_COMPLEX"]
    parsed = limits.stats.documents_parsed
    messages = {}
    for document, language in ((MANY_ALIASES, "en"), (MANY_TOKENS, "nn"), (MANY_ALIASES, "nb")):
        response = await api.raw(document, as_=world.coordinator, language=language)
        assert response.status_code == 400
        assert refusal_code(response) == "QUERY_TOO_COMPLEX"
        messages[language] = response.json()["errors"][0]["message"]
    assert messages == {
        "en": "The request is too large or too complex.",
        "nn": "Førespurnaden er for stor eller for samansett.",
        "nb": "Forespørselen er for stor eller for sammensatt.",
    }
    assert limits.stats.documents_parsed == parsed  # graphql-core never saw them
    assert limits.stats.refused["QUERY_TOO_COMPLEX"] == refused + 3


async def test_colons_in_comments_arguments_and_variables_are_not_aliases(
    api: Api, world: World
) -> None:
    words = " ".join(f"k{n}: v" for n in range(40))  # 40 `name:` pairs in a comment,
    skipped = " ".join(["__typename @skip(if: false)"] * 40)  # 40 in arguments
    document = (
        f"# {words}\nquery Q($first: Int = 1) "
        f"{{ x: __typename {skipped} myChildren(first: $first) {{ edges {{ node {{ id }} }} }} }}"
    )
    response = await api.raw(document, as_=world.coordinator)
    assert response.status_code == 200
    assert "errors" not in response.json(), response.json()


async def test_per_address_budget(database_url: str) -> None:
    async with limited_app(database_url, rate_limit_ip_requests=18) as client:
        for _ in range(3):
            assert (await post(client, ME)).status_code == 200
        response = await post(client, ME, language="en")
        assert response.status_code == 429
        assert refusal_code(response) == "RATE_LIMITED"
        assert int(response.headers["retry-after"]) >= 1
        assert response.json()["errors"][0]["message"] == (
            "Too many requests. Wait a moment and try again."
        )
    # The same budget, another address: its own.
    async with limited_app(database_url, client_address="10.9.8.7", rate_limit_ip_requests=18) as c:
        assert (await post(c, ME)).status_code == 200


async def test_per_person_budget(database_url: str, world: World) -> None:
    async with limited_app(database_url, rate_limit_person_requests=12) as client:
        for _ in range(2):
            response = await post(client, ME, world.coordinator)
            assert response.json() == {"data": {"me": {"id": str(world.coordinator.id)}}}
        response = await post(client, ME, world.coordinator, language="nn")
        assert response.status_code == 429
        assert refusal_code(response) == "RATE_LIMITED"
        assert response.json()["errors"][0]["message"] == (
            "For mange førespurnader. Vent litt og prøv igjen."
        )
        # Someone else at the same address is not held back.
        assert (await post(client, ME, world.teacher)).status_code == 200


async def test_per_person_cost_budget(database_url: str, world: World) -> None:
    # About 400 tokens each: two fit in a burst of 1,000 (10 s of 6,000 a minute), a third not.
    document = "{ " + " ".join(["me { id }"] * 100) + " }"
    async with limited_app(database_url, rate_limit_person_cost=6000, max_tokens=1000) as client:
        for _ in range(2):
            assert (await post(client, document, world.coordinator)).status_code == 200
        response = await post(client, document, world.coordinator)
        assert response.status_code == 429
        assert refusal_code(response) == "RATE_LIMITED"
        assert (await post(client, ME, world.teacher)).status_code == 200


async def _redis_or_skip() -> None:
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (RedisError, OSError):
        if IN_CI:
            pytest.fail("Redis is not reachable on 127.0.0.1:6379")
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    finally:
        await client.aclose()


async def test_two_app_processes_share_one_budget_in_redis(database_url: str, world: World) -> None:
    await _redis_or_skip()
    prefix = f"koordinat-test:{uuid.uuid4().hex[:12]}:limits"
    shared = {
        "redis_url": REDIS_URL,
        "rate_limit_prefix": prefix,
        "events_channel": f"{prefix}:events",
        "rate_limit_person_requests": 18,
    }
    async with (
        limited_app(database_url, **shared) as first,
        limited_app(database_url, **shared) as second,
    ):
        for client in (first, first, second):
            assert (await post(client, ME, world.coordinator)).status_code == 200
        for client in (second, first):
            response = await post(client, ME, world.coordinator)
            assert response.status_code == 429
            assert refusal_code(response) == "RATE_LIMITED"
    client = aioredis.Redis.from_url(REDIS_URL)
    keys = [key async for key in client.scan_iter(f"{prefix}:*")]
    assert keys  # the budget was in Redis, under this test's prefix
    await client.delete(*keys)
    await client.aclose()
