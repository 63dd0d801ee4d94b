"""Bad input gets its code and writes nothing: the issue's cases, the caps, and times in
Europe/Oslo across the daylight-saving change."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from backend.core.database import utcnow
from backend.meeting import crdt
from backend.meeting.models import Meeting, MinutesUpdate
from tests.conftest import Api, World
from tests.meeting.support import at, call, codes, guest_staff, move, ok, rows, schedule
from tests.plan.support import family


async def _schedule_errors(api: Api, world: World, child_id: str, **fields: Any) -> Any:
    payload = await call(
        api,
        "scheduleMeeting",
        world.coordinator,
        **{
            "childId": child_id,
            "title": "Møte",
            "startsAt": at(24),
            "endsAt": at(25),
            **fields,
        },
    )
    assert payload["meeting"] is None
    return codes(payload)


async def test_scheduling_mistakes_are_clear_errors_and_write_nothing(
    api: Api, world: World
) -> None:
    fam = await family(api, world)
    before = await rows(api)
    cases: list[tuple[dict[str, Any], list[tuple[str, str | None]]]] = [
        ({"startsAt": at(-2), "endsAt": at(-1)}, [("MEETING_IN_PAST", "startsAt")]),
        ({"startsAt": at(26), "endsAt": at(25)}, [("ENDS_BEFORE_START", "endsAt")]),
        ({"startsAt": at(25), "endsAt": at(25)}, [("ENDS_BEFORE_START", "endsAt")]),
        ({"endsAt": at(24 + 13)}, [("INVALID", "endsAt")]),
        ({"startsAt": at(24 * 800), "endsAt": at(24 * 800 + 1)}, [("INVALID_DATE", "startsAt")]),
        ({"title": "  "}, [("REQUIRED", "title")]),
        ({"videoUrl": "http://video.example/rom"}, [("INVALID", "videoUrl")]),
        ({"videoUrl": "javascript:alert(1)"}, [("INVALID", "videoUrl")]),
        ({"interpreterLanguage": "zz"}, [("INVALID", "interpreterLanguage")]),
        ({"startsAt": "2030-01-01T10:00:00"}, [("INVALID", "startsAt")]),
        (
            {"inviteMemberIds": [fam.members["teacher"], fam.members["teacher"]]},
            [("ALREADY_INVITED", "inviteMemberIds")],
        ),
        (
            {"inviteMemberIds": ["01900000-0000-7000-8000-000000000000"]},
            [("NOT_FOUND", "inviteMemberIds")],
        ),
        # The coordinator may not know of barnevern's membership: as one that exists nowhere.
        ({"inviteMemberIds": [fam.members["barnevern"]]}, [("NOT_FOUND", "inviteMemberIds")]),
        ({"agenda": [{"title": ""}]}, [("REQUIRED", "agenda.0.title")]),
    ]
    for fields, expected in cases:
        assert await _schedule_errors(api, world, fam.child_id, **fields) == expected, fields
    assert await rows(api) == before


async def _capped(api: Api, world: World, child_id: str, fields: dict[str, Any]) -> Any:
    document = """mutation($input: ScheduleMeetingInput!) {
      scheduleMeeting(input: $input) { meeting { id } errors { code } } }"""
    base = {"childId": child_id, "title": "Møte", "startsAt": at(24), "endsAt": at(25)}
    response = await api.raw(document, {"input": {**base, **fields}}, as_=world.coordinator)
    body = response.json()
    assert response.status_code == 200 and body.get("data") is None, body
    (error,) = body["errors"]
    return error["extensions"]["code"], error["extensions"]["field"]


async def test_over_the_caps_refused_before_any_work(api: Api, world: World) -> None:
    fam = await family(api, world)
    before = await rows(api)
    capped: list[tuple[dict[str, Any], str, str]] = [
        ({"title": "x" * 201}, "TOO_LONG", "title"),
        ({"purpose": "x" * 2001}, "TOO_LONG", "purpose"),
        ({"place": "x" * 301}, "TOO_LONG", "place"),
        ({"videoUrl": "https://v.example/" + "x" * 500}, "TOO_LONG", "videoUrl"),
        ({"agenda": [{"title": "Sak"}] * 31}, "TOO_MANY", "agenda"),
        ({"inviteMemberIds": [fam.members["teacher"]] * 51}, "TOO_MANY", "inviteMemberIds"),
        ({"agenda": [{"title": "x" * 201}]}, "TOO_LONG", "agenda.0.title"),
    ]
    for fields, code, field in capped:
        assert await _capped(api, world, fam.child_id, fields) == (code, field), fields
    meeting = await schedule(api, world, fam.child_id)
    before = await rows(api)
    document = """mutation($input: CancelMeetingInput!) {
      cancelMeeting(input: $input) { meeting { id } errors { code } } }"""
    response = await api.raw(
        document,
        {"input": {"meetingId": meeting["id"], "version": 1, "reason": "x" * 1001}},
        as_=world.coordinator,
    )
    (error,) = response.json()["errors"]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("TOO_LONG", "reason")
    assert await rows(api) == before


async def test_invited_twice_cancelled_meeting_and_state_errors(api: Api, world: World) -> None:
    fam = await family(api, world)
    guest = await guest_staff(api, world)
    meeting = await schedule(api, world, fam.child_id, inviteMemberIds=[fam.members["teacher"]])
    meeting = await ok(
        api, "inviteGuest", world.coordinator, meetingId=meeting["id"], personId=str(guest.id)
    )
    before = await rows(api)
    twice = await call(
        api,
        "inviteMembers",
        world.coordinator,
        meetingId=meeting["id"],
        memberIds=[fam.members["teacher"]],
    )
    assert codes(twice) == [("ALREADY_INVITED", "memberIds")]
    again = await call(
        api, "inviteGuest", world.coordinator, meetingId=meeting["id"], personId=str(guest.id)
    )
    assert codes(again) == [("ALREADY_INVITED", "personId")]
    member = await call(
        api,
        "inviteGuest",
        world.coordinator,
        meetingId=meeting["id"],
        personId=str(world.teacher.id),
    )
    assert codes(member) == [("DUPLICATE_MEMBER", "personId")]
    hours = await call(
        api,
        "inviteGuest",
        world.coordinator,
        meetingId=meeting["id"],
        personId=str(world.outsider_staff.id),
        accessHoursAfter=721,
    )
    assert codes(hours) == [("INVALID", "accessHoursAfter")]
    stale = await call(
        api, "updateMeeting", world.coordinator, meetingId=meeting["id"], version=0, title="Ny"
    )
    assert codes(stale) == [("CONFLICT", "version")]
    early = await call(api, "closeMinutes", world.coordinator, meetingId=meeting["id"])
    assert codes(early) == [("INVALID", "meetingId")]
    not_closed = await call(api, "reopenMinutes", world.coordinator, meetingId=meeting["id"])
    assert codes(not_closed) == [("MINUTES_NOT_CLOSED", "meetingId")]
    assert await rows(api) == before

    cancelled = await ok(
        api,
        "cancelMeeting",
        world.coordinator,
        meetingId=meeting["id"],
        version=meeting["version"],
        reason="Koordinatoren er syk.",
    )
    assert cancelled["status"] == "CANCELLED" and cancelled["cancelReason"]
    assert cancelled["canWriteMinutes"] is False
    await move(api, meeting["id"], hours=-1)
    before = await rows(api)
    for mutation, fields in [
        ("closeMinutes", {}),
        ("proposeAgendaItem", {"title": "Sak"}),
        ("updateMeeting", {"version": cancelled["version"], "title": "Ny"}),
        ("cancelMeeting", {"version": cancelled["version"], "reason": "Igjen"}),
        (
            "agreeActionItem",
            {
                "kind": "TASK",
                "title": "Oppgave",
                "ownerMemberId": fam.members["teacher"],
                "dueOn": "2099-01-01",
            },
        ),
    ]:
        payload = await call(api, mutation, world.coordinator, meetingId=meeting["id"], **fields)
        assert codes(payload) == [("MEETING_CANCELLED", "meetingId")], mutation
    # Minutes of a cancelled meeting: the live channel refuses the update too.
    async with api.aut.db.writing() as session:
        from backend.identity.actor import Actor

        actor = Actor.from_person(world.coordinator, auth_method="dev")
        try:
            await crdt.append_update(
                session, actor, uuid.UUID(meeting["id"]), crdt.seed_update({"general": "x"})
            )
            refused = False
        except crdt.Refused:
            refused = True
        await session.rollback()
    assert refused
    assert await rows(api) == before
    async with api.aut.db.reading() as session:
        from sqlmodel import func, select

        count = (await session.exec(select(func.count()).select_from(MinutesUpdate))).one()
    assert count == 0


async def test_objection_after_the_start(api: Api, world: World) -> None:
    fam = await family(api, world)
    guest = await guest_staff(api, world)
    meeting = await schedule(api, world, fam.child_id)
    meeting = await ok(
        api, "inviteGuest", world.coordinator, meetingId=meeting["id"], personId=str(guest.id)
    )
    invitation = next(i for i in meeting["invitations"] if i["guest"])
    await move(api, meeting["id"], hours=-0.5)
    before = await rows(api)
    late = await call(
        api, "objectToGuest", world.parent, invitationId=invitation["id"], reason="Nei takk."
    )
    assert codes(late) == [("MEETING_STARTED", "invitationId")]
    assert await rows(api) == before


async def test_a_meeting_across_the_daylight_saving_change(api: Api, world: World) -> None:
    """2027-03-28: Oslo's clocks go from 02:00 to 03:00. 01:30 to 03:30 local is one hour."""
    fam = await family(api, world)
    starts = dt.datetime(2027, 3, 28, 0, 30, tzinfo=dt.UTC)  # 01:30 CET
    ends = dt.datetime(2027, 3, 28, 1, 30, tzinfo=dt.UTC)  # 03:30 CEST
    if starts - utcnow() > dt.timedelta(days=2 * 365):  # pragma: no cover - far future runs
        return
    meeting = await ok(
        api,
        "scheduleMeeting",
        world.coordinator,
        childId=fam.child_id,
        title="Tidlig møte",
        startsAt="2027-03-28T01:30:00+01:00",
        endsAt="2027-03-28T03:30:00+02:00",
    )
    assert meeting["startsAtLocal"] == "2027-03-28T01:30:00+01:00"
    assert meeting["endsAtLocal"] == "2027-03-28T03:30:00+02:00"
    assert dt.datetime.fromisoformat(meeting["startsAt"]) == starts
    assert dt.datetime.fromisoformat(meeting["endsAt"]) == ends
    async with api.aut.db.reading() as session:
        row = await session.get(Meeting, uuid.UUID(meeting["id"]))
        assert row is not None
        # Stored in UTC; its length is the real one, not the wall clocks' difference.
        assert row.starts_at == starts and row.ends_at - row.starts_at == dt.timedelta(hours=1)
    # The autumn change: 2027-10-31 02:30 happens twice; 01:30 CEST to 02:30 CET is 2 hours.
    autumn = await ok(
        api,
        "scheduleMeeting",
        world.coordinator,
        childId=fam.child_id,
        title="Høstmøte",
        startsAt="2027-10-31T01:30:00+02:00",
        endsAt="2027-10-31T02:30:00+01:00",
    )
    assert autumn["startsAtLocal"] == "2027-10-31T01:30:00+02:00"
    assert autumn["endsAtLocal"] == "2027-10-31T02:30:00+01:00"
    length = dt.datetime.fromisoformat(autumn["endsAt"]) - dt.datetime.fromisoformat(
        autumn["startsAt"]
    )
    assert length == dt.timedelta(hours=2)
