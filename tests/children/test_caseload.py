"""A coordinator's caseload: cursor pagination, and a constant number of SQL statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from backend.api.operations import document
from backend.children.models import Child
from backend.core.clock import today
from backend.core.database import WRITE_OPTION
from backend.network.models import NetworkMember, NetworkRole
from tests.conftest import Api, AppUnderTest, World
from tests.helpers import register_child


@contextmanager
def count_statements(aut: AppUnderTest) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith(("BEGIN", "PRAGMA")):
            statements.append(statement)

    engine = aut.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


async def make_caseload(aut: AppUnderTest, world: World, count: int) -> None:
    """Children with networks, inserted directly: this test is about reading them."""
    async with aut.db.writing() as session:
        for n in range(count):
            child = Child(
                municipality_id=world.municipality.id,
                given_name=f"Barn {n}",
                family_name="Testesen",
                birth_date=today(),
            )
            session.add(child)
            await session.flush()
            for person, role, service in [
                (world.coordinator, NetworkRole.COORDINATOR, world.unit),
                (world.parent, NetworkRole.GUARDIAN, None),
                (world.teacher, NetworkRole.MEMBER, world.school),
                (world.doctor, NetworkRole.SPECIALIST, world.hospital),
            ]:
                session.add(
                    NetworkMember(
                        child_id=child.id,
                        person_id=person.id,
                        service_id=service.id if service else None,
                        role=role.value,
                        has_parental_responsibility=role is NetworkRole.GUARDIAN,
                        active_from=today(),
                    )
                )


statements_text: list[str] = []


async def caseload_statements(api: Api, world: World, first: int) -> tuple[int, int]:
    with count_statements(api.aut) as statements:
        data = await api.gql(
            document("MyCaseload"), {"first": first, "role": "COORDINATOR"}, as_=world.coordinator
        )
    edges = data["myChildren"]["edges"]
    statements_text[:] = [s.split("\n")[0][:80] for s in statements]
    # The specialist's membership is health information: no consent covers it here.
    assert all(len(e["node"]["network"]) == 3 for e in edges)
    assert all(e["node"]["coordinator"]["service"]["name"] for e in edges)
    return len(edges), len(statements)


async def test_caseload_costs_the_same_statements_for_5_or_50_children(
    api: Api, world: World
) -> None:
    await make_caseload(api.aut, world, 5)
    small_count, small = await caseload_statements(api, world, 50)
    await make_caseload(api.aut, world, 45)
    large_count, large = await caseload_statements(api, world, 50)
    assert (small_count, large_count) == (5, 50)
    assert small == large
    # identity, page, access facts (3), members, people, services, kommune, access log (2+)
    assert large <= 14, statements_text


@contextmanager
def count_transactions(aut: AppUnderTest) -> Iterator[dict[str, int]]:
    """BEGINs on the engine, read and write apart (on both databases)."""
    counts = {"read": 0, "write": 0}

    def begin(conn: Any) -> None:
        counts["write" if conn.get_execution_options().get(WRITE_OPTION) else "read"] += 1

    engine = aut.db.engine.sync_engine
    event.listen(engine, "begin", begin)
    try:
        yield counts
    finally:
        event.remove(engine, "begin", begin)


async def test_a_query_reads_in_one_transaction(api: Api, world: World) -> None:
    await make_caseload(api.aut, world, 5)
    await api.gql(document("MyCaseload"), {"role": "COORDINATOR"}, as_=world.coordinator)
    with count_transactions(api.aut) as counts:
        data = await api.gql(
            document("MyCaseload"), {"first": 50, "role": "COORDINATOR"}, as_=world.coordinator
        )
    assert len(data["myChildren"]["edges"]) == 5
    # The page, the gate's facts and every loader share one read transaction (the caller's
    # sign-in is read before the operation starts); the access log is its own write.
    assert counts["read"] <= 2, counts
    assert counts["write"] == 1, counts


async def test_cursor_pagination_walks_every_child_once(api: Api, world: World) -> None:
    await make_caseload(api.aut, world, 7)
    seen: list[str] = []
    after = None
    while True:
        page = (
            await api.gql(
                document("MyCaseload"), {"first": 3, "after": after}, as_=world.coordinator
            )
        )["myChildren"]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 7


async def test_caseload_is_per_person_and_role(api: Api, world: World) -> None:
    await make_caseload(api.aut, world, 2)
    await register_child(api, world.coordinator2)
    mine = await api.gql(document("MyCaseload"), {"role": "COORDINATOR"}, as_=world.coordinator)
    theirs = await api.gql(document("MyCaseload"), {"role": "COORDINATOR"}, as_=world.coordinator2)
    as_parent = await api.gql(document("MyCaseload"), {"role": "GUARDIAN"}, as_=world.parent)
    outsider = await api.gql(document("MyCaseload"), {}, as_=world.outsider_staff)
    anonymous = await api.gql(document("MyCaseload"), {})
    assert len(mine["myChildren"]["edges"]) == 2
    assert len(theirs["myChildren"]["edges"]) == 1
    assert len(as_parent["myChildren"]["edges"]) == 2
    assert outsider["myChildren"]["edges"] == []
    assert anonymous["myChildren"]["edges"] == []


async def test_bad_page_arguments_are_clear_errors(api: Api, world: World) -> None:
    for variables in ({"first": 0}, {"first": 1000}, {"after": "%%%"}):
        response = await api.raw(document("MyCaseload"), variables, as_=world.coordinator)
        body = response.json()
        assert body["errors"][0]["extensions"]["code"] == "INVALID"
