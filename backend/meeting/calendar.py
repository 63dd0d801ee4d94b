"""Kalender: a person's meetings as an iCalendar feed (a secret, revocable address), and the
.ics that invitations, changes and cancellations carry by e-mail.

The secret is shown once, when the feed is made; only its SHA-256 is kept, so the database
cannot give the address away. A new feed ends the old one; a revoked or unknown address is
answered 404 with nothing more, the same for both.

What a calendar says leaves Koordinat's protection: a calendar is shared, synced and shown on
lock screens. So an entry carries the meeting's title and time, the place or only "agreed
place" when the place is protected (never the address, in no field), the video link and a
link back to Koordinat; never the purpose, the agenda or anything about the child's health.
Times are written in UTC (`...Z`): every client shows them in its own zone, and no VTIMEZONE
can get a daylight-saving change wrong.

The feed's writes (`create_feed`, `revoke_feed`) are the person's own and about no child:
they write the row and its audit row in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import icalendar
import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.api.limits import RateLimited
from backend.audit import service as audit
from backend.audit.access_log import NewAccessLogRow
from backend.audit.purposes import Purpose
from backend.audit.service import append_access_log
from backend.core.database import Database, utcnow
from backend.core.errors import ErrorCode, fail
from backend.core.i18n import Text, pick
from backend.core.settings import Settings
from backend.events.registry import EmailAttachment
from backend.identity.actor import Actor
from backend.identity.models import Person
from backend.meeting.access import GUEST_ROLE, MeetingAction, MeetingFacts, decide, meetings_facts
from backend.meeting.logic import place_label
from backend.meeting.models import CalendarFeed, Invitation, Meeting, MeetingStatus
from backend.network.models import ServiceProvider

log = logging.getLogger("koordinat.calendar")

# How far back a feed reaches; everything ahead is in it (a meeting is at most 2 years ahead).
FEED_DAYS_BACK = 30
# Meetings in one feed at most (a coordinator's busiest year fits many times over).
FEED_CAP = 1000
# Calendar clients poll; this is what the feed asks of them.
REFRESH = dt.timedelta(hours=1)

FEED_PATH = "/calendar/{token}.ics"
# Via what the access log says the meeting was read.
VIA = "calendar"

CALENDAR_NAME: Text = ("Koordinat: møter", "Koordinat: møte", "Koordinat: meetings")
VIDEO: Text = ("Videomøte", "Videomøte", "Video meeting")
IN_KOORDINAT: Text = ("Møtet i Koordinat", "Møtet i Koordinat", "The meeting in Koordinat")
# An e-mail leaves Koordinat's protection (backend/notify/kinds.py): its .ics names no title,
# place, video link or person, only the time and the meeting's page to sign in to.
EMAILED_TITLE: Text = (
    "Møte i et barns nettverk (Koordinat)",
    "Møte i nettverket til eit barn (Koordinat)",
    "Meeting of a child's network (Koordinat)",
)


# --- the address of a feed


def public_base(settings: Settings) -> str:
    """The origin users reach Koordinat at (`KOORDINAT_PUBLIC_URL`), else the address the
    app listens on (the embedded default on one machine)."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    return f"http://{settings.host}:{settings.port}"


def calendar_host(settings: Settings) -> str:
    """The host part of every entry's UID: the same in the feed and in every e-mail, so a
    calendar replaces an entry instead of adding a second one."""
    return urlsplit(public_base(settings)).hostname or "koordinat"


