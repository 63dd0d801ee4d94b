"""The notification jobs: deliver one notification, write the daily digests, list what is due.

The same functions run in an arq worker (production) and in the in-process runner (embedded
default); `backend.jobs` decides when they run.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import col, select

from backend.authz.access import load_facts
from backend.core.clock import OSLO
from backend.core.database import Database, utcnow
from backend.core.settings import Settings
from backend.events import registry
from backend.events.models import Event
from backend.events.registry import EmailAttachment
from backend.events.visibility import may_know, reveals_of, session_lookups
from backend.identity.actor import Actor
from backend.identity.models import Person
from backend.network.models import NetworkMember, NetworkRole
from backend.notify import kinds, mailer, service
from backend.notify.models import Channel, DigestState, NotificationStatus

log = logging.getLogger("koordinat.notify")

# Rows one sweep takes per transaction; it takes batches until nothing due is left.
SWEEP_BATCH = 500

# Pauses between attempts to record a send the server accepted (doubling up to the cap).
MARK_SENT_FIRST_PAUSE = 0.1
MARK_SENT_MAX_PAUSE = 5.0


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
            settings,
            claimed.email,
            subject,
            body,
            claimed.delivery_id,
            claimed.language,
            await _attachments(db, settings, claimed),
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
    await _mark_sent(db, claimed, receipt)
    log.info("notification %s sent", claimed.id)
    return NotificationStatus.SENT.value


async def _attachments(
    db: Database, settings: Settings, claimed: service.Claimed
) -> Sequence[EmailAttachment]:
    """What the e-mail of this kind carries (a meeting's .ics), as its domain builds it now.
    A domain that cannot build it does not hold the message back: the text is sent alone."""
    build = registry.email_attachments_for(claimed.kind)
    if build is None:
        return ()
    try:
        return await build(db, settings, claimed.recipient_id, claimed.payload, claimed.language)
    except Exception:
        log.exception("notification %s: its attachment could not be built", claimed.id)
        return ()


async def _mark_sent(db: Database, claimed: service.Claimed, receipt: str) -> None:
    """Record the delivery, trying again with backoff while the database is away.

    The server has taken the message: a row left unmarked would be sent again once the
    lease runs out. Marking is idempotent, so it is retried until the lease is nearly over
    (after that another worker may take the row anyway)."""
    pause = MARK_SENT_FIRST_PAUSE
    while True:
        try:
            async with db.writing() as session:
                await service.mark_sent(session, claimed, receipt)
            return
        except (SQLAlchemyError, OSError) as exc:
            left = (claimed.lease_until - utcnow()).total_seconds()
            if left <= pause:
                log.error("notification %s was sent but could not be marked: %s", claimed.id, exc)
                raise
            log.warning(
                "notification %s was sent; marking it failed (%s), trying again in %.1fs",
                claimed.id,
                type(exc).__name__,
                pause,
            )
            await asyncio.sleep(pause)
            pause = min(pause * 2, MARK_SENT_MAX_PAUSE)


async def take_due(
    db: Database, until: dt.datetime, hold_until: dt.datetime, limit: int = SWEEP_BATCH
) -> Sequence[tuple[uuid.UUID, dt.datetime]]:
    """Rows due by `until` that no other sweep holds, now held by this one (see
    `service.queue_for_delivery`)."""
    async with db.writing() as session:
        return await service.queue_for_delivery(session, until, hold_until, limit)


async def release(db: Database, ids: Sequence[uuid.UUID]) -> None:
    async with db.writing() as session:
        await service.release_queued(session, ids)


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
    many were written. Called at every pass of the digest loop: cheap when nothing is due,
    and a worker that was down at the digest hour catches up when it comes back."""
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


async def _knowable(session: Any, person_id: uuid.UUID, events: list[Event]) -> list[Event]:
    """The events this person may know of, decided as live delivery decides them (a digest
    counting a barnevern consent tells the coordinator that there is one)."""
    person = await session.get(Person, person_id)
    if person is None or not events:
        return []
    actor = Actor.from_person(person, auth_method="system")
    child_ids = list(dict.fromkeys(e.child_id for e in events if e.child_id is not None))
    facts = await load_facts(session, actor, child_ids)
    # All at once, so that what the categorizers look up is one statement per lookup.
    reveals = await reveals_of(events, session_lookups(session))
    return [
        e
        for e, r in zip(events, reveals, strict=True)
        if e.child_id is not None and may_know(actor, facts[e.child_id], r)
    ]


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
    events = (
        await session.exec(
            select(Event)
            .where(
                col(Event.child_id).in_(caseload),
                col(Event.occurred_at) > since,
                col(Event.occurred_at) <= until,
                # What the coordinator did themselves is no news to them.
                sa.or_(
                    col(Event.actor_person_id).is_(None), col(Event.actor_person_id) != person_id
                ),
            )
            .order_by(col(Event.child_id), col(Event.seq))
        )
    ).all()
    children: dict[str, dict[str, int]] = {}
    for event in await _knowable(session, person_id, list(events)):
        by_kind = children.setdefault(str(event.child_id), {})
        by_kind[event.kind] = by_kind.get(event.kind, 0) + 1
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
