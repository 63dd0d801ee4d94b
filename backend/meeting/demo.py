"""Emma's meetings in the demo, written through the meetings' own service (every rule applies).

- Twelve days ago her network met (ansvarsgruppemøte) with an Arabic interpreter: the
  minutes were written together, two action items became tasks in her plan, the coordinator
  closed the minutes (the pathway's first network meeting is met by it), her mother
  confirmed them and her father commented.
- In about two weeks the network meets again, in Oslo daytime, with an Arabic interpreter,
  a paediatrician from the hospital as a guest (outside the network, for this meeting only;
  the family consented that the hospital sees the plan's health parts) and agenda items
  from the coordinator and from Emma's mother.

The service schedules meetings in the future only (a meeting in the past cannot be
scheduled), and closes minutes only once a meeting has started. So the past meeting is
scheduled ahead, then moved to its day (its times, and the times of its rows, events and
notifications, in the shapes the service wrote them, as the right's demo does), and only
then are its minutes written, its action items agreed and its minutes closed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import strawberry
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.consent import service as consents
from backend.consent.models import InformationCategory
from backend.consent.types import RecordConsentInput
from backend.core.actor import Actor
from backend.core.clock import OSLO, today
from backend.core.database import utcnow
from backend.events.models import Event
from backend.identity.models import Person, PersonKind
from backend.meeting import crdt, service
from backend.meeting.inputs import (
    AgreeActionItemInput,
    AnswerInvitationInput,
    CloseMinutesInput,
    ConfirmMinutesInput,
    InviteGuestInput,
    ProposeAgendaItemInput,
    ScheduleMeetingInput,
)
from backend.meeting.models import (
    ActionItem,
    ActionItemKind,
    AgendaItem,
    Invitation,
    InvitationAnswer,
    Meeting,
    MinutesConfirmation,
    MinutesUpdate,
    MinutesVersion,
)
from backend.meeting.models import Minutes as MinutesRow
from backend.network.models import NetworkMember, ServiceProvider, ServiceType
from backend.notify.models import Notification
from backend.pathway.models import Milestone, MilestoneTrigger

HOSPITAL = "Sykehuset Vestkysten, barneavdelingen"
GUEST = "Dr. Leila Mansour"
PAST_TITLE = "Ansvarsgruppemøte"
NEXT_TITLE = "Ansvarsgruppemøte: planen framover"
PAST_DAYS_AGO = 12
NEXT_IN_DAYS = 14


def _id(value: uuid.UUID) -> Any:
    """An id as the inputs take it."""
    return strawberry.ID(str(value))


def _weekday(day: dt.date) -> dt.date:
    """The day, or the Monday after it when it is a weekend."""
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _oslo(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """An Oslo wall time, in UTC (as stored)."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=OSLO).astimezone(dt.UTC)


async def seed_meetings(
    session: AsyncSession,
    *,
    child_id: uuid.UUID,
    coordinator: Person,
    mother: Person,
    father: Person,
    teacher: Person,
    habu: Person,
    hospital_org_number: str,
) -> dict[str, uuid.UUID]:
    """Emma's past and upcoming meeting; returns their ids ("past", "next") and the guest's."""
    kari = Actor.from_person(coordinator, auth_method="demo")
    sara = Actor.from_person(mother, auth_method="demo")
    ahmed = Actor.from_person(father, auth_method="demo")
    members = {
        m.person_id: m.id
        for m in (
            await session.exec(
                select(NetworkMember).where(
                    NetworkMember.child_id == child_id, col(NetworkMember.ended_at).is_(None)
                )
            )
        ).all()
    }
    invited = [_id(members[p.id]) for p in (mother, father, teacher, habu) if p.id in members]

    past = await _past_meeting(
        session, child_id, kari, sara, ahmed, invited, members, teacher, habu
    )

    # The hospital that treats Emma now: a paediatrician joins the next meeting as a guest.
    hospital = ServiceProvider(
        name=HOSPITAL, type=ServiceType.SYKEHUS.value, org_number=hospital_org_number
    )
    session.add(hospital)
    await session.flush()
    guest = Person(
        name=GUEST,
        kind=PersonKind.STAFF.value,
        email="leila.mansour@sykehuset-vestkysten.example",
        employer_service_id=hospital.id,
    )
    session.add(guest)
    await session.flush()
    # The family lets the hospital see the plan's health parts (nothing else).
    await consents.record_consent(
        session,
        sara,
        RecordConsentInput(
            child_id=_id(child_id),
            category=InformationCategory.HEALTH,
            service_id=_id(hospital.id),
        ),
    )
    upcoming = await _next_meeting(session, child_id, kari, sara, ahmed, invited, guest)
    return {"past": past.id, "next": upcoming.id, "guest": guest.id}


