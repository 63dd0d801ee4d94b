"""The two children of the security matrix, and who is inside which network."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from backend.core.clock import today
from backend.identity.models import Person, PersonKind
from tests.conftest import Api, AppUnderTest, World, build_world
from tests.events.conftest import live_server  # noqa: F401  (the websocket server fixture)
from tests.helpers import add_member, birth, family_child, fnr, give_consent, register_child
from tests.meeting import support as meeting_support
from tests.pathway import support as pathway_support
from tests.plan import support as plan_support
from tests.right import support as right_support

SECRET_FAMILY_NAME = "Hemmeligsen"
SECRET_DUTY = "Hemmelig oppgave for barnevernet"
SECRET_PLAN = "Hemmelig behov i planen"
A_PLAN = "Behov i planen til A"
SECRET_SITUATION = "Hemmelig situasjon i anmodningen"
SECRET_RAISED = "Hemmelig uenighet løftet til lederen"
SECRET_MEETING = "Hemmelig møte om Bjørk"


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


async def right_of(
    api: Api, guardian: Any, unit_staff: Any, child_id: str, secret: str
) -> dict[str, Any]:
    """A request for a coordinator, refused by the coordinating unit and appealed by the
    guardian: the appeal is open (the request awaits the unit's reassessment)."""
    request = await right_support.ok(
        api,
        "submitCoordinatorRequest",
        guardian,
        childId=child_id,
        situation=f"{secret}: situasjonen",
    )
    refused = await right_support.ok(
        api,
        "decideCoordinatorRequest",
        unit_staff,
        requestId=request["id"],
        version=request["version"],
        outcome="REFUSED",
        reasons="Barnet har ikke behov for langvarige og koordinerte tjenester nå.",
        legalBasis="Helse- og omsorgstjenesteloven § 7-2 a",
    )
    [decision] = refused["decisions"]
    appealed = await right_support.ok(
        api,
        "appealDecision",
        guardian,
        decisionId=decision["id"],
        grounds=f"{secret}: klagen",
    )
    [appeal] = appealed["appeals"]
    assert appealed["status"] == "APPEALED", appealed
    return {
        "request": appealed["id"],
        "request_version": appealed["version"],
        "decision": decision["id"],
        "appeal": appeal["id"],
        "appeal_version": appeal["version"],
    }


async def pathway_of(api: Api, world: World, coordinator: Any, child_id: str) -> dict[str, Any]:
    """The child's pathway (started by a granted right, as the pathway receives it), one
    milestone, and a transition with its checklist."""
    await pathway_support.grant(
        api,
        child_id,
        submitted_on=today(),
        decided_on=today(),
        municipality_id=world.municipality.id,
    )
    started = await pathway_support.ok(
        api, "startTransition", coordinator, childId=child_id, kind="HOSPITAL_TO_HOME"
    )
    read = await pathway_support.read_child(api, child_id, coordinator)
    milestone = read["pathway"]["milestones"][0]
    item = started["items"][0]
    return {
        "milestone": milestone["id"],
        "milestone_version": milestone["version"],
        "transition": started["id"],
        "item": item["id"],
        "item_version": item["version"],
    }


async def meeting_of(
    api: Api, world: World, coordinator: Any, child_id: str, title: str, guest: Any
) -> dict[str, Any]:
    """A meeting of the child ahead, with a guest from outside every network invited."""
    scheduled = await meeting_support.ok(
        api,
        "scheduleMeeting",
        coordinator,
        childId=child_id,
        title=title,
        startsAt=meeting_support.at(48),
        endsAt=meeting_support.at(49),
    )
    invited = await meeting_support.ok(
        api, "inviteGuest", coordinator, meetingId=scheduled["id"], personId=str(guest.id)
    )
    invitation = next(i for i in invited["invitations"] if i["guest"])
    return {
        "meeting": invited["id"],
        "version": invited["version"],
        "invitation": invitation["id"],
        "invitation_version": invitation["version"],
    }


async def raised_of(
    api: Api, coordinator: Any, guardian: Any, plan_id: str, secret: str
) -> dict[str, Any]:
    """A disagreement with the plan, answered by the coordinator and raised to the leader."""
    said = await plan_support.ok(api, "recordDisagreement", guardian, planId=plan_id, text=secret)
    answered = await plan_support.ok(
        api,
        "answerDisagreement",
        coordinator,
        id=said["id"],
        version=said["version"],
        answer="Vi fortsetter som planlagt.",
    )
    raised = await plan_support.ok(
        api, "raiseDisagreement", guardian, id=said["id"], version=answered["version"]
    )
    assert raised["raisedToLeaderAt"], raised
    return {"id": raised["id"], "version": raised["version"]}


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
    # The right: "request", "decision" (a refusal), "appeal" (open), with versions.
    right: dict[str, Any] = field(default_factory=dict)
    # The pathway: "milestone", "transition", "item", with versions.
    pathway: dict[str, Any] = field(default_factory=dict)
    # A disagreement raised to the coordinating unit's leader: "id", "version".
    raised: dict[str, Any] = field(default_factory=dict)
    # A meeting ahead with a guest invited: "meeting", "version", "invitation" (the guest's).
    meeting: dict[str, Any] = field(default_factory=dict)


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
    a_right = await right_of(api, world.parent, world.coordinator, a["id"], A_PLAN)
    b_right = await right_of(api, world.parent2, world.coordinator2, b["id"], SECRET_SITUATION)
    a_pathway = await pathway_of(api, world, world.coordinator, a["id"])
    b_pathway = await pathway_of(api, world, world.coordinator2, b["id"])
    a_raised = await raised_of(api, world.coordinator, world.parent, a_plan["plan"], A_PLAN)
    b_raised = await raised_of(
        api, world.coordinator2, world.parent2, b_plan["plan"], SECRET_RAISED
    )
    # A specialist outside every network, the guest of both children's meetings (a guest
    # sees the meeting only: no role of the matrix is one).
    async with app_under_test.db.writing() as session:
        guest = Person(
            name="Gerd Gjest",
            kind=PersonKind.STAFF.value,
            employer_service_id=world.hospital.id,
        )
        session.add(guest)
    a_meeting = await meeting_of(api, world, world.coordinator, a["id"], "Møte om A", guest)
    b_meeting = await meeting_of(api, world, world.coordinator2, b["id"], SECRET_MEETING, guest)
    await api.client.aclose()
    targets = {
        "A": Target(
            a["id"],
            a_member["id"],
            a_member["version"],
            a_consent["id"],
            [a["id"], a["nationalId"], "Testesen", "Olga Annenforelder", A_PLAN],
            a_plan,
            a_right,
            a_pathway,
            a_raised,
            a_meeting,
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
                SECRET_SITUATION,
                SECRET_RAISED,
                b_right["request"],
                SECRET_MEETING,
                b_meeting["meeting"],
            ],
            b_plan,
            b_right,
            b_pathway,
            b_raised,
            b_meeting,
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
