"""Who may do what with a meeting, over HTTP: a role x operation matrix (policies/meeting.cedar).

Every operation is asked so that it cannot change anything when the policy lets the caller
through (a stale version, a missing id in the input, minutes not closed yet): what is
compared is only whether the caller got past the policy, was refused (NOT_ALLOWED), or was
answered as for a meeting that exists nowhere (NOT_FOUND, the same text).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from backend.identity.actor import Actor
from backend.identity.models import Person
from backend.meeting.access import MeetingAction, decide, meeting_facts
from backend.meeting.models import Meeting
from tests.conftest import Api, World
from tests.meeting.support import NOWHERE, call, guest_staff, move, ok, read, rows, schedule
from tests.plan.support import family, young_person

HIDDEN = "hidden"
REFUSED = "refused"
ALLOWED = "allowed"
ENDED = "ended"
ANONYMOUS = "anonymous"

OPERATIONS = (
    "view",
    "propose",
    "answer",
    "object",
    "edit",
    "cancel",
    "invite",
    "close",
    "confirm",
    "agree",
    "makeMember",
    "write",
)


def outcome(payload: dict[str, Any], targets: tuple[str, ...]) -> str:
    found = [(e["code"], e["field"]) for e in payload["errors"]]
    if not found:
        return ALLOWED
    code, field = found[0]
    if code == "NOT_FOUND" and field in targets:
        return HIDDEN
    if code == "NOT_ALLOWED":
        return REFUSED
    if code == "GUEST_ACCESS_ENDED":
        return ENDED
    if code == "UNAUTHENTICATED":
        return ANONYMOUS
    return ALLOWED


async def _version(api: Api, meeting_id: str) -> int:
    async with api.aut.db.reading() as session:
        row = await session.get(Meeting, uuid.UUID(meeting_id))
        assert row is not None
        return row.version


async def _may_write(api: Api, meeting_id: str, person: Person | None) -> str:
    if person is None:
        return ANONYMOUS
    async with api.aut.db.reading() as session:
        row = await session.get(Meeting, uuid.UUID(meeting_id))
        assert row is not None
        actor = Actor.from_person(person, auth_method="dev")
        facts = await meeting_facts(session, actor, row)
    if not decide(actor, MeetingAction.VIEW, facts):
        return HIDDEN
    return ALLOWED if decide(actor, MeetingAction.WRITE_MINUTES, facts) else REFUSED


async def matrix(
    api: Api,
    meeting: dict[str, Any],
    people: dict[str, Person | None],
    invitations: dict[str, str],
    guest_invitation: str,
    member_id: str,
) -> dict[str, dict[str, str]]:
    """Every operation for every person: what they got."""
    m = meeting["id"]
    found: dict[str, dict[str, str]] = {}
    meeting_field = ("meetingId",)
    invitation_field = ("invitationId",)
    for who, person in people.items():
        got: dict[str, str] = {}
        seen = await read(api, m, person)
        got["view"] = ALLOWED if seen is not None else HIDDEN
        calls: list[tuple[str, str, dict[str, Any], tuple[str, ...]]] = [
            ("propose", "proposeAgendaItem", {"meetingId": m, "title": ""}, meeting_field),
            (
                "answer",
                "answerInvitation",
                {
                    "invitationId": invitations.get(who, invitations["teacher"]),
                    "version": 999,
                    "answer": "YES",
                },
                invitation_field,
            ),
            (
                "object",
                "objectToGuest",
                {"invitationId": guest_invitation, "reason": ""},
                invitation_field,
            ),
            (
                "edit",
                "updateMeeting",
                {"meetingId": m, "version": 999, "title": "Nytt"},
                meeting_field,
            ),
            (
                "cancel",
                "cancelMeeting",
                {"meetingId": m, "version": 999, "reason": "x"},
                meeting_field,
            ),
            ("invite", "inviteMembers", {"meetingId": m, "memberIds": [NOWHERE]}, meeting_field),
            ("close", "closeMinutes", {"meetingId": m}, meeting_field),
            (
                "confirm",
                "confirmMinutes",
                {"meetingId": m, "versionNumber": 1, "confirmed": True},
                meeting_field,
            ),
            (
                "agree",
                "agreeActionItem",
                {
                    "meetingId": m,
                    "kind": "TASK",
                    "title": "Oppgave",
                    "ownerMemberId": NOWHERE,
                    "dueOn": "2099-01-01",
                },
                meeting_field,
            ),
            (
                "makeMember",
                "makeGuestMember",
                {"invitationId": guest_invitation, "role": "GUARDIAN"},
                invitation_field,
            ),
        ]
        for name, mutation, fields, targets in calls:
            got[name] = outcome(await call(api, mutation, person, **fields), targets)
        got["write"] = await _may_write(api, m, person)
        found[who] = got
    return found


def expect(allowed: set[str], refused: set[str] = frozenset()) -> dict[str, str]:  # type: ignore[assignment]
    return {
        op: ALLOWED if op in allowed else REFUSED if op in refused else HIDDEN for op in OPERATIONS
    }


COORDINATOR_OPS = {
    "view",
    "propose",
    "answer",
    "edit",
    "cancel",
    "invite",
    "close",
    "agree",
    "makeMember",
    "write",
}


@pytest.mark.parametrize("age", [11, 12, 16])
async def test_role_by_operation(api: Api, world: World, age: int) -> None:
    fam = await family(api, world, age=age, child_member=True)
    young = await young_person(api, world, fam)
    guest = await guest_staff(api, world)
    other_guest = await guest_staff(api, world, "Gunnar Gjest")
    meeting = await schedule(
        api, world, fam.child_id, inviteMemberIds=[fam.members["teacher"], fam.members["child"]]
    )
    meeting = await ok(
        api, "inviteGuest", world.coordinator, meetingId=meeting["id"], personId=str(guest.id)
    )
    other = await schedule(api, world, fam.child_id, title="Et annet møte")
    await ok(
        api, "inviteGuest", world.coordinator, meetingId=other["id"], personId=str(other_guest.id)
    )
    by_person = {i["personName"]: i for i in meeting["invitations"]}
    invitations = {
        "coordinator": by_person[world.coordinator.name]["id"],
        "teacher": by_person[world.teacher.name]["id"],
        "child": by_person[young.name]["id"],
        "guest": by_person[guest.name]["id"],
    }
    guest_invitation = invitations["guest"]
    people: dict[str, Person | None] = {
        "coordinator": world.coordinator,
        "parent": world.parent,
        "other_parent": world.other_parent,
        "child": young,
        "teacher": world.teacher,
        "doctor": world.doctor,
        "guest": guest,
        "other_guest": other_guest,
        "outsider": world.outsider_staff,
        "unit": world.coordinator2,
        "anonymous": None,
    }
    before = await rows(api)
    got = await matrix(api, meeting, people, invitations, guest_invitation, fam.members["doctor"])
    child_ops = {"view", "propose", "answer", "write"} if age >= 12 else set()
    child_refused = {"edit", "cancel", "invite", "close", "agree"} if age >= 12 else set()
    if age >= 16:
        child_ops |= {"object", "confirm"}
    expected = {
        "coordinator": expect(COORDINATOR_OPS, {"object", "confirm"}),
        # From 16 the young person decides over health information: the guardians do not
        # learn of the habilitering guest (nor object to them) without the young person's
        # consent; the young person objects instead.
        "parent": expect(
            {"view", "propose", "confirm"} | ({"object"} if age < 16 else set()),
            {"answer", "edit", "cancel", "invite", "close", "agree", "write"}
            | ({"makeMember"} if age < 16 else set()),
        ),
        "other_parent": expect(set()),
        "child": expect(
            child_ops,
            (child_refused | {"makeMember"} | ({"object", "confirm"} - child_ops))
            if age >= 12
            else set(),
        ),
        # The habilitering guest is health information the school may not know of.
        "teacher": expect(
            {"view", "propose", "answer", "write"},
            {"edit", "cancel", "invite", "close", "confirm", "agree"},
        ),
        "doctor": expect(set()),
        "guest": expect(
            {"view", "answer", "write"},
            {
                "propose",
                "object",
                "edit",
                "cancel",
                "invite",
                "close",
                "confirm",
                "agree",
                "makeMember",
            },
        ),
        "other_guest": expect(set()),
        "outsider": expect(set()),
        "unit": expect(set()),
        "anonymous": {op: ANONYMOUS if op != "view" else HIDDEN for op in OPERATIONS},
    }
    for who in people:
        assert got[who] == expected[who], who
    assert await rows(api) == before


async def test_not_found_is_the_same_for_a_meeting_that_exists_nowhere(
    api: Api, world: World
) -> None:
    fam = await family(api, world)
    meeting = await schedule(api, world, fam.child_id)
    hidden = await call(api, "proposeAgendaItem", world.doctor, meetingId=meeting["id"], title="x")
    nowhere = await call(api, "proposeAgendaItem", world.doctor, meetingId=NOWHERE, title="x")
    bad = await call(api, "proposeAgendaItem", world.doctor, meetingId="not-an-id", title="x")
    assert hidden["errors"] == nowhere["errors"] == bad["errors"]
    assert hidden["errors"][0]["code"] == "NOT_FOUND"
    assert await read(api, meeting["id"], world.doctor) is None
    assert await read(api, NOWHERE, world.doctor) is None


async def test_a_guest_after_the_window(api: Api, world: World) -> None:
    fam = await family(api, world)
    guest = await guest_staff(api, world)
    meeting = await schedule(api, world, fam.child_id)
    meeting = await ok(
        api,
        "inviteGuest",
        world.coordinator,
        meetingId=meeting["id"],
        personId=str(guest.id),
        accessHoursAfter=1,
    )
    invitation = next(i for i in meeting["invitations"] if i["guest"])
    seen = await read(api, meeting["id"], guest)
    assert seen["viewerIsGuest"] and seen["guestAccessUntil"]
    # The meeting was yesterday: an hour after its end the guest's window closed.
    await move(api, meeting["id"], hours=-26)
    assert await read(api, meeting["id"], guest) is None
    before = await rows(api)
    payload = await call(
        api,
        "answerInvitation",
        guest,
        invitationId=invitation["id"],
        version=invitation["version"],
        answer="YES",
    )
    assert [e["code"] for e in payload["errors"]] == ["GUEST_ACCESS_ENDED"]
    payload = await call(api, "proposeAgendaItem", guest, meetingId=meeting["id"], title="x")
    assert [e["code"] for e in payload["errors"]] == ["GUEST_ACCESS_ENDED"]
    assert await _may_write(api, meeting["id"], guest) == HIDDEN
    assert await rows(api) == before