async def _answer(
    session: AsyncSession,
    meeting: Meeting,
    who: Actor,
    answer: InvitationAnswer,
    comment: str | None = None,
) -> None:
    invitation = (
        await session.exec(
            select(Invitation).where(
                Invitation.meeting_id == meeting.id, Invitation.person_id == who.person_id
            )
        )
    ).one()
    await service.answer_invitation(
        session,
        who,
        AnswerInvitationInput(
            invitation_id=_id(invitation.id),
            version=invitation.version,
            answer=answer,
            comment=comment,
        ),
    )


async def _propose(
    session: AsyncSession, who: Actor, meeting: Meeting, title: str, detail: str | None = None
) -> None:
    await service.propose_agenda_item(
        session,
        who,
        ProposeAgendaItemInput(meeting_id=_id(meeting.id), title=title, detail=detail),
    )


async def _agenda(session: AsyncSession, meeting: Meeting) -> list[AgendaItem]:
    rows = await session.exec(
        select(AgendaItem)
        .where(AgendaItem.meeting_id == meeting.id)
        .order_by(col(AgendaItem.position), col(AgendaItem.created_at))
    )
    return list(rows.all())


async def _past_meeting(
    session: AsyncSession,
    child_id: uuid.UUID,
    kari: Actor,
    sara: Actor,
    ahmed: Actor,
    invited: list[Any],
    members: dict[uuid.UUID, uuid.UUID],
    teacher: Person,
    habu: Person,
) -> Meeting:
    # Scheduled ahead (the only way a meeting is scheduled), with its agenda and answers.
    soon = utcnow().replace(microsecond=0) + dt.timedelta(hours=2)
    meeting = await service.schedule(
        session,
        kari,
        ScheduleMeetingInput(
            child_id=_id(child_id),
            title=PAST_TITLE,
            purpose="Gå gjennom planen med skolen og HABU etter sommeren.",
            starts_at=soon,
            ends_at=soon + dt.timedelta(minutes=90),
            place="Fjordvik skole, møterom 2",
            interpreter_language="ar",
            invite_member_ids=invited,
        ),
    )
    # The coordinator's agenda, then an item Emma's father asked for.
    await _propose(
        session,
        kari,
        meeting,
        "Anfallsplan på skolen og i avlastningen",
        "Hva gjør vi ved anfall, og hvem har fått opplæring?",
    )
    await _propose(session, kari, meeting, "Skoleturen til fjellet")
    await _propose(
        session,
        ahmed,
        meeting,
        "Avlastning nærmere hjemmet",
        "Reisen til avlastningen er lang, og Emma sover dårlig første natt.",
    )
    await _answer(session, meeting, sara, InvitationAnswer.YES)
    await _answer(session, meeting, ahmed, InvitationAnswer.YES)
    await _answer(
        session, meeting, Actor.from_person(teacher, auth_method="demo"), InvitationAnswer.YES
    )
    await _answer(
        session,
        meeting,
        Actor.from_person(habu, auth_method="demo"),
        InvitationAnswer.YES,
        "Jeg deltar på video.",
    )

    # The meeting took place twelve days ago (a weekday, 10:00 to 11:30 Oslo time).
    day = _weekday(today() - dt.timedelta(days=PAST_DAYS_AGO + 2))
    starts = _oslo(day, 10)
    ends = starts + dt.timedelta(minutes=90)
    scheduled_at = starts - dt.timedelta(days=16)
    meeting.starts_at, meeting.ends_at = starts, ends
    meeting.created_at = scheduled_at
    session.add(meeting)
    await session.flush()

    # The minutes, written together during the meeting: the coordinator and Emma's mother.
    seizures, trip, respite = await _agenda(session, meeting)
    await crdt.append_update(
        session,
        kari,
        meeting.id,
        crdt.seed_update(
            {
                "general": "Til stede: Sara Johansen, Ahmed Haddad (med tolk, arabisk), "
                "Ingrid Solberg (skolen), Dr. Mette Holm (HABU, på video) og Kari Nordmann "
                "(barnekoordinator, referent).",
                "items": {
                    str(seizures.id): {
                        "discussion": "Skolen har fått opplæring i anfallsplanen. "
                        "Avlastningen har ikke fått det ennå, og foreldrene er urolige for "
                        "nettene der.",
                        "decisions": "HABU oppdaterer anfallsplanen og lærer opp de ansatte "
                        "i avlastningen.",
                    },
                    str(trip.id): {
                        "discussion": "Emma vil gjerne være med på fjellturen. Det trengs "
                        "vogn, assistent og en plan for anfall underveis.",
                        "decisions": "Skolen planlegger turen sammen med foreldrene.",
                    },
                },
            }
        ),
    )
    await crdt.append_update(
        session,
        sara,
        meeting.id,
        crdt.seed_update(
            {
                crdt.item_text_name(respite.id, crdt.DISCUSSION): "Vi ønsker avlastning i "
                "Fjordvik. Koordinator undersøker om det blir ledig plass i "
                "avlastningsboligen.",
            }
        ),
    )
    # Two action items: tasks in Emma's plan, with owners and due dates.
    await service.agree_action_item(
        session,
        kari,
        AgreeActionItemInput(
            meeting_id=_id(meeting.id),
            agenda_item_id=_id(seizures.id),
            kind=ActionItemKind.TASK,
            title="Oppdatere anfallsplanen og lære opp avlastningen",
            owner_member_id=_id(members[habu.id]),
            due_on=today() + dt.timedelta(days=9),
        ),
    )
    await service.agree_action_item(
        session,
        kari,
        AgreeActionItemInput(
            meeting_id=_id(meeting.id),
            agenda_item_id=_id(trip.id),
            kind=ActionItemKind.TASK,
            title="Planlegge fjellturen sammen med foreldrene",
            owner_member_id=_id(members[teacher.id]),
            due_on=today() + dt.timedelta(days=20),
        ),
    )
    await service.close_minutes(session, kari, CloseMinutesInput(meeting_id=_id(meeting.id)))
    await service.confirm_minutes(
        session,
        sara,
        ConfirmMinutesInput(meeting_id=_id(meeting.id), version_number=1, confirmed=True),
    )
    await service.confirm_minutes(
        session,
        ahmed,
        ConfirmMinutesInput(
            meeting_id=_id(meeting.id),
            version_number=1,
            confirmed=False,
            comment="Skriv at vi ønsker avlastning i Fjordvik fra nyttår.",
        ),
    )
    await _dated(session, meeting, scheduled_at)
    return meeting


