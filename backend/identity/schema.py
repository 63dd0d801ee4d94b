"""The caller."""

from __future__ import annotations

import strawberry

from backend.api.common import UserError
from backend.api.context import Info
from backend.api.writes import run_write
from backend.authz.access import coordinating_unit_of
from backend.identity import service
from backend.identity.models import Person as PersonRow
from backend.identity.types import Person


@strawberry.type(description="You: your person, and what Koordinat lets you administer.")
class Me(Person):
    @strawberry.field(
        description="You are staff of your kommune's coordinating unit (koordinerende enhet): "
        "you register children and see the kommune's administration pages."
    )
    async def in_coordinating_unit(self, info: Info) -> bool:
        async with info.context.db.reading() as session:
            return await coordinating_unit_of(session, info.context.actor) is not None

    @strawberry.field(
        description="You lead your kommune's coordinating unit (enhetsleder): disagreements "
        "raised to its leader come to you (raisedDisagreements)."
    )
    async def leads_coordinating_unit(self, info: Info) -> bool:
        actor = info.context.actor
        async with info.context.db.reading() as session:
            if await coordinating_unit_of(session, actor) is None:
                return False
            assert actor is not None
            row = await session.get(PersonRow, actor.person_id)
            return bool(row and row.leads_service)

    @classmethod
    def of(cls, row: PersonRow) -> Me:
        person = Person.from_row(row, contact_visible=True)
        return cls(**{f: getattr(person, f) for f in person.__dataclass_fields__})


@strawberry.type
class IdentityQuery:
    @strawberry.field(description="You, or null when not signed in.")
    async def me(self, info: Info) -> Me | None:
        actor = info.context.actor
        if actor is None:
            return None
        row = await info.context.loaders.person.load(actor.person_id)
        return Me.of(row) if row else None


@strawberry.input
class SetMyLanguageInput:
    language: str = strawberry.field(description="nb (bokmål), nn (nynorsk) or en.")


@strawberry.type
class MePayload:
    # The same type as `me`, so a client's cache knows the answer changed its `me`.
    me: Me | None = None
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
        return MePayload(me=Me.of(person))
