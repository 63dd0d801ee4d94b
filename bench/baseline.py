"""Baseline B: Starlette + asyncpg + orjson replaying the SQL the product ran for a request.

The bench captures, from the product itself (SQLAlchemy's `before_cursor_execute`), the
statements and parameters one request runs. B runs the very same statements in the same order
on one pooled asyncpg connection, with fresh ids and times for the rows it inserts (the access
log), and builds the same JSON from the rows by hand: no GraphQL, no ORM, no policy engine.
`bench.run` checks that B and the product answer the same request with the same JSON.

    python -m bench.baseline --dsn postgresql://... --script captured.pickle --port 8001

The script is a pickle of
{request_key(operation, variables): [(sql, parameters, executemany)]}. B answers
POST /graphql with {"query": ..., "variables": ...}; the operation is taken from the document and
only captured requests are answered (the benchmark sends the same requests each time).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import pickle
import re
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.audit.purposes import label, stored
from backend.consent.types import in_words
from backend.core.ids import new_id

Statement = tuple[str, Any, bool]
_OPERATION = re.compile(r"^\s*(?:query|mutation)\s+(\w+)", re.MULTILINE)
_FROM = re.compile(r"\bFROM\s+(\w+)")
_INSERT = re.compile(r"INSERT INTO (\w+) \(([^)]*)\)")
_FRESH_TIMES = {"at", "created_at", "occurred_at", "given_at"}


def request_key(name: str, variables: dict[str, Any]) -> str:
    """Which captured script answers a request: its operation and its variables."""
    return name + orjson.dumps(variables, option=orjson.OPT_SORT_KEYS).decode()


def _cursor(value: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(value.bytes).decode().rstrip("=")


def _fresh(sql: str, parameters: Any, executemany: bool) -> Any:
    """The captured INSERT's parameters with new ids and times (a new row each request)."""
    match = _INSERT.search(sql)
    if not match:
        return parameters
    columns = [c.strip() for c in match.group(2).split(",")]
    now = dt.datetime.now(dt.UTC)

    def one(row: tuple[Any, ...]) -> tuple[Any, ...]:
        values = list(row)
        for n, column in enumerate(columns):
            if column == "id":
                values[n] = new_id()
            elif column in _FRESH_TIMES:
                values[n] = now
        return tuple(values)

    return [one(r) for r in parameters] if executemany else one(parameters)


async def replay(connection: asyncpg.Connection, script: list[Statement]) -> dict[str, list[Any]]:
    """Runs the statements in order; the SELECTs' rows by the table they read from."""
    rows: dict[str, list[Any]] = {}
    for sql, parameters, executemany in script:
        if sql.lstrip().upper().startswith("INSERT"):
            fresh = _fresh(sql, parameters, executemany)
            if executemany:
                await connection.executemany(sql, fresh)
            else:
                await connection.execute(sql, *fresh)
            continue
        found = await connection.fetch(sql, *(parameters or ()))
        table = _FROM.search(sql)
        key = table.group(1) if table else "?"
        if " JOIN " in sql and "SELECT network_member.child_id, person.address_protection" in sql:
            key = "protection"
        rows.setdefault(key, []).extend(found)
    return rows


def _by_id(rows: list[Any]) -> dict[uuid.UUID, Any]:
    """Rows by id, the columns of every read of a row merged (the gate reads a few columns
    of some rows, a loader all of them); rows without an id are the gate's facts only."""
    merged: dict[uuid.UUID, dict[str, Any]] = {}
    for r in rows:
        if "id" in r:
            merged.setdefault(r["id"], {}).update(dict(r))
    return merged


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


