"""Production accepts from the web app's callers only the documents in graphql/operations/."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.api.trusted import OPERATIONS, allow_list, hashes_of
from backend.app import create_app
from backend.core.migrate import upgrade
from backend.identity.sessions import issue_api_token
from tests.conftest import build_world, make_settings

ME = (OPERATIONS / "Me.graphql").read_text()


@pytest.fixture
async def prod(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'prod.sqlite3'}"
    await upgrade(url)
    app = create_app(make_settings(url, dev_mode=False, secret_key="s3cret-for-tests"))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="https://koordinat.test"
        ) as client,
    ):
        world = await build_world(app.state.db)
        yield client, (app, world)


async def post(client: httpx.AsyncClient, query: str, **headers: str) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": query}, headers={"content-type": "application/json", **headers}
    )
    assert response.status_code == 200
    return dict(response.json())


async def test_a_document_of_the_web_app_is_accepted(prod: Any) -> None:
    client, _ = prod
    assert await post(client, ME) == {"data": {"me": None}}


async def test_the_same_document_as_a_client_lays_it_out_is_accepted(prod: Any) -> None:
    client, _ = prod
    # urql prints the document again and adds __typename for its cache.
    laid_out = " ".join(ME.split()).replace("me {", "me { __typename", 1)
    assert await post(client, laid_out) == {"data": {"me": None}}


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("nb", "Denne forespørselen er ikke en av dem Koordinat-appen sender."),
        ("nn-NO", "Denne førespurnaden er ikkje ein av dei Koordinat-appen sender."),
        ("en", "This request is not one of those the Koordinat app sends."),
    ],
)
async def test_any_other_document_is_refused_clearly(
    prod: Any, language: str, message: str
) -> None:
    client, _ = prod
    for document in [
        "query Me { me { id } }",  # a subset of a known document is another document
        "{ __schema { types { name } } }",
        "query Probe { " + " ".join(f"a{i}: me {{ id }}" for i in range(20)) + " }",
    ]:
        body = await post(client, document, **{"accept-language": language})
        assert body.get("data") is None
        [error] = body["errors"]
        assert error["message"] == message
        assert error["extensions"]["code"] == "UNKNOWN_DOCUMENT"
        assert error["extensions"].get("retryable") is not True


async def test_api_token_clients_are_held_by_the_limits_instead(prod: Any) -> None:
    client, (app, world) = prod
    _, secret = await issue_api_token(app.state.db, world.coordinator.id, name="fagsystem")
    auth = {"authorization": f"Bearer {secret}"}
    body = await post(client, "query Own { me { name } }", **auth)
    assert body == {"data": {"me": {"name": world.coordinator.name}}}
    body = await post(client, "{ __schema { types { name } } }", **auth)
    assert body["errors"][0]["extensions"]["code"] == "INTROSPECTION_DISABLED"


def test_every_operation_file_is_on_the_list() -> None:
    names = sorted(p.stem for p in OPERATIONS.glob("*.graphql") if p.stem != "fragments")
    assert sorted(allow_list().values()) == names


def test_a_changed_document_gets_another_hash(tmp_path: Path) -> None:
    (tmp_path / "a.graphql").write_text("query A { me { id } }")
    (tmp_path / "b.graphql").write_text("query A { me { id name } }")
    first = hashes_of([tmp_path / "a.graphql"])
    second = hashes_of([tmp_path / "b.graphql"])
    assert first.keys().isdisjoint(second.keys())
