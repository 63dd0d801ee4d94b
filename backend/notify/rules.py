"""Notification rules: which events tell whom, written in the transaction of the change.

`record_change` calls `apply_rules` for every event it appends, so a rule sees the change
as its writer left it and the notification rows commit, or roll back, with it. Domains never
call the notifier themselves. A rule writes rows only (no e-mail, no Redis): the jobs deliver
them after the commit.

A new event-driven kind is one function here, decorated with the event kinds it answers.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.events.models import Event
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
    for person_id, position in recipients.items():
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
    """A consent given or withdrawn reaches the child's current coordinator
    (unless the coordinator made the change)."""
    child_id = event.child_id or _uuid(event.payload.get("childId"))
    if child_id is None:
        return
    for coordinator in await _active_members(session, child_id, NetworkRole.COORDINATOR):
        if coordinator.person_id == event.actor_person_id:
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
