"""The role x operation matrix: every root query and mutation in the schema, plain, aliased and
through a fragment, for every role. Nothing of a child reaches anyone outside that child's
network, nothing changes, and every refusal is in the access log.

Operations are generated from the schema: a new query is probed automatically, and a new
mutation fails `test_every_mutation_is_in_the_matrix` until it is given an input here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import col, func, select

from backend.audit.access_log import AccessLogEntry
from backend.events.models import Event
from backend.notify.models import Notification
from tests.conftest import Api, AppUnderTest
from tests.security import schema_walk
from tests.security.conftest import Matrix, Target


def mutation_inputs(m: Matrix, t: Target) -> dict[str, Callable[[Any], dict[str, Any] | None]]:
    """For each child-scoped mutation, an input that aims at target `t`."""
    return {
        "updateChild": lambda _: {"id": t.id, "version": 1, "familyName": "Endret"},
        "addNetworkMember": lambda _: {
            "childId": t.id,
            "role": "OBSERVER",
            "personId": str(m.world.outsider_staff.id),
        },
        "updateNetworkMember": lambda _: {
            "id": t.member_id,
            "version": t.member_version,
            "responsibilities": "Endret",
        },
        "endNetworkMembership": lambda _: {"id": t.member_id, "version": t.member_version},
        "assignCoordinator": lambda caller: {
            "childId": t.id,
            "personId": str(caller.id if caller else m.world.outsider_staff.id),
        },
        "recordConsent": lambda _: {
            "childId": t.id,
            "serviceId": m.service_id,
            "category": "BARNEVERN",
        },
        "withdrawConsent": lambda _: {"id": t.consent_id},
        "setHealthWithholding": lambda _: {"childId": t.id, "withhold": True},
        # The plan: each part of the target's plan, by its id.
        "createPlan": lambda _: {"childId": t.id, "periodStart": "2026-01-05"},
        "updatePlan": lambda _: {"id": t.plan["plan"], "version": 1, "familySummary": "x"},
        "confirmPlan": lambda _: {"planId": t.plan["plan"], "revision": 1},
        "addNeed": lambda _: {"planId": t.plan["plan"], "lifeArea": "HEALTH", "description": "x"},
        "updateNeed": lambda _: {"id": t.plan["need"], "version": 1, "description": "x"},
        "addGoal": lambda _: {
            "planId": t.plan["plan"],
            "text": "x",
            "inWhoseWords": "CHILD",
            "needIds": [t.plan["need"]],
        },
        "updateGoal": lambda _: {"id": t.plan["goal"], "version": 1, "text": "x"},
        "addMeasure": lambda _: {
            "planId": t.plan["plan"],
            "title": "x",
            "provision": "IN_HOUSE",
            "needIds": [t.plan["need"]],
        },
        "updateMeasure": lambda _: {"id": t.plan["measure"], "version": 1, "title": "x"},
        "recordEvaluation": lambda _: {
            "goalId": t.plan["goal"],
            "evaluatedOn": "2026-02-01",
            "observed": "x",
            "decision": "END",
        },
        "addTask": lambda _: {
            "planId": t.plan["plan"],
            "title": "x",
            "assigneeMemberId": t.member_id,
            "dueOn": "2027-01-01",
        },
        "updateTask": lambda _: {"id": t.plan["task"], "version": 1, "status": "DONE"},
        "addChildVoice": lambda _: {"planId": t.plan["plan"], "text": "x", "form": "WRITTEN"},
        "recordDisagreement": lambda _: {"planId": t.plan["plan"], "text": "x"},
        "answerDisagreement": lambda _: {
            "id": t.plan["disagreement"],
            "version": 1,
            "answer": "x",
        },
        "raiseDisagreement": lambda _: {"id": t.plan["disagreement"], "version": 1},
        # The right: the target's request, its refusal and the open appeal.
        "submitCoordinatorRequest": lambda _: {"childId": t.id, "situation": "x"},
        "decideCoordinatorRequest": lambda _: {
            "requestId": t.right["request"],
            "version": t.right["request_version"],
            "outcome": "REFUSED",
            "reasons": "x",
            "legalBasis": "x",
        },
        "appealDecision": lambda _: {"decisionId": t.right["decision"], "grounds": "x"},
        "reassessAppeal": lambda _: {
            "appealId": t.right["appeal"],
            "version": t.right["appeal_version"],
            "outcome": "UPHELD",
            "reasons": "x",
        },
        "recordStatsforvalterOutcome": lambda _: {
            "appealId": t.right["appeal"],
            "version": t.right["appeal_version"],
            "outcome": "UPHELD",
        },
        # The pathway: the target's milestone, transition and checklist item.
        "deviateMilestone": lambda _: {
            "milestoneId": t.pathway["milestone"],
            "version": t.pathway["milestone_version"],
            "reason": "x",
        },
        "meetMilestone": lambda _: {
            "milestoneId": t.pathway["milestone"],
            "version": t.pathway["milestone_version"],
        },
        "startTransition": lambda _: {"childId": t.id, "kind": "CHANGE_OF_SCHOOL"},
        "addTransitionItem": lambda _: {"transitionId": t.pathway["transition"], "title": "x"},
        "updateTransitionItem": lambda _: {
            "itemId": t.pathway["item"],
            "version": t.pathway["item_version"],
            "status": "DONE",
        },
        "recordSignal": lambda _: {"childId": t.id, "kind": "OTHER", "description": "x"},
        # Meetings: the target's meeting and its guest's invitation.
        "scheduleMeeting": lambda _: {
            "childId": t.id,
            "title": "x",
            "startsAt": "2099-01-01T10:00:00+01:00",
            "endsAt": "2099-01-01T11:00:00+01:00",
        },
        "updateMeeting": lambda _: {
            "meetingId": t.meeting["meeting"],
            "version": t.meeting["version"],
            "title": "x",
        },
        "cancelMeeting": lambda _: {
            "meetingId": t.meeting["meeting"],
            "version": t.meeting["version"],
            "reason": "x",
        },
        "inviteMembers": lambda _: {"meetingId": t.meeting["meeting"], "memberIds": [t.member_id]},
        "inviteGuest": lambda _: {
            "meetingId": t.meeting["meeting"],
            "personId": str(m.world.outsider_staff.id),
        },
        "withdrawInvitation": lambda _: {
            "invitationId": t.meeting["invitation"],
            "version": t.meeting["invitation_version"],
        },
        "answerInvitation": lambda _: {
            "invitationId": t.meeting["invitation"],
            "version": t.meeting["invitation_version"],
            "answer": "YES",
        },
        "objectToGuest": lambda _: {"invitationId": t.meeting["invitation"], "reason": "x"},
        "makeGuestMember": lambda _: {"invitationId": t.meeting["invitation"]},
        "proposeAgendaItem": lambda _: {"meetingId": t.meeting["meeting"], "title": "x"},
        "closeMinutes": lambda _: {"meetingId": t.meeting["meeting"]},
        "reopenMinutes": lambda _: {"meetingId": t.meeting["meeting"]},
        "confirmMinutes": lambda _: {
            "meetingId": t.meeting["meeting"],
            "versionNumber": 1,
            "confirmed": True,
        },
        "agreeActionItem": lambda _: {
            "meetingId": t.meeting["meeting"],
            "kind": "TASK",
            "title": "x",
            "ownerMemberId": t.member_id,
            "dueOn": "2099-01-01",
        },
        # The target's disagreement raised to the coordinating unit's leader.
        "answerRaisedDisagreement": lambda _: {
            "id": t.raised["id"],
            "version": t.raised["version"],
            "answer": "x",
        },
    }


# Mutations that are not about one child, and so have no target to leak.
GLOBAL_MUTATIONS = {"registerChild", "registerServiceProvider", "setNotificationPreference"}
# The kommune's measure catalogue is no child's data (tests/catalogue/ has its role matrix).
GLOBAL_MUTATIONS |= {"addCatalogueMeasure", "updateCatalogueMeasure"}
# So is its pathway template: running pathways keep theirs (tests/pathway/test_templates.py).
GLOBAL_MUTATIONS |= {"updatePathwayTemplate"}
# Mutations on one person's notifications: probed with someone else's notification.
PERSONAL_MUTATIONS = {"markNotificationRead", "resendNotification"}
# Mutations on the caller's own settings: they take no id, so there is nobody else to reach
# (tests/identity/test_language_choice.py).
OWN_MUTATIONS = {"setMyLanguage"}
# The caller's own calendar feed (backend/meeting/calendar.py): no id, nobody else's to reach.
OWN_MUTATIONS |= {"createCalendarFeed", "revokeCalendarFeed"}


# Queries whose `id` names one of a child's rows rather than the child: probed with the
# target's row, and logged in the target's access log as a child's id is.
ROW_IDS: dict[str, Callable[[Target], str]] = {
    "coordinatorRequest": lambda t: str(t.right["request"]),
    "meeting": lambda t: str(t.meeting["meeting"]),
}


def query_variables(field_name: str, t: Target) -> dict[str, Any]:
    args = schema_walk.root_fields("query")[field_name].args
    values: dict[str, Any] = {}
    for name, arg in args.items():
        if name == "id" and field_name in ROW_IDS:
            values[name] = ROW_IDS[field_name](t)
        elif name in ("id", "childId"):
            values[name] = t.id
        elif str(arg.type).endswith("!") and arg.default_value is None:
            values[name] = {"String!": "", "Int!": 10, "Boolean!": False}.get(str(arg.type))
    return values


async def refusals(aut: AppUnderTest, child_id: str, caller: Any) -> int:
    """Access-log rows for this caller and child that record a refusal."""
    async with aut.db.reading() as session:
        query = select(AccessLogEntry).where(AccessLogEntry.child_id == uuid.UUID(child_id))
        query = query.where(
            col(AccessLogEntry.actor_person_id).is_(None)
            if caller is None
            else AccessLogEntry.actor_person_id == caller.id
        )
        return sum(1 for row in (await session.exec(query)).all() if row.refused)


async def events_of(aut: AppUnderTest, child_id: str) -> int:
    async with aut.db.reading() as session:
        query = select(func.count()).select_from(Event).where(Event.child_id == uuid.UUID(child_id))
        return int((await session.exec(query)).one())


async def reads_of(aut: AppUnderTest, child_id: str, caller: Any) -> int:
    """Access-log rows for this caller and child that record a read (not a refusal)."""
    async with aut.db.reading() as session:
        query = select(AccessLogEntry).where(
            AccessLogEntry.child_id == uuid.UUID(child_id),
            AccessLogEntry.actor_person_id == caller.id,
        )
        return sum(1 for row in (await session.exec(query)).all() if not row.refused)


# The kommune's coordinating unit answers for the kommune's children without being in their
# networks (docs/policies.md, "The right to a barnekoordinator" and "The pathway"): its staff
# read the kommune's requests for a coordinator and decide them, and deviate and meet the
# milestones and keep the transitions of the kommune's children. For these operations a
# child of the kommune is not outside the unit's reach, so they are not probed here with the
# unit's staff (the coordinator of A and the kommune unit); the domains' role matrices cover
# them (tests/right/test_who_may.py, tests/pathway/). Every other operation is.
UNIT_QUERIES = {"coordinatorRequest", "coordinatorRequests"}
UNIT_MUTATIONS = {
    "decideCoordinatorRequest",
    "appealDecision",  # the unit reads the request: it is told NOT_ALLOWED, not NOT_FOUND
    "reassessAppeal",
    "recordStatsforvalterOutcome",
    "deviateMilestone",
    "meetMilestone",
    "startTransition",
    "addTransitionItem",
    "updateTransitionItem",
    "recordSignal",  # the unit reaches the child's pathway: it is told NOT_ALLOWED
}


def refusals_expected(field_name: str, caller: Any, before: int) -> int:
    """Every refusal is in the access log, anonymous callers' included."""
    return before + 1


