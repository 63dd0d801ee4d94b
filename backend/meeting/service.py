"""Meetings: the one write path. Every function authorizes on the meeting's facts
(policies/meeting.cedar), checks its input before it writes, writes its rows and records
its events in the caller's transaction; a user error rolls all of it back.

Not found and not allowed: a meeting (or invitation) the caller may not view answers exactly
as one that exists nowhere (NOT_FOUND, logged in the child's access log when it is real);
only then comes the permission (NOT_ALLOWED), then the state and the version (CONFLICT).
Events never carry a protected place, nor the minutes' text.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.authz.access import (
    AccessDenied,
    load_facts,
    may_know_membership,
    may_read,
)
from backend.authz.policy import Action, ChildFacts, decide_on_child
from backend.catalogue.models import MeasureProvision
from backend.children.models import Child
from backend.core.clock import today
from backend.core.database import utcnow
from backend.core.errors import Collector, ErrorCode, UserError, fail
from backend.core.i18n import Text
from backend.core.languages import language_code
from backend.core.settings import Settings
from backend.core.validation import text
from backend.events.service import record_change
from backend.events.visibility import uuid_or_none
from backend.identity.actor import Actor
from backend.identity.models import Person, PersonKind
from backend.meeting import logic
from backend.meeting.access import (
    MeetingAction,
    MeetingFacts,
    child_facts_only,
    decide,
    meeting_facts,
)
from backend.meeting.inputs import (
    AGENDA_MAX,
    COMMENT_MAX,
    DETAIL_MAX,
    GUEST_HOURS_MAX,
    GUEST_HOURS_MIN,
    INVITE_MAX,
    PLACE_MAX,
    PURPOSE_MAX,
    REASON_MAX,
    TITLE_MAX,
    VIDEO_URL_MAX,
    AgendaItemInput,
    AgreeActionItemInput,
    AnswerInvitationInput,
    CancelMeetingInput,
    CloseMinutesInput,
    ConfirmMinutesInput,
    InviteGuestInput,
    InviteMembersInput,
    MakeGuestMemberInput,
    ObjectToGuestInput,
    ProposeAgendaItemInput,
    ReopenMinutesInput,
    ScheduleMeetingInput,
    UpdateMeetingInput,
    WithdrawInvitationInput,
)
from backend.meeting.models import (
    ActionItem,
    ActionItemKind,
    AgendaItem,
    GuestObjection,
    Invitation,
    InvitationAnswer,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesConfirmation,
    MinutesState,
    MinutesVersion,
)
from backend.network import service as network
from backend.network.models import NetworkMember, NetworkRole, ServiceProvider
from backend.network.types import AddNetworkMemberInput
from backend.plan import service as plan_service
from backend.plan.models import Plan
from backend.plan.types import AddMeasureInput, AddTaskInput

ENTITY = "meeting"
INVITATION_ENTITY = "meeting_invitation"
ACTION_ITEM_ENTITY = "meeting_action_item"

_ORGANIZER_STAYS: Text = (
    "Den som har kalt inn til møtet, kan ikke fjernes fra det.",
    "Den som har kalla inn til møtet, kan ikkje fjernast frå det.",
    "The organizer cannot be removed from the meeting.",
)
_ALREADY_WITHDRAWN: Text = (
    "Invitasjonen er allerede trukket tilbake.",
    "Invitasjonen er allereie trekt tilbake.",
    "The invitation has already been withdrawn.",
)
_NOT_A_GUEST: Text = (
    "Dette gjelder bare gjester utenfor nettverket.",
    "Dette gjeld berre gjester utanfor nettverket.",
    "This applies to guests from outside the network only.",
)
_ALREADY_MEMBER: Text = (
    "Personen er allerede med i barnets nettverk: inviter som medlem.",
    "Personen er allereie med i nettverket til barnet: inviter som medlem.",
    "This person is already in the child's network: invite them as a member.",
)
_GUEST_HOURS: Text = (
    f"Gjestetilgangen varer fra {GUEST_HOURS_MIN} til {GUEST_HOURS_MAX} timer etter møtet.",
    f"Gjestetilgangen varer frå {GUEST_HOURS_MIN} til {GUEST_HOURS_MAX} timar etter møtet.",
    f"A guest's access lasts {GUEST_HOURS_MIN} to {GUEST_HOURS_MAX} hours after the meeting.",
)
_NOT_STARTED: Text = (
    "Referatet kan lukkes når møtet har startet.",
    "Referatet kan lukkast når møtet har starta.",
    "The minutes can be closed once the meeting has started.",
)
_DUE_IN_PAST: Text = (
    "Fristen kan ikke være i fortiden.",
    "Fristen kan ikkje vere i fortida.",
    "The due date cannot be in the past.",
)
_COMMENT_WHEN_NOT_CONFIRMED: Text = (
    "Skriv hva som bør rettes når du ikke bekrefter referatet.",
    "Skriv kva som bør rettast når du ikkje stadfestar referatet.",
    "Write what should be corrected when you do not confirm the minutes.",
)


# ---- Authorization -----------------------------------------------------------------------


def denied(child_id: uuid.UUID, action: MeetingAction, error: UserError) -> AccessDenied:
    """A refusal about a real child, logged in its access log under the action's name."""
    refusal = AccessDenied(child_id, Action.VIEW_CHILD, error)
    refusal.action = cast(Action, action)
    return refusal


async def _lock(session: AsyncSession, child_id: uuid.UUID) -> None:
    """Serialize writers of one child's data (PostgreSQL row lock; SQLite writes are serial)."""
    await session.exec(select(Child.id).where(Child.id == child_id).with_for_update())


