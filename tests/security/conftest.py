"""The two children of the security matrix, and who is inside which network."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from backend.identity.models import Person, PersonKind
from tests.conftest import Api, AppUnderTest, World, build_world
from tests.events.conftest import live_server  # noqa: F401  (the websocket server fixture)
from tests.helpers import add_member, birth, family_child, fnr, give_consent, register_child

SECRET_FAMILY_NAME = "Hemmeligsen"
SECRET_DUTY = "Hemmelig oppgave for barnevernet"
SECRET_PLAN = "Hemmelig behov i planen"
A_PLAN = "Behov i planen til A"


async def plan_of(
    api: Api, coordinator: Any, guardian: Any, child_id: str, guardian_member: str, secret: str
) -> dict[str, str]:
    """A plan with one part of each kind (written by its coordinator and guardian)."""

    async def write(name: str, key: str, as_: Any, **fields: Any) -> str:
        data = await api.gql(
            f"mutation($input: {name[0].upper()}{name[1:]}Input!) {{ {name}(input: $input) "
            f"{{ {key} {{ id }} errors {{ code }} }} }}",
            {"input": fields},
            as_=as_,
        )
        assert data[name]["errors"] == [], (name, data)
        return str(data[name][key]["id"])

    plan = await write(
        "createPlan", "plan", coordinator, childId=child_id, periodStart="2026-01-05"
    )
    need = await write(
        "addNeed",
        "need",
        coordinator,
        planId=plan,
        lifeArea="HOME_AND_FAMILY",
        description=secret,
    )
    goal = await write(
        "addGoal",
        "goal",
        coordinator,
        planId=plan,
        text="Mål",
        inWhoseWords="FAMILY",
        needIds=[need],
    )
    measure = await write(
        "addMeasure",
        "measure",
        coordinator,
        planId=plan,
        title="Tiltak",
        provision="IN_HOUSE",
        needIds=[need],
        startsOn="2026-01-05",
    )
    evaluation = await write(
        "recordEvaluation",
        "evaluation",
        coordinator,
        measureId=measure,
        evaluatedOn="2026-02-01",
        observed="Observert",
        decision="CONTINUE",
    )
    task = await write(
        "addTask",
        "task",
        coordinator,
        planId=plan,
        title="Oppgave",
        assigneeMemberId=guardian_member,
        dueOn="2027-01-05",
    )
    disagreement = await write(
        "recordDisagreement", "disagreement", guardian, planId=plan, text="Uenig"
    )
    return {
        "plan": plan,
        "need": need,
        "goal": goal,
        "measure": measure,
        "evaluation": evaluation,
        "task": task,
        "disagreement": disagreement,
    }


@dataclass
class Target:
    """One child and what must never leak of it."""

    id: str
    member_id: str
    member_version: int
    consent_id: str
    markers: list[str]
    # The child's plan and one part of each kind, by kind ("plan", "need", "goal", ...).
    plan: dict[str, str] = field(default_factory=dict)


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
    # Barnevern adds its own membership (the coordinator may not know of it).
    b_member = await add_member(
        api,
        world.caseworker,
        b["id"],
        role="MEMBER",
        personId=str(world.caseworker.id),
        serviceId=str(world.barnevern.id),
        responsibilities=SECRET_DUTY,
    )
    [b_consent] = await give_consent(api, world.parent2, b["id"], world.unit.id, ("FAMILY",))
    a_member = next(m for m in a["guardians"] if m["person"]["name"] == "Pia Forelder")
    a_plan = await plan_of(api, world.coordinator, world.parent, a["id"], a_member["id"], A_PLAN)
    b_guardian = b["guardians"][0]["id"]
    b_plan = await plan_of(api, world.coordinator2, world.parent2, b["id"], b_guardian, SECRET_PLAN)
    await api.client.aclose()
    targets = {
        "A": Target(
            a["id"],
            a_member["id"],
            a_member["version"],
            a_consent["id"],
            [a["id"], a["nationalId"], "Testesen", "Olga Annenforelder", A_PLAN],
            a_plan,
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
                SECRET_PLAN,
            ],
            b_plan,
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