async def _dated(session: AsyncSession, meeting: Meeting, scheduled_at: dt.datetime) -> None:
    """The past meeting's rows, events and notifications at the times they are shown to
    have happened: scheduled sixteen days before, answered in the days after, written and
    closed in the meeting, confirmed the day after (the shapes the service wrote)."""
    starts, ends = meeting.starts_at, meeting.ends_at
    closed = ends + dt.timedelta(minutes=30)
    confirmed = ends + dt.timedelta(days=1)
    await session.flush()
    meeting.held_at = closed
    session.add(meeting)
    for n, item in enumerate(await _agenda(session, meeting)):
        item.created_at = scheduled_at + dt.timedelta(days=n * 3)
        session.add(item)
    for n, invitation in enumerate(
        (await session.exec(select(Invitation).where(Invitation.meeting_id == meeting.id))).all()
    ):
        invitation.created_at = scheduled_at
        if invitation.answered_at is not None:
            invitation.answered_at = scheduled_at + dt.timedelta(days=1, hours=n)
        session.add(invitation)
    for n, update in enumerate(
        (
            await session.exec(
                select(MinutesUpdate)
                .where(MinutesUpdate.meeting_id == meeting.id)
                .order_by(col(MinutesUpdate.seq))
            )
        ).all()
    ):
        update.created_at = starts + dt.timedelta(minutes=20 + 30 * n)
        session.add(update)
    for agreed in (
        await session.exec(select(ActionItem).where(ActionItem.meeting_id == meeting.id))
    ).all():
        agreed.created_at = ends - dt.timedelta(minutes=10)
        session.add(agreed)
    minutes = (
        await session.exec(select(MinutesRow).where(MinutesRow.meeting_id == meeting.id))
    ).one()
    minutes.closed_at = closed
    session.add(minutes)
    for version in (
        await session.exec(select(MinutesVersion).where(MinutesVersion.meeting_id == meeting.id))
    ).all():
        version.closed_at = closed
        session.add(version)
    for confirmation in (
        await session.exec(
            select(MinutesConfirmation).where(MinutesConfirmation.meeting_id == meeting.id)
        )
    ).all():
        confirmation.created_at = confirmed
        session.add(confirmation)

    # Its events (and the notifications they caused) when they happened.
    moments = {
        "meeting.scheduled": scheduled_at,
        "meeting.invited": scheduled_at,
        "meeting.agenda_item_proposed": scheduled_at + dt.timedelta(days=3),
        "meeting.invitation_answered": scheduled_at + dt.timedelta(days=1),
        "meeting.action_item_agreed": ends - dt.timedelta(minutes=10),
        "meeting.minutes_closed": closed,
        "meeting.held": closed,
        "meeting.minutes_confirmed": confirmed,
    }
    events = (
        await session.exec(
            select(Event).where(
                Event.child_id == meeting.child_id, col(Event.kind).in_(list(moments))
            )
        )
    ).all()
    moved: dict[uuid.UUID, dt.datetime] = {}
    for event in events:
        if event.payload.get("meetingId") != str(meeting.id):
            continue
        event.occurred_at = moved[event.id] = moments[event.kind]
        session.add(event)
    if moved:
        rows = (
            await session.exec(
                select(Notification).where(col(Notification.event_id).in_(list(moved)))
            )
        ).all()
        for row in rows:
            at = moved[row.event_id] if row.event_id is not None else row.created_at
            payload = dict(row.payload)
            if "startsAt" in payload:
                payload["startsAt"] = starts.isoformat()
                payload["endsAt"] = ends.isoformat()
            row.payload = payload
            row.created_at = at
            row.due_at = at
            if row.sent_at is not None:
                row.sent_at = at
            session.add(row)

    # The pathway's first network meeting was met by this meeting, on its day.
    held_on = starts.astimezone(OSLO).date()
    milestone = (
        await session.exec(
            select(Milestone).where(
                Milestone.child_id == meeting.child_id,
                Milestone.trigger == MilestoneTrigger.NETWORK_MEETING.value,
                col(Milestone.met_on).is_not(None),
            )
        )
    ).first()
    if milestone is not None and milestone.met_on is not None and milestone.met_on > held_on:
        milestone.met_on = held_on
        milestone.met_late = held_on > milestone.due_on
        session.add(milestone)
        for event in (
            await session.exec(
                select(Event).where(
                    Event.entity_id == milestone.id, Event.kind == "pathway.milestone_met"
                )
            )
        ).all():
            event.payload = {
                **event.payload,
                "metOn": held_on.isoformat(),
                "late": milestone.met_late,
            }
            event.occurred_at = closed
            session.add(event)
    await session.flush()


