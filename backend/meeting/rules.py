"""Whom the meetings' events tell, and what knowing of them reveals.

An event about a meeting reaches those who see every meeting of the child (the
coordinator, the guardians with parental responsibility, the child) and the people the
event names as its viewers (the organizer and everyone invited), nobody else in the network.
Notifications carry the meeting's title, time and `placeLabel` for the app (a protected
place is never in a payload); their e-mails, in the recipient's language, give only the time
and what happened (no title, place or name: an e-mail leaves Koordinat's protection).
Each recipient is asked the meeting's own policy first (a guest outside the network too).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.authz.access import age_on, may_know_membership, may_read
from backend.authz.policy import Category, ChildFacts
from backend.children.models import Child
from backend.core.clock import today
from backend.events.models import Event
from backend.events.visibility import Reveals, uuids
from backend.identity.actor import Actor
from backend.identity.models import Person
from backend.meeting import logic
from backend.meeting.access import MeetingAction, decide, meeting_facts
from backend.meeting.models import Invitation, Meeting
from backend.network.models import NetworkMember, NetworkRole, ServiceProvider
from backend.notify import kinds
from backend.notify.service import notify

INVITED = "meeting.invited"
UPDATED = "meeting.updated"
CANCELLED = "meeting.cancelled"
GUEST_INVITED = "meeting.guest_invited"
GUEST_OBJECTED = "meeting.guest_objected"
MINUTES_CLOSED = "meeting.minutes_closed"
ACTION_ITEM_AGREED = "meeting.action_item_agreed"

# The young person confirms the minutes and objects to guests from 16.
DECIDES_FROM_AGE = 16


async def categorize(event: Event, lookups: Any) -> Reveals:
    """Knowing of a meeting's event is for those who see every meeting of the child (in the
    network exactly they read the consent records: the coordinator, the guardians with
    parental responsibility, the child) and the meeting's own people (the event's viewers:
    the organizer and everyone invited), as their own record."""
    return Reveals(
        owned=(Category.CONSENTS,),
        own_people=uuids(event.payload.get("viewers", ())),
        # The child reads the consent records too, but sees a meeting only when invited or
        # taking part (then the event names them among its viewers).
        own_only_roles=frozenset({NetworkRole.CHILD.value}),
    )


CATEGORIZERS = {
    "entity:meeting": categorize,
    "entity:meeting_invitation": categorize,
    "entity:meeting_action_item": categorize,
}


async def render_meeting(info: Any, event: Event, facts: ChildFacts) -> Any:
    """`Event.entity` of a meeting's event: the meeting as the reader may see it now."""
    from backend.meeting.types import meeting_by_id

    return await meeting_by_id(info, event.entity_id)


RENDERERS = {"meeting": render_meeting}


# ---- Texts --------------------------------------------------------------------------------


def _when(payload: kinds.Payload) -> str:
    starts = payload.get("startsAt")
    if not starts:
        return ""
    return logic.local_text(dt.datetime.fromisoformat(str(starts)))


# E-mail texts: an e-mail leaves Koordinat's protection (backend/notify/kinds.py), so they
# give the time and what happened, never the meeting's title, place or anyone's name.


@kinds.register(INVITED, "You were invited to a meeting.")
def _text_invited(payload: kinds.Payload, language: str) -> kinds.Text:
    when = _when(payload)
    return kinds.both(
        ("Innkalling til møte", "Innkalling til møte", "Invitation to a meeting"),
        (
            f"Du er invitert til et møte i et barns nettverk, {when}. Svar i Koordinat om du "
            "kommer.",
            f"Du er invitert til eit møte i nettverket til eit barn, {when}. Svar i Koordinat "
            "om du kjem.",
            f"You are invited to a meeting of a child's network, {when}. Answer in Koordinat "
            "whether you will come.",
        ),
        language,
    )


@kinds.register(UPDATED, "A meeting you are invited to was changed.")
def _text_updated(payload: kinds.Payload, language: str) -> kinds.Text:
    when = _when(payload)
    return kinds.both(
        ("Endret møte", "Endra møte", "Meeting changed"),
        (
            f"Et møte du er invitert til, er endret. Nå: {when}.",
            f"Eit møte du er invitert til, er endra. No: {when}.",
            f"A meeting you are invited to was changed. Now: {when}.",
        ),
        language,
    )


@kinds.register(CANCELLED, "A meeting you are invited to was cancelled.")
def _text_cancelled(payload: kinds.Payload, language: str) -> kinds.Text:
    when = _when(payload)
    return kinds.both(
        ("Avlyst møte", "Avlyst møte", "Meeting cancelled"),
        (
            f"Et møte du er invitert til, {when}, er avlyst.",
            f"Eit møte du er invitert til, {when}, er avlyst.",
            f"A meeting you are invited to, {when}, was cancelled.",
        ),
        language,
    )


