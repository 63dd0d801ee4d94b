"""The meetings' GraphQL inputs and enums (the contract's names are binding).

Every list and text carries its cap here, so an over-long input is refused before any work
(backend/api/input_caps.py); the service checks the same limits again for other callers.
"""

from __future__ import annotations

import datetime as dt

import strawberry

from backend.api.input_caps import cap
from backend.meeting.models import ActionItemKind, InvitationAnswer, MeetingStatus, MinutesState
from backend.network.models import NetworkRole

TITLE_MAX = 200
PURPOSE_MAX = 2000
PLACE_MAX = 300
VIDEO_URL_MAX = 500
DETAIL_MAX = 2000
AGENDA_MAX = 30
INVITE_MAX = 50
COMMENT_MAX = 1000
REASON_MAX = 2000
LANGUAGE_MAX = 8
# The needs or goals a measure agreed in a meeting names (as the plan caps its links).
LINKS_MAX = 50
# A meeting lasts at most 12 hours and is scheduled at most 2 years ahead.
LONGEST = dt.timedelta(hours=12)
FURTHEST_AHEAD = dt.timedelta(days=2 * 366)
# A guest reads the meeting for 1 to 720 hours after its end (default 72).
GUEST_HOURS_MIN = 1
GUEST_HOURS_MAX = 720
GUEST_HOURS_DEFAULT = 72

strawberry.enum(MeetingStatus, name="MeetingStatus")
strawberry.enum(InvitationAnswer, name="InvitationAnswer")
strawberry.enum(MinutesState, name="MinutesState")
strawberry.enum(ActionItemKind, name="ActionItemKind")


@strawberry.input
class AgendaItemInput:
    title: str = strawberry.field(metadata=cap(length=TITLE_MAX))
    detail: str | None = strawberry.field(default=None, metadata=cap(length=DETAIL_MAX))


@strawberry.input
class ScheduleMeetingInput:
    child_id: strawberry.ID
    title: str = strawberry.field(metadata=cap(length=TITLE_MAX))
    starts_at: dt.datetime
    ends_at: dt.datetime
    purpose: str | None = strawberry.field(default=None, metadata=cap(length=PURPOSE_MAX))
    place: str | None = strawberry.field(default=None, metadata=cap(length=PLACE_MAX))
    video_url: str | None = strawberry.field(default=None, metadata=cap(length=VIDEO_URL_MAX))
    place_protected: bool | None = strawberry.field(
        default=None,
        description="Show the place only to those who may read where the child lives (others "
        "see 'agreed place'). Not given: protected when the child's address is protected.",
    )
    child_takes_part: bool = False
    interpreter_language: str | None = strawberry.field(
        default=None, metadata=cap(length=LANGUAGE_MAX)
    )
    invite_member_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        metadata=cap(items=INVITE_MAX),
        description="Network memberships to invite (the organizer is always invited).",
    )
    agenda: list[AgendaItemInput] = strawberry.field(
        default_factory=list, metadata=cap(items=AGENDA_MAX)
    )


@strawberry.input
class UpdateMeetingInput:
    meeting_id: strawberry.ID
    version: int
    title: str | None = strawberry.field(default=None, metadata=cap(length=TITLE_MAX))
    purpose: str | None = strawberry.field(default=None, metadata=cap(length=PURPOSE_MAX))
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    place: str | None = strawberry.field(default=None, metadata=cap(length=PLACE_MAX))
    video_url: str | None = strawberry.field(default=None, metadata=cap(length=VIDEO_URL_MAX))
    place_protected: bool | None = None
    child_takes_part: bool | None = None
    interpreter_language: str | None = strawberry.field(
        default=None, metadata=cap(length=LANGUAGE_MAX)
    )


@strawberry.input
class CancelMeetingInput:
    meeting_id: strawberry.ID
    version: int
    reason: str = strawberry.field(metadata=cap(length=COMMENT_MAX))


@strawberry.input
class InviteMembersInput:
    meeting_id: strawberry.ID
    member_ids: list[strawberry.ID] = strawberry.field(metadata=cap(items=INVITE_MAX))


@strawberry.input
class InviteGuestInput:
    meeting_id: strawberry.ID
    person_id: strawberry.ID
    access_hours_after: int = strawberry.field(
        default=GUEST_HOURS_DEFAULT,
        description="Hours after the meeting's end the guest may still read it "
        f"({GUEST_HOURS_MIN}..{GUEST_HOURS_MAX}, default {GUEST_HOURS_DEFAULT}).",
    )


@strawberry.input
class WithdrawInvitationInput:
    invitation_id: strawberry.ID
    version: int


@strawberry.input
class AnswerInvitationInput:
    invitation_id: strawberry.ID
    version: int
    answer: InvitationAnswer
    comment: str | None = strawberry.field(default=None, metadata=cap(length=COMMENT_MAX))


@strawberry.input
class ObjectToGuestInput:
    invitation_id: strawberry.ID
    reason: str = strawberry.field(metadata=cap(length=REASON_MAX))


@strawberry.input
class MakeGuestMemberInput:
    invitation_id: strawberry.ID
    role: NetworkRole = strawberry.field(
        default=NetworkRole.SPECIALIST, description="the network role for the new membership"
    )


@strawberry.input
class ProposeAgendaItemInput:
    meeting_id: strawberry.ID
    title: str = strawberry.field(metadata=cap(length=TITLE_MAX))
    detail: str | None = strawberry.field(default=None, metadata=cap(length=DETAIL_MAX))


@strawberry.input
class CloseMinutesInput:
    meeting_id: strawberry.ID


@strawberry.input(
    description="The coordinator corrects after comments: the next close freezes version n+1."
)
class ReopenMinutesInput:
    meeting_id: strawberry.ID


@strawberry.input
class ConfirmMinutesInput:
    meeting_id: strawberry.ID
    version_number: int
    confirmed: bool
    comment: str | None = strawberry.field(default=None, metadata=cap(length=COMMENT_MAX))


@strawberry.input
class AgreeActionItemInput:
    meeting_id: strawberry.ID
    kind: ActionItemKind
    title: str = strawberry.field(metadata=cap(length=TITLE_MAX))
    owner_member_id: strawberry.ID
    due_on: dt.date
    agenda_item_id: strawberry.ID | None = None
    need_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        metadata=cap(items=LINKS_MAX),
        description="MEASURE: the needs it serves (a measure names a need or a goal).",
    )
    goal_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        metadata=cap(items=LINKS_MAX),
        description="MEASURE: the goals it serves.",
    )
