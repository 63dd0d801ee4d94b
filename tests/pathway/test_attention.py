"""Missed and soon-due milestones: the coordinator's own children (MINE) and the kommune's
(KOMMUNE, its coordinating unit only), in the same statements for 5 children as for 30."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import select

from backend.children.models import Child
from backend.core.clock import today
from tests.children.test_caseload import count_statements, make_caseload
from tests.conftest import Api, World
from tests.pathway.support import ATTENTION, grant
from tests.plan.support import family


async def attention(api: Api, as_: Any, scope: str) -> list[dict[str, Any]]:
    return list((await api.gql(ATTENTION, {"scope": scope}, as_=as_))["milestonesNeedingAttention"])


async def test_who_sees_which_milestones_need_attention(api: Api, world: World) -> None:
    fam = await family(api, world)
    await grant(
        api,
        fam.child_id,
        submitted_on=today() - dt.timedelta(days=60),
        decided_on=today() - dt.timedelta(days=50),
        municipality_id=world.municipality.id,
    )
    mine = await attention(api, world.coordinator, "MINE")
    assert {(m["milestone"]["key"], m["milestone"]["status"]) for m in mine} == {
        ("first_network_meeting", "MISSED"),
        ("first_plan", "MISSED"),
    }
    assert {m["child"]["id"] for m in mine} == {fam.child_id}
    # The coordinating unit sees its kommune's; nobody else sees a kommune's list, and a
    # member who coordinates nothing has no list of their own.
    unit = await attention(api, world.coordinator2, "KOMMUNE")
    assert [m["milestone"]["id"] for m in unit] == [m["milestone"]["id"] for m in mine]
    assert await attention(api, world.coordinator2, "MINE") == []
    for who in (world.teacher, world.parent, world.doctor, world.outsider_staff):
        assert await attention(api, who, "KOMMUNE") == []
        assert await attention(api, who, "MINE") == []


async def _statements(api: Api, world: World, children: int) -> int:
    await make_caseload(api.aut, world, children)
    async with api.aut.db.reading() as session:
        ids = [str(c) for c in (await session.exec(select(Child.id))).all()]
    for child_id in ids:
        await grant(
            api,
            child_id,
            submitted_on=today() - dt.timedelta(days=60),
            decided_on=today() - dt.timedelta(days=50),
            municipality_id=world.municipality.id,
        )
    with count_statements(api.aut) as statements:
        found = await attention(api, world.coordinator, "MINE")
    assert len(found) == 2 * children
    return len(statements)


async def test_the_list_costs_the_same_for_5_or_30_children(api: Api, world: World) -> None:
    few = await _statements(api, world, 5)
    from tests.conftest import build_world

    world = await build_world(api.aut.db)
    many = await _statements(api, world, 30)
    assert few == many