@kinds.register(GUEST_INVITED, "A guest from outside the network was invited to a meeting.")
def _text_guest_invited(payload: kinds.Payload, language: str) -> kinds.Text:
    when = _when(payload)
    return kinds.both(
        ("Gjest i møte", "Gjest i møte", "A guest at a meeting"),
        (
            f"En gjest utenfor nettverket er invitert til et møte om barnet ditt, {when}. Se "
            "hvem i Koordinat, og si fra før møtet om du ikke ønsker det.",
            f"Ein gjest utanfor nettverket er invitert til eit møte om barnet ditt, {when}. "
            "Sjå kven i Koordinat, og sei frå før møtet om du ikkje ønskjer det.",
            f"A guest from outside the network is invited to a meeting about your child, "
            f"{when}. See who in Koordinat, and object before the meeting if you wish.",
        ),
        language,
    )


@kinds.register(GUEST_OBJECTED, "A guardian objected to a guest at a meeting.")
def _text_guest_objected(payload: kinds.Payload, language: str) -> kinds.Text:
    return kinds.both(
        ("Innsigelse mot gjest", "Innvending mot gjest", "Objection to a guest"),
        (
            "En foresatt har innsigelse mot en gjest i et møte. Les den i Koordinat.",
            "Ein føresett har ei innvending mot ein gjest i eit møte. Les ho i Koordinat.",
            "A guardian objected to a guest at a meeting. Read it in Koordinat.",
        ),
        language,
    )


@kinds.register(MINUTES_CLOSED, "The minutes of a meeting are ready to be confirmed.")
def _text_minutes_closed(payload: kinds.Payload, language: str) -> kinds.Text:
    return kinds.both(
        ("Referat til godkjenning", "Referat til godkjenning", "Minutes to confirm"),
        (
            "Referatet fra et møte er klart. Les det i Koordinat, og bekreft det eller kommenter.",
            "Referatet frå eit møte er klart. Les det i Koordinat, og stadfest det eller "
            "kommenter.",
            "The minutes of a meeting are ready. Read them in Koordinat, and confirm or comment.",
        ),
        language,
    )


@kinds.register(ACTION_ITEM_AGREED, "An action item from a meeting is yours.")
def _text_action_item(payload: kinds.Payload, language: str) -> kinds.Text:
    due = str(payload.get("dueOn") or "")
    return kinds.both(
        ("Ny oppgave fra møte", "Ny oppgåve frå møte", "A new action item from a meeting"),
        (
            f"I et møte ble det avtalt en oppgave for deg, med frist {due}. Se den i Koordinat.",
            f"I eit møte vart det avtalt ei oppgåve for deg, med frist {due}. Sjå ho i Koordinat.",
            f"An action item for you was agreed in a meeting, due {due}. See it in Koordinat.",
        ),
        language,
    )


# ---- Rules --------------------------------------------------------------------------------


def _payload(meeting: Meeting, **extra: Any) -> dict[str, Any]:
    """What a meeting's notification carries: never the protected place."""
    return {
        "meetingId": str(meeting.id),
        "title": meeting.title,
        "startsAt": meeting.starts_at.isoformat(),
        "endsAt": meeting.ends_at.isoformat(),
        "place": None if meeting.place_protected else meeting.place,
        "placeProtected": meeting.place_protected,
        "version": meeting.version,
        **extra,
    }


async def _viewing(
    session: AsyncSession, meeting: Meeting, people: set[uuid.UUID], event: Event
) -> list[tuple[Actor, Any]]:
    """The people, but the one who acted, who may view the meeting now (its own policy)."""
    if event.actor_person_id is not None:
        people = people - {event.actor_person_id}
    if not people:
        return []
    rows = await session.exec(select(Person).where(col(Person.id).in_(sorted(people))))
    found = []
    for person in sorted(rows.all(), key=lambda p: str(p.id)):
        actor = Actor.from_person(person, auth_method="system")
        facts = await meeting_facts(session, actor, meeting)
        if decide(actor, MeetingAction.VIEW, facts):
            found.append((actor, facts))
    return found