class View:
    """JSON of the rows one request read, in the product's shapes (fragments.graphql)."""

    def __init__(self, rows: dict[str, list[Any]], viewer: uuid.UUID) -> None:
        self.viewer = viewer
        self.children = _by_id(rows.get("child", []))
        self.people = _by_id(rows.get("person", []))
        self.services = _by_id(rows.get("service_provider", []))
        self.kommuner = _by_id(rows.get("municipality", []))
        self.members: dict[uuid.UUID, dict[uuid.UUID, Any]] = {}
        for m in _by_id(rows.get("network_member", [])).values():
            if "created_at" in m:  # a member the product read as data, not only as a fact
                self.members.setdefault(m["child_id"], {})[m["id"]] = m
        # The product reads some tables twice in a request (facts, then the field).
        self.consents = list(_by_id(rows.get("consent", [])).values())
        self.access_log = rows.get("access_log", [])
        self.today = dt.date.today()

    def child(self, row: Any) -> dict[str, Any]:
        kommune = self.kommuner.get(row["municipality_id"])
        return {
            "id": str(row["id"]),
            "givenName": row["given_name"],
            "familyName": row["family_name"],
            "nationalId": row["national_id"],
            "birthDate": _date(row["birth_date"]),
            "expectedDate": _date(row["expected_date"]),
            "isExpected": row["birth_date"] is None,
            "preferredLanguage": row["preferred_language"],
            "interpreterLanguage": row["interpreter_language"],
            "needsInterpreter": row["interpreter_language"] is not None,
            "addressProtection": row["address_protection"].upper(),
            "version": row["version"],
            "municipality": {"id": str(kommune["id"]), "name": kommune["name"]}
            if kommune
            else None,
        }

    def service(self, service_id: uuid.UUID | None) -> dict[str, Any] | None:
        row = self.services.get(service_id) if service_id else None
        if row is None:
            return None
        return {"id": str(row["id"]), "name": row["name"], "type": row["type"].upper()}

    def member(self, row: Any) -> dict[str, Any]:
        person = self.people[row["person_id"]]
        active = row["ended_at"] is None and (
            row["active_to"] is None or row["active_to"] >= self.today
        )
        return {
            "id": str(row["id"]),
            "role": row["role"].upper(),
            "responsibilities": row["responsibilities"],
            "hasParentalResponsibility": row["has_parental_responsibility"],
            "activeFrom": _date(row["active_from"]),
            "activeTo": _date(row["active_to"]),
            "isActive": active,
            "version": row["version"],
            "person": {
                "id": str(person["id"]),
                "name": person["name"],
                "kind": person["kind"].upper(),
            },
            "service": self.service(row["service_id"]),
        }

    def network(self, child_id: uuid.UUID, role: str | None = None) -> list[dict[str, Any]]:
        rows = sorted(
            self.members.get(child_id, {}).values(), key=lambda m: (m["created_at"], m["id"])
        )
        return [self.member(m) for m in rows if role is None or m["role"] == role]

    def with_network(self, row: Any) -> dict[str, Any]:
        coordinator = self.network(row["id"], "coordinator")
        return {
            **self.child(row),
            "coordinator": coordinator[0] if coordinator else None,
        }


def caseload(view: View, first: int) -> dict[str, Any]:
    ordered = sorted(view.children.values(), key=lambda c: c["id"])
    page = ordered[:first]
    edges = [
        {
            "cursor": _cursor(c["id"]),
            "node": {**view.with_network(c), "network": view.network(c["id"])},
        }
        for c in page
    ]
    return {
        "myChildren": {
            "edges": edges,
            "pageInfo": {
                "hasNextPage": len(ordered) > first,
                "endCursor": edges[-1]["cursor"] if edges else None,
            },
        }
    }


def child(view: View, child_id: uuid.UUID) -> dict[str, Any]:
    row = view.children[child_id]
    return {
        "child": {
            **view.with_network(row),
            "guardians": view.network(child_id, "guardian"),
            "network": view.network(child_id),
        }
    }


