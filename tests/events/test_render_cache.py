"""The shared render of an event: when the subscriber rendering it for everyone with the same
view leaves (its client closed the tab), the others still get the event."""

from __future__ import annotations

import asyncio

from backend.events.render import RenderCache, Rendered
from graphql import ExecutionResult


def _rendered(text: str) -> Rendered:
    return Rendered(result=ExecutionResult(data={"text": text}), reads={}, refused={})


async def test_a_waiter_renders_for_itself_when_the_first_renderer_is_cancelled() -> None:
    cache = RenderCache(8)
    started = asyncio.Event()

    async def slow() -> Rendered:
        started.set()
        await asyncio.sleep(30)
        return _rendered("first")

    async def quick() -> Rendered:
        return _rendered("second")

    first = asyncio.create_task(cache.get("event-view", slow))
    await started.wait()
    second = asyncio.create_task(cache.get("event-view", quick))
    await asyncio.sleep(0)
    first.cancel()
    result = await asyncio.wait_for(second, 5)
    assert result.result.data == {"text": "second"}
    assert first.cancelled()
    # Its render is kept for the next one with the same view.
    assert (await cache.get("event-view", slow)).result.data == {"text": "second"}


async def test_a_cancelled_waiter_stays_cancelled() -> None:
    cache = RenderCache(8)
    started = asyncio.Event()
    release = asyncio.Event()

    async def slow() -> Rendered:
        started.set()
        await release.wait()
        return _rendered("first")

    first = asyncio.create_task(cache.get("event-view", slow))
    await started.wait()
    waiter = asyncio.create_task(cache.get("event-view", slow))
    await asyncio.sleep(0)
    waiter.cancel()
    await asyncio.gather(waiter, return_exceptions=True)
    assert waiter.cancelled()
    release.set()
    assert (await first).result.data == {"text": "first"}
