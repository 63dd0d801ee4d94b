"""Registering a child, born or expected, over the GraphQL API."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.api.operations import document
from backend.core.clock import today
from tests.conftest import Api, World
from tests.helpers import birth, codes, counts, fnr, register_child, register_input


async def test_coordinator_registers_a_child_with_guardians(api: Api, world: World) -> None:
    child = await register_child(
        api,
        world.coordinator,
        interpreterLanguage="ar",
        preferredLanguage="ar",
        addressProtection="STRICTLY_CONFIDENTIAL",
        guardians=[
            {"name": "Mor", "nationalId": fnr(38, 1), "hasParentalResponsibility": True},
            {"name": "Far", "nationalId": fnr(40, 2), "hasParentalResponsibility": False},
        ],
    )
    assert child["givenName"] == "Emma"
    assert child["isExpected"] is False
    assert child["needsInterpreter"] is True
    assert child["addressProtection"] == "STRICTLY_CONFIDENTIAL"
    assert child["version"] == 1
    assert child["municipality"]["name"] == "Testvik kommune"
    assert child["coordinator"]["person"]["name"] == "Kari Koordinator"
    responsibility = {
        g["person"]["name"]: g["hasParentalResponsibility"] for g in child["guardians"]
    }
    assert responsibility == {"Mor": True, "Far": False}


async def test_expected_child_has_no_id_and_gets_one_at_birth(api: Api, world: World) -> None:
    expected = (today() + dt.timedelta(days=60)).isoformat()
    child = await register_child(
        api,
        world.coordinator,
        givenName=None,
        nationalId=None,
        birthDate=None,
        expectedDate=expected,
    )
    assert child["isExpected"] is True
    assert child["expectedDate"] == expected
    assert child["nationalId"] is None

    born = await api.gql(
        document("UpdateChild"),
        {
            "input": {
                "id": child["id"],
                "version": child["version"],
                "givenName": "Nora",
                "nationalId": fnr(0),
                "birthDate": birth(0).isoformat(),
            }
        },
        as_=world.coordinator,
    )
    updated = born["updateChild"]["child"]
    assert born["updateChild"]["errors"] == []
    assert updated["isExpected"] is False
    assert updated["expectedDate"] is None
    assert updated["version"] == 2


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"nationalId": "15108695077"}, ("INVALID_NATIONAL_ID", "nationalId")),
        ({"nationalId": "123"}, ("INVALID_NATIONAL_ID", "nationalId")),
        (
            {"guardians": [{"name": "Far", "hasParentalResponsibility": False}]},
            ("GUARDIAN_REQUIRED", "guardians"),
        ),
        ({"guardians": []}, ("GUARDIAN_REQUIRED", "guardians")),
        ({"familyName": "  "}, ("REQUIRED", "familyName")),
        ({"familyName": "x" * 101}, ("TOO_LONG", "familyName")),
        ({"givenName": None}, ("REQUIRED", "givenName")),
        ({"nationalId": None, "birthDate": None}, ("REQUIRED", "birthDate")),
        (
            {"nationalId": None, "birthDate": (today() + dt.timedelta(days=2)).isoformat()},
            ("INVALID_DATE", "birthDate"),
        ),
        (
            {
                "nationalId": None,
                "birthDate": None,
                "expectedDate": (today() + dt.timedelta(days=400)).isoformat(),
            },
            ("INVALID_DATE", "expectedDate"),
        ),
        ({"preferredLanguage": "norsk!"}, ("INVALID", "preferredLanguage")),
        ({"municipalityId": "not-an-id"}, ("NOT_FOUND", "municipalityId")),
        (
            {"municipalityId": "01900000-0000-7000-8000-000000000000"},
            ("NOT_FOUND", "municipalityId"),
        ),
        (
            {
                "guardians": [
                    {"name": "Mor", "nationalId": "15108695077", "hasParentalResponsibility": True}
                ]
            },
            ("INVALID_NATIONAL_ID", "guardians.0.nationalId"),
        ),
        (
            {
                "guardians": [
                    {"name": "Mor", "email": "not-an-email", "hasParentalResponsibility": True}
                ]
            },
            ("INVALID", "guardians.0.email"),
        ),
        ({"coordinatorPersonId": "nope"}, ("NOT_FOUND", "coordinatorPersonId")),
    ],
)
async def test_bad_input_gets_a_clear_error_and_writes_nothing(
    api: Api, world: World, overrides: dict[str, object], expected: tuple[str, str]
) -> None:
    before = await counts(api)
    data = await api.gql(
        document("RegisterChild"), {"input": register_input(**overrides)}, as_=world.coordinator
    )
    payload = data["registerChild"]
    assert payload["child"] is None
    assert expected in codes(payload)
    assert all(e["message"] for e in payload["errors"])
    assert await counts(api) == before


async def test_birth_date_must_match_the_national_id(api: Api, world: World) -> None:
    data = await api.gql(
        document("RegisterChild"),
        {"input": register_input(nationalId="15108695088", birthDate="1986-10-16")},
        as_=world.coordinator,
    )
    assert ("INVALID_DATE", "birthDate") in codes(data["registerChild"])


async def test_duplicate_national_id_is_refused(api: Api, world: World) -> None:
    await register_child(api, world.coordinator)
    before = await counts(api)
    data = await api.gql(
        document("RegisterChild"), {"input": register_input()}, as_=world.coordinator
    )
    assert ("DUPLICATE", "nationalId") in codes(data["registerChild"])
    assert await counts(api) == before


async def test_messages_in_bokmal_by_default_and_english_on_request(api: Api, world: World) -> None:
    bad = {"input": register_input(nationalId="15108695077")}
    nb = await api.gql(document("RegisterChild"), bad, as_=world.coordinator)
    en = await api.gql(document("RegisterChild"), bad, as_=world.coordinator, language="en")
    assert nb["registerChild"]["errors"][0]["message"].startswith("Fødselsnummeret")
    assert en["registerChild"]["errors"][0]["message"].startswith("The national identity")


async def test_only_the_coordinating_unit_may_register(api: Api, world: World) -> None:
    for caller, code in [
        (None, "UNAUTHENTICATED"),
        (world.parent, "NOT_ALLOWED"),
        (world.doctor, "COORDINATING_UNIT_REQUIRED"),  # hospital staff: no kommune
        (world.teacher, "COORDINATING_UNIT_REQUIRED"),  # kommune staff, not the unit
        (world.caseworker, "COORDINATING_UNIT_REQUIRED"),
    ]:
        before = await counts(api)
        data = await api.gql(document("RegisterChild"), {"input": register_input()}, as_=caller)
        assert codes(data["registerChild"]) == [(code, None)]
        assert await counts(api) == before


async def test_existing_guardian_is_reused_by_national_id(api: Api, world: World) -> None:
    mother = {"name": "Mor", "nationalId": fnr(38, 1), "hasParentalResponsibility": True}
    first = await register_child(api, world.coordinator, guardians=[mother])
    second = await register_child(
        api,
        world.coordinator,
        nationalId=fnr(5, 3),
        birthDate=birth(5).isoformat(),
        guardians=[mother],
    )
    assert first["guardians"][0]["person"]["id"] == second["guardians"][0]["person"]["id"]
