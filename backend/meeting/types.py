"""The meetings' GraphQL types, built as the caller may see them now.

A meeting is read by those the policies let view it (policies/meeting.cedar): everyone else
gets null, as for a meeting that exists nowhere. Each meeting's decision is made once, when
it is built (`meeting_views`), from facts loaded in a fixed number of statements however
many meetings are read; every nested list is one batch per table. Every read, and every
refusal, is noted for the child's access log ("meeting"); a guest is logged with the role
"meetingGuest". The protected place never leaves here except to readers of where the child
lives (never a guest).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
import weakref
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import strawberry
from sqlmodel import col, select

from backend.api.common import PageInfo, UserError
from backend.api.context import Info
from backend.api.loaders import Loaders
from backend.authz.access import (
    may_know_membership,
    person_categories,
    service_categories,
)
from backend.authz.policy import Category, ChildFacts
from backend.catalogue.models import LifeArea
from backend.children.models import Child as ChildRow
from backend.consent.types import WHAT_IN_WORDS
from backend.core.database import Reads, utcnow
from backend.core.i18n import Text, pick
from backend.core.loaders import DataLoader
from backend.events.registry import EventEntity
from backend.identity.models import Person as PersonRow
from backend.meeting import logic
from backend.meeting.access import GUEST_ROLE, MeetingAction, MeetingFacts, decide, meetings_facts
from backend.meeting.inputs import (
    ActionItemKind,
    InvitationAnswer,
    MeetingStatus,
    MinutesState,
)
from backend.meeting.models import ActionItem as ActionItemRow
from backend.meeting.models import AgendaItem as AgendaItemRow
from backend.meeting.models import GuestObjection as GuestObjectionRow
from backend.meeting.models import Invitation as InvitationRow
from backend.meeting.models import Meeting as MeetingRow
from backend.meeting.models import Minutes as MinutesRow
from backend.meeting.models import MinutesConfirmation as ConfirmationRow
from backend.meeting.models import MinutesVersion as VersionRow
from backend.network.models import NetworkMember as NetworkMemberRow
from backend.network.models import NetworkRole
from backend.network.models import ServiceProvider as ServiceRow
from backend.plan.logic import policy_category
from backend.plan.models import Plan as PlanRow
from backend.plan.models import PlanGoal, PlanMeasure, PlanNeed, PlanTask
from backend.plan.types import PlanCategory  # its GraphQL enum is the plan's

# What the access log says was read, in words.
WHAT = "meeting"
WHAT_IN_WORDS.setdefault(WHAT, ("et møte", "eit møte", "a meeting"))

_SOMEONE: Text = ("En i nettverket", "Ein i nettverket", "Someone in the network")
_COORDINATOR: Text = ("Barnekoordinatoren", "Barnekoordinatoren", "The barnekoordinator")
_THE_CHILD: Text = ("Barnet", "Barnet", "The child")
LIFE_AREA_WORDS: dict[str, Text] = {
    LifeArea.HEALTH.value: ("Helse", "Helse", "Health"),
    LifeArea.DEVELOPMENT_AND_LEARNING.value: (
        "Utvikling og læring",
        "Utvikling og læring",
        "Development and learning",
    ),
    LifeArea.SCHOOL.value: ("Barnehage og skole", "Barnehage og skule", "Barnehage and school"),
    LifeArea.HOME_AND_FAMILY.value: ("Hjem og familie", "Heim og familie", "Home and family"),
    LifeArea.LEISURE_AND_FRIENDS.value: (
        "Fritid og venner",
        "Fritid og vener",
        "Leisure and friends",
    ),
    LifeArea.TRANSITION_TO_ADULTHOOD.value: (
        "Overgang til voksenlivet",
        "Overgang til vaksenlivet",
        "Transition to adulthood",
    ),
}
# At most this many meetings in one list (myMeetings, childMeetings).
PAGE_MAX = 100


def _id(value: uuid.UUID) -> strawberry.ID:
    return strawberry.ID(str(value))


# ---- Loaders --------------------------------------------------------------------------------


class MeetingLoaders:
    """One statement per table and batch, whatever the number of meetings."""

    def __init__(self, reads: Reads, loaders: Loaders) -> None:
        self.reads = reads
        self.loaders = loaders
        self.agenda: DataLoader[uuid.UUID, list[AgendaItemRow]] = DataLoader(self._agenda)
        self.invitations: DataLoader[uuid.UUID, list[InvitationRow]] = DataLoader(self._invitations)
        self.objections: DataLoader[uuid.UUID, list[GuestObjectionRow]] = DataLoader(
            self._objections
        )
        self.minutes: DataLoader[uuid.UUID, MinutesRow | None] = DataLoader(self._minutes)
        self.versions: DataLoader[uuid.UUID, list[VersionRow]] = DataLoader(self._versions)
        self.confirmations: DataLoader[uuid.UUID, list[ConfirmationRow]] = DataLoader(
            self._confirmations
        )
        self.action_items: DataLoader[uuid.UUID, list[ActionItemRow]] = DataLoader(
            self._action_items
        )
        self.child: DataLoader[uuid.UUID, ChildRow | None] = DataLoader(self._children)
        self.task_status: DataLoader[uuid.UUID, str | None] = DataLoader(self._task_status)
        self.measure_status: DataLoader[uuid.UUID, str | None] = DataLoader(self._measure_status)
        self.plan_parts: DataLoader[uuid.UUID, list[tuple[str, Any]]] = DataLoader(self._plan_parts)

    async def _grouped(
        self, model: Any, key: str, ids: list[uuid.UUID], order: Sequence[Any], *where: Any
    ) -> list[list[Any]]:
        query = select(model).where(col(getattr(model, key)).in_(ids), *where).order_by(*order)
        async with self.reads.session() as session:
            rows = (await session.exec(query)).all()
        grouped: dict[uuid.UUID, list[Any]] = {i: [] for i in ids}
        for row in rows:
            grouped[getattr(row, key)].append(row)
        return [grouped[i] for i in ids]

    async def _agenda(self, ids: list[uuid.UUID]) -> list[list[AgendaItemRow]]:
        order = (col(AgendaItemRow.position), col(AgendaItemRow.created_at), col(AgendaItemRow.id))
        return await self._grouped(AgendaItemRow, "meeting_id", ids, order)

    async def _invitations(self, ids: list[uuid.UUID]) -> list[list[InvitationRow]]:
        order = (col(InvitationRow.created_at), col(InvitationRow.id))
        return await self._grouped(InvitationRow, "meeting_id", ids, order)

    async def _objections(self, ids: list[uuid.UUID]) -> list[list[GuestObjectionRow]]:
        order = (col(GuestObjectionRow.created_at), col(GuestObjectionRow.id))
        return await self._grouped(GuestObjectionRow, "meeting_id", ids, order)

    async def _minutes(self, ids: list[uuid.UUID]) -> list[MinutesRow | None]:
        found = await self._grouped(MinutesRow, "meeting_id", ids, (col(MinutesRow.id),))
        return [rows[0] if rows else None for rows in found]

    async def _versions(self, ids: list[uuid.UUID]) -> list[list[VersionRow]]:
        order = (col(VersionRow.number).desc(),)
        return await self._grouped(VersionRow, "meeting_id", ids, order)

    async def _confirmations(self, ids: list[uuid.UUID]) -> list[list[ConfirmationRow]]:
        order = (col(ConfirmationRow.created_at), col(ConfirmationRow.id))
        return await self._grouped(ConfirmationRow, "meeting_id", ids, order)

    async def _action_items(self, ids: list[uuid.UUID]) -> list[list[ActionItemRow]]:
        order = (col(ActionItemRow.created_at), col(ActionItemRow.id))
        return await self._grouped(ActionItemRow, "meeting_id", ids, order)

    async def _children(self, ids: list[uuid.UUID]) -> list[ChildRow | None]:
        async with self.reads.session() as session:
            rows = (await session.exec(select(ChildRow).where(col(ChildRow.id).in_(ids)))).all()
        by_id = {r.id: r for r in rows}
        return [by_id.get(i) for i in ids]

    async def _status(self, model: Any, ids: list[uuid.UUID]) -> list[str | None]:
        async with self.reads.session() as session:
            rows = (
                await session.exec(select(model.id, model.status).where(model.id.in_(ids)))
            ).all()
        by_id = {r[0]: r[1] for r in rows}
        return [by_id.get(i) for i in ids]

    async def _task_status(self, ids: list[uuid.UUID]) -> list[str | None]:
        return await self._status(PlanTask, ids)

    async def _measure_status(self, ids: list[uuid.UUID]) -> list[str | None]:
        return await self._status(PlanMeasure, ids)

    async def _plan_parts(self, child_ids: list[uuid.UUID]) -> list[list[tuple[str, Any]]]:
        """The current plans' needs, goals, measures and tasks (a guest's reading list)."""
        current = select(PlanRow.id).where(
            col(PlanRow.child_id).in_(child_ids), col(PlanRow.ended_at).is_(None)
        )
        grouped: dict[uuid.UUID, list[tuple[str, Any]]] = {c: [] for c in child_ids}
        async with self.reads.session() as session:
            for kind, model in (
                ("need", PlanNeed),
                ("goal", PlanGoal),
                ("measure", PlanMeasure),
                ("task", PlanTask),
            ):
                query: Any = (
                    select(model)
                    .where(col(model.plan_id).in_(current))
                    .order_by(col(model.created_at), col(model.id))
                )
                for row in (await session.exec(query)).all():
                    grouped[row.child_id].append((kind, row))
        return [grouped[c] for c in child_ids]


_PER_REQUEST: weakref.WeakKeyDictionary[Loaders, MeetingLoaders] = weakref.WeakKeyDictionary()


def meeting_loaders(info: Info) -> MeetingLoaders:
    loaders = info.context.loaders
    found = _PER_REQUEST.get(loaders)
    if found is None:
        found = _PER_REQUEST[loaders] = MeetingLoaders(loaders.reads, loaders)
    return found


# ---- Who may know whom ------------------------------------------------------------------


Reader = Callable[[list[Category], bool], bool]


def reader_of(info: Info, facts: MeetingFacts) -> Reader:
    """The category check of this reader in this meeting: the gate's for the network; a guest
    (outside the network) reads only what is basic, and their own record."""
    gate = info.context.gate
    if facts.viewer_is_guest:

        def guest(categories: list[Category], own: bool) -> bool:
            return own or all(c is Category.BASIC for c in categories)

        return guest

    def member(categories: list[Category], own: bool) -> bool:
        return gate.read(facts.child, categories, own=own)

    return member


def _sees_objections(facts: MeetingFacts) -> bool:
    """Objections to a guest are for the coordinator and those who may object."""
    roles = facts.child.roles
    return (
        NetworkRole.COORDINATOR.value in roles
        or (NetworkRole.GUARDIAN.value in roles and facts.child.has_parental_responsibility)
        or (NetworkRole.CHILD.value in roles and facts.child.child_age >= 16)
    )


# ---- Types ------------------------------------------------------------------------------


@strawberry.type(description="Sak på dagsorden: an item on a meeting's agenda.")
class AgendaItem:
    id: strawberry.ID
    title: str
    detail: str | None
    position: int
    proposed_by_name: str
    version: int

    @classmethod
    def from_row(cls, row: AgendaItemRow) -> AgendaItem:
        return cls(
            id=_id(row.id),
            title=row.title,
            detail=row.detail,
            position=row.position,
            proposed_by_name=row.proposed_by_name,
            version=row.version,
        )


@strawberry.type(description="A guardian's objection to a guest, before the meeting.")
class GuestObjection:
    id: strawberry.ID
    person_name: str
    reason: str
    at: dt.datetime

    @classmethod
    def from_row(cls, row: GuestObjectionRow) -> GuestObjection:
        return cls(
            id=_id(row.id), person_name=row.person_name, reason=row.reason, at=row.created_at
        )


@strawberry.type(description="Innkalling: one person invited to one meeting.")
class Invitation:
    id: strawberry.ID
    meeting_id: strawberry.ID
    person_name: str
    organisation: str | None = strawberry.field(
        description="The organisation (service) name; for a member the membership's service, "
        "for a guest the guest's."
    )
    role: str | None = strawberry.field(
        description='The network role ("coordinator", "guardian", "member", ...) or "guest".'
    )
    guest: bool
    access_until: dt.datetime | None
    answer: InvitationAnswer
    answer_comment: str | None
    answered_at: dt.datetime | None
    withdrawn: bool
    objections: list[GuestObjection] = strawberry.field(
        description="Shown to the coordinator and the guardians only."
    )
    version: int
    row: strawberry.Private[InvitationRow]


@strawberry.type
class MinutesItemText:
    agenda_item_id: strawberry.ID
    title: str
    discussion: str
    decisions: str


@strawberry.type
class MinutesConfirmation:
    person_name: str
    confirmed: bool
    comment: str | None
    at: dt.datetime


@strawberry.type(description="A frozen version of the minutes.")
class MinutesVersion:
    id: strawberry.ID
    number: int
    closed_at: dt.datetime
    closed_by_name: str
    general: str
    items: list[MinutesItemText]
    confirmations: list[MinutesConfirmation]


@strawberry.type(description="Referat: written together while open, then frozen as versions.")
class Minutes:
    id: strawberry.ID
    state: MinutesState
    current_version: int
    version: int
    row: strawberry.Private[MinutesRow]

    @strawberry.field(description="The frozen versions, newest first.")
    async def versions(self, info: Info) -> list[MinutesVersion]:
        loaders = meeting_loaders(info)
        rows, confirmations, agenda = await asyncio.gather(
            loaders.versions.load(self.row.meeting_id),
            loaders.confirmations.load(self.row.meeting_id),
            loaders.agenda.load(self.row.meeting_id),
        )
        titles = {str(a.id): a.title for a in agenda}
        by_version: dict[uuid.UUID, list[ConfirmationRow]] = {}
        for c in confirmations:
            by_version.setdefault(c.version_id, []).append(c)
        found = []
        for row in rows:
            content = row.content or {}
            items = content.get("items") or {}
            found.append(
                MinutesVersion(
                    id=_id(row.id),
                    number=row.number,
                    closed_at=row.closed_at,
                    closed_by_name=row.closed_by_name,
                    general=str(content.get("general") or ""),
                    items=[
                        MinutesItemText(
                            agenda_item_id=strawberry.ID(item_id),
                            title=titles.get(item_id, ""),
                            discussion=str((text or {}).get("discussion") or ""),
                            decisions=str((text or {}).get("decisions") or ""),
                        )
                        for item_id, text in items.items()
                    ],
                    confirmations=[
                        MinutesConfirmation(
                            person_name=c.person_name,
                            confirmed=c.confirmed,
                            comment=c.comment,
                            at=c.created_at,
                        )
                        for c in by_version.get(row.id, [])
                    ],
                )
            )
        return found

    @classmethod
    def from_row(cls, row: MinutesRow) -> Minutes:
        return cls(
            id=_id(row.id),
            state=MinutesState(row.state),
            current_version=row.current_version,
            version=row.version,
            row=row,
        )


@strawberry.type(description="Oppfølgingspunkt: agreed in a meeting, a plan task or measure.")
class ActionItem:
    id: strawberry.ID
    agenda_item_id: strawberry.ID | None
    kind: ActionItemKind
    title: str
    due_on: dt.date
    owner_name: str | None = strawberry.field(
        description="Null if you may not know that membership."
    )
    task_id: strawberry.ID | None
    measure_id: strawberry.ID | None
    row: strawberry.Private[ActionItemRow]

    @strawberry.field(
        description="The task's or measure's status now (OPEN, DONE...), as the plan says."
    )
    async def status(self, info: Info) -> str | None:
        loaders = meeting_loaders(info)
        if self.row.task_id is not None:
            value = await loaders.task_status.load(self.row.task_id)
        elif self.row.measure_id is not None:
            value = await loaders.measure_status.load(self.row.measure_id)
        else:
            value = None
        return value.upper() if value else None


@strawberry.type(description="A part of the plan a guest may read.")
class GuestPlanPart:
    id: strawberry.ID
    kind: str
    title: str
    description: str | None
    category: PlanCategory


@strawberry.type(
    description="Ansvarsgruppemøte: a meeting of the child's network, as you may see it."
)
class Meeting(EventEntity):
    id: strawberry.ID
    child_id: strawberry.ID
    title: str
    purpose: str | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    starts_at_local: str = strawberry.field(
        description='Europe/Oslo wall time, e.g. "2027-03-28T10:00:00+02:00".'
    )
    ends_at_local: str
    place: str | None = strawberry.field(
        description="The place; null when it is protected and the reader may not read where "
        "the child lives (guests never)."
    )
    place_label: str | None = strawberry.field(
        description='What every feed, invitation, e-mail and event says: the place, or "Avtalt '
        'sted"/"Avtalt stad"/"Agreed place".'
    )
    place_protected: bool
    video_url: str | None
    child_takes_part: bool
    interpreter_language: str | None
    status: MeetingStatus
    cancel_reason: str | None
    version: int
    viewer_is_guest: bool
    guest_access_until: dt.datetime | None = strawberry.field(
        description="A guest's access ends then (null for others)."
    )
    can_edit: bool
    can_write_minutes: bool
    can_confirm_minutes: bool
    can_object_to_guests: bool
    row: strawberry.Private[MeetingRow]
    facts: strawberry.Private[MeetingFacts]

    @strawberry.field(
        description="The child's name as the reader may see it (a guest: the given name only)."
    )
    async def child_name(self, info: Info) -> str:
        child = await meeting_loaders(info).child.load(self.row.child_id)
        language = info.context.language
        if child is None:
            return pick(_THE_CHILD, language)
        if self.facts.viewer_is_guest:
            return child.given_name or pick(_THE_CHILD, language)
        return " ".join(n for n in (child.given_name, child.family_name) if n)

    @strawberry.field
    async def organizer_name(self, info: Info) -> str:
        person = await info.context.loaders.person.load(self.row.organizer_person_id)
        if person is None:
            return pick(_COORDINATOR, info.context.language)
        employer = (
            await info.context.loaders.service.load(person.employer_service_id)
            if person.employer_service_id
            else None
        )
        own = info.context.actor is not None and person.id == info.context.actor.person_id
        read = reader_of(info, self.facts)
        if not read(person_categories(person, [employer], self.facts.child), own):
            return pick(_COORDINATOR, info.context.language)
        return person.name

    @strawberry.field
    async def agenda(self, info: Info) -> list[AgendaItem]:
        rows = await meeting_loaders(info).agenda.load(self.row.id)
        return [AgendaItem.from_row(r) for r in rows if r.withdrawn_at is None]

    @strawberry.field
    async def invitations(self, info: Info) -> list[Invitation]:
        return await _invitations(info, self)

    @strawberry.field(description="The reader's own invitation, if any.")
    async def my_invitation(self, info: Info) -> Invitation | None:
        if self.facts.invitation_id is None:
            return None
        for invitation in await _invitations(info, self):
            if invitation.row.id == self.facts.invitation_id:
                return invitation
        return None

    @strawberry.field
    async def minutes(self, info: Info) -> Minutes | None:
        row = await meeting_loaders(info).minutes.load(self.row.id)
        return Minutes.from_row(row) if row is not None else None

    @strawberry.field
    async def action_items(self, info: Info) -> list[ActionItem]:
        return await _action_items(info, self)

    @strawberry.field(
        description="For a guest: the plan's parts consent allows (title, description, "
        "category). Empty for others (they read the plan itself)."
    )
    async def guest_plan(self, info: Info) -> list[GuestPlanPart]:
        actor = info.context.actor
        if actor is None or not self.facts.viewer_is_guest or not self.facts.guest_window_open:
            return []
        parts = await meeting_loaders(info).plan_parts.load(self.row.child_id)
        gate = info.context.gate
        language = info.context.language
        found = []
        for kind, row in parts:
            category = policy_category(row.category)
            if not decide(actor, MeetingAction.READ_PLAN_PART, self.facts, category):
                gate.note_refused(self.row.child_id, category.value)
                continue
            gate.note_read(self.row.child_id, category.value)
            found.append(_guest_part(kind, row, language))
        return found

    @classmethod
    def build(
        cls, row: MeetingRow, facts: MeetingFacts, actor: Any, language: str, place_seen: bool
    ) -> Meeting:
        return cls(
            id=_id(row.id),
            child_id=_id(row.child_id),
            title=row.title,
            purpose=row.purpose,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            starts_at_local=logic.local_iso(row.starts_at),
            ends_at_local=logic.local_iso(row.ends_at),
            place=row.place if (not row.place_protected or place_seen) else None,
            place_label=logic.place_label(row.place, row.place_protected, language),
            place_protected=row.place_protected,
            video_url=row.video_url,
            child_takes_part=row.child_takes_part,
            interpreter_language=row.interpreter_language,
            status=MeetingStatus(row.status),
            cancel_reason=row.cancel_reason,
            version=row.version,
            viewer_is_guest=facts.viewer_is_guest,
            guest_access_until=facts.guest_access_until if facts.guest else None,
            can_edit=row.status == MeetingStatus.SCHEDULED.value
            and decide(actor, MeetingAction.EDIT, facts),
            can_write_minutes=decide(actor, MeetingAction.WRITE_MINUTES, facts),
            can_confirm_minutes=not facts.minutes_open
            and decide(actor, MeetingAction.CONFIRM_MINUTES, facts),
            can_object_to_guests=decide(actor, MeetingAction.OBJECT_TO_GUEST, facts),
            row=row,
            facts=facts,
        )


def _guest_part(kind: str, row: Any, language: str) -> GuestPlanPart:
    if kind == "need":
        title = pick(LIFE_AREA_WORDS.get(row.life_area, (row.life_area,) * 3), language)
        description = row.description
    elif kind == "goal":
        title, description = row.text, None
    else:
        title, description = row.title, getattr(row, "description", None)
    return GuestPlanPart(
        id=_id(row.id),
        kind=kind,
        title=title,
        description=description,
        category=PlanCategory(row.category),
    )


async def _people_and_services(
    info: Info, members: Sequence[NetworkMemberRow | None]
) -> tuple[dict[uuid.UUID, PersonRow | None], dict[uuid.UUID, ServiceRow | None]]:
    """The people and services (memberships' and employers') of these memberships: one
    batch each."""
    loaders = info.context.loaders
    person_ids = list({m.person_id for m in members if m is not None})
    people = dict(zip(person_ids, await loaders.person.load_many(person_ids), strict=True))
    service_ids = {m.service_id for m in members if m is not None and m.service_id}
    service_ids |= {p.employer_service_id for p in people.values() if p and p.employer_service_id}
    ids = list(service_ids)
    services = dict(zip(ids, await loaders.service.load_many(ids), strict=True))
    return people, services


async def _action_items(info: Info, meeting: Meeting) -> list[ActionItem]:
    """The action items, each owner named only to readers who may know that membership."""
    loaders = meeting_loaders(info)
    rows = await loaders.action_items.load(meeting.row.id)
    if not rows:
        return []
    members = {m.id: m for m in await info.context.loaders.all_members.load(meeting.row.child_id)}
    people, services = await _people_and_services(
        info, [members.get(r.owner_member_id) for r in rows]
    )
    read = reader_of(info, meeting.facts)
    actor = info.context.actor
    found = []
    for row in rows:
        member = members.get(row.owner_member_id)
        owner_name = None
        if member is not None:
            person = people.get(member.person_id)
            service = services.get(member.service_id) if member.service_id else None
            own = actor is not None and member.person_id == actor.person_id
            employer = (
                services.get(person.employer_service_id)
                if person is not None and person.employer_service_id
                else None
            )
            if (
                person is not None
                and may_know_membership(read, service, own)
                and read(person_categories(person, [service, employer], meeting.facts.child), own)
            ):
                owner_name = person.name
        found.append(
            ActionItem(
                id=_id(row.id),
                agenda_item_id=_id(row.agenda_item_id) if row.agenda_item_id else None,
                kind=ActionItemKind(row.kind),
                title=row.title,
                due_on=row.due_on,
                owner_name=owner_name,
                task_id=_id(row.task_id) if row.task_id else None,
                measure_id=_id(row.measure_id) if row.measure_id else None,
                row=row,
            )
        )
    return found


async def _invitations(info: Info, meeting: Meeting) -> list[Invitation]:
    """The invitations this reader may know of: a membership they may know of (a barnevern
    or health service's is that category's), a guest whose organisation they may know of
    (or one they invited), and always their own."""
    loaders = meeting_loaders(info)
    rows, objections = await asyncio.gather(
        loaders.invitations.load(meeting.row.id), loaders.objections.load(meeting.row.id)
    )
    if not rows:
        return []
    members = {m.id: m for m in await info.context.loaders.all_members.load(meeting.row.child_id)}
    memberships = [members.get(r.member_id) if r.member_id else None for r in rows]
    people, services = await _people_and_services(info, memberships)
    guests = [r.person_id for r in rows if r.guest and r.person_id not in people]
    if guests:
        people.update(zip(guests, await info.context.loaders.person.load_many(guests), strict=True))
    extra = [
        s
        for s in {r.guest_service_id for r in rows if r.guest_service_id}
        | {p.employer_service_id for p in people.values() if p and p.employer_service_id}
        if s not in services
    ]
    if extra:
        services.update(
            zip(extra, await info.context.loaders.service.load_many(extra), strict=True)
        )
    by_invitation: dict[uuid.UUID, list[GuestObjectionRow]] = {}
    for o in objections:
        by_invitation.setdefault(o.invitation_id, []).append(o)
    facts = meeting.facts
    read = reader_of(info, facts)
    actor = info.context.actor
    language = info.context.language
    sees_objections = _sees_objections(facts)
    organizer = actor is not None and (
        facts.is_organizer or NetworkRole.COORDINATOR.value in facts.child.roles
    )
    found = []
    for row, member in zip(rows, memberships, strict=True):
        own = actor is not None and row.person_id == actor.person_id
        person = people.get(row.person_id)
        role: str | None
        if row.guest:
            service = services.get(row.guest_service_id) if row.guest_service_id else None
            invited_by_me = actor is not None and row.invited_by_person_id == actor.person_id
            if not (own or invited_by_me or organizer or may_know_membership(read, service, own)):
                continue
            role = "guest"
        else:
            service = services.get(member.service_id) if member and member.service_id else None
            if not (own or may_know_membership(read, service, own)):
                continue
            role = member.role if member is not None else None
        employer = (
            services.get(person.employer_service_id)
            if person is not None and person.employer_service_id
            else None
        )
        name_seen = person is not None and (
            own
            or (row.guest and organizer)
            or read(person_categories(person, [service, employer], facts.child), own)
        )
        organisation = None
        if service is not None and (
            own or (row.guest and organizer) or read(service_categories(service, facts.child), own)
        ):
            organisation = service.name
        found.append(
            Invitation(
                id=_id(row.id),
                meeting_id=_id(row.meeting_id),
                person_name=person.name
                if person is not None and name_seen
                else pick(_SOMEONE, language),
                organisation=organisation,
                role=role,
                guest=row.guest,
                access_until=row.access_until if row.guest else None,
                answer=InvitationAnswer(row.answer),
                answer_comment=row.answer_comment if (own or organizer) else None,
                answered_at=row.answered_at,
                withdrawn=row.withdrawn_at is not None,
                objections=[GuestObjection.from_row(o) for o in by_invitation.get(row.id, [])]
                if sees_objections and row.guest
                else [],
                version=row.version,
                row=row,
            )
        )
    return found


@strawberry.type
class MeetingEdge:
    cursor: str
    node: Meeting


@strawberry.type
class MeetingConnection:
    edges: list[MeetingEdge]
    page_info: PageInfo


@strawberry.type
class MeetingPayload:
    meeting: Meeting | None
    errors: list[UserError]


@strawberry.type
class InvitationPayload:
    invitation: Invitation | None
    errors: list[UserError]


@strawberry.type
class ActionItemPayload:
    action_item: ActionItem | None
    errors: list[UserError]


# ---- Building the views -----------------------------------------------------------------


async def meeting_views(
    info: Info, rows: Sequence[MeetingRow], *, quiet: bool = False
) -> list[Meeting]:
    """The meetings this caller may view, in order, each decided once; every read (and
    refusal) noted for the child's access log. A fixed number of statements. `quiet`: a
    list the caller did not ask meeting by meeting leaves out what they may not view
    without noting a refusal (the caller asked for their own, or a child they see)."""
    actor = info.context.actor
    gate = info.context.gate
    if actor is None:
        for row in rows:
            gate.note_refused(row.child_id, WHAT)
        return []
    if not rows:
        return []
    child_ids = list(dict.fromkeys(r.child_id for r in rows))
    loaded = await asyncio.gather(*(gate.facts(c) for c in child_ids))
    network = {c: f for c, f in zip(child_ids, loaded, strict=True) if f is not None}
    async with info.context.reads.session() as session:
        all_facts = await meetings_facts(session, actor, rows, network=network, now=utcnow())
    language = info.context.language
    found = []
    guests: dict[uuid.UUID, ChildFacts] = {}
    members: set[uuid.UUID] = set()
    for row in rows:
        facts = all_facts[row.id]
        if not decide(actor, MeetingAction.VIEW, facts):
            if not quiet:
                gate.note_refused(row.child_id, WHAT)
            continue
        gate.note_read(row.child_id, WHAT)
        if facts.viewer_is_guest:
            guests[row.child_id] = facts.child
        else:
            members.add(row.child_id)
        place_seen = False
        if row.place_protected and not facts.viewer_is_guest:
            place_seen = gate.read(facts.child, [Category.LOCATION])
        found.append(Meeting.build(row, facts, actor, language, place_seen))
    for child_id, child in guests.items():
        if child_id not in members:
            # A guest is in the child's access log as what they are: a meeting's guest.
            gate.remember(replace(child, roles=frozenset({GUEST_ROLE})))
    return found


async def meeting_by_id(info: Info, meeting_id: uuid.UUID | None) -> Meeting | None:
    if meeting_id is None:
        return None
    async with info.context.reads.session() as session:
        row = await session.get(MeetingRow, meeting_id)
    found = await meeting_views(info, [row]) if row is not None else []
    return found[0] if found else None


async def invitation_by_id(info: Info, invitation_id: uuid.UUID | None) -> Invitation | None:
    """An invitation for a payload, as the reader sees it in its meeting's list."""
    if invitation_id is None:
        return None
    async with info.context.reads.session() as session:
        row = await session.get(InvitationRow, invitation_id)
    if row is None:
        return None
    meeting = await meeting_by_id(info, row.meeting_id)
    if meeting is None:
        return None
    for invitation in await _invitations(info, meeting):
        if invitation.row.id == invitation_id:
            return invitation
    return None


async def action_item_by_id(info: Info, item_id: uuid.UUID | None) -> ActionItem | None:
    if item_id is None:
        return None
    async with info.context.reads.session() as session:
        row = await session.get(ActionItemRow, item_id)
    if row is None:
        return None
    meeting = await meeting_by_id(info, row.meeting_id)
    if meeting is None:
        return None
    for item in await _action_items(info, meeting):
        if item.row.id == item_id:
            return item
    return None