async def _tell(
    session: AsyncSession,
    event: Event,
    meeting: Meeting,
    kind: str,
    people: set[uuid.UUID],
    **extra: Any,
) -> None:
    for actor, facts in await _viewing(session, meeting, people, event):
        await notify(
            session,
            recipient_id=actor.person_id,
            kind=kind,
            key=f"{kind}:{event.id}:{actor.person_id}",
            # A guest is outside the network: their notification opens the meeting itself.
            child_id=None if facts.viewer_is_guest else meeting.child_id,
            payload=_payload(meeting, **extra),
            event_id=event.id,
        )


async def _invited(session: AsyncSession, meeting: Meeting) -> set[uuid.UUID]:
    rows = await session.exec(
        select(Invitation.person_id).where(
            Invitation.meeting_id == meeting.id, col(Invitation.withdrawn_at).is_(None)
        )
    )
    return set(rows.all())


async def _family(session: AsyncSession, child_id: uuid.UUID) -> set[uuid.UUID]:
    """The guardians with parental responsibility, and the young person from 16."""
    child = await session.get(Child, child_id)
    roles = [NetworkRole.GUARDIAN.value]
    if child is not None and age_on(child.birth_date, today()) >= DECIDES_FROM_AGE:
        roles.append(NetworkRole.CHILD.value)
    rows = await session.exec(
        select(
            NetworkMember.person_id, NetworkMember.role, NetworkMember.has_parental_responsibility
        ).where(
            NetworkMember.child_id == child_id,
            col(NetworkMember.ended_at).is_(None),
            col(NetworkMember.role).in_(roles),
        )
    )
    return {
        person_id
        for person_id, role, responsible in rows.all()
        if role != NetworkRole.GUARDIAN.value or responsible
    }


async def _coordinators(session: AsyncSession, meeting: Meeting) -> set[uuid.UUID]:
    rows = await session.exec(
        select(NetworkMember.person_id).where(
            NetworkMember.child_id == meeting.child_id,
            NetworkMember.role == NetworkRole.COORDINATOR.value,
            col(NetworkMember.ended_at).is_(None),
        )
    )
    return {*rows.all(), meeting.organizer_person_id}


def _id(value: Any) -> uuid.UUID | None:
    found = uuids([value])
    return next(iter(found)) if found else None


async def _guest_invited(session: AsyncSession, event: Event, meeting: Meeting) -> None:
    """The guardians are told who the guest is and from where, if they may know of that
    organisation in the network (a hospital is health information: for the guardians of a
    young person from 16 only with the young person's consent)."""
    invitation = await session.get(Invitation, _id(event.payload.get("invitationId")))
    if invitation is None:
        return
    guest = await session.get(Person, invitation.person_id)
    service = (
        await session.get(ServiceProvider, invitation.guest_service_id)
        if invitation.guest_service_id
        else None
    )
    for actor, facts in await _viewing(
        session, meeting, await _family(session, meeting.child_id), event
    ):
        if not may_know_membership(may_read(actor, facts.child), service, False):
            continue
        await notify(
            session,
            recipient_id=actor.person_id,
            kind=GUEST_INVITED,
            key=f"{GUEST_INVITED}:{event.id}:{actor.person_id}",
            child_id=meeting.child_id,
            payload=_payload(
                meeting,
                invitationId=str(invitation.id),
                guestName=guest.name if guest is not None else "",
                organisation=service.name if service is not None else "",
            ),
            event_id=event.id,
        )


async def apply_rules(session: AsyncSession, event: Event) -> None:
    """The meetings' notification rules (a listener of every recorded change)."""
    if not event.kind.startswith("meeting.") or event.child_id is None:
        return
    meeting = await session.get(Meeting, _id(event.payload.get("meetingId")))
    if meeting is None:
        return
    if event.kind == INVITED:
        person = _id(event.payload.get("personId"))
        if person is not None:
            await _tell(session, event, meeting, INVITED, {person})
        if event.payload.get("guest"):
            await _guest_invited(session, event, meeting)
    elif event.kind in (UPDATED, CANCELLED):
        await _tell(session, event, meeting, event.kind, await _invited(session, meeting))
    elif event.kind == GUEST_OBJECTED:
        await _tell(session, event, meeting, GUEST_OBJECTED, await _coordinators(session, meeting))
    elif event.kind == MINUTES_CLOSED:
        await _tell(
            session,
            event,
            meeting,
            MINUTES_CLOSED,
            await _family(session, meeting.child_id),
            versionNumber=event.payload.get("versionNumber"),
        )
    elif event.kind == ACTION_ITEM_AGREED:
        person = _id(event.payload.get("ownerPersonId"))
        if person is not None:
            await _tell(
                session,
                event,
                meeting,
                ACTION_ITEM_AGREED,
                {person},
                actionItemId=event.payload.get("actionItemId"),
                dueOn=event.payload.get("dueOn"),
            )
