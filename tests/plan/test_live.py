"""Every plan change reaches the child's subscribers as an event whose entity they may see:
the family's open page updates; a reader who may not know of a part gets no event for it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlmodel import func, select

from backend.events.models import Event
from tests.conftest import Api, World
from tests.events.live import InProcessServer, collect_events, person_id, ws_session
from tests.plan.support import family, mutation_document, ok, with_plan

EVENTS = """subscription($childId: ID!, $after: String) {
  childEvents(childId: $childId, after: $after) { ... on Event {
    seq kind entityType cursor
    entity { __typename id ... on Measure { title category } ... on Need { description } }
  } } }"""


@pytest.fixture
async def http(live_server: InProcessServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_server.base, timeout=30) as client:
        yield client


async def _mutate(http: httpx.AsyncClient, name: str, person: Any, **fields: Any) -> dict[str, Any]:
    response = await http.post(
        "/graphql",
        json={"query": mutation_document(name), "variables": {"input": fields}},
        headers={"x-koordinat-dev-person": person_id(person)},
    )
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    assert body["data"][name]["errors"] == [], body
    return dict(body["data"][name])


async def _last_seq(api: Api, child_id: str) -> int:
    async with api.aut.db.reading() as session:
        found = (
            await session.exec(
                select(func.max(Event.seq)).where(Event.child_id == uuid.UUID(child_id))
            )
        ).one()
    return int(found or 0)


async def _subscribe(ws: Any, op_id: str, child_id: str) -> None:
    await ws.send(
        {
            "id": op_id,
            "type": "subscribe",
            "payload": {"query": EVENTS, "variables": {"childId": child_id}},
        }
    )


async def test_a_new_measure_reaches_the_guardians_open_page(
    live_server: InProcessServer, api: Api, world: World, http: httpx.AsyncClient
) -> None:
    fam = await family(api, world)
    await with_plan(api, world, fam)
    need = await ok(
        api,
        "addNeed",
        world.coordinator,
        planId=fam.plan_id,
        lifeArea="HOME_AND_FAMILY",
        description="Avlastning",
    )
    last = await _last_seq(api, fam.child_id)
    async with (
        ws_session(live_server.base, world.parent) as guardian,
        ws_session(live_server.base, world.teacher) as teacher,
    ):
        await _subscribe(guardian, "g", fam.child_id)
        await _subscribe(teacher, "t", fam.child_id)
        replayed = await collect_events(guardian, "g", last)
        assert replayed[-1]["kind"] == "plan.need_added"
        assert replayed[-1]["entity"] == {
            "__typename": "Need",
            "id": need["id"],
            "description": "Avlastning",
        }
        await collect_events(teacher, "t", last)

        health = await _mutate(
            http,
            "addMeasure",
            world.coordinator,
            planId=fam.plan_id,
            title="Anfallsplan",
            provision="SPECIALIST_HEALTH",
            serviceId=str(world.hospital.id),
            needIds=[need["id"]],
        )
        general = await _mutate(
            http,
            "addNeed",
            world.coordinator,
            planId=fam.plan_id,
            lifeArea="LEISURE_AND_FRIENDS",
            description="Venner",
        )
        (measure_event, need_event) = await collect_events(guardian, "g", last + 2)
        (teachers,) = await collect_events(teacher, "t", last + 2)

    assert (measure_event["seq"], measure_event["kind"]) == (last + 1, "plan.measure_added")
    assert measure_event["entityType"] == "plan_measure"
    assert measure_event["entity"] == {
        "__typename": "Measure",
        "id": health["measure"]["id"],
        "title": "Anfallsplan",
        "category": "HEALTH",
    }
    assert need_event["entity"]["id"] == general["need"]["id"]
    # The teacher may not know of the health measure: that event never reaches them.
    assert (teachers["seq"], teachers["kind"]) == (last + 2, "plan.need_added")
    assert teachers["entity"]["description"] == "Venner"
