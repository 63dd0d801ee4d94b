"""The shared DataLoader: a load that joins a batch whose every caller left still resolves.

Seen in the browser: a live page stopped updating for good. The live hub's loaders live as
long as the process; one subscriber cancelled while its load waited for dispatch left the
loader's batch undispatched, and every later load (every other subscriber's) joined it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from backend.core.loaders import DataLoader

BACKEND = Path(__file__).resolve().parents[2] / "backend"


async def _echo(keys: list[int]) -> list[int]:
    return keys


async def test_a_load_after_a_cancelled_one_resolves() -> None:
    loader: DataLoader[int, int] = DataLoader(_echo, cache=False)

    async def wait_for(key: int) -> int:
        return await loader.load(key)

    leaving = asyncio.create_task(wait_for(1))
    await asyncio.sleep(0)  # its load is in a batch whose dispatch is about to be scheduled
    leaving.cancel()  # the subscriber's client closed the tab
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert await asyncio.wait_for(loader.load(2), 5) == 2
    assert leaving.cancelled()
    # And the loader keeps working after that.
    assert await asyncio.wait_for(loader.load_many([3, 4]), 5) == [3, 4]


@pytest.mark.parametrize("cancel_after", [0, 1, 2, 3])
async def test_loads_around_a_cancellation_all_resolve(cancel_after: int) -> None:
    """Whatever the moment of the cancellation, the others get their answer."""
    loader: DataLoader[int, int] = DataLoader(_echo, cache=False)

    async def wait_for(key: int) -> int:
        return await loader.load(key)

    leaving = asyncio.create_task(wait_for(0))
    staying = [asyncio.ensure_future(loader.load(1))]
    for _ in range(cancel_after):
        await asyncio.sleep(0)
    leaving.cancel()
    staying.append(asyncio.ensure_future(loader.load(2)))
    await asyncio.sleep(0)
    staying.append(asyncio.ensure_future(loader.load(3)))
    assert await asyncio.wait_for(asyncio.gather(*staying), 5) == [1, 2, 3]


def test_every_loader_in_the_backend_is_the_shared_one() -> None:
    users = [
        str(path.relative_to(BACKEND))
        for path in BACKEND.rglob("*.py")
        if "strawberry.dataloader" in path.read_text() and path.name != "loaders.py"
    ]
    assert users == []
