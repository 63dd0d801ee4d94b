"""The demo's requests for a barnekoordinator (Fjordvik).

- Nora Berg asked for a coordinator for her son Ole (4), whom the kommune does not know yet:
  refused, appealed, upheld by the kommune, reversed by the Statsforvalteren; the unit must
  now decide again.
- Emma's mother asked nine weeks ago; the unit granted it seven weeks ago, with Kari Nordmann
  as coordinator (recorded through the service, so `right.decided` fires and the pathway
  starts).

Everything is written through the service, then moved back in time (rows, events' dates),
keeping the shapes the service writes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.core.clock import today
from backend.core.deadlines import oslo_date
from backend.core.settings import Settings
from backend.events.models import Event
from backend.identity.actor import Actor
from backend.identity.models import Person, PersonKind
from backend.network.models import Municipality
from backend.right import logic, service
from backend.right.inputs import (
    AppealDecisionInput,
    DecideCoordinatorRequestInput,
    ReassessAppealInput,
    RecordStatsforvalterOutcomeInput,
    SubmitCoordinatorRequestInput,
)
from backend.right.models import (
    CoordinatorAppeal,
    CoordinatorDecision,
    CoordinatorRequest,
    DecisionOutcome,
    ReassessmentOutcome,
    StatsforvalterOutcome,
)

LEGAL_BASIS = "Helse- og omsorgstjenesteloven § 7-2 a, jf. § 7-1"


def _ago(days: int, hour: int = 10) -> dt.datetime:
    day = today() - dt.timedelta(days=days)
    return dt.datetime(day.year, day.month, day.day, hour - 1, 0, tzinfo=dt.UTC)


async def _backdate_events(
    session: AsyncSession, request: CoordinatorRequest, moments: dict[str, list[dt.datetime]]
) -> None:
    """The request's events at the times they are shown to have happened."""
    await session.flush()
    events = (
        await session.exec(
            select(Event).where(Event.entity_id == request.id).order_by(Event.id)  # type: ignore[arg-type]
        )
    ).all()
    seen: dict[str, int] = {}
    for event in events:
        index = seen.get(event.kind, 0)
        seen[event.kind] = index + 1
        at = moments.get(event.kind, [])
        if index >= len(at):
            continue
        payload: dict[str, Any] = dict(event.payload)
        payload["submitted_on"] = oslo_date(request.submitted_at).isoformat()
        if "decided_on" in payload:
            payload["decided_on"] = oslo_date(at[index]).isoformat()
        event.payload = payload
        event.occurred_at = at[index]
        session.add(event)


async def seed_right(
    session: AsyncSession,
    settings: Settings,
    *,
    kommune: Municipality,
    unit_staff: Person,
    coordinator: Person,
    emma_id: uuid.UUID,
    mother: Person,
) -> Person:
    """The demo requests; returns Nora Berg (on the dev sign-in page like every person)."""
    nora = Person(
        name="Nora Berg",
        kind=PersonKind.CITIZEN.value,
        email="nora.berg@example.no",
        preferred_language="nb",
    )
    session.add(nora)
    await session.flush()
    as_nora = Actor.from_person(nora, auth_method="demo")
    as_unit = Actor.from_person(unit_staff, auth_method="demo")
    as_mother = Actor.from_person(mother, auth_method="demo")
    await _refused_appealed_reversed(session, settings, kommune, as_nora, as_unit)
    await _emma_granted(session, settings, emma_id, coordinator, as_mother, as_unit)
    return nora