def consents(view: View, child_id: uuid.UUID) -> dict[str, Any]:
    """The consents whose category a consent names the viewer's service for (as the gate)."""
    viewer = view.people[view.viewer]
    service = viewer["employer_service_id"]
    granted = {c["category"] for c in view.consents if c["service_id"] == service}
    shown = sorted(
        (c for c in view.consents if c["category"] in granted),
        key=lambda c: (c["given_at"], c["id"]),
    )
    people = view.people
    return {
        "child": {
            "id": str(child_id),
            "consents": [
                {
                    "id": str(c["id"]),
                    "category": c["category"].upper(),
                    "toGuardians": c["to_guardians"],
                    "validFrom": _date(c["valid_from"]),
                    "validTo": _date(c["valid_to"]),
                    "isActive": c["withdrawn_at"] is None,
                    "givenAt": c["given_at"].isoformat(),
                    "givenBy": people[c["given_by_person_id"]]["name"]
                    if c["given_by_person_id"] in people
                    else None,
                    "withdrawnAt": None,
                    "withdrawnBy": None,
                    "version": c["version"],
                    "service": view.service(c["service_id"]),
                }
                for c in shown
            ],
        }
    }


def access_log(view: View, child_id: uuid.UUID, first: int) -> dict[str, Any]:
    rows = sorted(view.access_log, key=lambda r: r["id"], reverse=True)
    page = rows[:first]
    edges = []
    for r in page:
        edges.append(
            {
                "cursor": _cursor(r["id"]),
                "node": {
                    "id": str(r["id"]),
                    "at": r["at"].astimezone(dt.UTC).isoformat(),
                    "who": r["actor_name"],
                    "roles": orjson.loads(r["roles"]),
                    "organisation": r["organisation"],
                    "what": [in_words(w, "nb") for w in orjson.loads(r["what"])],
                    "refused": [in_words(w, "nb") for w in orjson.loads(r["refused"])],
                    "purpose": label(stored(r["purpose"]), "nb"),
                    "purposeCode": stored(r["purpose"]).value,
                    "via": r["via"],
                },
            }
        )
    return {
        "child": {
            "id": str(child_id),
            "accessLog": {
                "edges": edges,
                "pageInfo": {
                    "hasNextPage": len(rows) > first,
                    "endCursor": edges[-1]["cursor"] if edges else None,
                },
            },
        }
    }


Builder = Callable[[View, dict[str, Any]], dict[str, Any]]
BUILDERS: dict[str, Builder] = {
    "MyCaseload": lambda v, a: caseload(v, int(a.get("first") or 20)),
    "Child": lambda v, a: child(v, uuid.UUID(a["id"])),
    "ChildConsents": lambda v, a: consents(v, uuid.UUID(a["id"])),
    "AccessLog": lambda v, a: access_log(v, uuid.UUID(a["id"]), int(a.get("first") or 20)),
}


def create_baseline(
    pool_factory: Callable[[], Any], scripts: dict[str, list[Statement]], viewer: uuid.UUID
) -> Starlette:
    state: dict[str, Any] = {}

    async def graphql(request: Request) -> Response:
        body = orjson.loads(await request.body())
        match = _OPERATION.search(body["query"])
        name = match.group(1) if match else ""
        variables = body.get("variables") or {}
        script = scripts.get(request_key(name, variables))
        if script is None or name not in BUILDERS:
            return Response(b'{"errors":[{"message":"not captured"}]}', status_code=400)
        async with state["pool"].acquire() as connection:
            rows = await replay(connection, script)
        data = BUILDERS[name](View(rows, viewer), variables)
        return Response(orjson.dumps({"data": data}), media_type="application/json")

    async def healthz(_: Request) -> Response:
        return Response(b"ok")

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        state["pool"] = await pool_factory()
        yield
        await state["pool"].close()

    return Starlette(
        routes=[Route("/graphql", graphql, methods=["POST"]), Route("/healthz", healthz)],
        lifespan=lifespan,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--script", required=True)
    parser.add_argument("--viewer", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    scripts = pickle.loads(Path(args.script).read_bytes())

    async def pool() -> asyncpg.Pool:
        # Like the product's pool (pool_size=10): connections opened once, reused.
        return await asyncpg.create_pool(args.dsn, min_size=2, max_size=10)

    app = create_baseline(pool, scripts, uuid.UUID(args.viewer))
    # Served the way `koordinat serve` serves the product.
    uvicorn.run(app, host="127.0.0.1", port=args.port, proxy_headers=True, log_level="warning")


if __name__ == "__main__":
    main()
