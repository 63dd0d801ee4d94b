"""The kommune's services: registration with a valid organisasjonsnummer, and the directory."""

from __future__ import annotations

from backend.api.operations import document
from tests.conftest import Api, World
from tests.helpers import codes, counts


async def test_register_service_provider(api: Api, world: World) -> None:
    data = await api.gql(
        document("RegisterServiceProvider"),
        {
            "input": {
                "name": "Testvik avlastning",
                "type": "AVLASTNING",
                "orgNumber": "974 761 076",
                "municipalityId": str(world.municipality.id),
            }
        },
        as_=world.coordinator,
    )
    payload = data["registerServiceProvider"]
    assert payload["errors"] == []
    assert payload["serviceProvider"]["orgNumber"] == "974761076"
    assert payload["serviceProvider"]["municipality"]["name"] == "Testvik kommune"
    again = await api.gql(
        document("RegisterServiceProvider"),
        {"input": {"name": "testvik AVLASTNING", "type": "AVLASTNING", "orgNumber": "974761076"}},
        as_=world.coordinator,
    )
    assert codes(again["registerServiceProvider"]) == [("DUPLICATE", "name")]


async def test_bad_service_provider_input(api: Api, world: World) -> None:
    for fields, expected in [
        ({"name": "X", "orgNumber": "974760674"}, ("INVALID_ORG_NUMBER", "orgNumber")),
        ({"name": "X", "orgNumber": ""}, ("REQUIRED", "orgNumber")),
        ({"name": "", "orgNumber": "974760673"}, ("REQUIRED", "name")),
        (
            {"name": "X", "orgNumber": "974760673", "municipalityId": "nope"},
            ("NOT_FOUND", "municipalityId"),
        ),
    ]:
        before = await counts(api)
        data = await api.gql(
            document("RegisterServiceProvider"),
            {"input": {"type": "SKOLE", **fields}},
            as_=world.coordinator,
        )
        assert expected in codes(data["registerServiceProvider"])
        assert await counts(api) == before


async def test_only_kommune_staff_registers_services(api: Api, world: World) -> None:
    for caller, code in [(None, "UNAUTHENTICATED"), (world.parent, "NOT_ALLOWED")]:
        data = await api.gql(
            document("RegisterServiceProvider"),
            {"input": {"name": "X", "type": "SKOLE", "orgNumber": "974760673"}},
            as_=caller,
        )
        assert codes(data["registerServiceProvider"]) == [(code, None)]


async def test_directory_is_for_staff(api: Api, world: World) -> None:
    staff = await api.gql(document("Directory"), {"search": "koord"}, as_=world.coordinator)
    assert [m["name"] for m in staff["municipalities"]] == ["Testvik kommune"]
    assert len(staff["serviceProviders"]) == 5
    assert {p["name"] for p in staff["staffDirectory"]} == {"Kari Koordinator", "Kåre Koordinator"}
    empty = await api.gql(document("Directory"), {}, as_=None)
    assert empty == {"municipalities": [], "serviceProviders": [], "staffDirectory": []}
    # A family sees the kommuner (public register facts, to ask one for a coordinator), never
    # the services or the staff.
    family = await api.gql(document("Directory"), {}, as_=world.parent)
    assert family == {
        "municipalities": [{k: staff["municipalities"][0][k] for k in staff["municipalities"][0]}],
        "serviceProviders": [],
        "staffDirectory": [],
    }
