"""The caller."""

from __future__ import annotations

import strawberry

from backend.api.context import Info
from backend.identity.types import Person


@strawberry.type
class IdentityQuery:
    @strawberry.field(description="You, or null when not signed in.")
    async def me(self, info: Info) -> Person | None:
        actor = info.context.actor
        if actor is None:
            return None
        row = await info.context.loaders.person.load(actor.person_id)
        return Person.from_row(row, contact_visible=True) if row else None
