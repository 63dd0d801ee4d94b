"""Whom the right's events tell, and what knowing of them reveals.

The family is told of every decision, reassessment and outcome: the one who asked and the
child's guardians with parental responsibility, in-app and by e-mail, each in their own
language. The e-mail says only that something was decided (no names, no situation, no
address): the rest is read in Koordinat.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.authz.access import age_on
from backend.authz.policy import Category
from backend.children.models import Child
from backend.core.actor import PersonKind
from backend.core.clock import today
from backend.events.models import Event
from backend.events.visibility import Reveals, uuids
from backend.identity.models import Person
from backend.network.models import NetworkMember, NetworkRole, ServiceProvider, ServiceType
from backend.notify import kinds
from backend.notify.rules import allowed
from backend.notify.service import notify
from backend.right.logic import READS_FROM_AGE

DECIDED = "right.decided"
REASSESSED = "right.appeal_reassessed"
STATSFORVALTER = "right.statsforvalter_outcome"
SUBMITTED = "right.request_submitted"
APPEALED = "right.appealed"
# What the coordinating unit is told: a request or an appeal waits in its inbox.
REQUEST_RECEIVED = "right.request_received"
APPEAL_RECEIVED = "right.appeal_received"
# The daily job's (backend/right/jobs.py): the unit's decision is soon due, or late.
DECISION_DUE_SOON = "right.decision_due_soon"
DECISION_OVERDUE = "right.decision_overdue"


async def categorize(event: Event, lookups: Any) -> Reveals:
    """That a child's family asked for a coordinator, and how it went, reaches those who
    read the request (policies/right.cedar) and nobody else: the guardians with parental
    responsibility, the child from 12, the child's coordinator and the one who asked (their
    own record). In the network exactly those read the consent records (no consent can name
    that category, so no service reaches it by consent); family information would reach a
    service with a consent to it, and the child under 12, who may not read the request."""
    return Reveals(
        owned=(Category.CONSENTS,),
        own_people=uuids([event.payload.get("submitted_by_person_id")]),
    )


CATEGORIZERS = {"entity:coordinator_request": categorize}


@kinds.register(DECIDED, "A decision was made on a request for a barnekoordinator.")
def _text_decided(payload: kinds.Payload, language: str) -> kinds.Text:
    return kinds.both(
        ("Vedtak om barnekoordinator", "Vedtak om barnekoordinator", "Barnekoordinator decision"),
        (
            "Det er fattet et vedtak om barnekoordinator. Åpne Koordinat for å lese det.",
            "Det er gjort eit vedtak om barnekoordinator. Opne Koordinat for å lese det.",
            "A decision was made on the request for a barnekoordinator. Open Koordinat to read it.",
        ),
        language,
    )


@kinds.register(REASSESSED, "The kommune reassessed an appeal on a barnekoordinator.")
def _text_reassessed(payload: kinds.Payload, language: str) -> kinds.Text:
    return kinds.both(
        ("Klagen er vurdert", "Klaga er vurdert", "The appeal was reassessed"),
        (
            "Kommunen har vurdert klagen om barnekoordinator på nytt. Åpne Koordinat for å "
            "lese hva som skjer videre.",
            "Kommunen har vurdert klaga om barnekoordinator på nytt. Opne Koordinat for å "
            "lese kva som skjer vidare.",
            "The kommune reassessed the appeal on a barnekoordinator. Open Koordinat to read "
            "what happens next.",
        ),
        language,
    )


@kinds.register(STATSFORVALTER, "The Statsforvalteren decided an appeal on a barnekoordinator.")
def _text_statsforvalter(payload: kinds.Payload, language: str) -> kinds.Text:
    return kinds.both(
        (
            "Statsforvalteren har avgjort klagen",
            "Statsforvaltaren har avgjort klaga",
            "The Statsforvalteren decided the appeal",
        ),
        (
            "Statsforvalteren har avgjort klagen om barnekoordinator. Åpne Koordinat for å "
            "lese det.",
            "Statsforvaltaren har avgjort klaga om barnekoordinator. Opne Koordinat for å "
            "lese det.",
            "The Statsforvalteren decided the appeal on a barnekoordinator. Open Koordinat "
            "to read it.",
        ),
        language,
    )


@kinds.register(REQUEST_RECEIVED, "A request for a barnekoordinator came to your unit.")
def _text_request_received(payload: kinds.Payload, language: str) -> kinds.Text:
    return kinds.both(
        ("Ny søknad om barnekoordinator", "Ny søknad om barnekoordinator", "New request"),
        (
            "Koordinerende enhet har fått en søknad om barnekoordinator. Den ligger i "
            "innboksen i Koordinat.",
            "Koordinerande eining har fått ein søknad om barnekoordinator. Han ligg i "
            "innboksen i Koordinat.",
            "The coordinating unit received a request for a barnekoordinator. It is in the "
            "inbox in Koordinat.",
        ),
        language,
    )


@kinds.register(APPEAL_RECEIVED, "An appeal on a barnekoordinator came to your unit.")
def _text_appeal_received(payload: kinds.Payload, language: str) -> kinds.Text:
    return kinds.both(
        ("Ny klage", "Ny klage", "New appeal"),
        (
            "Familien har klaget på et vedtak om barnekoordinator. Kommunen skal vurdere "
            "saken på nytt.",
            "Familien har klaga på eit vedtak om barnekoordinator. Kommunen skal vurdere "
            "saka på nytt.",
            "The family appealed a decision on a barnekoordinator. The kommune must reassess it.",
        ),
        language,
    )


@kinds.register(DECISION_DUE_SOON, "A decision on a barnekoordinator is due in a few days.")
def _text_decision_due_soon(payload: kinds.Payload, language: str) -> kinds.Text:
    return kinds.both(
        ("Vedtaksfrist nærmer seg", "Vedtaksfristen nærmar seg", "A decision is due soon"),
        (
            "En søknad om barnekoordinator skal ha vedtak innen få dager. Den ligger i "
            "innboksen i Koordinat.",
            "Ein søknad om barnekoordinator skal ha vedtak innan få dagar. Han ligg i "
            "innboksen i Koordinat.",
            "A request for a barnekoordinator is due for a decision in a few days. It is in "
            "the inbox in Koordinat.",
        ),
        language,
    )


@kinds.register(DECISION_OVERDUE, "A decision on a barnekoordinator is late.")
def _text_decision_overdue(payload: kinds.Payload, language: str) -> kinds.Text:
    return kinds.both(
        ("Vedtaksfristen er passert", "Vedtaksfristen er passert", "A decision is late"),
        (
            "En søknad om barnekoordinator har ikke fått vedtak innen fristen. Familien venter.",
            "Ein søknad om barnekoordinator har ikkje fått vedtak innan fristen. Familien ventar.",
            "A request for a barnekoordinator has not been decided by its due date. The "
            "family is waiting.",
        ),
        language,
    )


async def _unit_staff(session: AsyncSession, event: Event) -> list[uuid.UUID]:
    """Staff of the coordinating unit of the request's kommune: it decides."""
    kommune = uuids([event.payload.get("municipality_id")])
    if not kommune:
        return []
    rows = await session.exec(
        select(Person.id)
        .join(ServiceProvider, col(ServiceProvider.id) == col(Person.employer_service_id))
        .where(
            col(ServiceProvider.municipality_id) == next(iter(kommune)),
            col(ServiceProvider.type) == ServiceType.COORDINATING_UNIT.value,
            col(Person.kind) == PersonKind.STAFF.value,
        )
        .order_by(col(Person.id))
    )
    return list(rows.all())