def in_unit(m: Matrix, caller: Any) -> bool:
    return caller is not None and caller.employer_service_id == m.world.unit.id


def outside_for(m: Matrix, field_name: str, caller: Any, outside: list[str]) -> list[Target]:
    """The targets outside the caller's reach for this operation."""
    if field_name in UNIT_QUERIES | UNIT_MUTATIONS and in_unit(m, caller):
        return []
    return [getattr(m, name.lower()) for name in outside]


VARIANTS = ["plain", "aliased", "fragment"]

# The kommune's security review (coordinating unit only) names the people who probed a child
# outside their network: that is what it is for. A prober's name is not the other child's data
# there; nothing about the child itself (id, number, name, duties, members) may appear.
PROBERS_NAMED = {"securityReview"}
PERSON_MARKERS = {"Paul Forelder", "Olga Annenforelder"}


def markers_for(field_name: str, target: Target) -> list[str]:
    if field_name in PROBERS_NAMED:
        return [m for m in target.markers if m not in PERSON_MARKERS]
    return target.markers


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("field_name", sorted(schema_walk.root_fields("query")))
async def test_queries_leak_nothing_outside_the_network(
    matrix: Matrix, app_under_test: AppUnderTest, field_name: str, variant: str
) -> None:
    api = Api(app_under_test)
    doc = schema_walk.document("query", field_name, variant)
    child_scoped = "id" in schema_walk.root_fields("query")[field_name].args
    for role, (caller, outside) in matrix.roles.items():
        for target in outside_for(matrix, field_name, caller, outside):
            before = await refusals(app_under_test, target.id, caller)
            response = await api.raw(doc, query_variables(field_name, target), as_=caller)
            assert response.status_code == 200, (role, response.text)
            for marker in markers_for(field_name, target):
                assert marker not in response.text, (role, field_name, variant, marker)
            if child_scoped:
                after = await refusals(app_under_test, target.id, caller)
                expected = refusals_expected(field_name, caller, before)
                assert after == expected, (role, field_name, "refusal not logged")
    await api.client.aclose()


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize(
    "field_name",
    sorted(
        set(schema_walk.root_fields("mutation"))
        - GLOBAL_MUTATIONS
        - PERSONAL_MUTATIONS
        - OWN_MUTATIONS
    ),
)
async def test_mutations_change_nothing_outside_the_network(
    matrix: Matrix, app_under_test: AppUnderTest, field_name: str, variant: str
) -> None:
    api = Api(app_under_test)
    doc = schema_walk.document("mutation", field_name, variant)
    for role, (caller, outside) in matrix.roles.items():
        for target in outside_for(matrix, field_name, caller, outside):
            build = mutation_inputs(matrix, target)[field_name]
            events = await events_of(app_under_test, target.id)
            before = await refusals(app_under_test, target.id, caller)
            response = await api.raw(doc, {"input": build(caller)}, as_=caller)
            body = response.json()
            assert response.status_code == 200 and "errors" not in body, (role, body)
            payload = body["data"]["probe" if variant != "plain" else field_name]
            error_codes = {
                e.get("code") or e.get("x_code")
                for e in payload.get("errors") or payload.get("x_errors") or []
            }
            assert error_codes & {"NOT_FOUND", "UNAUTHENTICATED"}, (role, field_name, body)
            for marker in target.markers:
                assert marker not in response.text, (role, field_name, marker)
            assert await events_of(app_under_test, target.id) == events
            expected = refusals_expected(field_name, caller, before)
            assert await refusals(app_under_test, target.id, caller) == expected, (
                role,
                field_name,
                "refusal not logged",
            )
    await api.client.aclose()


