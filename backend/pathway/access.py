"""Who may do what with a child's pathway, transitions and signals: asked of the Cedar
policies (policies/pathway.cedar), on the facts of the one child the question is about.

The pathway's own actions are named here, as the catalogue names its own: the foundation's
`Action` lists its and the plan's, and Cedar is asked by the action's name. A milestone is
no sensitive information: the child's network sees the pathway, and so does the
coordinating unit of the child's kommune, which keeps the kommune's deadlines.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar, cast

from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.authz import cedar
from backend.authz.access import AccessDenied, load_facts
from backend.authz.access import load_for_write as gate_load_for_write
from backend.authz.policy import Action, Category, ChildFacts, decide_on_child
from backend.catalogue.access import KommuneFacts
from backend.children.models import Child
from backend.core.errors import ErrorCode, UserError, fail
from backend.identity.actor import Actor


class PathwayAction(enum.Enum):
    VIEW = "viewPathway"
    MANAGE = "managePathway"
    UPDATE_OWN_ITEM = "updateOwnTransitionItem"
    RECORD_SIGNAL = "recordSignal"
    VIEW_TEMPLATES = "viewPathwayTemplates"
    MANAGE_TEMPLATES = "managePathwayTemplates"


def decide(
    actor: Actor,
    action: PathwayAction,
    facts: ChildFacts,
    category: Category = Category.BASIC,
    own: bool = False,
) -> bool:
    """One question about one child; decided (and cached) as the foundation's are: only the
    action's name reaches Cedar."""
    return decide_on_child(actor, cast(Action, action), facts, category, own)


def denied(child_id: uuid.UUID, action: PathwayAction, error: UserError) -> AccessDenied:
    """A refusal about a real child, logged in its access log under the action's name."""
    refusal = AccessDenied(child_id, Action.VIEW_CHILD, error)
    refusal.action = cast(Action, action)
    return refusal


Row = TypeVar("Row", bound=SQLModel)


async def load_for_write(
    session: AsyncSession,
    actor: Actor | None,
    model: type[Row],
    value: str,
    *,
    action: PathwayAction,
    field: str = "id",
    version: int | None = None,
    permitted: Callable[[Row, ChildFacts], bool] | None = None,
    readable: Callable[[Row, ChildFacts], Awaitable[bool]] | None = None,
) -> tuple[Row, ChildFacts]:
    """The row behind `value` for a write (`backend.authz.access.load_for_write`), with the
    pathway's reach: the network and the kommune's coordinating unit (viewPathway)."""
    return await gate_load_for_write(
        session,
        actor,
        model,
        value,
        action=cast(Action, action),
        field=field,
        version=version,
        permitted=permitted,
        readable=readable,
        reach=cast(Action, PathwayAction.VIEW),
    )


async def require_on_child(
    session: AsyncSession, actor: Actor | None, action: PathwayAction, child_id: uuid.UUID
) -> ChildFacts:
    """Refuse unless the caller may do `action` on this child; out of reach: NOT_FOUND."""
    exists = await session.get(Child, child_id) is not None
    if actor is None:
        if exists:
            raise denied(child_id, action, UserError(ErrorCode.UNAUTHENTICATED))
        fail(ErrorCode.UNAUTHENTICATED)
    assert actor is not None
    if not exists:
        fail(ErrorCode.NOT_FOUND, "childId")
    facts = (await load_facts(session, actor, [child_id]))[child_id]
    if not decide(actor, PathwayAction.VIEW, facts):
        raise denied(child_id, action, UserError(ErrorCode.NOT_FOUND, "childId"))
    if not decide(actor, action, facts):
        raise denied(child_id, action, UserError(ErrorCode.NOT_ALLOWED))
    await session.exec(select(Child.id).where(Child.id == child_id).with_for_update())
    return facts


def decide_for_kommune(actor: Actor, action: PathwayAction, facts: KommuneFacts) -> bool:
    """A question about a kommune's templates (no child's data): the catalogue's facts."""
    return cedar.decide(
        principal_id=str(actor.person_id),
        principal_kind=actor.kind.value,
        employed_by_kommune=actor.municipality_id is not None,
        action=action.value,
        resource_kind="Municipality",
        resource_id="kommune",
        context={
            "staffOfKommune": facts.staff_of_kommune,
            "inKommunesCoordinatingUnit": facts.in_coordinating_unit,
            "inNetworkInKommune": facts.in_network_in_kommune,
        },
    )
