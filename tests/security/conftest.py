"""The two children of the security matrix, and who is inside which network."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import select

from backend.identity.models import Person, PersonKind
from backend.network.models import NetworkMember
from tests.conftest import Api, AppUnderTest, World, build_world
from tests.events.conftest import live_server  # noqa: F401  (the websocket server fixture)
from tests.helpers import add_member, birth, family_child, fnr, give_consent, register_child

SECRET_FAMILY_NAME = "Hemmeligsen"
SECRET_DUTY = "Hemmelig oppgave for barnevernet"


@dataclass
class Target:
    """One child and what must never leak of it."""

    id: str
    member_id: str
    member_version: int
    consent_id: str
    markers: list[str]


@dataclass
class Matrix:
    world: World
    a: Target
    b: Target
    roles: dict[str, tuple[Any, list[str]]]  # role -> (caller, names of targets outside)
    service_id: str


@pytest.fixture(scope="module")
async def matrix(app_under_test: AppUnderTest) -> AsyncIterator[Matrix]:
    world = await build_world(app_under_test.db)
    api = Api(app_under_test)
    async with app_under_test.db.writing() as session:
        unit_staff = Person(
            name="Unni Enhet",
            kind=PersonKind.STAFF.value,
            employer_service_id=world.unit.id,
            municipality_id=world.municipality.id,
        )
        session.add(unit_staff)
    a = await family_child(api, world)
    await add_member(
        api,
        world.coordinator,
        a["id"],
        role="MEMBER",
        personId=str(world.teacher.id),
        serviceId=str(world.school.id),
    )
    await add_member(
        api,
        world.coordinator,
        a["id"],
        role="MEMBER",
        personId=str(world.psychologist.id),
        serviceId=str(world.ppt.id),
    )
    await add_member(
        api,
        world.coordinator,
        a["id"],
        role="SPECIALIST",
        personId=str(world.doctor.id),
        serviceId=str(world.hospital.id),
    )
    [a_consent] = await give_consent(api, world.parent, a["id"], world.school.id, ("SCHOOL",))
    await give_consent(api, world.parent, a["id"], world.hospital.id, ("HEALTH",))

    b = await register_child(
        api,
        world.coordinator2,
        givenName="Bjørk",
        familyName=SECRET_FAMILY_NAME,
        nationalId=fnr(6, 5),
        birthDate=birth(6).isoformat(),
        guardians=[
            {
                "personId": str(world.parent2.id),
                "name": world.parent2.name,
                "hasParentalResponsibility": True,
            }
        ],
    )
    b_member = await add_member(
        api,
        world.coordinator2,
        b["id"],
        role="MEMBER",
        personId=str(world.caseworker.id),
        serviceId=str(world.barnevern.id),
        responsibilities=SECRET_DUTY,
    )
    [b_consent] = await give_consent(api, world.parent2, b["id"], world.unit.id, ("FAMILY",))
    if not b_member:
        # The coordinator may not know of a barnevern membership: take it from the rows.
        async with app_under_test.db.reading() as session:
            row = (
                await session.exec(
                    select(NetworkMember).where(
                        NetworkMember.child_id == uuid.UUID(b["id"]),
                        NetworkMember.person_id == world.caseworker.id,
                    )
                )
            ).one()
        b_member = {"id": str(row.id), "version": row.version}
    a_member = next(m for m in a["guardians"] if m["person"]["name"] == "Pia Forelder")
    await api.client.aclose()
    targets = {
        "A": Target(
            a["id"],
            a_member["id"],
            a_member["version"],
            a_consent["id"],
            [a["id"], a["nationalId"], "Testesen", "Olga Annenforelder"],
        ),
        "B": Target(
            b["id"],
            b_member["id"],
            b_member["version"],
            b_consent["id"],
            [
                b["id"],
                b["nationalId"],
                SECRET_FAMILY_NAME,
                SECRET_DUTY,
                "Paul Forelder",
                b_member["id"],
            ],
        ),
    }
    yield Matrix(
        world=world,
        a=targets["A"],
        b=targets["B"],
        roles={
            "coordinator of A": (world.coordinator, ["B"]),
            "guardian of A": (world.parent, ["B"]),
            "guardian of A without parental responsibility": (world.other_parent, ["B"]),
            "guardian of B": (world.parent2, ["A"]),
            "member with consent": (world.teacher, ["B"]),
            "member without consent": (world.psychologist, ["B"]),
            "specialist": (world.doctor, ["B"]),
            "outsider": (world.outsider_staff, ["A", "B"]),
            "kommune unit": (unit_staff, ["A", "B"]),
            "anonymous": (None, ["A", "B"]),
        },
        service_id=str(world.school.id),
    )
