"""The calendar: a person's meetings as an iCalendar feed behind a secret, revocable address,
and the .ics that invitations, changes and cancellations carry by e-mail."""

from __future__ import annotations

import datetime as dt
import email.message
import uuid
from typing import Any
from urllib.parse import urlsplit

import httpx
import icalendar
from sqlmodel import col, select

from backend.app import create_app
from backend.audit.access_log import AccessLogEntry
from backend.core.clock import OSLO
from backend.core.database import utcnow
from backend.identity.models import Person
from backend.meeting.calendar import token_hash
from backend.meeting.models import CalendarFeed, Invitation
from backend.network.models import NetworkMember
from backend.notify import jobs as notify_jobs
from tests.conftest import Api, World, make_settings
from tests.helpers import add_member, family_child
from tests.jobs.support import MailServer, notifications, set_email, smtp_settings
from tests.jobs.support import mail as mail  # the SMTP server (aiosmtpd) fixture

ERRORS = "errors { code field message }"
MEETING = "id version status startsAt endsAt placeLabel"
SCHEDULE = f"""mutation($input: ScheduleMeetingInput!) {{ scheduleMeeting(input: $input) {{
  meeting {{ {MEETING} }} {ERRORS} }} }}"""
UPDATE = f"""mutation($input: UpdateMeetingInput!) {{ updateMeeting(input: $input) {{
  meeting {{ {MEETING} }} {ERRORS} }} }}"""
CANCEL = f"""mutation($input: CancelMeetingInput!) {{ cancelMeeting(input: $input) {{
  meeting {{ {MEETING} }} {ERRORS} }} }}"""
GUEST = f"""mutation($input: InviteGuestInput!) {{ inviteGuest(input: $input) {{
  meeting {{ {MEETING} }} {ERRORS} }} }}"""
CREATE = f"mutation {{ createCalendarFeed {{ feed {{ id createdAt url }} {ERRORS} }} }}"
REVOKE = f"mutation {{ revokeCalendarFeed {{ feed {{ id createdAt url }} {ERRORS} }} }}"
MINE = "query { myCalendarFeed { id createdAt url } }"

HOME = "Storgata 5, 6900 Fjordvik"
SCHOOL = "Testvik skole, møterom 2"
VIDEO = "https://video.example.no/rom/ansvarsgruppe"


