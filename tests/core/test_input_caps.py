"""Every list and every string of every input has a cap, enforced before any work.

The schema is walked: for each argument of each query and mutation, every reachable list and
string is sent once just over its cap, with every other required value filled in, and must
be refused with TOO_MANY or TOO_LONG naming the field, with no row written.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import strawberry
from sqlmodel import func, select

from backend.api.input_caps import DEFAULT_ITEMS, DEFAULT_LENGTH, cap_of
from backend.api.operations import document
from backend.api.schema import Mutation, Query, Subscription
from backend.app import create_app
from backend.notify.models import Notification
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    Undefined,
    get_named_type,
)
from tests.conftest import Api, AppUnderTest, World, make_settings
from tests.events.live import InProcessServer, ws_session
from tests.helpers import counts, fnr, register_input

SCHEMA = strawberry.Schema(query=Query, mutation=Mutation, subscription=Subscription)._schema

_SCALARS = {
    "String": "x",
    "ID": "x",
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "Date": "2020-01-01",
    "DateTime": "2020-01-01T00:00:00+00:00",
    "JSON": {},
}


def minimal(type_: Any) -> Any:
    """A value of `type_` with every required field filled (and nothing else)."""
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if isinstance(type_, GraphQLList):
        return []
    if isinstance(type_, GraphQLInputObjectType):
        return {
            name: minimal(field.type)
            for name, field in type_.fields.items()
            if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
        }
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    assert isinstance(type_, GraphQLScalarType)
    return _SCALARS[type_.name]


def over_cap(
    type_: Any, definition: GraphQLInputField | GraphQLArgument, path: str, depth: int = 0
) -> Iterator[tuple[Any, str, str]]:
    """(value, field path, expected code) for every list and string under `type_`."""
    limit = cap_of(definition)
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if isinstance(type_, GraphQLList):
        yield [minimal(type_.of_type)] * (limit.items + 1), path, "TOO_MANY"
        # Each element is capped too: one bad element in a list of one.
        inner = type_.of_type.of_type if isinstance(type_.of_type, GraphQLNonNull) else type_
        named = get_named_type(inner)
        if isinstance(named, GraphQLInputObjectType):
            for value, sub, code in over_cap(named, definition, f"{path}.0", depth + 1):
                yield [value], sub, code
        elif isinstance(named, GraphQLScalarType) and isinstance(_SCALARS[named.name], str):
            yield ["x" * (limit.length + 1)], f"{path}.0", "TOO_LONG"
        return
    if isinstance(type_, GraphQLInputObjectType):
        if depth > 4:
            return
        base = minimal(type_)
        for name, field in type_.fields.items():
            sub = f"{path}.{name}" if path else name
            for value, field_path, code in over_cap(field.type, field, sub, depth + 1):
                yield {**base, name: value}, field_path, code
        return
    if isinstance(type_, GraphQLScalarType) and isinstance(_SCALARS[type_.name], str):
        yield "x" * (limit.length + 1), path, "TOO_LONG"


def cases() -> Iterator[tuple[str, str, str, dict[str, Any], str, str]]:
    """(operation type, field, document, variables, expected field, expected code)."""
    roots: list[tuple[str, GraphQLObjectType | None]] = [
        ("query", SCHEMA.query_type),
        ("mutation", SCHEMA.mutation_type),
    ]
    for kind, root in roots:
        assert root is not None
        for field_name, field in root.fields.items():
            for arg_name, arg in field.args.items():
                others = {
                    n: minimal(a.type)
                    for n, a in field.args.items()
                    if n != arg_name and isinstance(a.type, GraphQLNonNull)
                }
                named = get_named_type(field.type)
                selection = "" if isinstance(named, GraphQLScalarType) else " { __typename }"
                params = ", ".join(f"${n}: {a.type}" for n, a in field.args.items())
                args = ", ".join(f"{n}: ${n}" for n in field.args)
                query = f"{kind}({params}) {{ {field_name}({args}){selection} }}"
                root_path = "" if arg_name == "input" else arg_name
                for value, path, code in over_cap(arg.type, arg, root_path):
                    yield kind, field_name, query, {**others, arg_name: value}, path, code


CASES = list(cases())


def test_every_list_and_string_of_every_input_is_covered() -> None:
    """The walk reaches the inputs the incident was about (so the cases are not empty)."""
    fields = {(f, p) for _, f, _, _, p, _ in CASES}
    assert ("registerChild", "guardians") in fields
    assert ("registerChild", "guardians.0.name") in fields
    assert ("addNetworkMember", "newPerson.name") in fields
    assert ("addNetworkMember", "responsibilities") in fields
    assert ("staffDirectory", "search") in fields
    assert len(CASES) > 40


async def notification_count(api: Api) -> int:
    async with api.aut.db.reading() as session:
        return int((await session.exec(select(func.count()).select_from(Notification))).one())


async def test_every_capped_field_is_refused_before_any_work(api: Api, world: World) -> None:
    before = await counts(api), await notification_count(api)
    failures = []
    for _, field_name, query, variables, path, code in CASES:
        response = await api.raw(query, variables, as_=world.coordinator)
        body = response.json()
        errors = body.get("errors") or []
        got = [
            (e.get("extensions", {}).get("code"), e.get("extensions", {}).get("field"))
            for e in errors
        ]
        if response.status_code != 200 or got != [(code, path)] or body.get("data") is not None:
            failures.append((field_name, path, code, response.status_code, got))
    assert failures == []
    assert (await counts(api), await notification_count(api)) == before


async def test_ten_thousand_guardians_are_refused_at_once(api: Api, world: World) -> None:
    before = await counts(api), await notification_count(api)
    guardians = [
        {"name": f"Foresatt {i}", "hasParentalResponsibility": True} for i in range(10_000)
    ]
    response = await api.raw(
        document("RegisterChild"),
        {"input": register_input(guardians=guardians)},
        as_=world.coordinator,
        language="en",
    )
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    extensions = error["extensions"]
    assert (extensions["code"], extensions["field"], extensions["limit"]) == (
        "TOO_MANY",
        "guardians",
        10,
    )
    assert error["message"] == "Too many items (at most 10)."
    assert (await counts(api), await notification_count(api)) == before


async def test_ten_guardians_are_still_accepted(api: Api, world: World) -> None:
    guardians = [
        {"name": f"Foresatt {i}", "nationalId": fnr(40, i + 1), "hasParentalResponsibility": True}
        for i in range(10)
    ]
    data = await api.gql(
        document("RegisterChild"),
        {"input": register_input(guardians=guardians)},
        as_=world.coordinator,
    )
    assert data["registerChild"]["errors"] == []
    assert len(data["registerChild"]["child"]["guardians"]) == 10


async def test_literals_and_variable_defaults_are_capped_too(api: Api, world: World) -> None:
    long = "x" * (DEFAULT_LENGTH + 1)
    literal = await api.raw(
        f'{{ staffDirectory(search: "{long}") {{ id }} }}', as_=world.coordinator
    )
    assert literal.json()["errors"][0]["extensions"]["code"] == "TOO_LONG"
    defaulted = await api.raw(
        f'query($s: String! = "{long}") {{ staffDirectory(search: $s) {{ id }} }}',
        as_=world.coordinator,
    )
    assert defaulted.json()["errors"][0]["extensions"]["field"] == "search"
    # A fragment's arguments are walked as well.
    fragment = await api.raw(
        f'query {{ ...F }} fragment F on Query {{ staffDirectory(search: "{long}") {{ id }} }}',
        as_=world.coordinator,
    )
    assert fragment.json()["errors"][0]["extensions"]["code"] == "TOO_LONG"


@pytest.fixture
async def caps_server(
    app_under_test: AppUnderTest, database_url: str
) -> AsyncIterator[InProcessServer]:
    server = InProcessServer(create_app(make_settings(database_url)))
    await server.start()
    yield server
    await server.stop()


async def test_subscription_arguments_are_capped(
    caps_server: InProcessServer, world: World
) -> None:
    async with ws_session(caps_server.base, world.coordinator) as ws:
        op_id = await ws.subscribe("MyEvents", {"after": ["x"] * (DEFAULT_ITEMS + 1)})
        message = await ws.receive()
    assert message["id"] == op_id
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert [(e["extensions"]["code"], e["extensions"]["field"]) for e in errors] == [
        ("TOO_MANY", "after")
    ]