async def _meeting_for(
    session: AsyncSession,
    actor: Actor | None,
    value: str,
    *,
    action: MeetingAction,
    field: str = "meetingId",
    version: int | None = None,
) -> tuple[Meeting, MeetingFacts]:
    """The meeting for a write: NOT_FOUND unless the caller may view it, then the
    permission (NOT_ALLOWED), the child's lock and the version (CONFLICT)."""
    meeting_id = uuid_or_none(value)
    meeting = await session.get(Meeting, meeting_id) if meeting_id is not None else None
    if actor is None:
        if meeting is not None:
            raise denied(meeting.child_id, action, UserError(ErrorCode.UNAUTHENTICATED))
        fail(ErrorCode.UNAUTHENTICATED)
    assert actor is not None
    if meeting is None:
        fail(ErrorCode.NOT_FOUND, field)
    assert meeting is not None
    facts = await meeting_facts(session, actor, meeting)
    if not decide(actor, MeetingAction.VIEW, facts):
        if facts.guest and facts.invited and not facts.guest_window_open:
            # The guest was told of the meeting: their access ended, say so.
            raise denied(meeting.child_id, action, UserError(ErrorCode.GUEST_ACCESS_ENDED))
        raise denied(meeting.child_id, action, UserError(ErrorCode.NOT_FOUND, field))
    _require(actor, action, facts, meeting)
    await _lock(session, meeting.child_id)
    await session.refresh(meeting)
    if version is not None and meeting.version != version:
        fail(ErrorCode.CONFLICT, "version")
    return meeting, facts


def _scheduled(meeting: Meeting, field: str = "meetingId") -> None:
    """A change of plans needs a meeting still ahead (not cancelled, minutes not closed)."""
    if meeting.status == MeetingStatus.CANCELLED.value:
        fail(ErrorCode.MEETING_CANCELLED, field)
    if meeting.status == MeetingStatus.HELD.value:
        fail(ErrorCode.MINUTES_CLOSED, field)


def _knows(
    actor: Actor,
    facts: MeetingFacts,
    invitation: Invitation,
    service: ServiceProvider | None,
) -> bool:
    """Whether the caller may know of this invitation (as `Meeting.invitations` shows it):
    their own; a membership they may know of; a guest, for the coordinator who invites."""
    if invitation.person_id == actor.person_id:
        return True
    if invitation.guest and (
        invitation.invited_by_person_id == actor.person_id
        or facts.is_organizer
        or NetworkRole.COORDINATOR.value in facts.child.roles
    ):
        return True
    return may_know_membership(may_read(actor, facts.child), service, False)


async def _invitation_for(
    session: AsyncSession,
    actor: Actor | None,
    value: str,
    *,
    action: MeetingAction,
) -> tuple[Invitation, Meeting, MeetingFacts]:
    """An invitation for a write, in a meeting the caller may view and of which they may
    know; else NOT_FOUND on invitationId. Locked and read again; the caller checks its
    permission, then the version (`_version`)."""
    field = "invitationId"
    invitation_id = uuid_or_none(value)
    invitation = await session.get(Invitation, invitation_id) if invitation_id else None
    if actor is None:
        if invitation is not None:
            raise denied(invitation.child_id, action, UserError(ErrorCode.UNAUTHENTICATED))
        fail(ErrorCode.UNAUTHENTICATED)
    assert actor is not None
    if invitation is None:
        fail(ErrorCode.NOT_FOUND, field)
    assert invitation is not None
    meeting = await session.get(Meeting, invitation.meeting_id)
    assert meeting is not None
    facts = await meeting_facts(session, actor, meeting)
    own = invitation.person_id == actor.person_id
    if not decide(actor, MeetingAction.VIEW, facts):
        if own and facts.guest and facts.invited and not facts.guest_window_open:
            raise denied(meeting.child_id, action, UserError(ErrorCode.GUEST_ACCESS_ENDED))
        raise denied(meeting.child_id, action, UserError(ErrorCode.NOT_FOUND, field))
    service = await _service_of_invitation(session, invitation)
    if not _knows(actor, facts, invitation, service):
        raise denied(meeting.child_id, action, UserError(ErrorCode.NOT_FOUND, field))
    await _lock(session, meeting.child_id)
    await session.refresh(meeting)
    await session.refresh(invitation)
    return invitation, meeting, facts


def _version(invitation: Invitation, version: int) -> None:
    if invitation.version != version:
        fail(ErrorCode.CONFLICT, "version")


def _require(actor: Actor, action: MeetingAction, facts: MeetingFacts, meeting: Meeting) -> None:
    """The permission for `action` (NOT_ALLOWED, in the child's access log)."""
    if not decide(actor, action, facts):
        raise denied(meeting.child_id, action, UserError(ErrorCode.NOT_ALLOWED))


async def _service_of_invitation(
    session: AsyncSession, invitation: Invitation
) -> ServiceProvider | None:
    if invitation.guest:
        if invitation.guest_service_id is None:
            return None
        return await session.get(ServiceProvider, invitation.guest_service_id)
    if invitation.member_id is None:
        return None
    member = await session.get(NetworkMember, invitation.member_id)
    if member is None or member.service_id is None:
        return None
    return await session.get(ServiceProvider, member.service_id)


# ---- Events ---------------------------------------------------------------------------------