@pytest.mark.parametrize("field_name", sorted(UNIT_QUERIES))
async def test_the_units_reads_outside_the_network_are_logged(
    matrix: Matrix, app_under_test: AppUnderTest, field_name: str
) -> None:
    """What the unit reads of a request outside the network: the request, never the child,
    and each read in that child's access log."""
    api = Api(app_under_test)
    doc = schema_walk.document("query", field_name, "plain")
    probed = 0
    for role, (caller, outside) in matrix.roles.items():
        if not in_unit(matrix, caller):
            continue
        for target in (getattr(matrix, name.lower()) for name in outside):
            before = await reads_of(app_under_test, target.id, caller)
            data = await api.gql(doc, query_variables(field_name, target), as_=caller)
            found = data[field_name]
            requests = [e["node"] for e in found["edges"]] if "edges" in found else [found]
            [request] = [r for r in requests if r["id"] == target.right["request"]]
            assert request["child"] is None, (role, field_name)
            assert target.id not in str(request), (role, field_name)
            assert await reads_of(app_under_test, target.id, caller) > before, (role, field_name)
            probed += 1
    assert probed == 3  # the coordinator of A (of B), the kommune unit (of A and B)
    await api.client.aclose()


def test_every_mutation_is_in_the_matrix() -> None:
    m = Matrix(world=None, a=None, b=None, roles={}, service_id="")  # type: ignore[arg-type]
    covered = (
        set(mutation_inputs(m, None))  # type: ignore[arg-type]
        | GLOBAL_MUTATIONS
        | PERSONAL_MUTATIONS
        | OWN_MUTATIONS
    )
    assert set(schema_walk.root_fields("mutation")) <= covered


