"""Input that used to be accepted and written: each gets a typed error and writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import func, select

from backend.api.operations import document
from backend.consent.models import Consent
from backend.network.models import ServiceProvider
from tests.conftest import Api, World
from tests.helpers import birth, codes, counts, fnr, register_child, register_input

RLO = "\u202e"  # right-to-left override: "Anna\u202eNOB" reads "AnnaBON"


async def all_counts(api: Api) -> dict[str, int]:
    result = await counts(api)
    async with api.aut.db.reading() as session:
        for model in (ServiceProvider, Consent):
            result[model.__tablename__] = (
                await session.exec(select(func.count()).select_from(model))
            ).one()
    return result


async def refused(
    api: Api, as_: Any, name: str, input_: dict[str, Any], expected: tuple[str, str]
) -> None:
    before = await all_counts(api)
    data = await api.gql(document(name), {"input": input_}, as_=as_)
    payload = next(iter(data.values()))
    assert expected in codes(payload), (input_, payload["errors"])
    assert await all_counts(api) == before


def guardian(**fields: Any) -> list[dict[str, Any]]:
    return [{"name": "Mor", "nationalId": fnr(38, 1), "hasParentalResponsibility": True, **fields}]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        # Born and expected at once: one of them used to be dropped without a word.
        (
            {"expectedDate": birth(0).isoformat()},
            ("INVALID_DATE", "expectedDate"),
        ),
        ({"familyName": f"Testesen{RLO}nesetseT"}, ("INVALID", "familyName")),
        ({"givenName": "Em\u200bma"}, ("INVALID", "givenName")),  # zero-width space
        ({"givenName": "Em\tma"}, ("INVALID", "givenName")),  # a name is one line
        ({"familyName": "\U0001f600\U0001f600"}, ("INVALID", "familyName")),
        ({"familyName": "\u2764\ufe0f"}, ("INVALID", "familyName")),
        ({"preferredLanguage": "zz"}, ("INVALID", "preferredLanguage")),
        ({"interpreterLanguage": "qqq"}, ("INVALID", "interpreterLanguage")),
        ({"guardians": guardian(name=f"Mor{RLO}")}, ("INVALID", "guardians.0.name")),
        ({"guardians": guardian(name="\U0001f469")}, ("INVALID", "guardians.0.name")),
        (
            {"guardians": guardian(preferredLanguage="zz")},
            ("INVALID", "guardians.0.preferredLanguage"),
        ),
    ],
)
async def test_register_child_refuses(
    api: Api, world: World, overrides: dict[str, Any], expected: tuple[str, str]
) -> None:
    await refused(api, world.coordinator, "RegisterChild", register_input(**overrides), expected)


async def test_guardian_by_id_with_an_invalid_national_id_is_refused(
    api: Api, world: World
) -> None:
    """Details given next to `personId` used to be ignored; each must be valid."""
    linked = {
        "personId": str(world.parent.id),
        "name": "Noen helt andre",
        "nationalId": "15108695077",  # wrong check digits
        "hasParentalResponsibility": True,
    }
    await refused(
        api,
        world.coordinator,
        "RegisterChild",
        register_input(guardians=[linked]),
        ("INVALID_NATIONAL_ID", "guardians.0.nationalId"),
    )
    await refused(
        api,
        world.coordinator,
        "RegisterChild",
        register_input(guardians=[{**linked, "nationalId": None, "email": "ikke en adresse"}]),
        ("INVALID", "guardians.0.email"),
    )


async def test_update_child_refuses_an_expected_date_for_a_born_child(
    api: Api, world: World
) -> None:
    child = await register_child(api, world.coordinator)
    base = {"id": child["id"], "version": child["version"]}
    await refused(
        api,
        world.coordinator,
        "UpdateChild",
        {**base, "expectedDate": birth(0).isoformat()},
        ("INVALID_DATE", "expectedDate"),
    )
    await refused(
        api,
        world.coordinator,
        "UpdateChild",
        {**base, "familyName": f"Ny{RLO}"},
        ("INVALID", "familyName"),
    )
    await refused(
        api,
        world.coordinator,
        "UpdateChild",
        {**base, "preferredLanguage": "zz"},
        ("INVALID", "preferredLanguage"),
    )


async def test_real_language_codes_are_accepted(api: Api, world: World) -> None:
    # Northern Sami (639-1 and 639-3), Dari (639-3 only), Tigrinya.
    for code in ("se", "sme", "prs", "ti"):
        child = await register_child(
            api, world.coordinator, nationalId=None, interpreterLanguage=code
        )
        assert child["interpreterLanguage"] == code


async def test_names_in_every_script_are_accepted(api: Api, world: World) -> None:
    # Persian spelling needs the zero-width non-joiner (U+200C).
    child = await register_child(
        api, world.coordinator, nationalId=None, givenName="Mehr\u200cnaz", familyName="Ødegård"
    )
    assert child["givenName"] == "Mehr\u200cnaz"


async def test_organisation_number_outside_the_8_and_9_series_is_refused(
    api: Api, world: World
) -> None:
    # 100000008 and 700000001 pass the mod-11 check but are no organisasjonsnummer.
    for number in ("100000008", "700000001"):
        await refused(
            api,
            world.coordinator,
            "RegisterServiceProvider",
            {"name": "Testvik avlastning", "type": "AVLASTNING", "orgNumber": number},
            ("INVALID_ORG_NUMBER", "orgNumber"),
        )
    await refused(
        api,
        world.coordinator,
        "RegisterServiceProvider",
        {"name": f"Avlastning{RLO}", "type": "AVLASTNING", "orgNumber": "974761076"},
        ("INVALID", "name"),
    )


async def test_network_member_input_is_checked(api: Api, world: World) -> None:
    child = await register_child(api, world.coordinator)
    member = {"childId": child["id"], "role": "MEMBER", "personId": str(world.teacher.id)}
    await refused(
        api,
        world.coordinator,
        "AddNetworkMember",
        {**member, "activeFrom": "1900-01-01"},
        ("INVALID_DATE", "activeFrom"),
    )
    await refused(
        api,
        world.coordinator,
        "AddNetworkMember",
        {**member, "responsibilities": f"Lese{RLO}lekser"},
        ("INVALID", "responsibilities"),
    )
    await refused(
        api,
        world.coordinator,
        "AddNetworkMember",
        {
            "childId": child["id"],
            "role": "OBSERVER",
            "newPerson": {"name": "\U0001f475\U0001f3fd"},
        },
        ("INVALID", "newPerson.name"),
    )
    # Free text keeps its lines.
    data = await api.gql(
        document("AddNetworkMember"),
        {"input": {**member, "responsibilities": "Lekser\nFriminutt"}},
        as_=world.coordinator,
    )
    assert data["addNetworkMember"]["errors"] == []


async def test_consent_from_1900_is_refused(api: Api, world: World) -> None:
    child = await register_child(
        api,
        world.coordinator,
        guardians=[
            {
                "personId": str(world.parent.id),
                "name": world.parent.name,
                "hasParentalResponsibility": True,
            }
        ],
    )
    await refused(
        api,
        world.parent,
        "RecordConsent",
        {
            "childId": child["id"],
            "serviceId": str(world.school.id),
            "category": "SCHOOL",
            "validFrom": "1900-01-01",
        },
        ("INVALID_DATE", "validFrom"),
    )
