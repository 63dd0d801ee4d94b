"""GraphQL types and inputs of the pathway: templates, milestones, transitions and signals.

The read path follows the plan's: what a child's pathway, transitions and signals need is
loaded in one batch per table (however many children are read), every object's gate
decision is made once when it is built, and what is handed out is noted in the access log.
Milestones and transitions are basic information (the network, and the kommune's
coordinating unit, see them); a signal is read by its information category.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import uuid
import weakref
from typing import TYPE_CHECKING, Annotated, cast

import strawberry
from sqlmodel import col, select

from backend.api.common import UserError
from backend.api.context import Info
from backend.api.input_caps import FREE_TEXT, cap
from backend.api.loaders import Loaders
from backend.authz.access import Seen, coordinating_unit_of
from backend.authz.policy import Action, ChildFacts
from backend.children.models import Child as ChildRow
from backend.consent.types import WHAT_IN_WORDS
from backend.core.clock import today
from backend.core.database import Reads
from backend.core.i18n import Text, pick
from backend.core.loaders import DataLoader
from backend.events.registry import EventEntity
from backend.network.models import NetworkMember as NetworkMemberRow
from backend.network.models import NetworkRole
from backend.network.types import NetworkMember, member_views
from backend.pathway import logic
from backend.pathway.access import PathwayAction
from backend.pathway.models import Milestone as MilestoneRow
from backend.pathway.models import (
    MilestoneAnchor,
    MilestoneState,
    MilestoneTrigger,
    SignalKind,
    TransitionItemStatus,
    TransitionKind,
)
from backend.pathway.models import Pathway as PathwayRow
from backend.pathway.models import PathwayTemplate as PathwayTemplateRow
from backend.pathway.models import Signal as SignalRow
from backend.pathway.models import Transition as TransitionRow
from backend.pathway.models import TransitionItem as TransitionItemRow
from backend.plan.logic import policy_category
from backend.plan.types import PlanCategory  # its GraphQL enum is the plan's

if TYPE_CHECKING:
    from backend.children.types import Child

strawberry.enum(
    MilestoneAnchor, name="MilestoneAnchor", description="What starts a milestone's clock."
)
strawberry.enum(
    MilestoneTrigger,
    name="MilestoneTrigger",
    description="What meets a milestone automatically (MANUAL: the coordinator marks it met).",
)
strawberry.enum(TransitionKind, name="TransitionKind")
strawberry.enum(TransitionItemStatus, name="TransitionItemStatus")
strawberry.enum(SignalKind, name="SignalKind")


@strawberry.enum
class MilestoneStatus(enum.Enum):
    DUE = "DUE"
    SOON_DUE = "SOON_DUE"
    MET = "MET"
    MISSED = "MISSED"
    DEVIATED = "DEVIATED"


@strawberry.enum
class MilestoneScope(enum.Enum):
    MINE = "MINE"
    KOMMUNE = "KOMMUNE"


# What the access log says was read, in words.
WHAT_IN_WORDS.update(
    {
        "pathway": ("forløpet", "forløpet", "the pathway"),
        "transitions": ("overganger", "overgangar", "transitions"),
    }
)

_SOMEONE: Text = ("En i nettverket", "Ein i nettverket", "Someone in the network")


def _id(value: uuid.UUID) -> strawberry.ID:
    return strawberry.ID(str(value))


def _view(action: PathwayAction) -> Action:
    # The pathway's actions are asked of Cedar by name (see backend.pathway.access).
    return cast(Action, action)


# ---- Loaders --------------------------------------------------------------------------------


class PathwayLoaders:
    """One statement per table and batch, whatever the number of children."""

    def __init__(self, reads: Reads) -> None:
        self.reads = reads
        self.pathway: DataLoader[uuid.UUID, PathwayRow | None] = DataLoader(self._pathways)
        self.milestones: DataLoader[uuid.UUID, list[MilestoneRow]] = DataLoader(self._milestones)
        self.milestone: DataLoader[uuid.UUID, MilestoneRow | None] = DataLoader(self._milestone)
        self.transitions: DataLoader[uuid.UUID, list[TransitionRow]] = DataLoader(self._transitions)
        self.transition: DataLoader[uuid.UUID, TransitionRow | None] = DataLoader(self._transition)
        self.items: DataLoader[uuid.UUID, list[TransitionItemRow]] = DataLoader(self._items)
        self.signals: DataLoader[uuid.UUID, list[SignalRow]] = DataLoader(self._signals)

    async def _pathways(self, child_ids: list[uuid.UUID]) -> list[PathwayRow | None]:
        async with self.reads.session() as session:
            rows = await session.exec(
                select(PathwayRow).where(col(PathwayRow.child_id).in_(child_ids))
            )
            by_child = {r.child_id: r for r in rows.all()}
        return [by_child.get(c) for c in child_ids]

    async def _milestones(self, child_ids: list[uuid.UUID]) -> list[list[MilestoneRow]]:
        async with self.reads.session() as session:
            rows = await session.exec(
                select(MilestoneRow)
                .where(col(MilestoneRow.child_id).in_(child_ids))
                .order_by(
                    col(MilestoneRow.due_on),
                    col(MilestoneRow.position),
                    col(MilestoneRow.occurrence),
                )
            )
            grouped: dict[uuid.UUID, list[MilestoneRow]] = {c: [] for c in child_ids}
            for row in rows.all():
                grouped[row.child_id].append(row)
        return [grouped[c] for c in child_ids]

    async def _milestone(self, ids: list[uuid.UUID]) -> list[MilestoneRow | None]:
        async with self.reads.session() as session:
            rows = await session.exec(select(MilestoneRow).where(col(MilestoneRow.id).in_(ids)))
            by_id = {r.id: r for r in rows.all()}
        return [by_id.get(i) for i in ids]

    async def _transitions(self, child_ids: list[uuid.UUID]) -> list[list[TransitionRow]]:
        async with self.reads.session() as session:
            rows = await session.exec(
                select(TransitionRow)
                .where(col(TransitionRow.child_id).in_(child_ids))
                .order_by(col(TransitionRow.created_at), col(TransitionRow.id))
            )
            grouped: dict[uuid.UUID, list[TransitionRow]] = {c: [] for c in child_ids}
            for row in rows.all():
                grouped[row.child_id].append(row)
        return [grouped[c] for c in child_ids]

    async def _transition(self, ids: list[uuid.UUID]) -> list[TransitionRow | None]:
        async with self.reads.session() as session:
            rows = await session.exec(select(TransitionRow).where(col(TransitionRow.id).in_(ids)))
            by_id = {r.id: r for r in rows.all()}
        return [by_id.get(i) for i in ids]

    async def _items(self, child_ids: list[uuid.UUID]) -> list[list[TransitionItemRow]]:
        """Every transition item of these children, by transition and place."""
        async with self.reads.session() as session:
            rows = await session.exec(
                select(TransitionItemRow)
                .where(col(TransitionItemRow.child_id).in_(child_ids))
                .order_by(col(TransitionItemRow.position), col(TransitionItemRow.id))
            )
            grouped: dict[uuid.UUID, list[TransitionItemRow]] = {c: [] for c in child_ids}
            for row in rows.all():
                grouped[row.child_id].append(row)
        return [grouped[c] for c in child_ids]

    async def _signals(self, child_ids: list[uuid.UUID]) -> list[list[SignalRow]]:
        async with self.reads.session() as session:
            rows = await session.exec(
                select(SignalRow)
                .where(col(SignalRow.child_id).in_(child_ids))
                .order_by(col(SignalRow.recorded_at).desc(), col(SignalRow.id))
            )
            grouped: dict[uuid.UUID, list[SignalRow]] = {c: [] for c in child_ids}
            for row in rows.all():
                grouped[row.child_id].append(row)
        return [grouped[c] for c in child_ids]


_PER_REQUEST: weakref.WeakKeyDictionary[Loaders, PathwayLoaders] = weakref.WeakKeyDictionary()


def pathway_loaders(loaders: Loaders) -> PathwayLoaders:
    found = _PER_REQUEST.get(loaders)
    if found is None:
        found = _PER_REQUEST[loaders] = PathwayLoaders(loaders.reads)
    return found


# ---- Templates ------------------------------------------------------------------------------


@strawberry.type(description="One milestone of a template: a target time from its anchor.")
class MilestoneTemplate:
    key: str
    title: str
    anchor: MilestoneAnchor
    target_days: int
    repeat_every_days: int | None = strawberry.field(
        description="Repeats every N days after it is met (e.g. evaluation every 6 months)."
    )
    trigger: MilestoneTrigger


@strawberry.type(description="A kommune's pathway template (pakkeforløp).")
class PathwayTemplate:
    id: strawberry.ID
    name: str
    milestones: list[MilestoneTemplate]
    version: int

    @classmethod
    def from_row(cls, row: PathwayTemplateRow) -> PathwayTemplate:
        return cls(
            id=_id(row.id),
            name=row.name,
            milestones=[
                MilestoneTemplate(
                    key=m["key"],
                    title=m["title"],
                    anchor=MilestoneAnchor(m["anchor"]),
                    target_days=m["targetDays"],
                    repeat_every_days=m.get("repeatEveryDays"),
                    trigger=MilestoneTrigger(m["trigger"]),
                )
                for m in row.milestones
            ],
            version=row.version,
        )


# ---- Milestones and the pathway ------------------------------------------------------------


@strawberry.type(description="Milepæl: a step of the child's pathway, with its due date.")
class Milestone(EventEntity):
    key: str
    title: str
    due_on: dt.date
    status: MilestoneStatus
    met_on: dt.date | None
    met_by: str | None = strawberry.field(
        description="What met it, in plain words (e.g. 'The decision was made')."
    )
    deviation_reason: str | None
    version: int
    row: strawberry.Private[MilestoneRow]

    @classmethod
    def from_row(cls, row: MilestoneRow, language: str, day: dt.date) -> Milestone:
        return cls(
            id=_id(row.id),
            key=row.key,
            title=row.title,
            due_on=row.due_on,
            status=MilestoneStatus(logic.status_of(row.state, row.due_on, day)),
            met_on=row.met_on,
            met_by=logic.met_by_words(row.met_by, row.met_late, language),
            deviation_reason=row.deviation_reason,
            version=row.version,
            row=row,
        )


@strawberry.type(description="The child's pathway: what happens next, and by when.")
class Pathway:
    id: strawberry.ID
    template_name: str
    started_on: dt.date
    milestones: list[Milestone] = strawberry.field(
        description="The family's 'what happens next, and by when': milestones by due date."
    )


def _sees_pathway(info: Info, facts: ChildFacts) -> bool:
    return info.context.gate.decide(facts, _view(PathwayAction.VIEW))


async def pathway_for(info: Info, child_id: uuid.UUID, facts: ChildFacts) -> Pathway | None:
    """The child's pathway as the reader may see it (the caller decided `facts`)."""
    gate = info.context.gate
    if not _sees_pathway(info, facts):
        gate.note_refused(child_id, "pathway")
        return None
    loaders = pathway_loaders(info.context.loaders)
    row, milestones = await asyncio.gather(
        loaders.pathway.load(child_id), loaders.milestones.load(child_id)
    )
    gate.note_read(child_id, "pathway")
    if row is None:
        return None
    language, day = info.context.language, today()
    return Pathway(
        id=_id(row.id),
        template_name=row.template_name,
        started_on=row.started_on,
        milestones=[Milestone.from_row(m, language, day) for m in milestones],
    )