async def test_global_mutations_refuse_outsiders(
    matrix: Matrix, app_under_test: AppUnderTest
) -> None:
    api = Api(app_under_test)
    for role in ("anonymous", "guardian of A", "specialist"):
        caller = matrix.roles[role][0]
        response = await api.raw(
            schema_walk.document("mutation", "registerServiceProvider", "plain"),
            {"input": {"name": "X", "type": "SKOLE", "orgNumber": "974760673"}},
            as_=caller,
        )
        codes = {e["code"] for e in response.json()["data"]["registerServiceProvider"]["errors"]}
        assert codes & {"NOT_ALLOWED", "UNAUTHENTICATED"}, role
    await api.client.aclose()


# What each role sees of child A, field by field (None: the child is not visible at all).
FIELD_EXPECTATIONS: dict[str, dict[str, bool] | None] = {
    "coordinator of A": {
        "nationalId": True,
        "teacherService": True,
        "doctorService": True,
        "municipality": True,
        "accessLog": True,
    },
    "guardian of A": {
        "nationalId": True,
        "teacherService": True,
        "doctorService": True,
        "municipality": True,
        "accessLog": True,
    },
    "guardian of A without parental responsibility": {
        "nationalId": False,
        "teacherService": False,
        "doctorService": False,
        "municipality": True,
        "accessLog": False,
    },
    "member with consent": {
        "nationalId": True,
        "teacherService": True,
        "doctorService": False,
        "municipality": True,
        "accessLog": False,
    },
    "member without consent": {
        "nationalId": False,
        "teacherService": False,
        "doctorService": False,
        "municipality": True,
        "accessLog": False,
    },
    "specialist": {
        "nationalId": True,
        "teacherService": False,
        "doctorService": True,
        "municipality": True,
        "accessLog": False,
    },
    "guardian of B": None,
    "outsider": None,
    "kommune unit": None,
    "anonymous": None,
}

