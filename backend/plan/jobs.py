"""The plan's daily job: overdue evaluations and tasks remind the responsible person.

For every item overdue on the day, one event (`plan.evaluation_overdue`, `plan.task_overdue`)
per item and due date, recorded through `record_change`, so the notification rule writes its
rows in the same transaction. A reminder row per item and due date makes the job idempotent:
run it twice, or on two workers at once, and each item is told once per due date.
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
from backend.network.models import NetworkMember
from backend.plan.logic import Due, overdue_items
from backend.plan.models import Plan, PlanReminder
from backend.plan.queries import load_parts

log = logging.getLogger("koordinat.plan")

# Plans read per pass (their parts in one statement per table).
BATCH = 200


async def record_overdue(db: Database, day: dt.date | None = None) -> int:
    """Record what is overdue on `day` (default: today) and not recorded yet; returns how
    many events were recorded."""
    day = day or today()
    recorded = 0
    after: uuid.UUID | None = None
    while True:
        async with db.reading() as session:
            query = select(Plan).where(col(Plan.ended_at).is_(None)).order_by(col(Plan.id))
            if after is not None:
                query = query.where(col(Plan.id) > after)
            plans = list((await session.exec(query.limit(BATCH))).all())
            if not plans:
                return recorded
            parts = await load_parts(session, [p.id for p in plans])
            dues = {p.id: overdue_items(p, parts[p.id], day) for p in plans}
            wanted = [d.entity_id for found in dues.values() for d in found]
            done: set[tuple[uuid.UUID, str, dt.date]] = set()
            if wanted:
                rows = await session.exec(
                    select(PlanReminder).where(col(PlanReminder.entity_id).in_(wanted))
                )
                done = {(r.entity_id, r.kind, r.due_on) for r in rows.all()}
        for plan in plans:
            new = [d for d in dues[plan.id] if (d.entity_id, d.kind, d.due_on) not in done]
            if new:
                recorded += await _record(db, plan, new)
        after = plans[-1].id


async def _record(db: Database, plan: Plan, dues: list[Due]) -> int:
    """One plan's reminders in one transaction; another worker's at the same moment wins."""
    try:
        async with db.writing() as session:
            people = {
                m.id: m.person_id
                for m in (
                    await session.exec(
                        select(NetworkMember).where(
                            col(NetworkMember.id).in_(
                                [d.member_id for d in dues if d.member_id is not None]
                            )
                        )
                    )
                ).all()
            }
            for due in dues:
                session.add(
                    PlanReminder(
                        child_id=plan.child_id,
                        entity_id=due.entity_id,
                        kind=due.kind,
                        due_on=due.due_on,
                    )
                )
                await session.flush()  # the unique reminder first: a second run stops here
                person = people.get(due.member_id) if due.member_id else None
                key = (
                    "assigneePersonId" if due.entity_type == "plan_task" else "responsiblePersonId"
                )
                await record_change(
                    session,
                    None,
                    kind=due.kind,
                    entity_type=due.entity_type,
                    entity_id=due.entity_id,
                    child_id=plan.child_id,
                    payload={
                        "planId": str(plan.id),
                        "category": due.category,
                        "serviceId": str(due.service_id) if due.service_id else None,
                        "dueOn": due.due_on.isoformat(),
                        **({key: str(person)} if person else {}),
                    },
                )
    except IntegrityError:
        log.info("overdue reminders of plan %s were recorded by another run", plan.id)
        return 0
    return len(dues)