def feed_url(settings: Settings, token: str) -> str:
    return public_base(settings) + FEED_PATH.format(token=token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --- the person's own writes


async def active_feed(session: AsyncSession, person_id: uuid.UUID) -> CalendarFeed | None:
    rows = await session.exec(
        select(CalendarFeed)
        .where(CalendarFeed.person_id == person_id, col(CalendarFeed.revoked_at).is_(None))
        .order_by(col(CalendarFeed.created_at).desc())
    )
    return rows.first()


async def _revoke_all(session: AsyncSession, actor: Actor, now: dt.datetime) -> list[CalendarFeed]:
    rows = (
        await session.exec(
            select(CalendarFeed)
            .where(
                CalendarFeed.person_id == actor.person_id, col(CalendarFeed.revoked_at).is_(None)
            )
            .with_for_update()
        )
    ).all()
    for row in rows:
        row.revoked_at = now
        session.add(row)
        audit.record(
            session,
            actor,
            action="calendar_feed.revoked",
            entity_type="calendar_feed",
            entity_id=row.id,
            child_id=None,
        )
    return list(rows)


async def create_feed(
    session: AsyncSession, actor: Actor | None, settings: Settings
) -> tuple[CalendarFeed, str]:
    """A new secret address for the caller's meetings; any older one stops working now.
    Returns the row and the address (shown this once: only the secret's hash is kept)."""
    if actor is None:
        fail(ErrorCode.UNAUTHENTICATED)
    assert actor is not None
    now = utcnow()
    await _revoke_all(session, actor, now)
    token = secrets.token_urlsafe(32)
    row = CalendarFeed(person_id=actor.person_id, token_hash=token_hash(token), created_at=now)
    session.add(row)
    await session.flush()
    audit.record(
        session,
        actor,
        action="calendar_feed.created",
        entity_type="calendar_feed",
        entity_id=row.id,
        child_id=None,
    )
    return row, feed_url(settings, token)


async def revoke_feed(session: AsyncSession, actor: Actor | None) -> CalendarFeed | None:
    """End the caller's feed (none active: nothing to do). Returns the ended feed."""
    if actor is None:
        fail(ErrorCode.UNAUTHENTICATED)
    assert actor is not None
    ended = await _revoke_all(session, actor, utcnow())
    return ended[0] if ended else None


# --- what one person's calendar shows


@dataclass(frozen=True)
class Entry:
    """One meeting as a calendar shows it: nothing more than this leaves Koordinat."""

    meeting_id: uuid.UUID
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    location: str | None
    video_url: str | None
    cancelled: bool
    sequence: int
    organizer_name: str
    created_at: dt.datetime


def entry_of(
    meeting: Meeting, organizer_name: str, language: str, *, emailed: bool = False
) -> Entry:
    """The meeting as a calendar entry: in full for the person's own feed; `emailed`, only
    its time and page."""
    return Entry(
        meeting_id=meeting.id,
        title=pick(EMAILED_TITLE, language) if emailed else meeting.title,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        location=None if emailed else place_label(meeting.place, meeting.place_protected, language),
        video_url=None if emailed else meeting.video_url,
        cancelled=meeting.status == MeetingStatus.CANCELLED.value,
        sequence=meeting.version,
        organizer_name="Koordinat" if emailed else organizer_name,
        created_at=meeting.created_at,
    )


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)


def _vevent(
    entry: Entry,
    settings: Settings,
    language: str,
    now: dt.datetime,
    attendee: tuple[str, str] | None,
    cancel: bool,
) -> icalendar.Event:
    base = public_base(settings)
    page = f"{base}/meetings/{entry.meeting_id}"
    event = icalendar.Event()
    event.add("uid", f"{entry.meeting_id}@{calendar_host(settings)}")
    event.add("dtstamp", _utc(now))
    event.add("created", _utc(entry.created_at))
    event.add("dtstart", _utc(entry.starts_at))
    event.add("dtend", _utc(entry.ends_at))
    event.add("summary", entry.title)
    if entry.location:
        event.add("location", entry.location)
    lines = []
    if entry.video_url:
        lines.append(f"{pick(VIDEO, language)}: {entry.video_url}")
        event.add("url", entry.video_url)
    lines.append(f"{pick(IN_KOORDINAT, language)}: {page}")
    event.add("description", "\n".join(lines))
    event.add("sequence", entry.sequence)
    event.add("status", "CANCELLED" if entry.cancelled or cancel else "CONFIRMED")
    event.add("transp", "OPAQUE")
    # The organizer's name with Koordinat's own (no-reply) address: answers are given in
    # Koordinat, and no staff address is handed out with the invitation.
    sender = _address(settings.smtp_from)
    organizer = icalendar.vCalAddress(f"mailto:{sender}")
    organizer.params["cn"] = icalendar.vText(entry.organizer_name)
    event.add("organizer", organizer)
    if attendee is not None:
        name, email = attendee
        who = icalendar.vCalAddress(f"mailto:{email}")
        who.params["cn"] = icalendar.vText(name)
        who.params["role"] = icalendar.vText("REQ-PARTICIPANT")
        who.params["rsvp"] = icalendar.vText("FALSE")
        event.add("attendee", who)
    return event