FIELD_QUERY = """query($id: ID!) { child(id: $id) { nationalId municipality { name }
  network { person { name } service { name } }
  accessLog(first: 1) { edges { node { who } } } } }"""


@pytest.mark.parametrize("role", sorted(FIELD_EXPECTATIONS))
async def test_what_each_role_sees_of_a_child(
    matrix: Matrix, app_under_test: AppUnderTest, role: str
) -> None:
    api = Api(app_under_test)
    caller = matrix.roles[role][0]
    child = (await api.gql(FIELD_QUERY, {"id": matrix.a.id}, as_=caller))["child"]
    expected = FIELD_EXPECTATIONS[role]
    if expected is None:
        assert child is None
        return
    # A health membership is not listed at all to those who may not read health.
    services = {m["person"]["name"]: m["service"] for m in child["network"] if m["person"]}
    seen = {
        "nationalId": child["nationalId"] is not None,
        "teacherService": services["Tina Lærer"] is not None,
        "doctorService": services.get("Dag Doktor") is not None,
        "municipality": child["municipality"] is not None,
        "accessLog": bool(child["accessLog"]["edges"]),
    }
    assert seen == expected
    await api.client.aclose()


@pytest.mark.parametrize("field_name", sorted(PERSONAL_MUTATIONS))
async def test_notifications_of_others_are_out_of_reach(
    matrix: Matrix, app_under_test: AppUnderTest, field_name: str
) -> None:
    """B's guardian was welcomed to B's network: nobody else may read or resend that."""
    async with app_under_test.db.reading() as session:
        theirs = (
            await session.exec(
                select(Notification).where(
                    Notification.recipient_person_id == matrix.world.parent2.id
                )
            )
        ).all()
    assert theirs, "the matrix expects B's guardian to have been notified"
    target = theirs[0]
    api = Api(app_under_test)
    for role, (caller, outside) in matrix.roles.items():
        if "B" not in outside:
            continue
        response = await api.raw(
            schema_walk.document("mutation", field_name, "plain"),
            {"input": {"id": str(target.id)}},
            as_=caller,
        )
        payload = response.json()["data"][field_name]
        codes = {e["code"] for e in payload["errors"]}
        # Kommune administrators may resend dead letters of their kommune: for them a live
        # notification is INVALID to resend. Nobody else learns it exists.
        allowed = {"NOT_FOUND", "UNAUTHENTICATED", "NOT_ALLOWED", "INVALID"}
        assert codes and codes <= allowed, (role, payload)
        for marker in matrix.b.markers:
            assert marker not in response.text, (role, marker)
    async with app_under_test.db.reading() as session:
        after = await session.get(Notification, target.id)
    assert after is not None
    assert (after.read_at, after.status, after.attempts) == (
        target.read_at,
        target.status,
        target.attempts,
    )
    await api.client.aclose()