async def viewers(session: AsyncSession, meeting: Meeting) -> list[str]:
    """The organizer, everyone invited (not withdrawn) and the child when taking part: who
    knows of the meeting's events besides those who see every meeting of the child
    (backend/meeting/rules.py)."""
    rows = await session.exec(
        select(Invitation.person_id).where(
            Invitation.meeting_id == meeting.id, col(Invitation.withdrawn_at).is_(None)
        )
    )
    people = {str(meeting.organizer_person_id), *(str(p) for p in rows.all())}
    if meeting.child_takes_part:
        # The child takes part without an invitation of their own.
        children = await session.exec(
            select(NetworkMember.person_id).where(
                NetworkMember.child_id == meeting.child_id,
                NetworkMember.role == NetworkRole.CHILD.value,
                col(NetworkMember.person_id).is_not(None),
            )
        )
        people |= {str(p) for p in children.all()}
    return sorted(people)


async def _record(
    session: AsyncSession,
    actor: Actor,
    kind: str,
    meeting: Meeting,
    *,
    entity_type: str = ENTITY,
    entity_id: uuid.UUID | None = None,
    known_viewers: list[str] | None = None,
    **extra: Any,
) -> None:
    """One event about a meeting: its id, who may know of it (`known_viewers` when the
    caller just read them), and (never the protected place, never the minutes' text) what
    the notification rules need."""
    await session.flush()
    await record_change(
        session,
        actor,
        kind=kind,
        entity_type=entity_type,
        entity_id=entity_id or meeting.id,
        child_id=meeting.child_id,
        payload={
            "meetingId": str(meeting.id),
            "viewers": known_viewers
            if known_viewers is not None
            else await viewers(session, meeting),
            **extra,
        },
    )


# ---- Input checks ---------------------------------------------------------------------------


def _line(
    errors: Collector, field: str, value: str | None, limit: int, required: bool = False
) -> str | None:
    return text(errors, field, value, max_length=limit, required=required, multiline=False)


def _free(
    errors: Collector, field: str, value: str | None, limit: int, required: bool = False
) -> str | None:
    return text(errors, field, value, max_length=limit, required=required)


def _video(errors: Collector, value: str | None) -> str | None:
    cleaned = _line(errors, "videoUrl", value, VIDEO_URL_MAX)
    if cleaned is not None and not logic.valid_video_url(cleaned):
        errors.add(ErrorCode.INVALID, "videoUrl", logic.NOT_HTTPS)
        return None
    return cleaned


