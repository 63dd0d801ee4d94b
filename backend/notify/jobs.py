"""The notification jobs: deliver one notification, write the daily digests, list what is due.

The same functions run in an arq worker (production) and in the in-process runner (embedded
default); `backend.jobs` decides when they run.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select

from backend.core.clock import OSLO
from backend.core.database import Database, utcnow
from backend.core.settings import Settings
from backend.events.models import Event
from backend.network.models import NetworkMember, NetworkRole
from backend.notify import kinds, mailer, service
from backend.notify.models import Channel, DigestState, NotificationStatus

log = logging.getLogger("koordinat.notify")

SWEEP_BATCH = 500


async def deliver(db: Database, settings: Settings, notification_id: uuid.UUID) -> str:
    """Deliver one notification if it is due and nobody else holds it; returns the outcome.

    Safe to run any number of times: only a run that claims the row sends, and the claim
    commits before the send starts, so no database lock is held while talking to SMTP.
    """
    async with db.writing() as session:
        claimed = await service.claim(session, notification_id, settings)
    if claimed is None:
        return "skipped"
    if claimed.channel is Channel.IN_APP:
        # A reminder in the app becomes visible at its due time.
        receipt = service.IN_APP_RECEIPT
    elif not claimed.email:
        async with db.writing() as session:
            status = await service.mark_failed(
                session, claimed, service.NO_ADDRESS, settings, permanent=True
            )
        return status.value
    else:
        subject, body = kinds.render_email(claimed.kind, claimed.payload, claimed.language)
        message = mailer.build_message(
            settings, claimed.email, subject, body, claimed.idempotency_key, claimed.language
        )
        try:
            receipt = await mailer.send(settings, message)
        except mailer.SendFailed as exc:
            async with db.writing() as session:
                status = await service.mark_failed(
                    session, claimed, str(exc), settings, permanent=exc.permanent
                )
            log.warning("notification %s attempt %d: %s", claimed.id, claimed.attempt, exc)
            return status.value
    async with db.writing() as session:
        await service.mark_sent(session, claimed, receipt)
    return NotificationStatus.SENT.value


async def due(
    db: Database, until: dt.datetime, limit: int = SWEEP_BATCH
) -> Sequence[tuple[uuid.UUID, dt.datetime]]:
    async with db.reading() as session:
        return await service.due_for_delivery(session, until, limit)


def latest_digest_time(now: dt.datetime, hour: int) -> dt.datetime:
    """The most recent digest time (the hour, Oslo time) at or before `now`, in UTC."""
    local = now.astimezone(OSLO)
    day = local.date()
    moment = dt.datetime.combine(day, dt.time(hour), tzinfo=OSLO)
    if moment > local:
        moment = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(hour), tzinfo=OSLO)
    return moment.astimezone(dt.UTC)


async def write_due_digests(
    db: Database, settings: Settings, now: dt.datetime | None = None
) -> int:
    """Write each coordinator's digest for the last period not yet covered; returns how
    many were written. Called at every sweep: cheap when nothing is due, and a worker that
    was down at the digest hour catches up when it comes back."""
    until = latest_digest_time(now or utcnow(), settings.digest_hour)
    async with db.reading() as session:
        coordinators = (
            await session.exec(
                select(NetworkMember.person_id)
                .distinct()
                .outerjoin(DigestState, col(DigestState.person_id) == NetworkMember.person_id)
                .where(
                    NetworkMember.role == NetworkRole.COORDINATOR.value,
                    col(NetworkMember.ended_at).is_(None),
                    sa.or_(
                        col(DigestState.covered_until).is_(None),
                        col(DigestState.covered_until) < until,
                    ),
                )
            )
        ).all()
    written = 0
    for person_id in coordinators:
        try:
            async with db.writing() as session:
                written += await _digest_for(session, person_id, until)
        except IntegrityError:
            # Another worker wrote this digest at the same moment.
            continue
    return written


async def _digest_for(session: Any, person_id: uuid.UUID, until: dt.datetime) -> int:
    state = await session.get(DigestState, person_id, with_for_update=True)
    if state is not None and state.covered_until >= until:
        return 0
    since = state.covered_until if state else until - dt.timedelta(days=1)
    caseload = select(NetworkMember.child_id).where(
        NetworkMember.person_id == person_id,
        NetworkMember.role == NetworkRole.COORDINATOR.value,
        col(NetworkMember.ended_at).is_(None),
    )
    rows = (
        await session.exec(
            select(Event.child_id, Event.kind, func.count())
            .where(
                col(Event.child_id).in_(caseload),
                col(Event.occurred_at) > since,
                col(Event.occurred_at) <= until,
                # What the coordinator did themselves is no news to them.
                sa.or_(
                    col(Event.actor_person_id).is_(None), col(Event.actor_person_id) != person_id
                ),
            )
            .group_by(col(Event.child_id), col(Event.kind))
        )
    ).all()
    children: dict[str, dict[str, int]] = {}
    for child_id, kind, count in rows:
        children.setdefault(str(child_id), {})[kind] = int(count)
    written = 0
    if children:
        summary = [
            {"childId": child_id, "changes": sum(by_kind.values()), "kinds": by_kind}
            for child_id, by_kind in sorted(children.items())
        ]
        await service.notify(
            session,
            recipient_id=person_id,
            kind=kinds.DIGEST,
            key=f"{kinds.DIGEST}:{person_id}:{until.isoformat()}",
            payload={
                "since": since.isoformat(),
                "until": until.isoformat(),
                "total": sum(sum(by_kind.values()) for by_kind in children.values()),
                "children": summary,
            },
            due_at=until,
        )
        written = 1
    if state is None:
        state = DigestState(person_id=person_id, covered_until=until)
    state.covered_until = until
    session.add(state)
    return written
