"""The caller."""

from __future__ import annotations

import strawberry

from backend.api.common import UserError
from backend.api.context import Info
from backend.api.writes import run_write
from backend.identity import service
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


@strawberry.input
class SetMyLanguageInput:
    language: str = strawberry.field(description="nb (bokmål), nn (nynorsk) or en.")


@strawberry.type
class MePayload:
    me: Person | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class IdentityMutation:
    @strawberry.mutation(
        description="The language Koordinat speaks to you: pages, messages and e-mails."
    )
    async def set_my_language(self, info: Info, input: SetMyLanguageInput) -> MePayload:
        actor = info.context.actor
        person, errors = await run_write(
            info, lambda s: service.set_preferred_language(s, actor, input.language)
        )
        if person is None:
            return MePayload(errors=errors)
        return MePayload(me=Person.from_row(person, contact_visible=True))
