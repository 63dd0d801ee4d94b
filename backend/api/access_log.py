"""Writes the access log once per operation (one row per child touched), and never lets an
answer leave that the log could not record.

- A write's rows go into the write's own transaction (`log_in_write`, called by `run_write`
  before it commits): both commit or neither. A log that cannot be written fails the write,
  which changed nothing: `UNAVAILABLE`, retryable.
- What the operation reads afterwards (a query, or a mutation's payload) is logged when the
  operation has run. If that fails, the answer is withheld: no data, `UNAVAILABLE` (nothing was
  changed, retryable), or `SAVED_RESULT_UNAVAILABLE` when a write of this operation has already
  committed (the client must not send it again, and must not think it failed).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from contextvars import ContextVar
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionContext
from strawberry.types.graphql import OperationType

from backend.api.errors import typed
from backend.audit.access_log import NewAccessLogRow, insert_rows
from backend.audit.purposes import purpose_of
from backend.audit.service import append_access_log
from backend.authz.access import Gate
from backend.core.database import Reads
from backend.core.errors import ErrorCode

log = logging.getLogger("koordinat.access_log")

# The running operation, so a write inside it can log with the operation's purpose.
_operation: ContextVar[ExecutionContext | None] = ContextVar("koordinat_operation", default=None)
# Whether a write of the running operation has committed (set by `run_write`).
_committed: ContextVar[list[bool] | None] = ContextVar("koordinat_committed", default=None)


class FlushAccessLog(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        committed: list[bool] = []
        operation = _operation.set(self.execution_context)
        wrote = _committed.set(committed)
        context = self.execution_context.context
        gate = getattr(context, "gate", None)
        reads: Reads | None = getattr(context, "reads", None)
        # A query over HTTP reads in one transaction (its loaders and gate share it); a
        # mutation's reads stay short, so none holds a snapshot from before its write.
        share = (
            reads is not None
            and getattr(context, "via", None) == "http"
            and self.execution_context.operation_type is OperationType.QUERY
        )
        async with AsyncExitStack() as stack:
            if share:
                assert reads is not None
                await stack.enter_async_context(reads.shared())
            try:
                yield
            finally:
                try:
                    _operation.reset(operation)
                    _committed.reset(wrote)
                except ValueError:  # ended in another context (a socket's task): nothing leaks
                    pass
            if gate is None:
                return
            try:
                entries = await gate.entries(await purpose_of(self.execution_context))
                await stack.aclose()  # the read transaction ends before the log's write
                await append_access_log(gate.db, entries)
            except Exception as exc:
                await self._failed(exc, bool(committed))

    async def _failed(self, exc: Exception, committed: bool) -> None:
        result = self.execution_context.result
        if result is None:
            raise exc
        # The reads cannot be recorded: withhold the answer (a read not logged is not made).
        log.error("access log not written; answer withheld", exc_info=exc)
        self._withhold(result, committed)

    def _withhold(self, result: Any, committed: bool) -> None:
        language = getattr(self.execution_context.context, "language", None)
        code = ErrorCode.SAVED_RESULT_UNAVAILABLE if committed else ErrorCode.UNAVAILABLE
        result.data = None
        result.errors = [typed(code, language, committed=committed)]


async def log_in_write(session: AsyncSession, gate: Gate) -> list[NewAccessLogRow]:
    """Adds the rows noted so far in this operation to a write's transaction."""
    operation = _operation.get()
    if operation is None:
        return []
    entries = await gate.entries(await purpose_of(operation))
    try:
        await insert_rows(session, entries)
    except Exception:
        # Not written: the operation's final flush must still have them (or withhold).
        note_again(gate, entries)
        raise
    return entries


def note_again(gate: Gate, entries: list[NewAccessLogRow]) -> None:
    """Rows of a write that rolled back: noted again, so the operation's final flush has them."""
    for entry in entries:
        for what in entry.what:
            gate.note_read(entry.child_id, what)
        for what in entry.refused:
            gate.note_refused(entry.child_id, what)


def mark_committed() -> None:
    committed = _committed.get()
    if committed is not None:
        committed.append(True)
