"""Reading a child's access log (tilgangslogg): a fixed number of statements however many
rows and readers a page shows, on the (child_id, id) index, the same words for every row."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import event

from backend.api.operations import document
from tests.children.test_caseload import count_statements
from tests.conftest import Api, AppUnderTest, World
from tests.helpers import add_member, family_child


async def page(api: Api, child: dict[str, Any], as_: Any, **variables: Any) -> dict[str, Any]:
    data = await api.gql(document("AccessLog"), {"id": child["id"], **variables}, as_=as_)
    return dict(data["child"]["accessLog"])


async def looked_at_by_many(api: Api, world: World) -> dict[str, Any]:
    """A child whose log has rows by the coordinator, a teacher, a doctor and an outsider."""
    child = await family_child(api, world)
    for person in (world.teacher, world.doctor):
        await add_member(
            api, world.coordinator, child["id"], role="MEMBER", personId=str(person.id)
        )
        await api.gql(document("Child"), {"id": child["id"]}, as_=person)
    await api.gql(document("Child"), {"id": child["id"]}, as_=world.outsider_staff)
    return child


async def test_a_page_costs_the_same_statements_however_many_rows_and_readers(
    api: Api, world: World
) -> None:
    child = await looked_at_by_many(api, world)
    await page(api, child, world.parent, first=5)  # warm
    with count_statements(api.aut) as few_rows:
        small = await page(api, child, world.parent, first=5)
    # More rows, by more people, each of whom the page decides on (withheld or named).
    for person in (world.teacher, world.doctor, world.coordinator):
        for _ in range(3):
            await api.gql(document("Child"), {"id": child["id"]}, as_=person)
    with count_statements(api.aut) as many_rows:
        large = await page(api, child, world.parent, first=50)
    assert len(small["edges"]) == 5 and len(large["edges"]) > 15
    assert "Dag Doktor" in {e["node"]["who"] for e in small["edges"]}
    assert {e["node"]["who"] for e in large["edges"]} >= {"Tina Lærer", "Noen utenfor nettverket"}
    assert len(many_rows) == len(few_rows), many_rows


async def test_every_row_shows_the_same_words_for_the_same_logged_read(
    api: Api, world: World
) -> None:
    child = await looked_at_by_many(api, world)
    for _ in range(4):
        await api.gql(document("Child"), {"id": child["id"]}, as_=world.teacher)
    for language, words in (("nb", "grunnopplysninger og nettverket"), ("en", "basic details")):
        data = await api.gql(
            document("AccessLog"),
            {"id": child["id"], "first": 50},
            as_=world.parent,
            language=language,
        )
        teacher = [
            e["node"]
            for e in data["child"]["accessLog"]["edges"]
            if e["node"]["who"] == "Tina Lærer"
        ]
        assert len(teacher) == 5
        # Decided once per page, shown alike on each of the teacher's rows.
        assert all(t["what"] == teacher[0]["what"] for t in teacher)
        assert all(t["purpose"] == teacher[0]["purpose"] for t in teacher)
        assert any(w.startswith(words) for w in teacher[0]["what"])


def capture_page_query(aut: AppUnderTest) -> tuple[list[tuple[str, Any]], Any]:
    seen: list[tuple[str, Any]] = []

    def before(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM access_log" in statement:
            seen.append((statement, parameters))

    return seen, before


async def explain(aut: AppUnderTest, statement: str, parameters: Any) -> str:
    async with aut.db.reading() as session:
        connection = await session.connection()
        if aut.backend == "postgresql":
            # A test database is tiny: a sequential scan would always win. Off, the planner
            # must still pick the index that gives the order, not another index plus a sort.
            await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            rows = await connection.exec_driver_sql("EXPLAIN " + statement, parameters)
        else:
            rows = await connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        return "\n".join(" ".join(str(v) for v in r) for r in rows.all())


async def test_the_page_query_walks_the_child_and_id_index(api: Api, world: World) -> None:
    child = await looked_at_by_many(api, world)
    first = await page(api, child, world.coordinator, first=2)
    seen, before = capture_page_query(api.aut)
    engine = api.aut.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        await page(api, child, world.coordinator, first=2)
        await page(api, child, world.coordinator, first=2, after=first["pageInfo"]["endCursor"])
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert len(seen) == 2
    for statement, parameters in seen:
        plan = await explain(api.aut, statement, parameters)
        assert "ix_access_log_child_id_id" in plan, plan
        assert "Sort" not in plan and "TEMP B-TREE" not in plan, plan
    # The older page starts after the cursor: nothing repeated.
    older = await page(api, child, world.coordinator, first=2, after=first["pageInfo"]["endCursor"])
    ids = [uuid.UUID(e["node"]["id"]) for e in first["edges"] + older["edges"]]
    assert len(set(ids)) == 4 and ids == sorted(ids, reverse=True)
