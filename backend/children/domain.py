"""The children domain as the registry sees it: the child at the centre of a network."""

from __future__ import annotations

from backend.api.context import Info
from backend.authz.policy import Category, ChildFacts
from backend.children.models import Child
from backend.children.schema import ChildrenMutation, ChildrenQuery
from backend.children.types import Child as ChildNode
from backend.events.models import Event
from backend.events.registry import Domain
from backend.events.visibility import Lookups, Reveals


async def render_child(info: Info, event: Event, facts: ChildFacts) -> ChildNode | None:
    """The child an event is about, with the reader's facts at the event."""
    async with info.context.db.reading() as session:
        row = await session.get(Child, event.child_id)
    return ChildNode.from_row(row, facts) if row else None


async def health_choice_reveals(event: Event, _: Lookups) -> Reveals:
    # The child's own choice about health information is health information.
    return Reveals(categories=(Category.HEALTH,))


DOMAIN = Domain(
    name="children",
    # What this domain shows changes with child events or rows the read cache checks.
    cache_checked=True,
    tables=(Child,),
    query=ChildrenQuery,
    mutation=ChildrenMutation,
    types=(ChildNode,),
    renderers={"child": render_child},
    categorizers={"child.health_withholding_changed": health_choice_reveals},
    # The caseload and the workspace: read again and again, changed by child events.
    cacheable_roots=frozenset({"child", "myChildren"}),
)
