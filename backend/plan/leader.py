"""Disagreements raised to the coordinating unit's leader (enhetsleder).

When the family (or a service) is not satisfied with the coordinator's answer, they raise
the disagreement to the leader of the coordinating unit (koordinerende enhet) of the child's
kommune. The leader is not in the child's network: they see the raised disagreements of their
kommune (what it is about and what was said, never the rest of the plan) and answer them.
Each of those reads is in the child's access log, and the answer reaches the person who
disagreed through the plan's notification rule.

Cedar decides (`handleRaisedDisagreement`, policies/koordinat.cedar): the caller is staff of
the coordinating unit of the child's kommune and leads it (`isOwnRecord`); anyone else gets
the answer of a disagreement that exists nowhere.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.authz.access import AccessDenied, load_facts, load_facts_for
from backend.authz.policy import Action, ChildFacts, decide_on_child
from backend.children.models import Child
from backend.core import validation
from backend.core.actor import Actor
from backend.core.database import utcnow
from backend.core.errors import Collector, ErrorCode, UserError, UserErrors, fail
from backend.core.ids import parse_id
from backend.identity.models import Person
from backend.network.models import ServiceProvider, ServiceType
from backend.network.service import lock_child
from backend.plan.models import (
    DisagreementStatus,
    Plan,
    PlanDisagreement,
    PlanEvaluation,
    PlanGoal,
    PlanMeasure,
)
from backend.plan.service import _recorded  # the plan's one way to record a change

# The leader's list: the newest raised disagreements of the kommune.
LIST_MAX = 100
ANSWER_MAX = 4000
# What the access log says the leader read.
READ_AS = "raisedDisagreement"


async def led_kommune(session: AsyncSession, actor: Actor | None) -> uuid.UUID | None:
    """The kommune whose coordinating unit the caller leads, or None (one statement)."""
    if actor is None or not actor.is_staff or actor.employer_service_id is None:
        return None
    person = Person.__table__.c  # type: ignore[attr-defined]
    service = ServiceProvider.__table__.c  # type: ignore[attr-defined]
    found = (
        await session.execute(
            sa.select(person.leads_service, service.type, service.municipality_id)
            .join(ServiceProvider.__table__, service.id == person.employer_service_id)  # type: ignore[attr-defined]
            .where(person.id == actor.person_id)
        )
    ).first()
    if (
        found is None
        or not found.leads_service
        or found.type != ServiceType.COORDINATING_UNIT.value
        or found.municipality_id is None
    ):
        return None
    return uuid.UUID(str(found.municipality_id))


async def leaders_for(session: AsyncSession, child_id: uuid.UUID) -> list[uuid.UUID]:
    """The leaders of the coordinating unit of the child's kommune who may handle what is
    raised about this child (the policies decide, as for the list)."""
    people = (
        await session.exec(
            select(Person)
            .join(ServiceProvider, col(ServiceProvider.id) == col(Person.employer_service_id))
            .join(Child, col(Child.municipality_id) == col(ServiceProvider.municipality_id))
            .where(
                col(Child.id) == child_id,
                col(Person.leads_service).is_(True),
                col(ServiceProvider.type) == ServiceType.COORDINATING_UNIT.value,
            )
            .order_by(col(Person.id))
        )
    ).all()
    actors = [Actor.from_person(person, auth_method="rule") for person in people]
    # One facts load for every leader (a fixed number of statements).
    facts = await load_facts_for(session, [(actor, child_id) for actor in actors])
    return [
        actor.person_id
        for actor in actors
        if may_handle(actor, facts[(actor.person_id, child_id)], True)
    ]


def may_handle(actor: Actor, facts: ChildFacts, leads: bool) -> bool:
    return decide_on_child(actor, Action.HANDLE_RAISED_DISAGREEMENT, facts, own=leads)


@dataclass(frozen=True)
class RaisedRow:
    """One raised disagreement as its leader reads it."""

    row: PlanDisagreement
    child_name: str
    about: str  # "plan", "measure" or "evaluation"
    about_title: str | None
    raised_by_name: str | None
    answered_by_name: str | None


async def raised_for_leader(
    session: AsyncSession, actor: Actor | None, only: uuid.UUID | None = None
) -> tuple[list[RaisedRow], dict[uuid.UUID, ChildFacts]]:
    """The raised disagreements the caller may handle, newest first, with the facts they
    were decided on (a fixed number of statements, whatever the number of children);
    `only`: just that one (e.g. to show it after answering it)."""
    kommune = await led_kommune(session, actor)
    if actor is None or kommune is None:
        return [], {}
    one = [col(PlanDisagreement.id) == only] if only is not None else []
    rows = list(
        (
            await session.exec(
                select(PlanDisagreement)
                .join(Child, col(Child.id) == col(PlanDisagreement.child_id))
                .join(Plan, col(Plan.id) == col(PlanDisagreement.plan_id))
                .where(
                    col(Child.municipality_id) == kommune,
                    col(PlanDisagreement.raised_to_leader_at).is_not(None),
                    col(Plan.ended_at).is_(None),
                    *one,
                )
                .order_by(col(PlanDisagreement.raised_to_leader_at).desc())
                .limit(LIST_MAX)
            )
        ).all()
    )
    if not rows:
        return [], {}
    facts = await load_facts(session, actor, sorted({r.child_id for r in rows}))
    rows = [r for r in rows if may_handle(actor, facts[r.child_id], True)]
    if not rows:
        return [], facts
    return await _described(session, rows), facts


async def _described(session: AsyncSession, rows: list[PlanDisagreement]) -> list[RaisedRow]:
    children = {
        c.id: c
        for c in (
            await session.exec(select(Child).where(col(Child.id).in_({r.child_id for r in rows})))
        ).all()
    }
    people_ids = {p for r in rows for p in (r.raised_by_person_id, r.answered_by_person_id) if p}
    names = (
        {
            p.id: p.name
            for p in (
                await session.exec(select(Person).where(col(Person.id).in_(people_ids)))
            ).all()
        }
        if people_ids
        else {}
    )
    evaluations = {
        e.id: e
        for e in (
            await session.exec(
                select(PlanEvaluation).where(
                    col(PlanEvaluation.id).in_({r.evaluation_id for r in rows if r.evaluation_id})
                )
            )
        ).all()
    }
    measure_ids = {r.measure_id for r in rows if r.measure_id} | {
        e.measure_id for e in evaluations.values() if e.measure_id
    }
    goal_ids = {e.goal_id for e in evaluations.values() if e.goal_id}
    measures = {
        m.id: m.title
        for m in (
            await session.exec(select(PlanMeasure).where(col(PlanMeasure.id).in_(measure_ids)))
        ).all()
    }
    goals = {
        g.id: g.text
        for g in (await session.exec(select(PlanGoal).where(col(PlanGoal.id).in_(goal_ids)))).all()
    }
    described = []
    for r in rows:
        child = children[r.child_id]
        about, title = "plan", None
        if r.measure_id is not None:
            about, title = "measure", measures.get(r.measure_id)
        elif r.evaluation_id is not None and r.evaluation_id in evaluations:
            evaluation = evaluations[r.evaluation_id]
            about = "evaluation"
            title = (
                measures.get(evaluation.measure_id)
                if evaluation.measure_id
                else goals.get(evaluation.goal_id)
                if evaluation.goal_id
                else None
            )
        described.append(
            RaisedRow(
                row=r,
                child_name=" ".join(n for n in (child.given_name, child.family_name) if n),
                about=about,
                about_title=title,
                raised_by_name=names.get(r.raised_by_person_id) if r.raised_by_person_id else None,
                answered_by_name=names.get(r.answered_by_person_id)
                if r.answered_by_person_id
                else None,
            )
        )
    return described


async def answer_raised(
    session: AsyncSession,
    actor: Actor | None,
    *,
    disagreement_id: str,
    version: int,
    answer: str,
    resolved: bool,
) -> uuid.UUID:
    """The leader answers a disagreement raised to them. An id that exists nowhere, one not
    raised, and one the caller may not handle all get the same NOT_FOUND."""
    try:
        row = await session.get(PlanDisagreement, parse_id(disagreement_id, "id"))
    except UserErrors:
        row = None
    if actor is None:
        # Refused, and in the child's access log when the disagreement is a child's.
        error = UserError(ErrorCode.UNAUTHENTICATED)
        if row is not None:
            raise AccessDenied(row.child_id, Action.HANDLE_RAISED_DISAGREEMENT, error)
        raise UserErrors([error])
    if row is None or row.raised_to_leader_at is None:
        fail(ErrorCode.NOT_FOUND, "id")
    assert row is not None
    leads = await led_kommune(session, actor) is not None
    facts = (await load_facts(session, actor, [row.child_id]))[row.child_id]
    if not may_handle(actor, facts, leads):
        raise AccessDenied(
            row.child_id, Action.HANDLE_RAISED_DISAGREEMENT, UserError(ErrorCode.NOT_FOUND, "id")
        )
    plan = await session.get(Plan, row.plan_id)
    if plan is None or plan.ended_at is not None:
        fail(ErrorCode.NOT_FOUND, "id")
    assert plan is not None
    await lock_child(session, row.child_id)
    await session.refresh(row)
    await session.refresh(plan)
    if row.version != version:
        fail(ErrorCode.CONFLICT, "version")
    if row.status == DisagreementStatus.RESOLVED.value:
        fail(ErrorCode.INVALID, "id", _RESOLVED)
    errors = Collector()
    text = validation.text(errors, "answer", answer, max_length=ANSWER_MAX, required=True)
    errors.raise_if_any()
    row.answer = text
    row.status = (
        DisagreementStatus.RESOLVED.value if resolved else DisagreementStatus.ANSWERED.value
    )
    row.answered_by_person_id = actor.person_id
    row.answered_at = utcnow()
    row.version += 1
    session.add(row)
    await _recorded(
        session,
        actor,
        plan,
        kind="plan.disagreement_answered",
        entity_type="plan_disagreement",
        entity_id=row.id,
        category=row.category,
        service_id=row.service_id,
        payload={
            "raisedByPersonId": str(row.raised_by_person_id) if row.raised_by_person_id else None,
            "resolved": bool(resolved),
            "byLeader": True,
        },
    )
    return row.id


_RESOLVED = (
    "Uenigheten er allerede avklart.",
    "Usemja er alt avklart.",
    "The disagreement is already settled.",
)


def raised_at(row: PlanDisagreement) -> dt.datetime:
    assert row.raised_to_leader_at is not None
    return row.raised_to_leader_at