def oslo(day: dt.date, hour: int, minute: int = 0) -> str:
    """An Oslo wall time as the API takes it (ISO 8601 with the offset of that day)."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=OSLO).isoformat()


def next_spring_change() -> dt.date:
    """The next day Norway moves its clocks forward (the last Sunday of March)."""
    year = utcnow().astimezone(OSLO).year
    while True:
        last = dt.date(year, 3, 31)
        day = last - dt.timedelta(days=(last.weekday() + 1) % 7)
        if day > utcnow().astimezone(OSLO).date() + dt.timedelta(days=1):
            return day
        year += 1


async def member_id(api: Api, child_id: str, person_id: uuid.UUID) -> str:
    async with api.aut.db.reading() as session:
        row = (
            await session.exec(
                select(NetworkMember).where(
                    NetworkMember.child_id == uuid.UUID(child_id),
                    NetworkMember.person_id == person_id,
                    col(NetworkMember.ended_at).is_(None),
                )
            )
        ).one()
    return str(row.id)


async def schedule(api: Api, world: World, child_id: str, **fields: Any) -> dict[str, Any]:
    day = (utcnow() + dt.timedelta(days=7)).astimezone(OSLO).date()
    values = {
        "childId": child_id,
        "title": "Ansvarsgruppemøte",
        "startsAt": oslo(day, 10),
        "endsAt": oslo(day, 11, 30),
        **fields,
    }
    data = await api.gql(SCHEDULE, {"input": values}, as_=world.coordinator)
    payload = data["scheduleMeeting"]
    assert payload["errors"] == [], payload["errors"]
    return dict(payload["meeting"])


async def new_feed(api: Api, person: Any) -> str:
    data = await api.gql(CREATE, as_=person)
    payload = data["createCalendarFeed"]
    assert payload["errors"] == [], payload["errors"]
    url = payload["feed"]["url"]
    assert url and url.endswith(".ics")
    return str(url)


async def fetch(api: Api, url: str) -> Any:
    return await api.client.get(urlsplit(url).path)


async def events_of(api: Api, url: str) -> dict[str, icalendar.Event]:
    """The feed's entries by meeting id (the UID's part before the host)."""
    response = await fetch(api, url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(e["uid"]).split("@")[0]: e for e in calendar.walk("VEVENT")}


async def family(api: Api, world: World) -> tuple[str, dict[str, str]]:
    """A child with the teacher in the network; the memberships by name."""
    child = await family_child(api, world)
    await add_member(
        api, world.coordinator, child["id"], role="MEMBER", personId=str(world.teacher.id)
    )
    ids = {
        "parent": await member_id(api, child["id"], world.parent.id),
        "teacher": await member_id(api, child["id"], world.teacher.id),
    }
    return child["id"], ids


async def test_the_feed_shows_each_persons_own_meetings_as_they_may_be_told(
    api: Api, world: World
) -> None:
    child_id, members = await family(api, world)
    at_school = await schedule(
        api,
        world,
        child_id,
        title="Oppstartsmøte",
        place=SCHOOL,
        videoUrl=VIDEO,
        purpose="Epilepsi og medisiner på skolen",
        inviteMemberIds=[members["teacher"], members["parent"]],
    )
    at_home = await schedule(
        api,
        world,
        child_id,
        title="Hjemmebesøk",
        place=HOME,
        placeProtected=True,
        inviteMemberIds=[members["parent"]],
    )
    change = next_spring_change()
    across_dst = await schedule(
        api,
        world,
        child_id,
        title="Nattmøte",
        startsAt=oslo(change, 1, 30),
        endsAt=oslo(change, 3, 30),
        inviteMemberIds=[members["parent"]],
    )
    called_off = await schedule(
        api, world, child_id, title="Avlyst møte", inviteMemberIds=[members["parent"]]
    )
    data = await api.gql(
        CANCEL,
        {
            "input": {
                "meetingId": called_off["id"],
                "version": called_off["version"],
                "reason": "Syk",
            }
        },
        as_=world.coordinator,
    )
    assert data["cancelMeeting"]["errors"] == []
    cancelled_version = data["cancelMeeting"]["meeting"]["version"]

    # The guardian: every meeting she is invited to, the protected place only as agreed.
    raw = await fetch(api, await new_feed(api, world.parent))
    assert HOME.encode() not in raw.content and b"Storgata" not in raw.content
    assert b"Epilepsi" not in raw.content  # the purpose never leaves Koordinat
    parents = await events_of(api, str(raw.url))
    assert set(parents) == {at_school["id"], at_home["id"], across_dst["id"], called_off["id"]}
    assert str(parents[at_home["id"]]["location"]) == "Avtalt sted"
    assert str(parents[at_school["id"]]["location"]) == SCHOOL
    assert str(parents[at_school["id"]]["summary"]) == "Oppstartsmøte"
    assert str(parents[at_school["id"]]["url"]) == VIDEO
    assert VIDEO in str(parents[at_school["id"]]["description"])
    assert str(parents[called_off["id"]]["status"]) == "CANCELLED"
    assert int(parents[called_off["id"]]["sequence"]) == cancelled_version
    assert str(parents[at_school["id"]]["status"]) == "CONFIRMED"
    for entry in parents.values():
        assert str(entry["uid"]).endswith("@127.0.0.1")
        for name, value in entry.property_items():
            assert "Storgata" not in str(value), name

    # Across the change to summer time: 01:30 CET to 03:30 CEST is one hour, in UTC.
    night = parents[across_dst["id"]]
    start, end = night.decoded("dtstart"), night.decoded("dtend")
    assert start.utcoffset() == dt.timedelta(0) and end.utcoffset() == dt.timedelta(0)
    assert end - start == dt.timedelta(hours=1)
    assert start.astimezone(OSLO).strftime("%H:%M %z") == "01:30 +0100"
    assert end.astimezone(OSLO).strftime("%H:%M %z") == "03:30 +0200"
    # The raw text says UTC outright ("...Z"), so no client guesses the zone.
    assert f"DTSTART:{start.strftime('%Y%m%dT%H%M%SZ')}".encode() in raw.content

    # The teacher: only the meeting she is invited to; the other parent (no invitation, no
    # parental responsibility) and someone outside the network: nothing.
    teachers = await events_of(api, await new_feed(api, world.teacher))
    assert set(teachers) == {at_school["id"]}
    assert await events_of(api, await new_feed(api, world.outsider_staff)) == {}
    # The coordinator organizes them all.
    coordinators = await events_of(api, await new_feed(api, world.coordinator))
    assert set(coordinators) == set(parents)

    # An English reader is told "Agreed place".
    await set_language(api, world.parent.id, "en")
    again = await events_of(api, str(raw.url))
    assert str(again[at_home["id"]]["location"]) == "Agreed place"


async def set_language(api: Api, person_id: uuid.UUID, language: str) -> None:
    async with api.aut.db.writing() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        person.preferred_language = language
        session.add(person)


async def test_a_feed_fetch_is_a_read_in_the_childs_access_log(api: Api, world: World) -> None:
    child_id, members = await family(api, world)
    await schedule(api, world, child_id, inviteMemberIds=[members["teacher"]])
    url = await new_feed(api, world.teacher)
    async with api.aut.db.reading() as session:
        before = len(
            (
                await session.exec(
                    select(AccessLogEntry).where(AccessLogEntry.child_id == uuid.UUID(child_id))
                )
            ).all()
        )
    await events_of(api, url)
    async with api.aut.db.reading() as session:
        rows = (
            await session.exec(
                select(AccessLogEntry).where(
                    AccessLogEntry.child_id == uuid.UUID(child_id), AccessLogEntry.via == "calendar"
                )
            )
        ).all()
        total = len(
            (
                await session.exec(
                    select(AccessLogEntry).where(AccessLogEntry.child_id == uuid.UUID(child_id))
                )
            ).all()
        )
    assert total == before + 1
    (row,) = rows
    assert row.actor_person_id == world.teacher.id
    assert row.roles == ["member"]
    assert row.purpose == "MEETING"
    assert row.what == ["meeting"]
    assert row.organisation == world.school.name
    # A feed with no meeting of a child logs nothing for it.
    await events_of(api, await new_feed(api, world.outsider_staff))
    async with api.aut.db.reading() as session:
        mine = (
            await session.exec(
                select(AccessLogEntry).where(
                    AccessLogEntry.actor_person_id == world.outsider_staff.id
                )
            )
        ).all()
    assert mine == []


async def test_revoking_or_replacing_a_feed_ends_its_address(api: Api, world: World) -> None:
    child_id, members = await family(api, world)
    await schedule(api, world, child_id, inviteMemberIds=[members["teacher"]])
    assert (await api.gql(MINE, as_=world.teacher))["myCalendarFeed"] is None

    first = await new_feed(api, world.teacher)
    assert len(await events_of(api, first)) == 1
    mine = (await api.gql(MINE, as_=world.teacher))["myCalendarFeed"]
    assert mine is not None and mine["url"] is None  # the address is shown only once
    # Only the secret's hash is kept.
    token = urlsplit(first).path.rsplit("/", 1)[1].removesuffix(".ics")
    async with api.aut.db.reading() as session:
        rows = (
            await session.exec(
                select(CalendarFeed).where(CalendarFeed.person_id == world.teacher.id)
            )
        ).all()
    assert [r.token_hash for r in rows] == [token_hash(token)]
    assert all(token not in r.token_hash for r in rows)

    # A new feed ends the old one.
    second = await new_feed(api, world.teacher)
    assert second != first
    gone = await fetch(api, first)
    unknown = await api.client.get("/calendar/" + "x" * 43 + ".ics")
    assert (gone.status_code, gone.content) == (404, b"")
    assert (unknown.status_code, unknown.content) == (404, b"")
    assert gone.headers.get("content-type") == unknown.headers.get("content-type")
    assert len(await events_of(api, second)) == 1

    # Revoked: the address answers as one that never existed.
    data = await api.gql(REVOKE, as_=world.teacher)
    assert data["revokeCalendarFeed"]["errors"] == []
    assert data["revokeCalendarFeed"]["feed"]["url"] is None
    assert (await fetch(api, second)).status_code == 404
    assert (await api.gql(MINE, as_=world.teacher))["myCalendarFeed"] is None
    # Revoking again changes nothing; anonymous callers have no feed.
    again = await api.gql(REVOKE, as_=world.teacher)
    assert again["revokeCalendarFeed"] == {"feed": None, "errors": []}
    anonymous = await api.gql(CREATE)
    assert [e["code"] for e in anonymous["createCalendarFeed"]["errors"]] == ["UNAUTHENTICATED"]


async def test_a_guest_sees_the_meeting_only_while_the_window_is_open(
    api: Api, world: World
) -> None:
    child_id, _ = await family(api, world)
    meeting = await schedule(api, world, child_id, place=HOME, placeProtected=True)
    data = await api.gql(
        GUEST,
        {"input": {"meetingId": meeting["id"], "personId": str(world.doctor.id)}},
        as_=world.coordinator,
    )
    assert data["inviteGuest"]["errors"] == []
    url = await new_feed(api, world.doctor)
    seen = await events_of(api, url)
    assert set(seen) == {meeting["id"]}
    assert str(seen[meeting["id"]]["location"]) == "Avtalt sted"
    async with api.aut.db.reading() as session:
        (logged,) = (
            await session.exec(
                select(AccessLogEntry).where(
                    AccessLogEntry.actor_person_id == world.doctor.id,
                    AccessLogEntry.via == "calendar",
                )
            )
        ).all()
    assert logged.roles == ["meetingGuest"]
    assert logged.organisation == world.hospital.name

    # The window closes (as it does a set time after the meeting): the entry vanishes.
    async with api.aut.db.writing() as session:
        invitation = (
            await session.exec(
                select(Invitation).where(
                    Invitation.meeting_id == uuid.UUID(meeting["id"]),
                    Invitation.person_id == world.doctor.id,
                )
            )
        ).one()
        invitation.access_until = utcnow() - dt.timedelta(minutes=1)
        session.add(invitation)
    assert await events_of(api, url) == {}


async def test_the_feed_is_rate_limited_like_other_anonymous_requests(
    app_under_test: Any, world: World
) -> None:
    settings = make_settings(
        app_under_test.settings.database_url,
        rate_limit_enabled=True,
        rate_limit_ip_requests=6,  # a burst of one request
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )
        async with client:
            first = await client.get("/calendar/" + "y" * 43 + ".ics")
            second = await client.get("/calendar/" + "y" * 43 + ".ics")
    assert first.status_code == 404
    assert second.status_code == 429
    assert second.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert int(second.headers["retry-after"]) >= 1


def calendar_part(message: email.message.EmailMessage) -> tuple[str, icalendar.Calendar]:
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    method = str(part.get_param("method"))
    content = part.get_content()
    text = content if isinstance(content, str) else content.decode("utf-8")
    return method, icalendar.Calendar.from_ical(text)


async def deliver_all(api: Api, settings: Any, person_id: uuid.UUID, kind: str) -> None:
    for row in await notifications(
        api.aut.db, recipient_person_id=person_id, kind=kind, channel="email"
    ):
        assert await notify_jobs.deliver(api.aut.db, settings, row.id) == "sent"


async def test_invitation_change_and_cancellation_carry_the_ics(
    api: Api, world: World, mail: MailServer
) -> None:
    settings = make_settings(api.aut.settings.database_url, **smtp_settings(mail))
    tina = "tina.laerer@skole.testvik.no"
    await set_email(api.aut.db, world.teacher.id, tina)
    child_id, members = await family(api, world)
    meeting = await schedule(
        api,
        world,
        child_id,
        title="Ansvarsgruppemøte om skolestart",
        place=HOME,
        placeProtected=True,
        videoUrl=VIDEO,
        inviteMemberIds=[members["teacher"]],
    )

    await deliver_all(api, settings, world.teacher.id, "meeting.invited")
    (invited,) = mail.to(tina)
    method, calendar = calendar_part(invited)
    assert method == "REQUEST"
    assert str(calendar["method"]) == "REQUEST"
    (entry,) = calendar.walk("VEVENT")
    uid = str(entry["uid"])
    assert uid == f"{meeting['id']}@127.0.0.1"
    assert int(entry["sequence"]) == meeting["version"]
    # An e-mail leaves Koordinat's protection: the time and the meeting's page, no title,
    # place, video link or organizer's name.
    assert str(entry["summary"]) == "Møte i et barns nettverk (Koordinat)"
    assert "location" not in entry and "url" not in entry
    assert str(entry["organizer"].params["cn"]) == "Koordinat"
    assert f"/meetings/{meeting['id']}" in str(entry["description"])
    assert tina in str(entry["attendee"])
    whole = " ".join(
        part.get_content() if part.get_content_maintype() == "text" else ""
        for part in invited.walk()
        if not part.is_multipart()
    )
    assert "BEGIN:VCALENDAR" in whole
    for secret in ("skolestart", VIDEO, world.coordinator.name):
        assert secret not in whole, secret

    later = (utcnow() + dt.timedelta(days=8)).astimezone(OSLO).date()
    data = await api.gql(
        UPDATE,
        {
            "input": {
                "meetingId": meeting["id"],
                "version": meeting["version"],
                "startsAt": oslo(later, 12),
                "endsAt": oslo(later, 13),
            }
        },
        as_=world.coordinator,
    )
    assert data["updateMeeting"]["errors"] == []
    moved = data["updateMeeting"]["meeting"]
    await deliver_all(api, settings, world.teacher.id, "meeting.updated")
    changed = mail.to(tina)[-1]
    method, calendar = calendar_part(changed)
    (entry,) = calendar.walk("VEVENT")
    assert method == "REQUEST" and str(entry["uid"]) == uid
    assert int(entry["sequence"]) == moved["version"] > meeting["version"]
    assert entry.decoded("dtstart").astimezone(OSLO).strftime("%H:%M") == "12:00"

    data = await api.gql(
        CANCEL,
        {"input": {"meetingId": meeting["id"], "version": moved["version"], "reason": "Syk"}},
        as_=world.coordinator,
    )
    assert data["cancelMeeting"]["errors"] == []
    await deliver_all(api, settings, world.teacher.id, "meeting.cancelled")
    cancelled = mail.to(tina)[-1]
    method, calendar = calendar_part(cancelled)
    (entry,) = calendar.walk("VEVENT")
    assert method == "CANCEL" and str(calendar["method"]) == "CANCEL"
    assert str(entry["uid"]) == uid and str(entry["status"]) == "CANCELLED"
    assert int(entry["sequence"]) == data["cancelMeeting"]["meeting"]["version"]

    # The protected place is in no part of any of the e-mails.
    for message in mail.to(tina):
        assert "Storgata" not in message.as_string()
        for part in message.walk():
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                assert b"Storgata" not in payload