async def _refused_appealed_reversed(
    session: AsyncSession,
    settings: Settings,
    kommune: Municipality,
    as_nora: Actor,
    as_unit: Actor,
) -> None:
    born = today().replace(year=today().year - 4, day=1)
    request = await service.submit(
        session,
        as_nora,
        SubmitCoordinatorRequestInput(
            child_given_name="Ole",
            child_family_name="Berg",
            birth_date=born,
            municipality_id=str(kommune.id),  # type: ignore[arg-type]
            situation=(
                "Ole har store språkvansker og sover dårlig, og vi har kontakt med helsestasjonen, "
                "barnehagen, PPT og fastlegen. Ingen har oversikten, og vi bruker mye tid på å "
                "fortelle det samme til alle. Vi vet ikke ennå hva som er årsaken."
            ),
            services_involved=["Helsestasjonen", "Barnehagen", "PPT", "Fastlegen"],
            unresolved=True,
        ),
    )
    await service.decide(
        session,
        as_unit,
        settings,
        DecideCoordinatorRequestInput(
            request_id=str(request.id),  # type: ignore[arg-type]
            version=request.version,
            outcome=DecisionOutcome.REFUSED,
            reasons=(
                "Kommunen vurderer at Ole per i dag ikke har behov for langvarige og "
                "koordinerte tjenester. Tjenestene samarbeider allerede gjennom barnehagen, "
                "og behovet kan dekkes ved at helsestasjonen følger opp."
            ),
            legal_basis=LEGAL_BASIS,
        ),
    )
    decision = (
        await session.exec(
            select(CoordinatorDecision).where(CoordinatorDecision.request_id == request.id)
        )
    ).one()
    await service.appeal(
        session,
        as_nora,
        AppealDecisionInput(
            decision_id=str(decision.id),  # type: ignore[arg-type]
            grounds=(
                "Vi er uenige. Ole har fire tjenester rundt seg, og det er vi som foreldre som "
                "må koordinere alt. Det er nettopp det barnekoordinatoren skal hjelpe med, "
                "selv om det ikke er stilt en diagnose."
            ),
        ),
    )
    appeal = (
        await session.exec(
            select(CoordinatorAppeal).where(CoordinatorAppeal.request_id == request.id)
        )
    ).one()
    await service.reassess(
        session,
        as_unit,
        settings,
        ReassessAppealInput(
            appeal_id=str(appeal.id),  # type: ignore[arg-type]
            version=appeal.version,
            outcome=ReassessmentOutcome.UPHELD,
            reasons=(
                "Klagen gir ikke nye opplysninger som endrer vurderingen. Saken sendes til "
                "Statsforvalteren i Vestland for endelig avgjørelse."
            ),
        ),
    )
    await session.refresh(appeal)
    await service.record_statsforvalter_outcome(
        session,
        as_unit,
        RecordStatsforvalterOutcomeInput(
            appeal_id=str(appeal.id),  # type: ignore[arg-type]
            version=appeal.version,
            outcome=StatsforvalterOutcome.REVERSED,
            reasons=(
                "Statsforvalteren finner at Ole har behov for langvarige og koordinerte "
                "tjenester fra flere tjenesteytere. Retten til barnekoordinator forutsetter "
                "ikke en diagnose. Kommunen må fatte nytt vedtak."
            ),
        ),
    )
    # In the past: asked five months ago, refused three weeks later, the outcome last month.
    submitted, decided = _ago(150), _ago(128)
    appealed, reassessed, outcome = _ago(115), _ago(101), _ago(24)
    request.submitted_at = submitted
    decision.decided_at = decision.family_told_at = decided
    decision.appeal_deadline = logic.appeal_deadline(decided)
    appeal.submitted_at = appealed
    appeal.deadline = decision.appeal_deadline
    appeal.late = logic.is_late(appealed, appeal.deadline)
    appeal.reassessed_at = appeal.forwarded_at = reassessed
    appeal.statsforvalter_recorded_at = outcome
    request.decision_due_on = logic.decision_due_on(outcome)
    session.add_all([request, decision, appeal])
    await _backdate_events(
        session,
        request,
        {
            "right.request_submitted": [submitted],
            "right.decided": [decided],
            "right.appealed": [appealed],
            "right.appeal_reassessed": [reassessed],
            "right.statsforvalter_outcome": [outcome],
        },
    )


async def _emma_granted(
    session: AsyncSession,
    settings: Settings,
    emma_id: uuid.UUID,
    coordinator: Person,
    as_mother: Actor,
    as_unit: Actor,
) -> None:
    request = await service.submit(
        session,
        as_mother,
        SubmitCoordinatorRequestInput(
            child_id=str(emma_id),  # type: ignore[arg-type]
            situation=(
                "Emma har cerebral parese og epilepsi. Hun har skole, habilitering, fastlege, "
                "avlastning og NAV rundt seg, og vi trenger én person som holder trådene."
            ),
            services_involved=["Skolen", "Habiliteringstjenesten", "Fastlegen", "Avlastning"],
        ),
    )
    await service.decide(
        session,
        as_unit,
        settings,
        DecideCoordinatorRequestInput(
            request_id=str(request.id),  # type: ignore[arg-type]
            version=request.version,
            outcome=DecisionOutcome.GRANTED,
            reasons="Emma har behov for langvarige og koordinerte tjenester.",
            legal_basis=LEGAL_BASIS,
            coordinator_person_id=str(coordinator.id),  # type: ignore[arg-type]
        ),
    )
    decision = (
        await session.exec(
            select(CoordinatorDecision).where(CoordinatorDecision.request_id == request.id)
        )
    ).one()
    submitted, decided = _ago(63), _ago(49)
    request.submitted_at = submitted
    request.decision_due_on = logic.decision_due_on(submitted)
    decision.decided_at = decision.family_told_at = decided
    session.add_all([request, decision])
    await _backdate_events(
        session,
        request,
        {"right.request_submitted": [submitted], "right.decided": [decided]},
    )
