"""Runs one mutation's service call in one transaction and reports user errors."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.api.access_log import log_in_write, mark_committed, note_again
from backend.api.common import QueryError, UserError, user_errors
from backend.api.context import Info
from backend.api.errors import connection_lost, extensions, message
from backend.audit.access_log import NewAccessLogRow
from backend.authz.access import AccessDenied
from backend.core.errors import ErrorCode, UserErrors
from backend.core.errors import UserError as DomainUserError
from backend.events.hub import written_hints

T = TypeVar("T")
log = logging.getLogger("koordinat.writes")


async def run_write(
    info: Info, action: Callable[[AsyncSession], Awaitable[T]]
) -> tuple[T | None, list[UserError]]:
    """Commit everything `action` wrote, or nothing at all when it reports an error.

    The operation's access-log rows noted so far commit with the write (see access_log.py):
    a log that cannot be written fails the write. A connection lost while committing leaves
    the outcome unknown, and the client is told exactly that (`OUTCOME_UNKNOWN`).
    """
    language = info.context.language
    gate = info.context.gate
    entries: list[NewAccessLogRow] = []
    committing = False
    try:
        async with info.context.db.writing() as session:
            result = await action(session)
            await session.flush()
            try:
                entries = await log_in_write(session, gate)
                await session.flush()
            except Exception as exc:
                # The log refused its rows (locked, revoked, broken): the write is not made.
                log.error("access log not written; write rolled back", exc_info=exc)
                raise QueryError(
                    message(ErrorCode.UNAVAILABLE, language),
                    extensions=extensions(ErrorCode.UNAVAILABLE),
                ) from exc
            committing = True
    except AccessDenied as exc:
        # Refusals are logged like refused reads ("every denial is logged").
        gate.note_refused(exc.child_id, exc.action.value)
        return None, user_errors(exc, language)
    except UserErrors as exc:
        return None, user_errors(exc, language)
    except IntegrityError:
        # A concurrent writer won a uniqueness race; the transaction rolled back.
        note_again(gate, entries)
        return None, user_errors([DomainUserError(ErrorCode.DUPLICATE)], language)
    except QueryError:
        note_again(gate, entries)
        raise
    except Exception as exc:
        note_again(gate, entries)
        if committing and connection_lost(exc):
            raise QueryError(
                message(ErrorCode.OUTCOME_UNKNOWN, language),
                extensions=extensions(ErrorCode.OUTCOME_UNKNOWN),
            ) from exc
        raise
    mark_committed()
    if info.context.live is not None:
        # Committed: hint the subscribers (best effort; they re-check the table anyway).
        info.context.live.announce(written_hints(session))
    return result, []
