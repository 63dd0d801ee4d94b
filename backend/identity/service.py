"""The person's own settings: the one write path for what a person chooses for themselves."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from backend.audit import service as audit
from backend.core.errors import ErrorCode, UserError, UserErrors
from backend.core.i18n import LANGUAGES
from backend.identity.actor import Actor
from backend.identity.models import Person


async def set_preferred_language(
    session: AsyncSession, actor: Actor | None, language: str
) -> Person:
    """The language Koordinat speaks to this person: the web app, user errors and e-mails."""
    if actor is None:
        raise UserErrors([UserError(ErrorCode.UNAUTHENTICATED)])
    if language not in LANGUAGES:
        raise UserErrors([UserError(ErrorCode.INVALID, "language")])
    person = await session.get(Person, actor.person_id, with_for_update=True)
    if person is None:
        raise UserErrors([UserError(ErrorCode.UNAUTHENTICATED)])
    if person.preferred_language != language:
        previous = person.preferred_language
        person.preferred_language = language
        person.version += 1
        session.add(person)
        audit.record(
            session,
            actor,
            action="person.language_set",
            entity_type="person",
            entity_id=person.id,
            child_id=None,
            detail={"from": previous, "to": language},
        )
    return person
