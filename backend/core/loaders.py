"""The DataLoader every domain uses: strawberry's, with one race closed.

strawberry cancels a batch's dispatch task when every future in the batch is cancelled. When
that happens before the task has started, the batch is never marked dispatched and stays the
loader's current batch: every later `load` joins it and waits forever. A request's loaders
end with the request; the live hub's loaders (facts, lookups, memberships) live as long as
the process, so one subscriber leaving at that moment (a closed tab, a page left) would stop
every live stream in the process. Here a batch whose every future is cancelled is never
joined: the next load starts a new batch.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader as StrawberryDataLoader

K = TypeVar("K")
T = TypeVar("T")


class DataLoader(StrawberryDataLoader[K, T]):
    def load(self, key: K) -> Awaitable[T]:
        batch: Any = self.batch
        if (
            batch is not None
            and not batch.dispatched
            and batch.tasks
            and all(task.future.cancelled() for task in batch.tasks)
        ):
            self.batch = None  # abandoned: its dispatch may have been cancelled unstarted
        return super().load(key)


__all__ = ["DataLoader"]
