"""What each reader sees of a meeting: the guest's limited view (the plan's parts consent
allows, the child's given name, never a protected place), the place rules, the access log,
the lists, and a guest made a member."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import col, select

from backend.audit.access_log import AccessLogEntry
from backend.network.models import NetworkMember
from tests.children.test_caseload import count_statements
from tests.conftest import Api, World
from tests.helpers import give_consent
from tests.meeting.support import (
    CHILD,
    MINE,
    call,
    codes,
    guest_staff,
    move,
    ok,
    read,
    rows,
    schedule,
)
from tests.plan.support import family, with_plan
from tests.plan.support import ok as plan_ok

PLACE = "Storgata 1, 9999 Testvik"


async def _log(api: Api, person: Any) -> list[AccessLogEntry]:
    async with api.aut.db.reading() as session:
        found = await session.exec(
            select(AccessLogEntry)
            .where(AccessLogEntry.actor_person_id == person.id)
            .order_by(col(AccessLogEntry.at))
        )
        return list(found.all())


async def test_the_guest_reads_only_what_consent_allows(api: Api, world: World) -> None:
    fam = await family(api, world)
    await with_plan(api, world, fam)
    for category, text in [("GENERAL", "Trenger ro."), ("HEALTH", "Epilepsi, medisiner.")]:
        await plan_ok(
            api,
            "addNeed",
            world.coordinator,
            planId=fam.plan_id,
            lifeArea="HEALTH",
            description=text,
            category=category,
        )
    await plan_ok(
        api,
        "addNeed",
        world.teacher,
        planId=fam.plan_id,
        lifeArea="SCHOOL",
        description="Lese- og skrivevansker.",
    )
    await plan_ok(
        api,
        "addNeed",
        world.caseworker,
        planId=fam.plan_id,
        lifeArea="HOME_AND_FAMILY",
        description="Hjelpetiltak i hjemmet.",
    )
    guest = await guest_staff(api, world)
    meeting = await schedule(
        api,
        world,
        fam.child_id,
        place=PLACE,
        placeProtected=True,
        inviteMemberIds=[fam.members["teacher"]],
    )
    await ok(api, "inviteGuest", world.coordinator, meetingId=meeting["id"], personId=str(guest.id))
    seen = await read(api, meeting["id"], guest)
    assert seen["viewerIsGuest"] is True
    assert seen["childName"] == "Emma"
    assert seen["place"] is None and seen["placeLabel"] == "Avtalt sted"
    # Without a consent for the guest's organisation: general information only.
    assert {(p["kind"], p["category"]) for p in seen["guestPlan"]} == {("need", "GENERAL")}
    assert seen["canWriteMinutes"] is True and seen["canEdit"] is False
    assert seen["myInvitation"]["guest"] is True
    names = {i["personName"] for i in seen["invitations"]}
    assert guest.name in names and world.coordinator.name in names
    await give_consent(api, world.parent, fam.child_id, guest.employer_service_id, ("HEALTH",))
    seen = await read(api, meeting["id"], guest)
    assert {p["description"] for p in seen["guestPlan"]} == {"Trenger ro.", "Epilepsi, medisiner."}
    # Barnevern is never shown to a guest without a consent that names it.
    assert all(p["category"] != "BARNEVERN" for p in seen["guestPlan"])
    await give_consent(api, world.parent, fam.child_id, guest.employer_service_id, ("BARNEVERN",))
    seen = await read(api, meeting["id"], guest)
    assert "Hjelpetiltak i hjemmet." in {p["description"] for p in seen["guestPlan"]}
    assert "Lese- og skrivevansker." not in {p["description"] for p in seen["guestPlan"]}
    # The others read the plan itself, and the place as they may.
    for person, place in [
        (world.coordinator, PLACE),
        (world.parent, PLACE),
        (world.teacher, None),
    ]:
        other = await read(api, meeting["id"], person)
        assert other["guestPlan"] == [] and other["viewerIsGuest"] is False
        assert other["place"] == place and other["placeLabel"] == "Avtalt sted", person.name
        assert other["childName"] == "Emma Testesen"
    # The guest is in the child's access log as a meeting's guest, for the meeting.
    entries = await _log(api, guest)
    assert entries and all(e.roles == ["meetingGuest"] for e in entries)
    assert {e.purpose for e in entries} == {"MEETING"}
    assert "meeting" in entries[-1].what and "barnevern" in entries[-1].what
    assert all(not e.outsider for e in entries)
    teacher = await _log(api, world.teacher)
    assert teacher[-1].roles == ["member"] and "meeting" in teacher[-1].what
    # After the window: nothing, and the attempt is logged.
    await move(api, meeting["id"], hours=-100)
    assert await read(api, meeting["id"], guest) is None
    assert (await _log(api, guest))[-1].refused == ["meeting"]


async def test_an_open_place_is_shown_and_the_language_of_the_label(api: Api, world: World) -> None:
    fam = await family(api, world)
    guest = await guest_staff(api, world)
    meeting = await schedule(api, world, fam.child_id, place="Rådhuset, møterom 3")
    await ok(api, "inviteGuest", world.coordinator, meetingId=meeting["id"], personId=str(guest.id))
    seen = await read(api, meeting["id"], guest)
    assert seen["place"] == seen["placeLabel"] == "Rådhuset, møterom 3"
    protected = await schedule(api, world, fam.child_id, place=PLACE, placeProtected=True)
    for language, label in [("nb", "Avtalt sted"), ("nn", "Avtalt stad"), ("en", "Agreed place")]:
        seen = await read(api, protected["id"], world.coordinator, language=language)
        assert seen["placeLabel"] == label


async def test_answering_and_making_a_guest_a_member(api: Api, world: World) -> None:
    fam = await family(api, world)
    guest = await guest_staff(api, world)
    meeting = await schedule(api, world, fam.child_id, inviteMemberIds=[fam.members["teacher"]])
    meeting = await ok(
        api, "inviteGuest", world.coordinator, meetingId=meeting["id"], personId=str(guest.id)
    )
    mine = (await read(api, meeting["id"], world.teacher))["myInvitation"]
    answered = await ok(
        api,
        "answerInvitation",
        world.teacher,
        invitationId=mine["id"],
        version=mine["version"],
        answer="MAYBE",
        comment="Kommer om jeg får vikar.",
    )
    assert answered["answer"] == "MAYBE" and answered["answerComment"]
    coordinator_view = await read(api, meeting["id"], world.coordinator)
    teacher_row = next(
        i for i in coordinator_view["invitations"] if i["personName"] == world.teacher.name
    )
    assert teacher_row["answer"] == "MAYBE" and teacher_row["answerComment"]
    # The parent sees who comes, but not what the teacher wrote to the coordinator.
    parent_view = await read(api, meeting["id"], world.parent)
    teacher_row = next(
        i for i in parent_view["invitations"] if i["personName"] == world.teacher.name
    )
    assert teacher_row["answer"] == "MAYBE" and teacher_row["answerComment"] is None
    pending = await call(
        api,
        "answerInvitation",
        world.teacher,
        invitationId=mine["id"],
        version=answered["version"],
        answer="PENDING",
    )
    assert codes(pending) == [("INVALID", "answer")]
    invitation = next(i for i in meeting["invitations"] if i["guest"])
    made = await ok(
        api,
        "makeGuestMember",
        world.coordinator,
        invitationId=invitation["id"],
        role="SPECIALIST",
    )
    async with api.aut.db.reading() as session:
        member = (
            await session.exec(
                select(NetworkMember).where(
                    NetworkMember.child_id == uuid.UUID(fam.child_id),
                    NetworkMember.person_id == guest.id,
                )
            )
        ).one()
    assert member.role == "specialist" and member.service_id == guest.employer_service_id
    assert made["id"] == meeting["id"]
    # Now a member: reads the meeting as one (invited), no longer as a guest.
    seen = await read(api, meeting["id"], guest)
    assert seen["viewerIsGuest"] is False
    twice = await call(
        api,
        "makeGuestMember",
        world.coordinator,
        invitationId=invitation["id"],
        role="SPECIALIST",
    )
    assert codes(twice) == [("DUPLICATE_MEMBER", "personId")]


async def test_my_meetings_and_the_childs(api: Api, world: World) -> None:
    fam = await family(api, world)
    first = await schedule(
        api, world, fam.child_id, hours=24, inviteMemberIds=[fam.members["teacher"]]
    )
    second = await schedule(
        api, world, fam.child_id, hours=72, inviteMemberIds=[fam.members["teacher"]]
    )
    await schedule(api, world, fam.child_id, hours=48)
    past = await schedule(
        api, world, fam.child_id, hours=96, inviteMemberIds=[fam.members["teacher"]]
    )
    await move(api, past["id"], hours=-48)
    data = await api.gql(MINE, {"past": False, "first": 1}, as_=world.teacher)
    page = data["myMeetings"]
    assert [e["node"]["id"] for e in page["edges"]] == [first["id"]]
    assert page["pageInfo"]["hasNextPage"] is True
    data = await api.gql(
        MINE, {"past": False, "first": 5, "after": page["pageInfo"]["endCursor"]}, as_=world.teacher
    )
    assert [e["node"]["id"] for e in data["myMeetings"]["edges"]] == [second["id"]]
    data = await api.gql(MINE, {"past": True}, as_=world.teacher)
    assert [e["node"]["id"] for e in data["myMeetings"]["edges"]] == [past["id"]]
    # The child's meetings: all for the coordinator, only their own for the teacher, none
    # for a member not invited (and nothing logged as refused for what was not asked).
    upcoming = await api.gql(CHILD, {"childId": fam.child_id, "past": False}, as_=world.coordinator)
    assert len(upcoming["childMeetings"]["edges"]) == 3
    teacher = await api.gql(CHILD, {"childId": fam.child_id, "past": False}, as_=world.teacher)
    assert len(teacher["childMeetings"]["edges"]) == 2
    doctor = await api.gql(CHILD, {"childId": fam.child_id, "past": False}, as_=world.doctor)
    assert doctor["childMeetings"]["edges"] == []
    outsider = await api.gql(
        CHILD, {"childId": fam.child_id, "past": False}, as_=world.outsider_staff
    )
    assert outsider["childMeetings"]["edges"] == []
    assert (await _log(api, world.outsider_staff))[-1].outsider is True
    suggest = "query($id: ID!) { suggestedInterpreterLanguage(childId: $id) }"
    assert (await api.gql(suggest, {"id": fam.child_id}, as_=world.teacher))[
        "suggestedInterpreterLanguage"
    ] is None


async def _meetings(api: Api, world: World, fam: Any, count: int) -> None:
    for n in range(count):
        meeting = await schedule(
            api,
            world,
            fam.child_id,
            hours=24 + n,
            title=f"Møte {n}",
            agenda=[{"title": "Sak"}],
            inviteMemberIds=[fam.members["teacher"]],
        )
        await ok(
            api,
            "agreeActionItem",
            world.coordinator,
            meetingId=meeting["id"],
            kind="TASK",
            title="Oppgave",
            ownerMemberId=fam.members["teacher"],
            dueOn="2099-01-01",
        )


async def _count(api: Api, world: World) -> tuple[int, int]:
    with count_statements(api.aut) as statements:
        data = await api.gql(MINE, {"past": False, "first": 100}, as_=world.teacher)
    return len(statements), len(data["myMeetings"]["edges"])


async def test_my_meetings_cost_the_same_for_5_as_for_30(api: Api, world: World) -> None:
    fam = await family(api, world)
    await with_plan(api, world, fam)
    await _meetings(api, world, fam, 5)
    few, shown = await _count(api, world)
    assert shown == 5
    await _meetings(api, world, fam, 25)
    many, shown = await _count(api, world)
    assert shown == 30
    assert many == few


async def test_a_withdrawn_guest_is_not_made_a_member(api: Api, world: World) -> None:
    """After the guardians objected and the coordinator withdrew the invitation, the guest's
    invitation does not make them a member: a clear error on it, nothing written."""
    fam = await family(api, world)
    guest = await guest_staff(api, world)
    meeting = await schedule(api, world, fam.child_id)
    meeting = await ok(
        api, "inviteGuest", world.coordinator, meetingId=meeting["id"], personId=str(guest.id)
    )
    invitation = next(i for i in meeting["invitations"] if i["guest"])
    await ok(
        api,
        "withdrawInvitation",
        world.coordinator,
        invitationId=invitation["id"],
        version=invitation["version"],
    )
    before = await rows(api)
    refused = await call(
        api, "makeGuestMember", world.coordinator, invitationId=invitation["id"], language="en"
    )
    assert codes(refused) == [("INVALID", "invitationId")]
    assert "withdrawn" in refused["errors"][0]["message"]
    assert await rows(api) == before
    # On a cancelled meeting, the refusal names the field the input has.
    other = await schedule(api, world, fam.child_id, inviteMemberIds=[fam.members["teacher"]])
    teacher = next(i for i in other["invitations"] if i["personName"] == world.teacher.name)
    await ok(
        api,
        "cancelMeeting",
        world.coordinator,
        meetingId=other["id"],
        version=other["version"],
        reason="Avlyst.",
    )
    late = await call(
        api,
        "withdrawInvitation",
        world.coordinator,
        invitationId=teacher["id"],
        version=teacher["version"],
    )
    assert codes(late) == [("MEETING_CANCELLED", "invitationId")]


async def test_a_protected_familys_meeting_place_is_protected_unless_said_otherwise(
    api: Api, world: World
) -> None:
    """The coordinator need not remember the family's protected address: a place not marked
    either way is shown only as "agreed place" to those who may not read where they live."""
    fam = await family(api, world, protection="CONFIDENTIAL")
    teacher = [fam.members["teacher"]]
    unmarked = await schedule(api, world, fam.child_id, inviteMemberIds=teacher)
    assert unmarked["placeProtected"] is True
    seen = await read(api, unmarked["id"], world.teacher, language="en")
    assert seen["place"] is None and seen["placeLabel"] == "Agreed place"
    # At the school, on purpose: shown.
    school = await schedule(api, world, fam.child_id, inviteMemberIds=teacher, placeProtected=False)
    seen = await read(api, school["id"], world.teacher)
    assert seen["place"] == "Testvik skole, møterom 2"
