"""The meetings' tests: a family with its network (the plan's), a guest from outside it, and
the documents they send (over HTTP GraphQL)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlmodel import SQLModel, func, select

from backend.core.database import utcnow
from backend.events.models import Event
from backend.identity.models import Person, PersonKind
from backend.meeting.models import TABLES, Invitation, Meeting
from backend.network.models import ServiceProvider, ServiceType
from backend.notify.models import Notification
from tests.conftest import VALID_ORGNR, Api, World
from tests.helpers import Mutations
from tests.helpers import codes as codes

NOWHERE = "01900000-0000-7000-8000-000000000000"

INVITATION = """id meetingId personName organisation role guest accessUntil answer answerComment
  answeredAt withdrawn version objections { id personName reason at }"""
MINUTES = """id state currentVersion version versions { id number closedAt closedByName general
  items { agendaItemId title discussion decisions }
  confirmations { personName confirmed comment at } }"""
ACTION_ITEM = "id agendaItemId kind title dueOn ownerName taskId measureId status"
MEETING = f"""id childId childName title purpose startsAt endsAt startsAtLocal endsAtLocal place
  placeLabel placeProtected videoUrl childTakesPart interpreterLanguage status cancelReason
  version organizerName viewerIsGuest guestAccessUntil canEdit canWriteMinutes
  canConfirmMinutes canObjectToGuests
  agenda {{ id title detail position proposedByName version }}
  invitations {{ {INVITATION} }} myInvitation {{ {INVITATION} }} minutes {{ {MINUTES} }}
  actionItems {{ {ACTION_ITEM} }} guestPlan {{ id kind title description category }}"""
ONE = f"query($id: ID!) {{ meeting(id: $id) {{ {MEETING} }} }}"
MINE = f"""query($past: Boolean!, $first: Int, $after: String) {{
  myMeetings(past: $past, first: $first, after: $after) {{
    edges {{ cursor node {{ {MEETING} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"""
CHILD = """query($childId: ID!, $past: Boolean!) { childMeetings(childId: $childId, past: $past) {
    edges { cursor node { id title } } pageInfo { hasNextPage endCursor } } }"""

PAYLOADS: dict[str, tuple[str, str, str]] = {
    "scheduleMeeting": ("ScheduleMeetingInput", "meeting", MEETING),
    "updateMeeting": ("UpdateMeetingInput", "meeting", MEETING),
    "cancelMeeting": ("CancelMeetingInput", "meeting", MEETING),
    "inviteMembers": ("InviteMembersInput", "meeting", MEETING),
    "inviteGuest": ("InviteGuestInput", "meeting", MEETING),
    "withdrawInvitation": ("WithdrawInvitationInput", "meeting", MEETING),
    "answerInvitation": ("AnswerInvitationInput", "invitation", INVITATION),
    "objectToGuest": ("ObjectToGuestInput", "invitation", INVITATION),
    "makeGuestMember": ("MakeGuestMemberInput", "meeting", MEETING),
    "proposeAgendaItem": ("ProposeAgendaItemInput", "meeting", MEETING),
    "closeMinutes": ("CloseMinutesInput", "meeting", MEETING),
    "reopenMinutes": ("ReopenMinutesInput", "meeting", MEETING),
    "confirmMinutes": ("ConfirmMinutesInput", "meeting", MEETING),
    "agreeActionItem": ("AgreeActionItemInput", "actionItem", ACTION_ITEM),
}


_MUTATIONS = Mutations(PAYLOADS)
call = _MUTATIONS.call
ok = _MUTATIONS.ok


def at(hours: float = 48, base: dt.datetime | None = None) -> str:
    """A time `hours` from now (UTC, ISO 8601 with offset)."""
    return ((base or utcnow()) + dt.timedelta(hours=hours)).replace(microsecond=0).isoformat()


async def read(api: Api, meeting_id: str, as_: Any, language: str | None = None) -> Any:
    return (await api.gql(ONE, {"id": meeting_id}, as_=as_, language=language))["meeting"]


async def schedule(
    api: Api, world: World, child_id: str, hours: float = 48, **fields: Any
) -> dict[str, Any]:
    return await ok(
        api,
        "scheduleMeeting",
        world.coordinator,
        **{
            "childId": child_id,
            "title": "Ansvarsgruppemøte",
            "startsAt": at(hours),
            "endsAt": at(hours + 1.5),
            "place": "Testvik skole, møterom 2",
            **fields,
        },
    )


async def move(api: Api, meeting_id: str, *, hours: float) -> None:
    """Put the meeting `hours` from now (negative: it has started), as time passing would."""
    async with api.aut.db.writing() as session:
        row = await session.get(Meeting, uuid.UUID(meeting_id))
        assert row is not None
        length = row.ends_at - row.starts_at
        shift = utcnow() + dt.timedelta(hours=hours) - row.starts_at
        row.starts_at += shift
        row.ends_at = row.starts_at + length
        session.add(row)
        guests = await session.exec(select(Invitation).where(Invitation.meeting_id == row.id))
        for invitation in guests.all():
            if invitation.access_until is not None:
                invitation.access_until += shift
                session.add(invitation)


async def guest_staff(api: Api, world: World, name: str = "Hanne Habilitering") -> Person:
    """A specialist of a service outside the child's network (habiliteringstjenesten)."""
    async with api.aut.db.writing() as session:
        service = ServiceProvider(
            name="Habiliteringstjenesten for barn",
            type=ServiceType.HABILITERING.value,
            org_number=VALID_ORGNR[5],
        )
        session.add(service)
        await session.flush()
        person = Person(
            name=name,
            kind=PersonKind.STAFF.value,
            employer_service_id=service.id,
            email="hanne@habu.example",
        )
        session.add(person)
    return person


async def rows(api: Api) -> dict[str, int]:
    """Row counts of the meetings' tables, the outbox and the notifications: a refused
    write changes none."""
    found: dict[str, int] = {}
    async with api.aut.db.reading() as session:
        models: tuple[type[SQLModel], ...] = (*TABLES, Event, Notification)
        for model in models:
            found[str(model.__tablename__)] = (
                await session.exec(select(func.count()).select_from(model))
            ).one()
    return found
