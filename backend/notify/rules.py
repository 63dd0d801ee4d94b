"""Notification rules: which events tell whom, written in the transaction of the change.

`record_change` calls `apply_rules` for every event it appends, so a rule sees the change
as its writer left it and the notification rows commit, or roll back, with it. Domains never
call the notifier themselves. A rule writes rows only (no e-mail, no Redis): the jobs deliver
them after the commit.

A new event-driven kind is one function here, decorated with the event kinds it answers.
Every rule asks `allowed` first: a row is written only for recipients who may know the event
(the same decision as live delivery), since a notification tells that the event happened.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.authz.access import load_facts_for
from backend.events.models import Event
from backend.events.visibility import may_know, reveals_for, session_lookups
from backend.identity.actor import Actor
from backend.identity.models import Person
from backend.network.models import NetworkMember, NetworkRole
from backend.notify import kinds
from backend.notify.service import notify

Rule = Callable[[AsyncSession, Event], Awaitable[None]]

RULES: dict[str, list[Rule]] = {}


def rule(*event_kinds: str) -> Callable[[Rule], Rule]:
    def wrap(function: Rule) -> Rule:
        for event_kind in event_kinds:
            RULES.setdefault(event_kind, []).append(function)
        return function

    return wrap


async def apply_rules(session: AsyncSession, event: Event) -> None:
    for function in RULES.get(event.kind, ()):
        await function(session, event)


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _key(kind: str, event: Event, recipient: uuid.UUID) -> str:
    return f"{kind}:{event.id}:{recipient}"


async def allowed(session: AsyncSession, event: Event, people: list[uuid.UUID]) -> set[uuid.UUID]:
    """The people who may know of this event, as the change's transaction sees it now."""
    if event.child_id is None or not people:
        return set(people)
    child_id = event.child_id
    rows = await session.exec(select(Person).where(col(Person.id).in_(people)))
    actors = [Actor.from_person(p, auth_method="system") for p in rows.all()]
    facts = await load_facts_for(session, [(a, child_id) for a in actors])
    reveals = await reveals_for(event, session_lookups(session))
    return {a.person_id for a in actors if may_know(a, facts[(a.person_id, child_id)], reveals)}


async def _active_members(
    session: AsyncSession, child_id: uuid.UUID, role: NetworkRole
) -> list[NetworkMember]:
    rows = await session.exec(
        select(NetworkMember).where(
            NetworkMember.child_id == child_id,
            NetworkMember.role == role.value,
            col(NetworkMember.ended_at).is_(None),
        )
    )
    return list(rows.all())


@rule("network.member_added")
async def welcome_member(session: AsyncSession, event: Event) -> None:
    """A new member is welcomed. A coordinator is told by the assignment rule instead."""
    role = event.payload.get("role")
    person_id = _uuid(event.payload.get("personId"))
    if person_id is None or role == NetworkRole.COORDINATOR.value:
        return
    if person_id == event.actor_person_id:
        return
    if person_id not in await allowed(session, event, [person_id]):
        return
    await notify(
        session,
        recipient_id=person_id,
        kind=kinds.WELCOME,
        key=_key(kinds.WELCOME, event, person_id),
        child_id=event.child_id,
        payload={
            "childId": str(event.child_id),
            "memberId": event.payload.get("memberId"),
            "role": role,
        },
        event_id=event.id,
    )


@rule("network.coordinator_assigned")
async def coordinator_assigned(session: AsyncSession, event: Event) -> None:
    """The new and the previous coordinator and every active guardian are told.

    A coordinator who assigns themselves (registering a child) is not told what they did.
    """
    if event.child_id is None:
        return
    recipients: dict[uuid.UUID, str] = {}
    for guardian in await _active_members(session, event.child_id, NetworkRole.GUARDIAN):
        recipients[guardian.person_id] = "guardian"
    previous_member_id = _uuid(event.payload.get("previousMemberId"))
    if previous_member_id is not None:
        previous = await session.get(NetworkMember, previous_member_id)
        if previous is not None:
            recipients[previous.person_id] = "previous"
    new_person = _uuid(event.payload.get("personId"))
    if new_person is not None and new_person != event.actor_person_id:
        recipients[new_person] = "new"
    may = await allowed(session, event, list(recipients))
    for person_id, position in recipients.items():
        # The previous coordinator has left the network: the handover is their own record.
        if person_id not in may and position != "previous":
            continue
        await notify(
            session,
            recipient_id=person_id,
            kind=kinds.COORDINATOR_ASSIGNED,
            key=_key(kinds.COORDINATOR_ASSIGNED, event, person_id),
            child_id=event.child_id,
            payload={
                "childId": str(event.child_id),
                "memberId": event.payload.get("memberId"),
                "previousMemberId": event.payload.get("previousMemberId"),
                "position": position,
            },
            event_id=event.id,
        )


@rule(kinds.CONSENT_RECORDED, kinds.CONSENT_WITHDRAWN)
async def consent_changed(session: AsyncSession, event: Event) -> None:
    """A consent given or withdrawn reaches the child's current coordinator (unless the
    coordinator made the change, or may not read the consent's category)."""
    child_id = event.child_id or _uuid(event.payload.get("childId"))
    if child_id is None:
        return
    coordinators = await _active_members(session, child_id, NetworkRole.COORDINATOR)
    may = await allowed(session, event, [c.person_id for c in coordinators])
    for coordinator in coordinators:
        if coordinator.person_id == event.actor_person_id or coordinator.person_id not in may:
            continue
        await notify(
            session,
            recipient_id=coordinator.person_id,
            kind=event.kind,
            key=_key(event.kind, event, coordinator.person_id),
            child_id=child_id,
            payload={"childId": str(child_id), "consentId": event.payload.get("consentId")},
            event_id=event.id,
        )


@rule("child.updated")
async def protection_lowered(session: AsyncSession, event: Event) -> None:
    """A lowered address protection is told to the protected family: the people whose
    protection was lowered and the guardians with parental responsibility."""
    lowered = event.payload.get("protectionLowered")
    if not isinstance(lowered, dict) or event.child_id is None:
        return
    people = {p for v in lowered.get("personIds") or [] if (p := _uuid(v)) is not None}
    for guardian in await _active_members(session, event.child_id, NetworkRole.GUARDIAN):
        if guardian.has_parental_responsibility:
            people.add(guardian.person_id)
    people.discard(event.actor_person_id)
    for person_id in sorted(await allowed(session, event, sorted(people))):
        await notify(
            session,
            recipient_id=person_id,
            kind=kinds.PROTECTION_LOWERED,
            key=_key(kinds.PROTECTION_LOWERED, event, person_id),
            child_id=event.child_id,
            payload={"childId": str(event.child_id)},
            event_id=event.id,
        )
