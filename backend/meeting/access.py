"""Who may do what with a meeting: asked of the Cedar policies (policies/meeting.cedar) on
the facts of one meeting (resource `Meeting`, context `MeetingFacts`).

The facts come from the child's network (`backend.authz.access.load_facts`: the caller's
active roles, parental responsibility, the child's age) and from the caller's own invitation
to the meeting. A guest (gjest) is a specialist outside the network invited to one meeting:
the policies know them by the role "meetingGuest", only until `Invitation.access_until`.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.authz import cedar
from backend.authz.access import load_facts
from backend.authz.policy import Category, ChildFacts
from backend.consent.models import Consent
from backend.core.clock import today
from backend.core.database import utcnow
from backend.identity.actor import Actor
from backend.meeting.models import Invitation, Meeting, MeetingStatus, Minutes, MinutesState

GUEST_ROLE = "meetingGuest"


class MeetingAction(enum.Enum):
    VIEW = "viewMeeting"
    SCHEDULE = "scheduleMeeting"
    EDIT = "editMeeting"
    CANCEL = "cancelMeeting"
    INVITE = "inviteToMeeting"
    PROPOSE_AGENDA_ITEM = "proposeAgendaItem"
    ANSWER_INVITATION = "answerInvitation"
    OBJECT_TO_GUEST = "objectToGuest"
    WRITE_MINUTES = "writeMinutes"
    CLOSE_MINUTES = "closeMinutes"
    CONFIRM_MINUTES = "confirmMinutes"
    AGREE_ACTION_ITEM = "agreeActionItem"
    MAKE_GUEST_MEMBER = "makeGuestMember"
    READ_PLAN_PART = "readMeetingPlanPart"


@dataclass(frozen=True)
class MeetingFacts:
    """What the policies know about one caller and one meeting (hashable: decisions cache).

    `child` is the gate's facts about the meeting's child (for the field rules: the place,
    names); the rest is the meeting's own state and the caller's invitation."""

    meeting_id: uuid.UUID
    child: ChildFacts
    is_organizer: bool
    # The caller's own invitation, if any (withdrawn ones too: `invited` says whether it counts).
    invitation_id: uuid.UUID | None
    invited: bool
    guest: bool
    guest_window_open: bool
    guest_access_until: dt.datetime | None
    guest_service_id: uuid.UUID | None
    # For a guest: the categories the family consented to for the guest's organisation.
    guest_consented_categories: frozenset[str]
    child_takes_part: bool
    cancelled: bool
    started: bool
    minutes_open: bool

    @property
    def child_id(self) -> uuid.UUID:
        return self.child.child_id

    @property
    def roles(self) -> frozenset[str]:
        """The caller's network roles, and "meetingGuest" for an invited guest."""
        return self.child.roles | {GUEST_ROLE} if self.guest else self.child.roles

    @property
    def viewer_is_guest(self) -> bool:
        """A guest with no role in the network (one made a member reads as a member)."""
        return self.guest and not self.child.roles

    def cedar_key(self) -> tuple[object, ...]:
        return (
            tuple(sorted(self.roles)),
            self.child.has_parental_responsibility,
            self.child.child_age,
            self.is_organizer,
            self.invited,
            self.guest_window_open,
            self.child_takes_part,
            self.cancelled,
            self.started,
            self.minutes_open,
            tuple(sorted(self.guest_consented_categories)),
        )


def child_facts_only(child: ChildFacts) -> MeetingFacts:
    """The facts of a meeting not yet scheduled (for scheduleMeeting): the network's alone."""
    return MeetingFacts(
        meeting_id=uuid.UUID(int=0),
        child=child,
        is_organizer=False,
        invitation_id=None,
        invited=False,
        guest=False,
        guest_window_open=False,
        guest_access_until=None,
        guest_service_id=None,
        guest_consented_categories=frozenset(),
        child_takes_part=False,
        cancelled=False,
        started=False,
        minutes_open=True,
    )


def decide(
    actor: Actor,
    action: MeetingAction,
    facts: MeetingFacts,
    category: Category | None = None,
) -> bool:
    """One question about one meeting; `category` is the plan part's (READ_PLAN_PART)."""
    return _decide(
        actor.kind.value,
        actor.municipality_id is not None,
        action.value,
        facts.cedar_key(),
        (category or Category.BASIC).value,
    )


@lru_cache(maxsize=8192)
def _decide(
    kind: str, employed_by_kommune: bool, action: str, key: tuple[object, ...], category: str
) -> bool:
    # The policies never name a person or a meeting: equal facts share one evaluation.
    (
        roles,
        parental,
        age,
        organizer,
        invited,
        window,
        takes_part,
        cancelled,
        started,
        minutes_open,
        consented,
    ) = key
    return cedar.decide(
        principal_id="caller",
        principal_kind=kind,
        employed_by_kommune=employed_by_kommune,
        action=action,
        resource_kind="Meeting",
        resource_id="meeting",
        context={
            "roles": list(roles),  # type: ignore[call-overload]
            "hasParentalResponsibility": parental,
            "childAge": age,
            "isOrganizer": organizer,
            "invited": invited,
            "guestWindowOpen": window,
            "childTakesPart": takes_part,
            "cancelled": cancelled,
            "started": started,
            "minutesOpen": minutes_open,
            "consentedCategories": list(consented),  # type: ignore[call-overload]
            "category": category,
        },
    )


