"""The plan's tests: a family with a network, and the documents they send (over HTTP GraphQL)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import col, func, select

from backend.api.operations import document
from backend.core.clock import today
from backend.events.models import Event
from backend.identity.models import Person, PersonKind
from backend.network.models import NetworkMember, ServiceProvider, ServiceType
from backend.plan.models import TABLES
from tests.conftest import VALID_ORGNR, Api, World
from tests.helpers import add_member, birth, fnr, give_consent, register_child

NOWHERE = "01900000-0000-7000-8000-000000000000"

NEED = "id lifeArea description raisedBy category version"
GOAL = """id text inWhoseWords evaluationEveryWeeks nextEvaluationOn evaluationOverdue category
  version needs { id } scores { evaluatedOn score } evaluations { id }"""
MEASURE = """id title description provision frequency startsOn endsOn monthlyCost status
  evaluationEveryWeeks nextEvaluationOn evaluationOverdue category version
  service { id name } responsible { id person { name } } needs { id } goals { id }
  evaluations { id score } catalogueMeasure { id title }"""
EVALUATION = """id evaluatedOn score observed familyView decision recordedByName goalId measureId
  participants { id }"""
TASK = "id title dueOn status overdue measureId category version assignee { id person { name } }"
VOICE = """id text form recordedHow recordedByName recordedAt childAgeYears weighsMore goalId
  measureId category"""
DISAGREEMENT = """id text raisedByName raisedAt measureId evaluationId status answer
  answeredByName raisedToLeaderAt category version"""
PLAN = f"""id childId periodStart periodEnd familySummary nextRevisionOn revision version
  isHistorical confirmedRevision needsConfirmation
  confirmations {{ personName revision confirmedAt }}
  coordinator {{ id person {{ name }} }} participants {{ id role }}
  needs {{ {NEED} }} goals {{ {GOAL} }} measures {{ {MEASURE} }}
  tasks {{ {TASK} }} voices {{ {VOICE} }} disagreements {{ {DISAGREEMENT} }}
  overdueEvaluationCount overdueTaskCount openDisagreementCount
  history {{ revision at byName kind summary }}"""

CHILD_PLAN = f"query($id: ID!) {{ child(id: $id) {{ id plan {{ {PLAN} }} }} }}"
CHILD_PLAN_AT = (
    f"query($id: ID!, $revision: Int!) {{ child(id: $id) {{ id planAt(revision: $revision) "
    f"{{ {PLAN} }} }} }}"
)
ERRORS = "errors { code field message }"

# The object each mutation answers with.
PAYLOADS: dict[str, tuple[str, str]] = {
    "createPlan": ("plan", PLAN),
    "updatePlan": ("plan", PLAN),
    "confirmPlan": ("plan", PLAN),
    "addNeed": ("need", NEED),
    "updateNeed": ("need", NEED),
    "addGoal": ("goal", GOAL),
    "updateGoal": ("goal", GOAL),
    "addMeasure": ("measure", MEASURE),
    "updateMeasure": ("measure", MEASURE),
    "recordEvaluation": ("evaluation", EVALUATION),
    "addTask": ("task", TASK),
    "updateTask": ("task", TASK),
    "addChildVoice": ("voice", VOICE),
    "recordDisagreement": ("disagreement", DISAGREEMENT),
    "answerDisagreement": ("disagreement", DISAGREEMENT),
    "raiseDisagreement": ("disagreement", DISAGREEMENT),
}
INPUTS = {
    "createPlan": "CreatePlanInput",
    "updatePlan": "UpdatePlanInput",
    "confirmPlan": "ConfirmPlanInput",
    "addNeed": "AddNeedInput",
    "updateNeed": "UpdateNeedInput",
    "addGoal": "AddGoalInput",
    "updateGoal": "UpdateGoalInput",
    "addMeasure": "AddMeasureInput",
    "updateMeasure": "UpdateMeasureInput",
    "recordEvaluation": "RecordEvaluationInput",
    "addTask": "AddTaskInput",
    "updateTask": "UpdateTaskInput",
    "addChildVoice": "AddChildVoiceInput",
    "recordDisagreement": "RecordDisagreementInput",
    "answerDisagreement": "AnswerDisagreementInput",
    "raiseDisagreement": "RaiseDisagreementInput",
}


def mutation_document(name: str) -> str:
    key, selection = PAYLOADS[name]
    return (
        f"mutation($input: {INPUTS[name]}!) {{ {name}(input: $input) {{ "
        f"{key} {{ {selection} }} {ERRORS} }} }}"
    )


async def call(
    api: Api, name: str, as_: Any, language: str | None = None, **fields: Any
) -> dict[str, Any]:
    """One plan mutation: its payload (`{<object>, errors}`)."""
    data = await api.gql(mutation_document(name), {"input": fields}, as_=as_, language=language)
    return dict(data[name])


async def ok(api: Api, name: str, as_: Any, **fields: Any) -> dict[str, Any]:
    """A mutation that must succeed: the object it answers with."""
    payload = await call(api, name, as_, **fields)
    assert payload["errors"] == [], (name, payload["errors"])
    return dict(payload[PAYLOADS[name][0]] or {})


def codes(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


async def read_plan(api: Api, child_id: str, as_: Any) -> dict[str, Any] | None:
    data = await api.gql(CHILD_PLAN, {"id": child_id}, as_=as_)
    child = data["child"]
    return child["plan"] if child else None


async def read_plan_at(api: Api, child_id: str, revision: int, as_: Any) -> dict[str, Any] | None:
    data = await api.gql(CHILD_PLAN_AT, {"id": child_id, "revision": revision}, as_=as_)
    child = data["child"]
    return child["planAt"] if child else None


async def plan_rows(api: Api) -> dict[str, int]:
    """Row counts of every plan table and the outbox: a refused write changes none."""
    found = {}
    async with api.aut.db.reading() as session:
        for model in (*TABLES, Event):
            found[model.__tablename__] = (  # type: ignore[attr-defined]
                await session.exec(select(func.count()).select_from(model))
            ).one()
    return found


@dataclass
class Family:
    """A child of world.parent (parental responsibility) and world.other_parent (none), with
    Kari as coordinator, the school's teacher, the hospital's doctor, NAV and barnevern."""

    child: dict[str, Any]
    nav: ServiceProvider
    nav_worker: Person
    members: dict[str, str] = field(default_factory=dict)  # who -> membership id
    plan: dict[str, Any] = field(default_factory=dict)

    @property
    def child_id(self) -> str:
        return str(self.child["id"])

    @property
    def plan_id(self) -> str:
        return str(self.plan["id"])


async def nav_staff(api: Api, world: World) -> tuple[ServiceProvider, Person]:
    async with api.aut.db.writing() as session:
        nav = ServiceProvider(
            name="NAV Testvik",
            type=ServiceType.NAV.value,
            org_number=VALID_ORGNR[5],
            municipality_id=world.municipality.id,
        )
        session.add(nav)
        await session.flush()
        worker = Person(
            name="Nils NAV",
            kind=PersonKind.STAFF.value,
            employer_service_id=nav.id,
            municipality_id=world.municipality.id,
        )
        session.add(worker)
    return nav, worker


async def family(
    api: Api,
    world: World,
    *,
    age: int = 9,
    serial: int = 0,
    child_member: bool = False,
    nav_consent: bool = True,
    barnevern: bool = True,
    unit_categories: tuple[str, ...] = ("HEALTH", "SCHOOL", "WELFARE", "FAMILY"),
    protection: str | None = None,
) -> Family:
    """The family with its network and consents: the coordinator's unit sees every category
    but barnevern, the school school, the hospital health, NAV welfare (if `nav_consent`),
    barnevern barnevern."""
    child = await register_child(
        api,
        world.coordinator,
        nationalId=fnr(age, 10 + serial),
        birthDate=birth(age).isoformat(),
        **({"addressProtection": protection} if protection else {}),
        guardians=[
            {
                "personId": str(world.parent.id),
                "name": world.parent.name,
                "hasParentalResponsibility": True,
            },
            {
                "personId": str(world.other_parent.id),
                "name": world.other_parent.name,
                "hasParentalResponsibility": False,
            },
        ],
    )
    nav, worker = await nav_staff(api, world)
    found = Family(child=child, nav=nav, nav_worker=worker)
    for person, role, service in [
        (world.teacher, "MEMBER", world.school),
        (world.doctor, "SPECIALIST", world.hospital),
        (worker, "MEMBER", None),
    ]:
        await add_member(
            api,
            world.coordinator,
            found.child_id,
            role=role,
            personId=str(person.id),
            **({"serviceId": str(service.id)} if service else {}),
        )
    if barnevern:
        # Barnevern adds its own membership.
        await add_member(
            api, world.caseworker, found.child_id, role="MEMBER", personId=str(world.caseworker.id)
        )
    if child_member:
        await add_member(
            api,
            world.coordinator,
            found.child_id,
            role="CHILD",
            newPerson={"name": "Emma Testesen", "nationalId": found.child["nationalId"]},
        )
    people = {
        world.coordinator.id: "coordinator",
        world.parent.id: "parent",
        world.other_parent.id: "other_parent",
        world.teacher.id: "teacher",
        world.doctor.id: "doctor",
        worker.id: "nav",
        world.caseworker.id: "barnevern",
    }
    async with api.aut.db.reading() as session:
        rows = (
            await session.exec(
                select(NetworkMember, Person)
                .join(Person, col(Person.id) == col(NetworkMember.person_id))
                .where(NetworkMember.child_id == uuid.UUID(found.child_id))
            )
        ).all()
    for member, person in rows:
        key = "child" if member.role == "child" else people.get(person.id)
        if key is not None:
            found.members[key] = str(member.id)
    # From 16 health consent is the young person's own.
    health_giver: Any = world.parent
    if age >= 16:
        assert child_member, "from 16 the young person gives health consent"
        health_giver = await young_person(api, world, found)

    async def consent(service_id: Any, categories: tuple[str, ...]) -> None:
        others = tuple(c for c in categories if c != "HEALTH")
        if others:
            await give_consent(api, world.parent, found.child_id, service_id, others)
        if "HEALTH" in categories:
            await give_consent(api, health_giver, found.child_id, service_id, ("HEALTH",))

    if unit_categories:
        await consent(world.unit.id, unit_categories)
    await consent(world.school.id, ("SCHOOL",))
    await consent(world.hospital.id, ("HEALTH",))
    if nav_consent:
        await consent(nav.id, ("WELFARE",))
    if barnevern:
        await consent(world.barnevern.id, ("BARNEVERN",))
    return found


async def young_person(api: Api, world: World, fam: Family) -> Person:
    async with api.aut.db.reading() as session:
        person = (
            await session.exec(select(Person).where(Person.national_id == fam.child["nationalId"]))
        ).one()
    return person


def start(days_ago: int = 200) -> str:
    return (today() - dt.timedelta(days=days_ago)).isoformat()


async def with_plan(api: Api, world: World, fam: Family, **fields: Any) -> dict[str, Any]:
    plan = await ok(
        api,
        "createPlan",
        world.coordinator,
        childId=fam.child_id,
        periodStart=fields.pop("periodStart", start()),
        familySummary=fields.pop("familySummary", "At Emma har det trygt og godt."),
        **fields,
    )
    fam.plan = plan
    return plan


__all__ = ["document"]
