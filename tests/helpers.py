"""Helpers shared by the API tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import func, select

from backend.api.operations import document
from backend.core.clock import today
from backend.core.tables import AuditEntry, Child, Event, NetworkMember, Person
from backend.demo.seed import synthetic_national_id
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
    return dict(payload["member"])


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
