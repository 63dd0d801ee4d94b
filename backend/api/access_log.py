"""Writes the access log once per operation, after it ran (one row per child touched)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from strawberry.extensions import SchemaExtension


class FlushAccessLog(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context.context
        gate = getattr(context, "gate", None)
        if gate is not None:
            await gate.flush(purpose=self.execution_context.operation_name or "GraphQL")