async def milestone_by_id(info: Info, milestone_id: uuid.UUID) -> Milestone | None:
    row = await pathway_loaders(info.context.loaders).milestone.load(milestone_id)
    if row is None:
        return None
    facts = await info.context.gate.facts(row.child_id)
    if facts is None or not _sees_pathway(info, facts):
        return None
    info.context.gate.note_read(row.child_id, "pathway")
    return Milestone.from_row(row, info.context.language, today())


@strawberry.type(
    description="A milestone with its child, for the coordinator's and the kommune's lists."
)
class MilestoneOverview:
    milestone: Milestone
    child: Annotated[Child, strawberry.lazy("backend.children.types")]


async def needing_attention(info: Info, scope: MilestoneScope) -> list[MilestoneOverview]:
    """Missed and soon-due milestones of the caller's children (MINE: those they coordinate)
    or of their kommune (KOMMUNE: its coordinating unit only), in a fixed number of
    statements however many children."""
    from backend.children.types import Child

    actor = info.context.actor
    if actor is None:
        return []
    day = today()
    soon = day + dt.timedelta(days=logic.SOON_DAYS)
    waiting = (MilestoneState.OPEN.value, MilestoneState.MISSED.value)
    query = (
        select(MilestoneRow, ChildRow)
        .join(ChildRow, col(ChildRow.id) == col(MilestoneRow.child_id))
        .where(col(MilestoneRow.state).in_(waiting), col(MilestoneRow.due_on) <= soon)
        .order_by(col(MilestoneRow.due_on), col(MilestoneRow.id))
    )
    async with info.context.reads.session() as session:
        if scope is MilestoneScope.KOMMUNE:
            kommune = await coordinating_unit_of(session, actor)
            if kommune is None:
                return []
            query = query.where(ChildRow.municipality_id == kommune)
        else:
            mine = select(NetworkMemberRow.child_id).where(
                NetworkMemberRow.person_id == actor.person_id,
                NetworkMemberRow.role == NetworkRole.COORDINATOR.value,
                col(NetworkMemberRow.ended_at).is_(None),
            )
            query = query.where(col(MilestoneRow.child_id).in_(mine))
        rows = list((await session.exec(query)).all())
    gate = info.context.gate
    child_ids = list(dict.fromkeys(child.id for _, child in rows))
    found = await asyncio.gather(*(gate.facts(c) for c in child_ids))
    facts_of = {c: f for c, f in zip(child_ids, found, strict=True) if f is not None}
    children: dict[uuid.UUID, Child] = {}
    result = []
    language = info.context.language
    for milestone, child in rows:
        facts = facts_of.get(child.id)
        if facts is None or not _sees_pathway(info, facts):
            continue
        if scope is MilestoneScope.MINE and NetworkRole.COORDINATOR.value not in facts.roles:
            continue
        if child.id not in children:
            gate.note_read(child.id, "pathway")
            children[child.id] = Child.from_row(child, facts)
        result.append(
            MilestoneOverview(
                milestone=Milestone.from_row(milestone, language, day), child=children[child.id]
            )
        )
    return result