def _ids(name: str, values: list[uuid.UUID], column: sa.ColumnElement[uuid.UUID]) -> object:
    return sa.bindparam(name, values, expanding=True, type_=column.type)


async def meetings_facts(
    session: AsyncSession,
    actor: Actor,
    meetings: Sequence[Meeting],
    *,
    network: Mapping[uuid.UUID, ChildFacts] | None = None,
    now: dt.datetime | None = None,
) -> dict[uuid.UUID, MeetingFacts]:
    """Facts for one caller and many meetings: a fixed number of statements (the network's
    facts, the caller's invitations and the minutes' states; the guest's consents if any).
    `network`: the network's facts when the caller has them already (the request's gate)."""
    if not meetings:
        return {}
    now = now or utcnow()
    meeting_ids = [m.id for m in meetings]
    child_ids = list(dict.fromkeys(m.child_id for m in meetings))
    known = dict(network or {})
    missing = [c for c in child_ids if c not in known]
    if missing:
        known.update(await load_facts(session, actor, missing))
    inv = Invitation.__table__.c  # type: ignore[attr-defined]
    invitations = {
        row.meeting_id: row
        for row in (
            await session.execute(
                sa.select(
                    inv.id,
                    inv.meeting_id,
                    inv.guest,
                    inv.guest_service_id,
                    inv.access_until,
                    inv.withdrawn_at,
                ).where(
                    inv.meeting_id.in_(_ids("meetings", meeting_ids, inv.meeting_id)),
                    inv.person_id == actor.person_id,
                )
            )
        ).all()
    }
    mins = Minutes.__table__.c  # type: ignore[attr-defined]
    states = {
        row.meeting_id: row.state
        for row in (
            await session.execute(
                sa.select(mins.meeting_id, mins.state).where(
                    mins.meeting_id.in_(_ids("minutes", meeting_ids, mins.meeting_id))
                )
            )
        ).all()
    }
    guest_services = {
        (m.child_id, invitations[m.id].guest_service_id)
        for m in meetings
        if m.id in invitations
        and invitations[m.id].guest
        and invitations[m.id].guest_service_id is not None
    }
    consented: dict[tuple[uuid.UUID, uuid.UUID], set[str]] = {}
    if guest_services:
        con = Consent.__table__.c  # type: ignore[attr-defined]
        day = today()
        rows = (
            await session.execute(
                sa.select(
                    con.child_id, con.service_id, con.category, con.valid_from, con.valid_to
                ).where(
                    con.child_id.in_(
                        _ids("consent_children", [c for c, _ in guest_services], con.child_id)
                    ),
                    con.service_id.in_(
                        _ids("consent_services", [s for _, s in guest_services], con.service_id)
                    ),
                    con.withdrawn_at.is_(None),
                )
            )
        ).all()
        for row in rows:
            if row.valid_from <= day and (row.valid_to is None or day <= row.valid_to):
                consented.setdefault((row.child_id, row.service_id), set()).add(row.category)
    found: dict[uuid.UUID, MeetingFacts] = {}
    for meeting in meetings:
        invitation = invitations.get(meeting.id)
        guest = bool(invitation is not None and invitation.guest)
        until = invitation.access_until if guest and invitation is not None else None
        service_id = invitation.guest_service_id if guest and invitation is not None else None
        found[meeting.id] = MeetingFacts(
            meeting_id=meeting.id,
            child=known[meeting.child_id],
            is_organizer=meeting.organizer_person_id == actor.person_id,
            invitation_id=invitation.id if invitation is not None else None,
            invited=invitation is not None and invitation.withdrawn_at is None,
            guest=guest,
            guest_window_open=guest and until is not None and now <= until,
            guest_access_until=until,
            guest_service_id=service_id,
            guest_consented_categories=frozenset(
                consented.get((meeting.child_id, service_id), set()) if service_id else set()
            ),
            child_takes_part=meeting.child_takes_part,
            cancelled=meeting.status == MeetingStatus.CANCELLED.value,
            started=now >= meeting.starts_at,
            minutes_open=states.get(meeting.id, MinutesState.OPEN.value) == MinutesState.OPEN.value,
        )
    return found


async def meeting_facts(session: AsyncSession, actor: Actor, meeting: Meeting) -> MeetingFacts:
    """The caller's facts about one meeting (a few statements)."""
    return (await meetings_facts(session, actor, [meeting]))[meeting.id]