def _address(sender: str) -> str:
    """The bare address of a From header ("Koordinat <ikke-svar@x>" -> "ikke-svar@x")."""
    if "<" in sender and ">" in sender:
        return sender.split("<", 1)[1].split(">", 1)[0].strip()
    return sender.strip()


def build_calendar(
    entries: Sequence[Entry],
    settings: Settings,
    language: str,
    *,
    method: str | None = None,
    attendee: tuple[str, str] | None = None,
    now: dt.datetime | None = None,
) -> bytes:
    """The iCalendar text of these entries: a feed (no method) or an iTIP message
    (`REQUEST` or `CANCEL`, for one attendee)."""
    now = now or utcnow()
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Koordinat//Møter//NO")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method is not None:
        calendar.add("method", method)
    else:
        calendar.add("x-wr-calname", pick(CALENDAR_NAME, language))
        calendar.add("refresh-interval", REFRESH, parameters={"value": "DURATION"})
        calendar.add("x-published-ttl", icalendar.vDuration(REFRESH))
    for entry in entries:
        calendar.add_component(
            _vevent(entry, settings, language, now, attendee, cancel=method == "CANCEL")
        )
    return bytes(calendar.to_ical())


# --- the feed


@dataclass(frozen=True)
class Shown:
    """A meeting the feed shows, with the reader's facts about it (for the access log)."""

    meeting: Meeting
    organizer_name: str
    facts: MeetingFacts


async def visible_meetings(
    session: AsyncSession,
    actor: Actor,
    *,
    since: dt.datetime,
    now: dt.datetime,
    meeting_ids: Sequence[uuid.UUID] | None = None,
) -> list[Shown]:
    """The caller's meetings from `since` (organizer, or invited and not withdrawn) that
    the policies let them view now: a guest's only while their window is open, a member's
    only while still a member. A fixed number of statements."""
    invited = select(Invitation.meeting_id).where(
        Invitation.person_id == actor.person_id,
        col(Invitation.withdrawn_at).is_(None),
        sa.or_(col(Invitation.guest).is_(False), col(Invitation.access_until) >= now),
    )
    query = (
        select(Meeting, Person.name)
        .join(Person, col(Person.id) == col(Meeting.organizer_person_id))
        .where(
            sa.or_(
                col(Meeting.organizer_person_id) == actor.person_id,
                col(Meeting.id).in_(invited),
            ),
            col(Meeting.starts_at) >= since,
        )
        .order_by(col(Meeting.starts_at), col(Meeting.id))
        .limit(FEED_CAP)
    )
    if meeting_ids is not None:
        query = query.where(col(Meeting.id).in_(list(meeting_ids)))
    rows = list((await session.exec(query)).all())
    facts = await meetings_facts(session, actor, [m for m, _ in rows], now=now)
    return [
        Shown(meeting=m, organizer_name=name, facts=facts[m.id])
        for m, name in rows
        if decide(actor, MeetingAction.VIEW, facts[m.id])
    ]


async def access_log_rows(
    session: AsyncSession, actor: Actor, shown: Sequence[Shown]
) -> list[NewAccessLogRow]:
    """One row per child whose meetings were shown: who, their role, via the calendar."""
    by_child: dict[uuid.UUID, MeetingFacts] = {}
    for item in shown:
        by_child.setdefault(item.meeting.child_id, item.facts)
    if not by_child:
        return []
    organisation = None
    if actor.employer_service_id is not None:
        organisation = (
            await session.exec(
                select(ServiceProvider.name).where(ServiceProvider.id == actor.employer_service_id)
            )
        ).first()
    rows = []
    for child_id, facts in sorted(by_child.items()):
        roles = sorted(facts.child.roles)
        if not roles and any(s.facts.guest for s in shown if s.meeting.child_id == child_id):
            roles = [GUEST_ROLE]
        rows.append(
            NewAccessLogRow(
                child_id=child_id,
                actor_person_id=actor.person_id,
                actor_name=actor.name,
                roles=roles,
                organisation=organisation,
                what=["meeting"],
                refused=[],
                purpose=Purpose.MEETING.value,
                purpose_category=None,
                via=VIA,
                outsider=False,
            )
        )
    return rows


def _not_found() -> Response:
    # The same answer for an unknown and a revoked address: nothing to tell them apart.
    return Response(status_code=404, headers={"cache-control": "no-store"})