async def _tell_unit(session: AsyncSession, event: Event, kind: str) -> None:
    # No child on the notification: the unit opens its inbox, not a child's workspace.
    for person_id in await _unit_staff(session, event):
        if person_id == event.actor_person_id:
            continue
        await notify(
            session,
            recipient_id=person_id,
            kind=kind,
            key=f"{kind}:{event.id}:{person_id}",
            payload={"requestId": event.payload.get("request_id")},
            event_id=event.id,
        )


async def _family(session: AsyncSession, event: Event) -> set[uuid.UUID]:
    """The one who asked, the guardians with parental responsibility and, from 12, the child
    (who reads the request from then on: policies/right.cedar)."""
    people = set(uuids([event.payload.get("submitted_by_person_id")]))
    if event.child_id is None:
        return people
    child = await session.get(Child, event.child_id)
    roles = [NetworkRole.GUARDIAN.value]
    if child is not None and age_on(child.birth_date, today()) >= READS_FROM_AGE:
        roles.append(NetworkRole.CHILD.value)
    rows = await session.exec(
        select(
            NetworkMember.person_id, NetworkMember.role, NetworkMember.has_parental_responsibility
        ).where(
            NetworkMember.child_id == event.child_id,
            col(NetworkMember.ended_at).is_(None),
            col(NetworkMember.role).in_(roles),
        )
    )
    for person_id, role, responsible in rows.all():
        # Guardians only with parental responsibility.
        if role != NetworkRole.GUARDIAN.value or responsible:
            people.add(person_id)
    return people


async def apply_rules(session: AsyncSession, event: Event) -> None:
    """The right's notification rules (a listener of every recorded change)."""
    if event.kind == SUBMITTED:
        return await _tell_unit(session, event, REQUEST_RECEIVED)
    if event.kind == APPEALED:
        return await _tell_unit(session, event, APPEAL_RECEIVED)
    if event.kind in (DECISION_DUE_SOON, DECISION_OVERDUE):
        return await _tell_unit(session, event, event.kind)
    if event.kind not in (DECIDED, REASSESSED, STATSFORVALTER):
        return
    people = await _family(session, event)
    if event.actor_person_id is not None:
        people.discard(event.actor_person_id)
    for person_id in sorted(await allowed(session, event, sorted(people))):
        await notify(
            session,
            recipient_id=person_id,
            kind=event.kind,
            key=f"{event.kind}:{event.id}:{person_id}",
            child_id=event.child_id,
            payload={
                "requestId": event.payload.get("request_id"),
                "childId": str(event.child_id) if event.child_id else None,
                "outcome": event.payload.get("outcome"),
            },
            event_id=event.id,
        )
