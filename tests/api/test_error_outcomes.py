"""graphql-core's own errors follow the error contract: a stable `extensions.code`, a message
in the caller's language, the input path where known, and no schema hints in production."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from backend.api.operations import document
from backend.app import create_app
from backend.core.migrate import upgrade
from backend.identity.models import Person, PersonKind
from backend.identity.sessions import issue_api_token
from tests.conftest import Api, World, make_settings

INVALID_INPUT = {
    "nb": "En verdi i forespørselen har feil form.",
    "nn": "Ein verdi i førespurnaden har feil form.",
    "en": "A value in the request has the wrong form.",
}
# Names from the schema that graphql-core's English text would hand out.
SCHEMA_NAMES = (
    "NetworkRole",
    "AddNetworkMemberInput",
    "RegisterChildInput",
    "represent",
    "enum",
    "Did you mean",
    "bogus",
    "nickname",
)


@pytest.fixture(scope="module")
async def prod(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[httpx.AsyncClient]:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('outcomes') / 'prod.sqlite3'}"
    await upgrade(url)
    app = create_app(make_settings(url, dev_mode=False, secret_key="outcomes"))
    # An API client (another system): it may send documents of its own, not only the web app's.
    async with app.state.db.writing() as session:
        person = Person(name="Integrasjon", kind=PersonKind.STAFF.value)
        session.add(person)
    _, token = await issue_api_token(app.state.db, person.id, "outcomes")
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="https://koordinat.test",
            headers={"authorization": f"Bearer {token}"},
        ) as client,
    ):
        yield client


async def post(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], language: str
) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"content-type": "application/json", "accept-language": language},
    )
    assert response.status_code == 200, response.text
    for name in SCHEMA_NAMES:
        assert name not in response.text, (name, response.text)
    return dict(response.json())


MEMBER = {"childId": "0190f3a0-0000-7000-8000-000000000000", "role": "MEMBER"}
CASES = [
    (
        "bad enum value",
        document("AddNetworkMember"),
        {"input": {**MEMBER, "role": "BOSS"}},
        "input.role",
    ),
    (
        "unknown input field",
        document("AddNetworkMember"),
        {"input": {**MEMBER, "bogus": 1}},
        "input",
    ),
    (
        "invalid date",
        document("RegisterChild"),
        {"input": {"familyName": "X", "guardians": [], "birthDate": "2020-13-45"}},
        "input.birthDate",
    ),
    (
        "int overflow",
        "query Caseload($first: Int) { myChildren(first: $first) { edges { cursor } } }",
        {"first": 2**31},
        "first",
    ),
]


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
@pytest.mark.parametrize(("case", "query", "variables", "field"), CASES, ids=[c[0] for c in CASES])
async def test_coercion_errors_are_typed_and_translated(
    prod: httpx.AsyncClient,
    case: str,
    query: str,
    variables: dict[str, Any],
    field: str,
    language: str,
) -> None:
    body = await post(prod, query, variables, language)
    assert body.get("data") is None
    error = body["errors"][0]
    assert error["message"] == INVALID_INPUT[language]
    assert error["extensions"] == {"code": "INVALID_INPUT", "retryable": False, "field": field}


async def test_literal_arguments_and_documents(prod: httpx.AsyncClient) -> None:
    body = await post(prod, "{ myChildren(first: 99999999999) { edges { cursor } } }", {}, "en")
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert body["errors"][0]["message"] == INVALID_INPUT["en"]
    body = await post(prod, "{ myChildren(role: BOSS) { edges { cursor } } }", {}, "nn")
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    body = await post(prod, "{ me { id ", {}, "nb")
    assert body["errors"][0]["extensions"] == {"code": "GRAPHQL_PARSE_FAILED", "retryable": False}
    assert body["errors"][0]["message"] == "Forespørselen kan ikke leses."
    body = await post(prod, "{ me { nickname } }", {}, "en")
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert body["errors"][0]["locations"] == [{"line": 1, "column": 8}]


async def test_malformed_requests_answer_json(prod: httpx.AsyncClient) -> None:
    response = await prod.post(
        "/graphql",
        content=b"{not json",
        headers={"content-type": "application/json", "accept-language": "en"},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"] == {"code": "BAD_REQUEST", "retryable": False}
    assert response.json()["errors"][0]["message"] == "The request is not valid."


async def test_the_persons_own_language_without_accept_language(api: Api, world: World) -> None:
    """No Accept-Language: the person's choice (English here); in dev mode graphql-core's text
    is kept as `detail` for developers."""
    response = await api.raw(
        document("AddNetworkMember"), {"input": {**MEMBER, "role": "BOSS"}}, as_=world.parent2
    )
    error = response.json()["errors"][0]
    assert error["message"] == INVALID_INPUT["en"]
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert "BOSS" in error["extensions"]["detail"]


async def test_an_internal_error_is_typed_and_says_nothing_internal(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """A real fault that is not the database being away (a table is missing): INTERNAL_ERROR."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('broken') / 'broken.sqlite3'}"
    await upgrade(url)
    app = create_app(make_settings(url, dev_mode=False, secret_key="broken"))
    async with app.state.db.writing() as session:
        person = Person(name="Integrasjon", kind=PersonKind.STAFF.value)
        session.add(person)
    _, token = await issue_api_token(app.state.db, person.id, "broken")
    async with app.state.db.engine.begin() as connection:
        await connection.exec_driver_sql("DROP TABLE notification_preference")
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="https://koordinat.test"
        ) as client,
    ):
        response = await client.post(
            "/graphql",
            json={"query": document("MyNotificationPreferences")},
            headers={"authorization": f"Bearer {token}", "accept-language": "nn"},
        )
    body = response.json()
    assert body["data"] is None
    assert [(e["message"], e["extensions"]) for e in body["errors"]] == [
        ("Det oppstod ein intern feil.", {"code": "INTERNAL_ERROR", "retryable": False})
    ]
    for word in ("notification_preference", "SELECT", "sqlite", "no such table"):
        assert word not in response.text