async def feed(request: Request) -> Response:
    """GET /calendar/{token}.ics: the person's meetings, for their calendar to subscribe to."""
    settings: Settings = request.app.state.settings
    db: Database = request.app.state.db
    limits = getattr(request.app.state, "limits", None)
    if limits is not None:
        # Like every answer to someone not signed in: a budget per client address.
        try:
            await limits.charge_address(request.scope, 0, settings.default_language)
        except RateLimited as refused:
            return refused.response()
    token = str(request.path_params.get("token", ""))
    if not token or len(token) > 128:
        return _not_found()
    now = utcnow()
    async with db.reading() as session:
        found = (
            await session.exec(
                select(CalendarFeed, Person)
                .join(Person, col(Person.id) == col(CalendarFeed.person_id))
                .where(
                    CalendarFeed.token_hash == token_hash(token),
                    col(CalendarFeed.revoked_at).is_(None),
                )
            )
        ).first()
        if found is None:
            return _not_found()
        _, person = found
        actor = Actor.from_person(person, auth_method="calendar")
        shown = await visible_meetings(
            session, actor, since=now - dt.timedelta(days=FEED_DAYS_BACK), now=now
        )
        logged = await access_log_rows(session, actor, shown)
    # Logged before the answer leaves: a feed whose reads cannot be logged is not sent.
    await append_access_log(db, logged)
    language = person.preferred_language
    body = build_calendar(
        [entry_of(s.meeting, s.organizer_name, language) for s in shown],
        settings,
        language,
        now=now,
    )
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "cache-control": "private, no-store",
            "content-disposition": 'inline; filename="koordinat.ics"',
            "referrer-policy": "no-referrer",
            "x-content-type-options": "nosniff",
        },
    )


ROUTES = (Route(FEED_PATH, feed, methods=["GET"]),)


# --- the .ics of an e-mail (the notify domain asks through the registry, by kind)

INVITED = "meeting.invited"
UPDATED = "meeting.updated"
CANCELLED = "meeting.cancelled"


def _meeting_id(payload: Mapping[str, Any]) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(payload.get("meetingId")))
    except ValueError:
        return None


async def _attachment(
    db: Database,
    settings: Settings,
    recipient_id: uuid.UUID,
    payload: Mapping[str, Any],
    language: str,
    method: str,
) -> list[EmailAttachment]:
    """The meeting as it is now, for the recipient, if they may still view it (an
    invitation withdrawn, a guest's window closed: no .ics)."""
    meeting_id = _meeting_id(payload)
    if meeting_id is None:
        return []
    now = utcnow()
    async with db.reading() as session:
        person = await session.get(Person, recipient_id)
        if person is None or not person.email:
            return []
        actor = Actor.from_person(person, auth_method="system")
        shown = await visible_meetings(
            session,
            actor,
            since=dt.datetime.min.replace(tzinfo=dt.UTC),
            now=now,
            meeting_ids=[meeting_id],
        )
    if not shown:
        return []
    (item,) = shown
    if item.meeting.status == MeetingStatus.CANCELLED.value:
        method = "CANCEL"
    content = build_calendar(
        [entry_of(item.meeting, item.organizer_name, language, emailed=True)],
        settings,
        language,
        method=method,
        attendee=(person.name, person.email),
        now=now,
    )
    name = "avlyst.ics" if method == "CANCEL" else "invitasjon.ics"
    return [
        EmailAttachment(
            filename=name,
            content=content,
            maintype="text",
            subtype="calendar",
            params={"method": method, "charset": "utf-8"},
        )
    ]


async def request_attachment(
    db: Database,
    settings: Settings,
    recipient_id: uuid.UUID,
    payload: Mapping[str, Any],
    language: str,
) -> list[EmailAttachment]:
    return await _attachment(db, settings, recipient_id, payload, language, "REQUEST")


async def cancel_attachment(
    db: Database,
    settings: Settings,
    recipient_id: uuid.UUID,
    payload: Mapping[str, Any],
    language: str,
) -> list[EmailAttachment]:
    return await _attachment(db, settings, recipient_id, payload, language, "CANCEL")


EMAIL_ATTACHMENTS = {
    INVITED: request_attachment,
    UPDATED: request_attachment,
    CANCELLED: cancel_attachment,
}
