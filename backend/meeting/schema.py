"""The meetings' queries and mutations. Resolvers stay thin: the service writes, the types
build the answer as the caller may see it now. The calendar feed's fields are the calendar's
(backend/meeting/calendar_schema.py)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa
import strawberry
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.api.common import PageInfo, encode_cursor, page_args, parse_id
from backend.api.context import Info
from backend.api.writes import run_write
from backend.audit import purposes
from backend.authz.policy import Action
from backend.children.models import Child as ChildRow
from backend.core.database import utcnow
from backend.core.errors import UserErrors
from backend.meeting import service
from backend.meeting.access import MeetingAction, child_facts_only, decide
from backend.meeting.calendar_schema import CalendarMutation, CalendarQuery
from backend.meeting.inputs import (
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
from backend.meeting.models import Invitation as InvitationRow
from backend.meeting.models import Meeting as MeetingRow
from backend.meeting.types import (
    WHAT,
    ActionItemPayload,
    InvitationPayload,
    Meeting,
    MeetingConnection,
    MeetingEdge,
    MeetingPayload,
    action_item_by_id,
    invitation_by_id,
    meeting_by_id,
    meeting_views,
)

EMPTY = MeetingConnection(edges=[], page_info=PageInfo(has_next_page=False, end_cursor=None))


async def _page(
    info: Info, query: Any, past: bool, first: int | None, after: str | None
) -> MeetingConnection:
    """One page of meetings by start (newest first when past), keyed on (start, id)."""
    limit, after_id = page_args(first, after, info.context.language)
    now = utcnow()
    order: tuple[Any, ...]
    if past:
        query = query.where(col(MeetingRow.ends_at) <= now)
        order = (col(MeetingRow.starts_at).desc(), col(MeetingRow.id).desc())
    else:
        query = query.where(col(MeetingRow.ends_at) > now)
        order = (col(MeetingRow.starts_at), col(MeetingRow.id))
    async with info.context.reads.session() as session:
        if after_id is not None:
            mark = (
                await session.execute(
                    sa.select(col(MeetingRow.starts_at)).where(col(MeetingRow.id) == after_id)
                )
            ).scalar_one_or_none()
            if mark is not None:
                start, row_id = col(MeetingRow.starts_at), col(MeetingRow.id)
                if past:
                    query = query.where(
                        sa.or_(start < mark, sa.and_(start == mark, row_id < after_id))
                    )
                else:
                    query = query.where(
                        sa.or_(start > mark, sa.and_(start == mark, row_id > after_id))
                    )
        rows = list((await session.exec(query.order_by(*order).limit(limit + 1))).all())
    page = rows[:limit]
    views = await meeting_views(info, page, quiet=True)
    return MeetingConnection(
        edges=[MeetingEdge(cursor=encode_cursor(m.row.id), node=m) for m in views],
        page_info=PageInfo(
            has_next_page=len(rows) > limit,
            end_cursor=encode_cursor(page[-1].id) if page else None,
        ),
    )


@strawberry.type
class MeetingQuery(CalendarQuery):
    @strawberry.field(description="One meeting, if you may see it.")
    async def meeting(self, info: Info, id: strawberry.ID) -> Meeting | None:
        try:
            meeting_id = parse_id(id, "id")
        except UserErrors:
            return None
        return await meeting_by_id(info, meeting_id)

    @strawberry.field(
        description="The caller's meetings (organizer or invited, not withdrawn), by start; "
        "upcoming only unless past is true."
    )
    async def my_meetings(
        self,
        info: Info,
        past: bool = False,
        first: int | None = 50,
        after: str | None = None,
    ) -> MeetingConnection:
        actor = info.context.actor
        if actor is None:
            return EMPTY
        invited = select(InvitationRow.meeting_id).where(
            InvitationRow.person_id == actor.person_id,
            col(InvitationRow.withdrawn_at).is_(None),
        )
        query = select(MeetingRow).where(
            sa.or_(
                col(MeetingRow.organizer_person_id) == actor.person_id,
                col(MeetingRow.id).in_(invited),
            )
        )
        return await _page(info, query, past, first, after)

    @strawberry.field(
        description="One child's meetings the caller may view, by start (newest first when past)."
    )
    async def child_meetings(
        self,
        info: Info,
        child_id: strawberry.ID,
        past: bool = False,
        first: int | None = 50,
        after: str | None = None,
    ) -> MeetingConnection:
        try:
            child = parse_id(child_id, "childId")
        except UserErrors:
            return EMPTY
        gate = info.context.gate
        facts = await gate.facts(child)
        if facts is None or not gate.decide(facts, Action.VIEW_CHILD):
            # Someone outside the network asked about a child: a probe, in its log if real.
            async with info.context.reads.session() as session:
                if await session.get(ChildRow, child) is not None:
                    gate.note_refused(child, WHAT)
            return EMPTY
        query = select(MeetingRow).where(col(MeetingRow.child_id) == child)
        return await _page(info, query, past, first, after)

    @strawberry.field(
        description="The language the child's record says the family needs an interpreter "
        "for (to suggest it), for the coordinator."
    )
    async def suggested_interpreter_language(
        self, info: Info, child_id: strawberry.ID
    ) -> str | None:
        actor = info.context.actor
        try:
            child = parse_id(child_id, "childId")
        except UserErrors:
            return None
        gate = info.context.gate
        facts = await gate.facts(child)
        if actor is None or facts is None:
            return None
        if not decide(actor, MeetingAction.SCHEDULE, child_facts_only(facts)):
            gate.note_refused(child, WHAT)
            return None
        async with info.context.reads.session() as session:
            row = await session.get(ChildRow, child)
        if row is None:
            return None
        gate.note_read(child, "basic")
        return row.interpreter_language


WriteAction = Callable[[AsyncSession], Awaitable[Any]]


async def _meeting(info: Info, action: WriteAction) -> MeetingPayload:
    row, errors = await run_write(info, action)
    meeting_id: uuid.UUID | None = row.id if row is not None else None
    return MeetingPayload(meeting=await meeting_by_id(info, meeting_id), errors=errors)


async def _invitation(info: Info, action: WriteAction) -> InvitationPayload:
    row, errors = await run_write(info, action)
    invitation_id: uuid.UUID | None = row.id if row is not None else None
    return InvitationPayload(invitation=await invitation_by_id(info, invitation_id), errors=errors)


@strawberry.type
class MeetingMutation(CalendarMutation):
    @strawberry.mutation(description="Schedule a meeting of the child's network (the coordinator).")
    async def schedule_meeting(self, info: Info, input: ScheduleMeetingInput) -> MeetingPayload:
        actor = info.context.actor
        return await _meeting(info, lambda s: service.schedule(s, actor, input))

    @strawberry.mutation(description="Change a meeting; omitted fields stay.")
    async def update_meeting(self, info: Info, input: UpdateMeetingInput) -> MeetingPayload:
        actor = info.context.actor
        return await _meeting(info, lambda s: service.update(s, actor, input))

    @strawberry.mutation(description="Cancel a meeting, with a reason everyone invited is told.")
    async def cancel_meeting(self, info: Info, input: CancelMeetingInput) -> MeetingPayload:
        actor = info.context.actor
        return await _meeting(info, lambda s: service.cancel(s, actor, input))

    @strawberry.mutation(description="Invite members of the network.")
    async def invite_members(self, info: Info, input: InviteMembersInput) -> MeetingPayload:
        actor = info.context.actor
        return await _meeting(info, lambda s: service.invite_members(s, actor, input))

    @strawberry.mutation(
        description="Invite a specialist outside the network to this meeting only (find them "
        "with staffDirectory)."
    )
    async def invite_guest(self, info: Info, input: InviteGuestInput) -> MeetingPayload:
        actor = info.context.actor
        return await _meeting(info, lambda s: service.invite_guest(s, actor, input))

    @strawberry.mutation(description="Withdraw an invitation (e.g. after an objection).")
    async def withdraw_invitation(
        self, info: Info, input: WithdrawInvitationInput
    ) -> MeetingPayload:
        actor = info.context.actor
        return await _meeting(info, lambda s: service.withdraw_invitation(s, actor, input))

    @strawberry.mutation(description="Answer your own invitation: yes, no or maybe.")
    async def answer_invitation(
        self, info: Info, input: AnswerInvitationInput
    ) -> InvitationPayload:
        actor = info.context.actor
        return await _invitation(info, lambda s: service.answer_invitation(s, actor, input))

    @strawberry.mutation(description="Object to a guest before the meeting (the guardians).")
    async def object_to_guest(self, info: Info, input: ObjectToGuestInput) -> InvitationPayload:
        actor = info.context.actor
        return await _invitation(info, lambda s: service.object_to_guest(s, actor, input))

    @strawberry.mutation(description="Make a guest a member of the network after the meeting.")
    async def make_guest_member(self, info: Info, input: MakeGuestMemberInput) -> MeetingPayload:
        ctx = info.context
        return await _meeting(
            info, lambda s: service.make_guest_member(s, ctx.actor, ctx.settings, input)
        )

    @strawberry.mutation(
        description="Propose an item for the agenda (any member, the guardians too)."
    )
    async def propose_agenda_item(
        self, info: Info, input: ProposeAgendaItemInput
    ) -> MeetingPayload:
        actor = info.context.actor
        return await _meeting(info, lambda s: service.propose_agenda_item(s, actor, input))

    @strawberry.mutation(description="Close the minutes: they are frozen as the next version.")
    async def close_minutes(self, info: Info, input: CloseMinutesInput) -> MeetingPayload:
        actor = info.context.actor
        return await _meeting(info, lambda s: service.close_minutes(s, actor, input))

    @strawberry.mutation(
        description="Open the minutes again to correct them; the next close freezes a new version."
    )
    async def reopen_minutes(self, info: Info, input: ReopenMinutesInput) -> MeetingPayload:
        actor = info.context.actor
        return await _meeting(info, lambda s: service.reopen_minutes(s, actor, input))

    @strawberry.mutation(description="Confirm a version of the minutes, or comment on it.")
    async def confirm_minutes(self, info: Info, input: ConfirmMinutesInput) -> MeetingPayload:
        actor = info.context.actor
        return await _meeting(info, lambda s: service.confirm_minutes(s, actor, input))

    @strawberry.mutation(
        description="Record an action item agreed in the meeting: it becomes a plan task or "
        "measure with its owner and due date at once."
    )
    async def agree_action_item(self, info: Info, input: AgreeActionItemInput) -> ActionItemPayload:
        actor = info.context.actor
        row, errors = await run_write(info, lambda s: service.agree_action_item(s, actor, input))
        return ActionItemPayload(
            action_item=await action_item_by_id(info, row.id if row is not None else None),
            errors=errors,
        )


purposes.register(
    {
        name: purposes.Purpose.MEETING
        for name in (
            "meeting",
            "myMeetings",
            "childMeetings",
            "suggestedInterpreterLanguage",
            "scheduleMeeting",
            "updateMeeting",
            "cancelMeeting",
            "inviteMembers",
            "inviteGuest",
            "withdrawInvitation",
            "answerInvitation",
            "objectToGuest",
            "makeGuestMember",
            "proposeAgendaItem",
            "closeMinutes",
            "reopenMinutes",
            "confirmMinutes",
            "agreeActionItem",
        )
    }
)
