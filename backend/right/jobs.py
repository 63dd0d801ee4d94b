"""The right's daily job: a decision that will be late reminds the coordinating unit in
advance, and one that is late alerts it.

For every request awaiting the kommune's decision, one event per request, kind and due date
(`right.decision_due_soon` from `SOON_DAYS` before the due day, `right.decision_overdue` the
day after it), recorded through `record_change`, so the notification rule writes its rows in
the same transaction. A reminder row per request, kind and due date makes the job idempotent:
run it twice, on two workers at once, or again after a restart, and each is told once. A new
due date (the Statsforvalteren sent the case back) is told again.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from backend.core.clock import today
from backend.core.database import Database
from backend.events.service import record_change
from backend.right.models import CoordinatorRequest, DecisionReminder, RequestStatus
from backend.right.service import ENTITY_TYPE, event_payload

log = logging.getLogger("koordinat.right")

DUE_SOON = "right.decision_due_soon"
OVERDUE = "right.decision_overdue"
# Told this many days before the due day (and on each of them, once).
SOON_DAYS = 3
BATCH = 200


def due_kind(due_on: dt.date, day: dt.date) -> str | None:
    """What is to be told of a decision due on `due_on`, on `day`."""
    if day > due_on:
        return OVERDUE
    if day >= due_on - dt.timedelta(days=SOON_DAYS):
        return DUE_SOON
    return None


async def record_decisions_due(db: Database, day: dt.date | None = None) -> int:
    """Record the decisions soon due or late on `day` (default: today) not recorded yet;
    returns how many events were recorded."""
    day = day or today()
    recorded = 0
    after: uuid.UUID | None = None
    while True:
        async with db.reading() as session:
            query = (
                select(CoordinatorRequest)
                .where(CoordinatorRequest.status == RequestStatus.AWAITING_DECISION.value)
                .order_by(col(CoordinatorRequest.id))
            )
            if after is not None:
                query = query.where(col(CoordinatorRequest.id) > after)
            requests = list((await session.exec(query.limit(BATCH))).all())
            if not requests:
                return recorded
            wanted = {r.id: due_kind(r.decision_due_on, day) for r in requests}
            done = {
                (r.request_id, r.kind, r.due_on)
                for r in (
                    await session.exec(
                        select(DecisionReminder).where(
                            col(DecisionReminder.request_id).in_(
                                [i for i, kind in wanted.items() if kind]
                            )
                        )
                    )
                ).all()
            }
        for request in requests:
            kind = wanted[request.id]
            if kind and (request.id, kind, request.decision_due_on) not in done:
                recorded += await _record(db, request, kind)
        after = requests[-1].id


async def _record(db: Database, request: CoordinatorRequest, kind: str) -> int:
    try:
        async with db.writing() as session:
            session.add(
                DecisionReminder(request_id=request.id, kind=kind, due_on=request.decision_due_on)
            )
            await session.flush()  # the unique reminder first: a second run stops here
            await record_change(
                session,
                None,
                kind=kind,
                entity_type=ENTITY_TYPE,
                entity_id=request.id,
                child_id=request.child_id,
                payload=event_payload(request, due_on=request.decision_due_on.isoformat()),
            )
    except IntegrityError:
        log.info("decision reminder of request %s was recorded by another run", request.id)
        return 0
    return 1