# ---- Transitions -----------------------------------------------------------------------------


@strawberry.type(description="One item of a transition's checklist.")
class TransitionItem(EventEntity):
    title: str
    due_on: dt.date | None
    status: TransitionItemStatus
    version: int
    row: strawberry.Private[TransitionItemRow]
    members: strawberry.Private[dict[uuid.UUID, tuple[NetworkMember, Seen | None]]]

    @strawberry.field(description="Who sees to it, if you may know of the membership.")
    def owner(self, info: Info) -> NetworkMember | None:
        if self.row.owner_member_id is None:
            return None
        found = self.members.get(self.row.owner_member_id)
        if found is None:
            return None
        member, knowing = found
        if knowing is not None and not info.context.gate.seen(knowing):
            return None
        return member


@strawberry.type(description="Overgang: a checklist for a change that families say goes wrong.")
class Transition(EventEntity):
    kind: TransitionKind
    title: str
    due_on: dt.date | None
    items: list[TransitionItem]
    version: int


async def transitions_for(info: Info, child_id: uuid.UUID, facts: ChildFacts) -> list[Transition]:
    gate = info.context.gate
    if not _sees_pathway(info, facts):
        gate.note_refused(child_id, "transitions")
        return []
    loaders = pathway_loaders(info.context.loaders)
    rows, items = await asyncio.gather(
        loaders.transitions.load(child_id), loaders.items.load(child_id)
    )
    gate.note_read(child_id, "transitions")
    if not rows:
        return []
    members: dict[uuid.UUID, tuple[NetworkMember, Seen | None]] = {}
    if any(i.owner_member_id is not None for i in items):
        views = await member_views(
            info, await info.context.loaders.all_members.load(child_id), facts
        )
        members = {m.row.id: (m, knowing) for m, knowing in views}
    return [build_transition(info, row, items, members) for row in rows]


