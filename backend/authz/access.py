"""The data-access gate: every read or write of a child's data asks here first.

A check always names the record (the child); "not found" and "forbidden" give the same
answer to someone outside the child's network.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.authz.policy import Action, allowed_globally, allowed_on_child
from backend.core.errors import ErrorCode, fail
from backend.identity.actor import Actor
from backend.network.models import NetworkMember, NetworkRole


async def roles_in_network(
    session: AsyncSession, actor: Actor, child_id: uuid.UUID
) -> frozenset[NetworkRole]:
    rows = await session.exec(
        select(NetworkMember.role).where(
            NetworkMember.child_id == child_id,
            NetworkMember.person_id == actor.person_id,
            col(NetworkMember.ended_at).is_(None),
        )
    )
    return frozenset(NetworkRole(role) for role in rows.all())


async def roles_by_child(
    session: AsyncSession, actor: Actor, child_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, frozenset[NetworkRole]]:
    ids = list(set(child_ids))
    if not ids:
        return {}
    rows = await session.exec(
        select(NetworkMember.child_id, NetworkMember.role).where(
            col(NetworkMember.child_id).in_(ids),
            NetworkMember.person_id == actor.person_id,
            col(NetworkMember.ended_at).is_(None),
        )
    )
    found: dict[uuid.UUID, set[NetworkRole]] = {}
    for child_id, role in rows.all():
        found.setdefault(child_id, set()).add(NetworkRole(role))
    return {child_id: frozenset(roles) for child_id, roles in found.items()}


def require_actor(actor: Actor | None) -> Actor:
    if actor is None:
        fail(ErrorCode.UNAUTHENTICATED)
    assert actor is not None
    return actor


async def require_on_child(
    session: AsyncSession, actor: Actor | None, action: Action, child_id: uuid.UUID
) -> frozenset[NetworkRole]:
    """Refuse unless the caller may do `action` on this child; outsiders get NOT_FOUND."""
    actor = require_actor(actor)
    roles = await roles_in_network(session, actor, child_id)
    if not allowed_on_child(Action.VIEW_CHILD, roles):
        fail(ErrorCode.NOT_FOUND, "childId")
    if not allowed_on_child(action, roles):
        fail(ErrorCode.NOT_ALLOWED)
    return roles


def require_global(actor: Actor | None, action: Action) -> Actor:
    actor = require_actor(actor)
    if not allowed_globally(actor, action):
        fail(ErrorCode.NOT_ALLOWED)
    return actor


async def may_see_child(session: AsyncSession, actor: Actor | None, child_id: uuid.UUID) -> bool:
    """Whether the caller may see anything of this child right now (e.g. at event delivery)."""
    if actor is None:
        return False
    roles = await roles_in_network(session, actor, child_id)
    return allowed_on_child(Action.VIEW_CHILD, roles)
