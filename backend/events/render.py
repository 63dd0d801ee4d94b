"""Render an event once for every subscriber who would get the same bytes.

graphql-core executes a subscription's selection set once per event per subscriber. When
many people follow one child with the same document and the same view of the child, that
is the same work repeated. The executor below looks up (event, selection, view) in a
per-process cache first: the first subscriber renders (with a fresh context, so no loader
cache outlives the event), the others wait for that render and reuse its encoded JSON.
Results with errors are never shared.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentSpreadNode,
    GraphQLResolveInfo,
    VariableNode,
    Visitor,
    print_ast,
    visit,
)

if TYPE_CHECKING:
    from backend.api.context import Context


class RenderedData(dict[str, Any]):
    """A result's data with its `{"data": ...}` JSON encoded once, for every receiver."""

    encoded: str = ""


@dataclass
class Rendered:
    result: ExecutionResult
    # What the render read and was refused, per child, for each receiver's access log.
    reads: dict[Any, set[str]]
    refused: dict[Any, set[str]]


@dataclass
class AccessNotes:
    """The reads of one subscription, written to the access log when it goes idle."""

    reads: dict[Any, set[str]] = field(default_factory=dict)
    refused: dict[Any, set[str]] = field(default_factory=dict)

    def absorb(self, rendered: Rendered) -> None:
        for child_id, what in rendered.reads.items():
            self.reads.setdefault(child_id, set()).update(what)
        for child_id, what in rendered.refused.items():
            self.refused.setdefault(child_id, set()).update(what)


@dataclass
class Share:
    """Attached to a delivered event: how to render it and with whom it may be shared."""

    cache: RenderCache
    # None: render for this subscriber alone.
    key: Hashable | None
    make_context: Callable[[], Context]
    notes: AccessNotes


class RenderCache:
    """LRU of rendered events; concurrent requests for one key wait for a single render."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._done: OrderedDict[Hashable, Rendered] = OrderedDict()
        self._pending: dict[Hashable, asyncio.Future[Rendered]] = {}
        self.renders = 0
        self.hits = 0

    async def get(
        self, key: Hashable | None, render: Callable[[], Awaitable[Rendered]]
    ) -> Rendered:
        if key is None or self.size <= 0:
            self.renders += 1
            return await render()
        found = self._done.get(key)
        if found is not None:
            self._done.move_to_end(key)
            self.hits += 1
            return found
        pending = self._pending.get(key)
        if pending is not None:
            try:
                found = await asyncio.shield(pending)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise  # this subscriber itself is ending
                # The subscriber rendering for everyone left (its client closed the tab):
                # its cancellation is not ours; render (or wait for the next one) instead.
                return await self.get(key, render)
            self.hits += 1
            return found
        future: asyncio.Future[Rendered] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            self.renders += 1
            rendered = await render()
        except asyncio.CancelledError:
            future.cancel()  # waiters render for themselves (above)
            raise
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters get it, nobody logs it twice
            raise
        finally:
            self._pending.pop(key, None)
        future.set_result(rendered)
        if not rendered.result.errors:
            self._done[key] = rendered
            while len(self._done) > self.size:
                self._done.popitem(last=False)
        return rendered


class EventExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, with shared rendering of subscription events (see above)."""

    def execute_operation(self, serially: bool | None = None) -> Any:
        share = getattr(self.root_value, "share", None)
        if not isinstance(share, Share):
            return super().execute_operation(serially)
        return self._deliver(share, super().execute_operation, serially)

    async def _deliver(
        self, share: Share, execute: Callable[[bool | None], Any], serially: bool | None
    ) -> ExecutionResult:
        async def render() -> Rendered:
            context = share.make_context()
            self.context_value = context
            result = execute(serially)
            if self.is_awaitable(result):
                result = await result
            assert isinstance(result, ExecutionResult)
            gate = context.gate
            # The render's own gate saw what was read; each receiver logs it as theirs.
            reads = {c: set(w) for c, w in gate._read.items()}
            refused = {c: set(w) for c, w in gate._refused.items()}
            if result.errors or result.data is None:
                return Rendered(result, reads, refused)
            data = RenderedData(result.data)
            data.encoded = orjson.dumps({"data": result.data}).decode()
            return Rendered(ExecutionResult(data=data), reads, refused)

        rendered = await share.cache.get(share.key, render)
        share.notes.absorb(rendered)
        return rendered.result


class _Collect(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.variables: set[str] = set()
        self.fields: set[str] = set()
        self.spreads: set[str] = set()

    def enter_variable(self, node: VariableNode, *_: object) -> None:
        self.variables.add(node.name.value)

    def enter_field(self, node: FieldNode, *_: object) -> None:
        self.fields.add(node.name.value)

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: object) -> None:
        self.spreads.add(node.name.value)


@dataclass(frozen=True)
class Selection:
    """What a subscriber asked for under the subscription field, as a hashable key."""

    digest: str
    fields: frozenset[str]


def selection_of(info: GraphQLResolveInfo) -> Selection:
    """Key the selection below the root field: its arguments (child, cursor) do not count."""
    collect = _Collect()
    printed = [str(info.path.key)]
    for node in info.field_nodes:
        if node.selection_set is not None:
            visit(node.selection_set, collect)
            printed.append(print_ast(node.selection_set))
    seen: set[str] = set()
    while collect.spreads - seen:
        name = sorted(collect.spreads - seen)[0]
        seen.add(name)
        fragment = info.fragments.get(name)
        if fragment is not None:
            visit(fragment, collect)
            printed.append(print_ast(fragment))
    # Strawberry hands resolvers the plain coerced dict; graphql-core types it as a container.
    raw: Any = info.variable_values
    values: dict[str, Any] = getattr(raw, "coerced", raw)
    variables = {name: values.get(name) for name in sorted(collect.variables)}
    material = orjson.dumps([printed, variables], default=str, option=orjson.OPT_SORT_KEYS)
    return Selection(
        digest=hashlib.blake2b(material, digest_size=16).hexdigest(),
        fields=frozenset(collect.fields),
    )