def build_transition(
    info: Info,
    row: TransitionRow,
    items: list[TransitionItemRow],
    members: dict[uuid.UUID, tuple[NetworkMember, Seen | None]],
) -> Transition:
    language = info.context.language
    return Transition(
        id=_id(row.id),
        kind=TransitionKind(row.kind),
        title=pick(logic.TRANSITION_TITLES[row.kind], language),
        due_on=row.due_on,
        items=[
            TransitionItem(
                id=_id(item.id),
                title=logic.item_title(item.item_key, item.title, language),
                due_on=item.due_on,
                status=TransitionItemStatus(item.status),
                version=item.version,
                row=item,
                members=members,
            )
            for item in items
            if item.transition_id == row.id
        ],
        version=row.version,
    )


async def transition_by_id(info: Info, transition_id: uuid.UUID) -> Transition | None:
    row = await pathway_loaders(info.context.loaders).transition.load(transition_id)
    if row is None:
        return None
    facts = await info.context.gate.facts(row.child_id)
    if facts is None:
        return None
    for transition in await transitions_for(info, row.child_id, facts):
        if transition.id == str(row.id):
            return transition
    return None


# ---- Signals ---------------------------------------------------------------------------------


@strawberry.type(description="Signal: something the network must know now, read by its category.")
class Signal(EventEntity):
    kind: SignalKind
    description: str
    category: PlanCategory
    recorded_by_name: str
    recorded_at: dt.datetime
    seen: strawberry.Private[Seen]


def _own(facts: ChildFacts, row: SignalRow) -> bool:
    return (row.service_id is not None and row.service_id in facts.service_ids) or (
        row.recorded_by_member_id is not None and row.recorded_by_member_id in facts.member_ids
    )


