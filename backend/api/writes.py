"""Runs one mutation's service call in one transaction and reports user errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.api.common import UserError, user_errors
from backend.api.context import Info
from backend.authz.access import AccessDenied
from backend.core.errors import ErrorCode, UserErrors
from backend.core.errors import UserError as DomainUserError
from backend.events.hub import written_heads

T = TypeVar("T")


async def run_write(
    info: Info, action: Callable[[AsyncSession], Awaitable[T]]
) -> tuple[T | None, list[UserError]]:
    """Commit everything `action` wrote, or nothing at all when it reports an error."""
    language = info.context.language
    try:
        async with info.context.db.writing() as session:
            result = await action(session)
    except AccessDenied as exc:
        # Refusals are logged like refused reads ("every denial is logged").
        info.context.gate.note_refused(exc.child_id, exc.action.value)
        return None, user_errors(exc, language)
    except UserErrors as exc:
        return None, user_errors(exc, language)
    except IntegrityError:
        # A concurrent writer won a uniqueness race; the transaction rolled back.
        return None, user_errors([DomainUserError(ErrorCode.DUPLICATE)], language)
    if info.context.live is not None:
        # Committed: hint the subscribers (best effort; they re-check the table anyway).
        info.context.live.announce(written_heads(session))
    return result, []
