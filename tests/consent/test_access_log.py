"""The access log: every read and every refusal, readable by the family, never rewritten."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from backend.api.operations import document
from tests.conftest import Api, World
from tests.helpers import add_member, birth, family_child, fnr


async def test_family_sees_who_looked_in_plain_words(api: Api, world: World) -> None:
    child = await family_child(api, world)
    await add_member(
        api, world.coordinator, child["id"], role="MEMBER", personId=str(world.teacher.id)
    )
    await api.gql(document("Child"), {"id": child["id"]}, as_=world.teacher)
    refused = await api.gql(document("Child"), {"id": child["id"]}, as_=world.outsider_staff)
    assert refused["child"] is None

    log = await api.gql(document("AccessLog"), {"id": child["id"], "first": 50}, as_=world.parent)
    entries = [e["node"] for e in log["child"]["accessLog"]["edges"]]
    teacher = next(e for e in entries if e["who"] == "Tina Lærer")
    assert teacher["organisation"] == "Testvik skole"
    assert teacher["roles"] == ["member"]
    assert "grunnopplysninger og nettverket" in teacher["what"]
    assert teacher["purpose"] == "Arbeid i barnets nettverk"
    assert teacher["via"] == "http"
    # Someone outside the network is not named to the family (see test_access_purpose).
    outsider = next(e for e in entries if e["who"] == "Noen utenfor nettverket")
    assert outsider["what"] == [] and outsider["refused"] == ["barnet"]

    english = await api.gql(
        document("AccessLog"), {"id": child["id"], "first": 50}, as_=world.parent, language="en"
    )
    words = {w for e in english["child"]["accessLog"]["edges"] for w in e["node"]["what"]}
    assert "basic details and the network" in words


async def test_access_log_is_paginated_and_only_for_the_family_and_coordinator(
    api: Api, world: World
) -> None:
    child = await family_child(api, world)
    for _ in range(5):
        await api.gql(document("Child"), {"id": child["id"]}, as_=world.coordinator)
    first = await api.gql(
        document("AccessLog"), {"id": child["id"], "first": 2}, as_=world.coordinator
    )
    page = first["child"]["accessLog"]
    assert len(page["edges"]) == 2 and page["pageInfo"]["hasNextPage"] is True
    second = await api.gql(
        document("AccessLog"),
        {"id": child["id"], "first": 2, "after": page["pageInfo"]["endCursor"]},
        as_=world.coordinator,
    )
    ids = {e["node"]["id"] for e in page["edges"]} | {
        e["node"]["id"] for e in second["child"]["accessLog"]["edges"]
    }
    assert len(ids) == 4
    other = await api.gql(document("AccessLog"), {"id": child["id"]}, as_=world.other_parent)
    assert other["child"]["accessLog"]["edges"] == []


async def test_one_row_per_operation_and_child(api: Api, world: World) -> None:
    first = await family_child(api, world)
    second = await family_child(api, world, nationalId=fnr(4, 7), birthDate=birth(4).isoformat())
    async with api.aut.db.reading() as session:
        before = (await session.execute(text("SELECT count(*) FROM access_log"))).scalar_one()
    await api.gql(document("MyCaseload"), {}, as_=world.coordinator)
    async with api.aut.db.reading() as session:
        rows = (
            await session.execute(text("SELECT child_id, what FROM access_log ORDER BY id"), {})
        ).all()
    assert len(rows) == before + 2
    logged = {str(uuid.UUID(str(r[0]))) for r in rows[-2:]}
    assert logged == {first["id"], second["id"]}


async def test_access_log_rows_cannot_be_changed_or_deleted(api: Api, world: World) -> None:
    child = await family_child(api, world)
    await api.gql(document("Child"), {"id": child["id"]}, as_=world.coordinator)
    for statement in (
        "UPDATE access_log SET actor_name = 'nobody'",
        "DELETE FROM access_log",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with api.aut.db.writing() as session:
                await session.execute(text(statement))