def _moment(errors: Collector, field: str, value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    found = logic.as_utc(value)
    if found is None:
        errors.add(ErrorCode.INVALID, field)
    return found


def _agenda(errors: Collector, items: Sequence[AgendaItemInput]) -> list[tuple[str, str | None]]:
    if len(items) > AGENDA_MAX:
        errors.add(ErrorCode.TOO_MANY, "agenda")
        return []
    found = []
    for index, item in enumerate(items):
        title = _line(errors, f"agenda.{index}.title", item.title, TITLE_MAX, required=True)
        detail = _free(errors, f"agenda.{index}.detail", item.detail, DETAIL_MAX)
        if title is not None:
            found.append((title, detail))
    return found


async def _members(
    session: AsyncSession,
    errors: Collector,
    actor: Actor,
    facts: ChildFacts,
    child_id: uuid.UUID,
    values: Sequence[str],
    field: str,
) -> list[NetworkMember]:
    """Active memberships of this child's network the caller may know of; else NOT_FOUND
    (a barnevern membership the coordinator may not know of is one that exists nowhere)."""
    if len(values) > INVITE_MAX:
        errors.add(ErrorCode.TOO_MANY, field)
        return []
    ids = [uuid_or_none(v) for v in values]
    if any(i is None for i in ids):
        errors.add(ErrorCode.NOT_FOUND, field)
        return []
    wanted = [i for i in ids if i is not None]
    if len(set(wanted)) != len(wanted):
        errors.add(ErrorCode.ALREADY_INVITED, field)
        return []
    if not wanted:
        return []
    rows = (
        await session.exec(select(NetworkMember).where(col(NetworkMember.id).in_(wanted)))
    ).all()
    by_id = {r.id: r for r in rows}
    service_ids = list({r.service_id for r in rows if r.service_id})
    services = (
        {
            s.id: s
            for s in (
                await session.exec(
                    select(ServiceProvider).where(col(ServiceProvider.id).in_(service_ids))
                )
            ).all()
        }
        if service_ids
        else {}
    )
    read = may_read(actor, facts)
    found = []
    for member_id in wanted:
        row = by_id.get(member_id)
        if (
            row is None
            or row.child_id != child_id
            or row.ended_at is not None
            or not may_know_membership(
                read,
                services.get(row.service_id) if row.service_id else None,
                row.person_id == actor.person_id,
            )
        ):
            errors.add(ErrorCode.NOT_FOUND, field)
            return []
        found.append(row)
    if len({r.person_id for r in found}) != len(found):
        errors.add(ErrorCode.ALREADY_INVITED, field)
        return []
    return found


async def _own_membership(
    session: AsyncSession, child_id: uuid.UUID, person_id: uuid.UUID
) -> NetworkMember | None:
    rows = await session.exec(
        select(NetworkMember)
        .where(
            NetworkMember.child_id == child_id,
            NetworkMember.person_id == person_id,
            col(NetworkMember.ended_at).is_(None),
        )
        .order_by(col(NetworkMember.created_at))
    )
    found = list(rows.all())
    # The coordinator's membership first: that is whom the organizer is here.
    found.sort(key=lambda m: m.role != NetworkRole.COORDINATOR.value)
    return found[0] if found else None


async def _invite(
    session: AsyncSession,
    actor: Actor,
    meeting: Meeting,
    existing: dict[uuid.UUID, Invitation],
    *,
    person_id: uuid.UUID,
    member: NetworkMember | None = None,
    guest_service_id: uuid.UUID | None = None,
    access_until: dt.datetime | None = None,
    answer: InvitationAnswer = InvitationAnswer.PENDING,
    field: str = "memberIds",
) -> Invitation:
    """One invitation (a withdrawn one is invited again); someone invited twice: refused."""
    now = utcnow()
    found = existing.get(person_id)
    if found is not None:
        if found.withdrawn_at is None:
            fail(ErrorCode.ALREADY_INVITED, field)
        found.withdrawn_at = None
        found.member_id = member.id if member is not None else None
        found.guest = member is None
        found.guest_service_id = guest_service_id
        found.access_until = access_until
        found.answer = answer.value
        found.answer_comment = None
        found.answered_at = now if answer is not InvitationAnswer.PENDING else None
        found.invited_by_person_id = actor.person_id
        found.version += 1
        session.add(found)
        return found
    invitation = Invitation(
        meeting_id=meeting.id,
        child_id=meeting.child_id,
        person_id=person_id,
        member_id=member.id if member is not None else None,
        guest=member is None,
        guest_service_id=guest_service_id,
        access_until=access_until,
        answer=answer.value,
        answered_at=now if answer is not InvitationAnswer.PENDING else None,
        invited_by_person_id=actor.person_id,
    )
    session.add(invitation)
    existing[person_id] = invitation
    return invitation


async def _invitations(session: AsyncSession, meeting_id: uuid.UUID) -> dict[uuid.UUID, Invitation]:
    rows = await session.exec(select(Invitation).where(Invitation.meeting_id == meeting_id))
    return {r.person_id: r for r in rows.all()}


async def _record_invitation(
    session: AsyncSession,
    actor: Actor,
    kind: str,
    meeting: Meeting,
    invitation: Invitation,
    **extra: Any,
) -> None:
    await _record(
        session,
        actor,
        kind,
        meeting,
        entity_type=INVITATION_ENTITY,
        entity_id=invitation.id,
        invitationId=str(invitation.id),
        **extra,
    )


async def _record_invited(
    session: AsyncSession, actor: Actor, meeting: Meeting, invitations: Sequence[Invitation]
) -> None:
    if not invitations:
        return
    await session.flush()
    people = await viewers(session, meeting)  # the same for each: read once
    for invitation in invitations:
        await _record_invitation(
            session,
            actor,
            "meeting.invited",
            meeting,
            invitation,
            known_viewers=people,
            personId=str(invitation.person_id),
            guest=invitation.guest,
        )


# ---- Scheduling ---------------------------------------------------------------------------


async def schedule(
    session: AsyncSession, actor: Actor | None, data: ScheduleMeetingInput
) -> Meeting:
    """The coordinator schedules a meeting; the organizer is invited (and comes)."""
    child_id = uuid_or_none(data.child_id)
    child = await session.get(Child, child_id) if child_id is not None else None
    if actor is None:
        if child is not None:
            raise denied(child.id, MeetingAction.SCHEDULE, UserError(ErrorCode.UNAUTHENTICATED))
        fail(ErrorCode.UNAUTHENTICATED)
    assert actor is not None
    if child is None:
        fail(ErrorCode.NOT_FOUND, "childId")
    assert child is not None
    facts = (await load_facts(session, actor, [child.id]))[child.id]
    if not decide_on_child(actor, Action.VIEW_CHILD, facts):
        raise denied(child.id, MeetingAction.SCHEDULE, UserError(ErrorCode.NOT_FOUND, "childId"))
    if not decide(actor, MeetingAction.SCHEDULE, child_facts_only(facts)):
        raise denied(child.id, MeetingAction.SCHEDULE, UserError(ErrorCode.NOT_ALLOWED))
    await _lock(session, child.id)
    errors = Collector()
    title = _line(errors, "title", data.title, TITLE_MAX, required=True)
    purpose = _free(errors, "purpose", data.purpose, PURPOSE_MAX)
    place = _line(errors, "place", data.place, PLACE_MAX)
    video = _video(errors, data.video_url)
    language = language_code(errors, "interpreterLanguage", data.interpreter_language)
    starts_at = _moment(errors, "startsAt", data.starts_at)
    ends_at = _moment(errors, "endsAt", data.ends_at)
    logic.check_times(errors, starts_at, ends_at, utcnow())
    agenda = _agenda(errors, data.agenda)
    members = await _members(
        session, errors, actor, facts, child.id, data.invite_member_ids, "inviteMemberIds"
    )
    errors.raise_if_any()
    assert title is not None and starts_at is not None and ends_at is not None
    meeting = Meeting(
        child_id=child.id,
        title=title,
        purpose=purpose,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        video_url=video,
        # Not given: protected when anyone in the family has a protected address.
        place_protected=(
            data.place_protected if data.place_protected is not None else facts.address_protected
        ),
        child_takes_part=data.child_takes_part,
        interpreter_language=language,
        organizer_person_id=actor.person_id,
    )
    session.add(meeting)
    # The meeting first: its rows refer to it (no ORM relationships order the inserts).
    await session.flush()
    session.add(Minutes(meeting_id=meeting.id, child_id=child.id))
    for position, (item_title, detail) in enumerate(agenda):
        session.add(
            AgendaItem(
                meeting_id=meeting.id,
                child_id=child.id,
                title=item_title,
                detail=detail,
                position=position,
                proposed_by_person_id=actor.person_id,
                proposed_by_name=actor.name,
            )
        )
    existing: dict[uuid.UUID, Invitation] = {}
    await _invite(
        session,
        actor,
        meeting,
        existing,
        person_id=actor.person_id,
        member=await _own_membership(session, child.id, actor.person_id),
        answer=InvitationAnswer.YES,
    )
    invited = [
        await _invite(
            session,
            actor,
            meeting,
            existing,
            person_id=m.person_id,
            member=m,
            field="inviteMemberIds",
        )
        for m in members
        if m.person_id != actor.person_id
    ]
    await _record(session, actor, "meeting.scheduled", meeting)
    await _record_invited(session, actor, meeting, invited)
    return meeting


async def update(session: AsyncSession, actor: Actor | None, data: UpdateMeetingInput) -> Meeting:
    """Change a meeting still ahead; what is not given stays. A guest's window moves with
    the end. Everyone invited is told (the .ics' SEQUENCE is the meeting's version)."""
    meeting, _ = await _meeting_for(
        session,
        actor,
        data.meeting_id,
        action=MeetingAction.EDIT,
        version=data.version,
    )
    assert actor is not None
    _scheduled(meeting)
    errors = Collector()
    changed: list[str] = []

    def change(attribute: str, field: str, value: object) -> None:
        """Take a checked value (None clears) unless its field had an error."""
        if not errors.has(field) and getattr(meeting, attribute) != value:
            setattr(meeting, attribute, value)
            changed.append(attribute)

    if data.title is not None:
        title = _line(errors, "title", data.title, TITLE_MAX, required=True)
        if title is not None:
            change("title", "title", title)
    if data.purpose is not None:
        change("purpose", "purpose", _free(errors, "purpose", data.purpose, PURPOSE_MAX))
    if data.place is not None:
        change("place", "place", _line(errors, "place", data.place, PLACE_MAX))
    if data.video_url is not None:
        video = _video(errors, data.video_url) if data.video_url.strip() else None
        change("video_url", "videoUrl", video)
    if data.interpreter_language is not None:
        language = language_code(errors, "interpreterLanguage", data.interpreter_language)
        change("interpreter_language", "interpreterLanguage", language)
    for attribute in ("place_protected", "child_takes_part"):
        value = getattr(data, attribute)
        if value is not None and getattr(meeting, attribute) != value:
            setattr(meeting, attribute, value)
            changed.append(attribute)
    starts_at = _moment(errors, "startsAt", data.starts_at) or meeting.starts_at
    ends_at = _moment(errors, "endsAt", data.ends_at) or meeting.ends_at
    old_end = meeting.ends_at
    if starts_at != meeting.starts_at or ends_at != meeting.ends_at:
        now = utcnow()
        if starts_at != meeting.starts_at:
            logic.check_times(errors, starts_at, ends_at, now)
        else:
            # Only the end moves: a meeting under way may run longer (or shorter).
            logic.check_times(
                errors, starts_at, ends_at, min(now, starts_at - dt.timedelta(seconds=1))
            )
        meeting.starts_at, meeting.ends_at = starts_at, ends_at
        changed.append("time")
    errors.raise_if_any()
    if not changed:
        return meeting
    if ends_at != old_end:
        rows = await session.exec(
            select(Invitation).where(Invitation.meeting_id == meeting.id, col(Invitation.guest))
        )
        for guest in rows.all():
            if guest.access_until is not None:
                guest.access_until = guest.access_until + (ends_at - old_end)
                session.add(guest)
    meeting.version += 1
    session.add(meeting)
    await _record(session, actor, "meeting.updated", meeting, changed=sorted(set(changed)))
    return meeting


async def cancel(session: AsyncSession, actor: Actor | None, data: CancelMeetingInput) -> Meeting:
    meeting, _ = await _meeting_for(
        session,
        actor,
        data.meeting_id,
        action=MeetingAction.CANCEL,
        version=data.version,
    )
    assert actor is not None
    _scheduled(meeting)
    errors = Collector()
    reason = _free(errors, "reason", data.reason, COMMENT_MAX, required=True)
    errors.raise_if_any()
    meeting.status = MeetingStatus.CANCELLED.value
    meeting.cancel_reason = reason
    meeting.cancelled_at = utcnow()
    meeting.version += 1
    session.add(meeting)
    await _record(session, actor, "meeting.cancelled", meeting)
    return meeting


# ---- Invitations ----------------------------------------------------------------------------


async def invite_members(
    session: AsyncSession, actor: Actor | None, data: InviteMembersInput
) -> Meeting:
    meeting, facts = await _meeting_for(
        session, actor, data.meeting_id, action=MeetingAction.INVITE
    )
    assert actor is not None
    _scheduled(meeting)
    errors = Collector()
    if not data.member_ids:
        errors.add(ErrorCode.REQUIRED, "memberIds")
    members = await _members(
        session, errors, actor, facts.child, meeting.child_id, data.member_ids, "memberIds"
    )
    errors.raise_if_any()
    existing = await _invitations(session, meeting.id)
    invited = [
        await _invite(session, actor, meeting, existing, person_id=m.person_id, member=m)
        for m in members
    ]
    await _record_invited(session, actor, meeting, invited)
    return meeting


async def invite_guest(
    session: AsyncSession, actor: Actor | None, data: InviteGuestInput
) -> Meeting:
    """A specialist outside the network, for this meeting only, until a set time after it;
    the guardians are told who, from which organisation, so they can object."""
    meeting, _ = await _meeting_for(session, actor, data.meeting_id, action=MeetingAction.INVITE)
    assert actor is not None
    _scheduled(meeting)
    errors = Collector()
    if not GUEST_HOURS_MIN <= data.access_hours_after <= GUEST_HOURS_MAX:
        errors.add(ErrorCode.INVALID, "accessHoursAfter", _GUEST_HOURS)
    person_id = uuid_or_none(data.person_id)
    person = await session.get(Person, person_id) if person_id is not None else None
    # A guest is staff of a service (the directory lists them): their organisation is it.
    if (
        person is None
        or person.kind != PersonKind.STAFF.value
        or person.employer_service_id is None
    ):
        errors.add(ErrorCode.NOT_FOUND, "personId")
    errors.raise_if_any()
    assert person is not None
    if await _own_membership(session, meeting.child_id, person.id) is not None:
        fail(ErrorCode.DUPLICATE_MEMBER, "personId", _ALREADY_MEMBER)
    existing = await _invitations(session, meeting.id)
    invitation = await _invite(
        session,
        actor,
        meeting,
        existing,
        person_id=person.id,
        guest_service_id=person.employer_service_id,
        access_until=meeting.ends_at + dt.timedelta(hours=data.access_hours_after),
        field="personId",
    )
    await _record_invited(session, actor, meeting, [invitation])
    return meeting


async def withdraw_invitation(
    session: AsyncSession, actor: Actor | None, data: WithdrawInvitationInput
) -> Meeting:
    invitation, meeting, facts = await _invitation_for(
        session, actor, data.invitation_id, action=MeetingAction.INVITE
    )
    assert actor is not None
    _require(actor, MeetingAction.INVITE, facts, meeting)
    _version(invitation, data.version)
    _scheduled(meeting, "invitationId")
    if invitation.person_id == meeting.organizer_person_id:
        fail(ErrorCode.INVALID, "invitationId", _ORGANIZER_STAYS)
    if invitation.withdrawn_at is not None:
        fail(ErrorCode.INVALID, "invitationId", _ALREADY_WITHDRAWN)
    invitation.withdrawn_at = utcnow()
    invitation.version += 1
    session.add(invitation)
    await _record_invitation(
        session,
        actor,
        "meeting.invitation_withdrawn",
        meeting,
        invitation,
        personId=str(invitation.person_id),
        guest=invitation.guest,
    )
    return meeting


async def answer_invitation(
    session: AsyncSession, actor: Actor | None, data: AnswerInvitationInput
) -> Invitation:
    invitation, meeting, facts = await _invitation_for(
        session,
        actor,
        data.invitation_id,
        action=MeetingAction.ANSWER_INVITATION,
    )
    assert actor is not None
    if invitation.person_id != actor.person_id or invitation.withdrawn_at is not None:
        # Someone else's invitation: answered only by its person.
        raise denied(
            meeting.child_id, MeetingAction.ANSWER_INVITATION, UserError(ErrorCode.NOT_ALLOWED)
        )
    if meeting.status == MeetingStatus.CANCELLED.value:
        fail(ErrorCode.MEETING_CANCELLED, "invitationId")
    _require(actor, MeetingAction.ANSWER_INVITATION, facts, meeting)
    _version(invitation, data.version)
    errors = Collector()
    if data.answer is InvitationAnswer.PENDING:
        errors.add(ErrorCode.INVALID, "answer")
    comment = _free(errors, "comment", data.comment, COMMENT_MAX)
    errors.raise_if_any()
    invitation.answer = data.answer.value
    invitation.answer_comment = comment
    invitation.answered_at = utcnow()
    invitation.version += 1
    session.add(invitation)
    await _record_invitation(
        session,
        actor,
        "meeting.invitation_answered",
        meeting,
        invitation,
        answer=invitation.answer,
    )
    return invitation


async def object_to_guest(
    session: AsyncSession, actor: Actor | None, data: ObjectToGuestInput
) -> Invitation:
    invitation, meeting, facts = await _invitation_for(
        session, actor, data.invitation_id, action=MeetingAction.OBJECT_TO_GUEST
    )
    assert actor is not None
    if not invitation.guest:
        fail(ErrorCode.INVALID, "invitationId", _NOT_A_GUEST)
    if meeting.status == MeetingStatus.CANCELLED.value:
        fail(ErrorCode.MEETING_CANCELLED, "invitationId")
    if utcnow() >= meeting.starts_at or meeting.status == MeetingStatus.HELD.value:
        fail(ErrorCode.MEETING_STARTED, "invitationId")
    _require(actor, MeetingAction.OBJECT_TO_GUEST, facts, meeting)
    errors = Collector()
    reason = _free(errors, "reason", data.reason, REASON_MAX, required=True)
    errors.raise_if_any()
    assert reason is not None
    objection = GuestObjection(
        invitation_id=invitation.id,
        meeting_id=meeting.id,
        child_id=meeting.child_id,
        person_id=actor.person_id,
        person_name=actor.name,
        reason=reason,
    )
    session.add(objection)
    await _record_invitation(
        session,
        actor,
        "meeting.guest_objected",
        meeting,
        invitation,
    )
    return invitation


async def make_guest_member(
    session: AsyncSession, actor: Actor | None, settings: Settings, data: MakeGuestMemberInput
) -> Meeting:
    """A guest joins the network through the network's own write (its rules, its event)."""
    invitation, meeting, facts = await _invitation_for(
        session, actor, data.invitation_id, action=MeetingAction.MAKE_GUEST_MEMBER
    )
    assert actor is not None
    _require(actor, MeetingAction.MAKE_GUEST_MEMBER, facts, meeting)
    if not invitation.guest:
        fail(ErrorCode.INVALID, "invitationId", _NOT_A_GUEST)
    if invitation.withdrawn_at is not None:
        # E.g. after the guardians objected: a withdrawn guest is not made a member here.
        fail(ErrorCode.INVALID, "invitationId", _ALREADY_WITHDRAWN)
    if data.role in (NetworkRole.COORDINATOR, NetworkRole.GUARDIAN, NetworkRole.CHILD):
        fail(ErrorCode.INVALID, "role")
    member = await network.add_member(
        session,
        actor,
        settings,
        AddNetworkMemberInput(
            child_id=str(meeting.child_id),  # type: ignore[arg-type]
            role=data.role,
            person_id=str(invitation.person_id),  # type: ignore[arg-type]
            service_id=str(invitation.guest_service_id)  # type: ignore[arg-type]
            if invitation.guest_service_id
            else None,
        ),
    )
    await _record_invitation(
        session,
        actor,
        "meeting.guest_made_member",
        meeting,
        invitation,
        memberId=str(member.id) if member is not None else None,
    )
    return meeting


# ---- Agenda ---------------------------------------------------------------------------------


async def propose_agenda_item(
    session: AsyncSession, actor: Actor | None, data: ProposeAgendaItemInput
) -> Meeting:
    meeting, _ = await _meeting_for(
        session,
        actor,
        data.meeting_id,
        action=MeetingAction.PROPOSE_AGENDA_ITEM,
    )
    assert actor is not None
    _scheduled(meeting)
    errors = Collector()
    title = _line(errors, "title", data.title, TITLE_MAX, required=True)
    detail = _free(errors, "detail", data.detail, DETAIL_MAX)
    errors.raise_if_any()
    assert title is not None
    count, last = (
        await session.execute(
            sa.select(func.count(), func.max(AgendaItem.position)).where(
                col(AgendaItem.meeting_id) == meeting.id, col(AgendaItem.withdrawn_at).is_(None)
            )
        )
    ).one()
    if count >= AGENDA_MAX:
        fail(ErrorCode.TOO_MANY, "meetingId")
    item = AgendaItem(
        meeting_id=meeting.id,
        child_id=meeting.child_id,
        title=title,
        detail=detail,
        position=(last + 1) if last is not None else 0,
        proposed_by_person_id=actor.person_id,
        proposed_by_name=actor.name,
    )
    session.add(item)
    await _record(
        session, actor, "meeting.agenda_item_proposed", meeting, agendaItemId=str(item.id)
    )
    return meeting


# ---- Minutes --------------------------------------------------------------------------------


async def _minutes(session: AsyncSession, meeting: Meeting) -> Minutes:
    """The meeting's minutes, locked: a close and a live update never interleave."""
    locked = select(Minutes).where(Minutes.meeting_id == meeting.id).with_for_update()
    minutes = (await session.exec(locked)).first()
    if minutes is None:
        minutes = Minutes(meeting_id=meeting.id, child_id=meeting.child_id)
        session.add(minutes)
        await session.flush()
    return minutes


async def close_minutes(
    session: AsyncSession, actor: Actor | None, data: CloseMinutesInput
) -> Meeting:
    """Freeze the minutes as the next version; the first close records that the meeting was
    held (the pathway's first network meeting listens)."""
    from backend.meeting import crdt

    meeting, _ = await _meeting_for(
        session, actor, data.meeting_id, action=MeetingAction.CLOSE_MINUTES
    )
    assert actor is not None
    if meeting.status == MeetingStatus.CANCELLED.value:
        fail(ErrorCode.MEETING_CANCELLED, "meetingId")
    now = utcnow()
    if now < meeting.starts_at:
        fail(ErrorCode.INVALID, "meetingId", _NOT_STARTED)
    minutes = await _minutes(session, meeting)
    if minutes.state == MinutesState.CLOSED.value:
        fail(ErrorCode.MINUTES_CLOSED, "meetingId")
    agenda = (
        await session.exec(
            select(AgendaItem.id)
            .where(AgendaItem.meeting_id == meeting.id, col(AgendaItem.withdrawn_at).is_(None))
            .order_by(col(AgendaItem.position), col(AgendaItem.created_at))
        )
    ).all()
    content = await crdt.snapshot(session, meeting.id, list(agenda))
    state = await crdt.document_state(session, meeting.id)
    number = minutes.current_version + 1
    session.add(
        MinutesVersion(
            meeting_id=meeting.id,
            child_id=meeting.child_id,
            number=number,
            content=content,
            state=state,
            closed_by_person_id=actor.person_id,
            closed_by_name=actor.name,
            closed_at=now,
        )
    )
    minutes.state = MinutesState.CLOSED.value
    minutes.current_version = number
    minutes.closed_at = now
    minutes.closed_by_person_id = actor.person_id
    minutes.version += 1
    session.add(minutes)
    first = meeting.held_at is None
    if first:
        meeting.held_at = now
        meeting.status = MeetingStatus.HELD.value
        meeting.version += 1
        session.add(meeting)
    await _record(session, actor, "meeting.minutes_closed", meeting, versionNumber=number)
    if first:
        await _record(
            session,
            actor,
            "meeting.held",
            meeting,
            heldOn=logic.local_iso(meeting.starts_at)[:10],
        )
    return meeting


async def reopen_minutes(
    session: AsyncSession, actor: Actor | None, data: ReopenMinutesInput
) -> Meeting:
    meeting, _ = await _meeting_for(
        session, actor, data.meeting_id, action=MeetingAction.CLOSE_MINUTES
    )
    assert actor is not None
    if meeting.status == MeetingStatus.CANCELLED.value:
        fail(ErrorCode.MEETING_CANCELLED, "meetingId")
    minutes = await _minutes(session, meeting)
    if minutes.state != MinutesState.CLOSED.value:
        fail(ErrorCode.MINUTES_NOT_CLOSED, "meetingId")
    minutes.state = MinutesState.OPEN.value
    minutes.version += 1
    session.add(minutes)
    await _record(
        session, actor, "meeting.minutes_reopened", meeting, versionNumber=minutes.current_version
    )
    return meeting


async def confirm_minutes(
    session: AsyncSession, actor: Actor | None, data: ConfirmMinutesInput
) -> Meeting:
    meeting, _ = await _meeting_for(
        session,
        actor,
        data.meeting_id,
        action=MeetingAction.CONFIRM_MINUTES,
    )
    assert actor is not None
    minutes = await _minutes(session, meeting)
    if minutes.current_version == 0:
        fail(ErrorCode.MINUTES_NOT_CLOSED, "meetingId")
    version = (
        await session.exec(
            select(MinutesVersion).where(
                MinutesVersion.meeting_id == meeting.id,
                MinutesVersion.number == data.version_number,
            )
        )
    ).first()
    if version is None:
        fail(ErrorCode.NOT_FOUND, "versionNumber")
    assert version is not None
    errors = Collector()
    comment = _free(errors, "comment", data.comment, COMMENT_MAX)
    if not data.confirmed and comment is None and not errors.errors:
        errors.add(ErrorCode.REQUIRED, "comment", _COMMENT_WHEN_NOT_CONFIRMED)
    errors.raise_if_any()
    found = (
        await session.exec(
            select(MinutesConfirmation).where(
                MinutesConfirmation.version_id == version.id,
                MinutesConfirmation.person_id == actor.person_id,
            )
        )
    ).first()
    if found is None:
        found = MinutesConfirmation(
            version_id=version.id,
            meeting_id=meeting.id,
            child_id=meeting.child_id,
            person_id=actor.person_id,
            person_name=actor.name,
            confirmed=data.confirmed,
            comment=comment,
        )
    else:
        found.confirmed = data.confirmed
        found.comment = comment
        found.created_at = utcnow()
    session.add(found)
    await _record(
        session,
        actor,
        "meeting.minutes_confirmed",
        meeting,
        versionNumber=version.number,
        confirmed=data.confirmed,
    )
    return meeting


# ---- Action items ---------------------------------------------------------------------------


async def agree_action_item(
    session: AsyncSession, actor: Actor | None, data: AgreeActionItemInput
) -> ActionItem:
    """An action item agreed in the meeting becomes a plan task or measure at once, through
    the plan's own write (its rules, events and live updates)."""
    meeting, facts = await _meeting_for(
        session,
        actor,
        data.meeting_id,
        action=MeetingAction.AGREE_ACTION_ITEM,
    )
    assert actor is not None
    if meeting.status == MeetingStatus.CANCELLED.value:
        fail(ErrorCode.MEETING_CANCELLED, "meetingId")
    errors = Collector()
    title = _line(errors, "title", data.title, TITLE_MAX, required=True)
    if data.due_on < today():
        errors.add(ErrorCode.INVALID_DATE, "dueOn", _DUE_IN_PAST)
    agenda_item_id = None
    if data.agenda_item_id is not None:
        agenda_item_id = uuid_or_none(data.agenda_item_id)
        item = await session.get(AgendaItem, agenda_item_id) if agenda_item_id else None
        if item is None or item.meeting_id != meeting.id:
            errors.add(ErrorCode.NOT_FOUND, "agendaItemId")
    owners = await _members(
        session,
        errors,
        actor,
        facts.child,
        meeting.child_id,
        [data.owner_member_id],
        "ownerMemberId",
    )
    errors.raise_if_any()
    assert title is not None and owners
    owner = owners[0]
    plan = (
        await session.exec(
            select(Plan).where(Plan.child_id == meeting.child_id, col(Plan.ended_at).is_(None))
        )
    ).first()
    if plan is None:
        fail(ErrorCode.PLAN_REQUIRED, "meetingId")
    assert plan is not None
    task_id = measure_id = None
    if data.kind is ActionItemKind.TASK:
        written = await plan_service.add_task(
            session,
            actor,
            AddTaskInput(
                plan_id=str(plan.id),  # type: ignore[arg-type]
                title=title,
                assignee_member_id=str(owner.id),  # type: ignore[arg-type]
                due_on=data.due_on,
            ),
        )
        task_id = written.entity_id
    else:
        written = await plan_service.add_measure(
            session,
            actor,
            AddMeasureInput(
                plan_id=str(plan.id),  # type: ignore[arg-type]
                title=title,
                provision=MeasureProvision.IN_HOUSE,
                responsible_member_id=str(owner.id),  # type: ignore[arg-type]
                starts_on=data.due_on,
                need_ids=list(data.need_ids),
                goal_ids=list(data.goal_ids),
            ),
        )
        measure_id = written.entity_id
    row = ActionItem(
        meeting_id=meeting.id,
        agenda_item_id=agenda_item_id,
        child_id=meeting.child_id,
        kind=data.kind.value,
        title=title,
        owner_member_id=owner.id,
        due_on=data.due_on,
        task_id=task_id,
        measure_id=measure_id,
        created_by_person_id=actor.person_id,
    )
    session.add(row)
    await _record(
        session,
        actor,
        "meeting.action_item_agreed",
        meeting,
        entity_type=ACTION_ITEM_ENTITY,
        entity_id=row.id,
        actionItemId=str(row.id),
        ownerPersonId=str(owner.person_id),
        itemKind=data.kind.value,
        dueOn=data.due_on.isoformat(),
    )
    return row
