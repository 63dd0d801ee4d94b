"""What the schedule needs from a queue, whichever queue it is (arq on Redis, or in process)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Protocol

DELIVER = "deliver_notification"


def job_id(notification_id: uuid.UUID, at: dt.datetime) -> str:
    """The job for one attempt at one notification: the same row and time give the same id,
    so the sweep can enqueue it again and again and it is queued once."""
    return f"notification:{notification_id}:{int(at.timestamp() * 1000)}"


class QueueUnavailable(Exception):
    """The queue cannot be reached right now (e.g. Redis is down); the next sweep retries."""


class Queue(Protocol):
    async def enqueue_delivery(self, notification_id: uuid.UUID, at: dt.datetime) -> bool:
        """Queue delivery of a notification at `at`; False if that job is already queued."""
        ...
