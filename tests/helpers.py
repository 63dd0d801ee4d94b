"""Helpers shared by the API tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import func, select

from backend.api.operations import document
from backend.audit.models import AuditEntry
from backend.children.models import Child
from backend.core.clock import today
from backend.demo.seed import synthetic_national_id
from backend.events.models import Event
from backend.identity.models import Person
from backend.network.models import NetworkMember
from tests.conftest import Api

# Classic, checksum-valid numbers from the population register's public examples.
VALID_FNR = "15108695088"


def fnr(years_old: int, serial: int = 0) -> str:
    """A synthetic (test) fødselsnummer for someone `years_old`."""
    return synthetic_national_id(birth(years_old), serial)


def birth(years_old: int) -> dt.date:
    now = today()
    return now.replace(year=now.year - years_old, day=min(now.day, 28)) - dt.timedelta(days=3)


def register_input(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "givenName": "Emma",
        "familyName": "Testesen",
        "nationalId": fnr(9),
        "birthDate": birth(9).isoformat(),
        "guardians": [
            {"name": "Mor Testesen", "nationalId": fnr(38, 1), "hasParentalResponsibility": True}
        ],
    }
    base.update(overrides)
    return base


async def register_child(api: Api, as_: Any, **overrides: Any) -> dict[str, Any]:
    data = await api.gql(document("RegisterChild"), {"input": register_input(**overrides)}, as_=as_)
    payload = data["registerChild"]
    assert payload["errors"] == [], payload["errors"]
    return dict(payload["child"])


async def add_member(api: Api, as_: Any, child_id: str, **fields: Any) -> dict[str, Any]:
    data = await api.gql(
        document("AddNetworkMember"), {"input": {"childId": child_id, **fields}}, as_=as_
    )
    payload = data["addNetworkMember"]
    assert payload["errors"] == [], payload["errors"]
    # A membership the caller may not know of (barnevern's) is added but not shown.
    return dict(payload["member"] or {})


async def counts(api: Api) -> dict[str, int]:
    """Row counts of the tables a write touches, to prove a failed write changed nothing."""
    result = {}
    async with api.aut.db.reading() as session:
        for model in (Child, Person, NetworkMember, Event, AuditEntry):
            result[model.__tablename__] = (
                await session.exec(select(func.count()).select_from(model))
            ).one()
    return result


def codes(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


class Mutations:
    """A domain's mutations by name: (input type, payload key, the key's selection)."""

    def __init__(self, payloads: dict[str, tuple[str, str, str]]) -> None:
        self.payloads = payloads

    async def call(
        self, api: Api, mutation: str, as_: Any, language: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """The payload as sent, errors included."""
        kind, key, selection = self.payloads[mutation]
        text = (
            f"mutation($input: {kind}!) {{ {mutation}(input: $input) {{ {key} {{ {selection} }} "
            "errors { code field message } } }"
        )
        data = await api.gql(text, {"input": fields}, as_=as_, language=language)
        return dict(data[mutation])

    async def ok(
        self, api: Api, mutation: str, as_: Any, language: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """The payload's object, after checking there were no errors."""
        payload = await self.call(api, mutation, as_, language, **fields)
        assert payload["errors"] == [], (mutation, payload["errors"])
        key = self.payloads[mutation][1]
        assert payload[key] is not None, mutation
        return dict(payload[key])


ALL_BUT_BARNEVERN = ("HEALTH", "SCHOOL", "WELFARE", "FAMILY")


async def give_consent(
    api: Api,
    as_: Any,
    child_id: str,
    service_id: Any,
    categories: tuple[str, ...] = ALL_BUT_BARNEVERN,
) -> list[dict[str, Any]]:
    """The guardian `as_` consents that a service sees these categories."""
    given = []
    for category in categories:
        data = await api.gql(
            document("RecordConsent"),
            {"input": {"childId": child_id, "serviceId": str(service_id), "category": category}},
            as_=as_,
        )
        assert data["recordConsent"]["errors"] == [], data["recordConsent"]["errors"]
        given.append(data["recordConsent"]["consent"])
    return given


async def family_child(
    api: Api,
    world: Any,
    consent_categories: tuple[str, ...] = ALL_BUT_BARNEVERN,
    **overrides: Any,
) -> dict[str, Any]:
    """A child of world.parent (parental responsibility) and world.other_parent (none),
    coordinated by world.coordinator, whose unit the family consented to (barnevern aside)."""
    child = await register_child(
        api,
        world.coordinator,
        guardians=[
            {
                "personId": str(world.parent.id),
                "name": world.parent.name,
                "hasParentalResponsibility": True,
            },
            {
                "personId": str(world.other_parent.id),
                "name": world.other_parent.name,
                "hasParentalResponsibility": False,
            },
        ],
        **overrides,
    )
    await give_consent(api, world.parent, child["id"], world.unit.id, consent_categories)
    return child