async def _next_meeting(
    session: AsyncSession,
    child_id: uuid.UUID,
    kari: Actor,
    sara: Actor,
    ahmed: Actor,
    invited: list[Any],
    guest: Person,
) -> Meeting:
    day = _weekday(today() + dt.timedelta(days=NEXT_IN_DAYS))
    starts = _oslo(day, 10)
    meeting = await service.schedule(
        session,
        kari,
        ScheduleMeetingInput(
            child_id=_id(child_id),
            title=NEXT_TITLE,
            purpose="Oppfølgingspunktene fra forrige møte, og hjemkomsten etter sykehuset.",
            starts_at=starts,
            ends_at=starts + dt.timedelta(minutes=90),
            place="Fjordvik rådhus, møterom Fjorden",
            video_url="https://video.fjordvik.example/rom/4821-7731",
            interpreter_language="ar",
            invite_member_ids=invited,
        ),
    )
    await _propose(session, kari, meeting, "Siden sist: oppfølgingspunktene fra forrige møte")
    await _propose(
        session,
        kari,
        meeting,
        "Hjem fra sykehuset: tilrettelegging hjemme og på skolen",
        "Barneavdelingen deltar som gjest.",
    )
    await service.invite_guest(
        session,
        kari,
        InviteGuestInput(meeting_id=_id(meeting.id), person_id=_id(guest.id)),
    )
    await _propose(
        session,
        sara,
        meeting,
        "Avlastning i Fjordvik fra nyttår",
        "Vi vil høre om det er blitt ledig plass i avlastningsboligen.",
    )
    await _answer(session, meeting, sara, InvitationAnswer.YES)
    await _answer(
        session, meeting, ahmed, InvitationAnswer.MAYBE, "Kommer hvis jeg får fri fra jobben."
    )
    return meeting
