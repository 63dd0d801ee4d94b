"""The right's tests: the documents they send (over HTTP GraphQL) and small helpers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import SQLModel, func, select

from backend.core.clock import today
from backend.events.models import Event
from backend.identity.models import Person, PersonKind
from backend.network.models import Municipality, ServiceProvider, ServiceType
from backend.right.models import TABLES
from tests.conftest import VALID_ORGNR, Api, World

NOWHERE = "01900000-0000-7000-8000-000000000000"

DECISION = """id outcome reasons legalBasis decidedByName decidedAt familyToldAt appealDeadline
  coordinatorName"""
APPEAL = """id decisionId grounds submittedByName submittedAt deadline late reassessment
  reassessmentReasons reassessedAt forwardedAt statsforvalterOutcome statsforvalterReasons
  statsforvalterRecordedAt version"""
REQUEST = f"""id status childName birthDate expectedDate situation servicesInvolved unresolved
  submittedBy submittedByName submittedAt decisionDueOn nextStep version
  child {{ id }} municipality {{ id name }}
  decisions {{ {DECISION} }} appeals {{ {APPEAL} }}"""
ERRORS = "errors { code field message }"

INPUTS = {
    "submitCoordinatorRequest": "SubmitCoordinatorRequestInput",
    "decideCoordinatorRequest": "DecideCoordinatorRequestInput",
    "appealDecision": "AppealDecisionInput",
    "reassessAppeal": "ReassessAppealInput",
    "recordStatsforvalterOutcome": "RecordStatsforvalterOutcomeInput",
}
ONE = f"query($id: ID!) {{ coordinatorRequest(id: $id) {{ {REQUEST} }} }}"
MINE = f"query {{ myCoordinatorRequests {{ {REQUEST} }} }}"
INBOX = f"""query($status: [CoordinatorRequestStatus!], $first: Int) {{
  coordinatorRequests(status: $status, first: $first) {{
    edges {{ cursor node {{ {REQUEST} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"""
CHILD = f"query($id: ID!) {{ child(id: $id) {{ id coordinatorRequests {{ {REQUEST} }} }} }}"


async def call(
    api: Api, name: str, as_: Any, language: str | None = None, **fields: Any
) -> dict[str, Any]:
    document = (
        f"mutation($input: {INPUTS[name]}!) {{ {name}(input: $input) {{ "
        f"request {{ {REQUEST} }} {ERRORS} }} }}"
    )
    data = await api.gql(document, {"input": fields}, as_=as_, language=language)
    return dict(data[name])


async def ok(api: Api, name: str, as_: Any, **fields: Any) -> dict[str, Any]:
    payload = await call(api, name, as_, **fields)
    assert payload["errors"] == [], (name, payload["errors"])
    assert payload["request"] is not None
    return dict(payload["request"])


def codes(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


async def rows(api: Api) -> dict[str, int]:
    """Row counts of the right's tables and the outbox: a refused write changes none."""
    found: dict[str, int] = {}
    async with api.aut.db.reading() as session:
        models: tuple[type[SQLModel], ...] = (*TABLES, Event)
        for model in models:
            found[str(model.__tablename__)] = (
                await session.exec(select(func.count()).select_from(model))
            ).one()
    return found


def expected_date(days: int = 60) -> str:
    return (today() + dt.timedelta(days=days)).isoformat()


async def unregistered(api: Api, world: World, as_: Any = None, **fields: Any) -> dict[str, Any]:
    """A citizen's request for a child the kommune does not know yet (expected)."""
    return await ok(
        api,
        "submitCoordinatorRequest",
        as_ or world.parent2,
        **{
            "childFamilyName": "Forelder",
            "expectedDate": expected_date(),
            "municipalityId": str(world.municipality.id),
            "situation": "Vi venter et barn med en hjertefeil og trenger hjelp til å samordne.",
            "servicesInvolved": ["Helsestasjonen", "Sykehuset"],
            "unresolved": True,
            **fields,
        },
    )


async def other_kommune_unit(api: Api) -> Person:
    """Staff of another kommune's coordinating unit."""
    async with api.aut.db.writing() as session:
        kommune = Municipality(name="Andrevik kommune", number="4602", org_number=VALID_ORGNR[1])
        session.add(kommune)
        await session.flush()
        unit = ServiceProvider(
            name="Koordinerende enhet Andrevik",
            type=ServiceType.COORDINATING_UNIT.value,
            org_number=VALID_ORGNR[1],
            municipality_id=kommune.id,
        )
        session.add(unit)
        await session.flush()
        person = Person(
            name="Anne Andrevik",
            kind=PersonKind.STAFF.value,
            employer_service_id=unit.id,
            municipality_id=kommune.id,
        )
        session.add(person)
    return person


async def refuse(api: Api, world: World, request: dict[str, Any]) -> dict[str, Any]:
    return await ok(
        api,
        "decideCoordinatorRequest",
        world.coordinator,
        requestId=request["id"],
        version=request["version"],
        outcome="REFUSED",
        reasons="Barnet har ikke behov for langvarige og koordinerte tjenester nå.",
        legalBasis="Helse- og omsorgstjenesteloven § 7-2 a",
    )