async def signals_for(info: Info, child_id: uuid.UUID, facts: ChildFacts) -> list[Signal]:
    """The signals this reader may read (their category, or their own service's); the
    looks and the refusals are noted by category."""
    gate = info.context.gate
    rows = await pathway_loaders(info.context.loaders).signals.load(child_id)
    if not rows:
        return []
    decided = [
        (row, gate.decided(facts, [policy_category(row.category)], _own(facts, row)))
        for row in rows
    ]
    readable = [(row, seen) for row, seen in decided if gate.seen(seen)]
    if not readable:
        return []
    views = await member_views(info, await info.context.loaders.all_members.load(child_id), facts)
    members = {m.row.id: (m, knowing) for m, knowing in views}
    language = info.context.language
    return [_signal(info, row, seen, members, language) for row, seen in readable]


def _signal(
    info: Info,
    row: SignalRow,
    seen: Seen,
    members: dict[uuid.UUID, tuple[NetworkMember, Seen | None]],
    language: str,
) -> Signal:
    gate = info.context.gate
    name = pick(_SOMEONE, language)
    found = members.get(row.recorded_by_member_id) if row.recorded_by_member_id else None
    if found is not None:
        member, knowing = found
        view = member.view
        if (
            (knowing is None or knowing.allowed)
            and view.person is not None
            and view.person_seen is not None
            and view.person_seen.allowed
        ):
            if knowing is not None:
                gate.seen(knowing)
            gate.seen(view.person_seen)
            name = view.person.name
    return Signal(
        id=_id(row.id),
        kind=SignalKind(row.kind),
        description=row.description,
        category=PlanCategory(row.category),
        recorded_by_name=name,
        recorded_at=row.recorded_at,
        seen=seen,
    )


async def signal_by_id(info: Info, signal_id: uuid.UUID, child_id: uuid.UUID) -> Signal | None:
    facts = await info.context.gate.facts(child_id)
    if facts is None or not info.context.gate.decide(facts, Action.VIEW_CHILD):
        return None
    for signal in await signals_for(info, child_id, facts):
        if signal.id == str(signal_id):
            return signal
    return None


# ---- Inputs and payloads ------------------------------------------------------------------


@strawberry.input
class MilestoneTemplateInput:
    key: str = strawberry.field(metadata=cap(length=logic.KEY_MAX))
    title: str = strawberry.field(metadata=cap(length=logic.TITLE_MAX))
    anchor: MilestoneAnchor
    target_days: int
    repeat_every_days: int | None = None
    trigger: MilestoneTrigger


@strawberry.input
class UpdatePathwayTemplateInput:
    template_id: strawberry.ID
    version: int
    name: str = strawberry.field(metadata=cap(length=logic.NAME_MAX))
    # Capped at the default list size; more than MILESTONES_MAX is the service's typed error.
    milestones: list[MilestoneTemplateInput]


@strawberry.input
class DeviateMilestoneInput:
    milestone_id: strawberry.ID
    version: int
    reason: str = strawberry.field(metadata=cap(length=FREE_TEXT))


@strawberry.input
class MeetMilestoneInput:
    milestone_id: strawberry.ID
    version: int


@strawberry.input
class StartTransitionInput:
    child_id: strawberry.ID
    kind: TransitionKind
    due_on: dt.date | None = None


@strawberry.input
class AddTransitionItemInput:
    transition_id: strawberry.ID
    title: str = strawberry.field(metadata=cap(length=logic.TITLE_MAX))
    owner_member_id: strawberry.ID | None = None
    due_on: dt.date | None = None


@strawberry.input
class UpdateTransitionItemInput:
    item_id: strawberry.ID
    version: int
    status: TransitionItemStatus | None = None
    owner_member_id: strawberry.ID | None = None
    due_on: dt.date | None = None


@strawberry.input
class RecordSignalInput:
    child_id: strawberry.ID
    kind: SignalKind
    description: str = strawberry.field(metadata=cap(length=FREE_TEXT))
    category: PlanCategory | None = None


@strawberry.type
class PathwayTemplatePayload:
    template: PathwayTemplate | None
    errors: list[UserError]


@strawberry.type
class MilestonePayload:
    milestone: Milestone | None
    errors: list[UserError]


@strawberry.type
class TransitionPayload:
    transition: Transition | None
    errors: list[UserError]


@strawberry.type
class SignalPayload:
    signal: Signal | None
    errors: list[UserError]


__all__ = [
    "Milestone",
    "MilestoneOverview",
    "Pathway",
    "PathwayTemplate",
    "Signal",
    "Transition",
    "TransitionItem",
]
