"""A write is checked before and after the change: nobody moves a record out of their reach."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from backend.authz.access import AccessDenied, may_see_child, still_in_reach
from backend.identity.actor import Actor
from backend.network.models import NetworkMember
from backend.network.service import end_membership_row
from tests.conftest import Api, World
from tests.helpers import family_child


async def test_a_write_that_leaves_the_writer_outside_rolls_back(api: Api, world: World) -> None:
    child = await family_child(api, world)
    child_id = uuid.UUID(child["id"])
    actor = Actor.from_person(world.coordinator, auth_method="test")
    with pytest.raises(AccessDenied):
        async with api.aut.db.writing() as session:
            own = (
                await session.exec(
                    select(NetworkMember).where(
                        NetworkMember.child_id == child_id,
                        NetworkMember.person_id == world.coordinator.id,
                    )
                )
            ).one()
            await end_membership_row(session, actor, own, own.active_from)
            await still_in_reach(session, actor, child_id)
    async with api.aut.db.reading() as session:
        row = (
            await session.exec(
                select(NetworkMember).where(
                    NetworkMember.child_id == child_id,
                    NetworkMember.person_id == world.coordinator.id,
                )
            )
        ).one()
    assert row.ended_at is None  # rolled back


async def test_a_write_that_keeps_the_writer_inside_passes(api: Api, world: World) -> None:
    child = await family_child(api, world)
    actor = Actor.from_person(world.coordinator, auth_method="test")
    async with api.aut.db.writing() as session:
        await still_in_reach(session, actor, uuid.UUID(child["id"]))
        assert await may_see_child(session, actor, uuid.UUID(child["id"]))
        outsider = Actor.from_person(world.outsider_staff, auth_method="test")
        with pytest.raises(AccessDenied):
            await still_in_reach(session, outsider, uuid.UUID(child["id"]))
