"""Consent opens categories per service; age, barnevern and protected-address rules hold."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from backend.api.operations import document
from tests.conftest import Api, World
from tests.helpers import add_member, birth, codes, family_child, fnr, give_consent


def by_name(child: dict[str, Any]) -> dict[str, dict[str, Any]]:
    # A member whose person is hidden (a protected address) is listed without a name.
    return {(m["person"] or {}).get("name", "?"): m for m in child["network"]}


async def view(api: Api, as_: Any, child_id: str) -> dict[str, Any] | None:
    data = await api.gql(document("Child"), {"id": child_id}, as_=as_)
    return data["child"]


async def school_network(
    api: Api, world: World, consent: tuple[str, ...] | None = None, **overrides: Any
) -> dict[str, Any]:
    if consent is None:
        child = await family_child(api, world, **overrides)
    else:
        child = await family_child(api, world, consent_categories=consent, **overrides)
    for person, service in [
        (world.teacher, world.school),
        (world.psychologist, world.ppt),
        (world.doctor, world.hospital),
        (world.caseworker, world.barnevern),
    ]:
        await add_member(
            api,
            # Barnevern adds its own membership; the coordinator adds the others.
            world.caseworker if service is world.barnevern else world.coordinator,
            child["id"],
            role="SPECIALIST" if person is world.doctor else "MEMBER",
            personId=str(person.id),
            serviceId=str(service.id),
            responsibilities=f"Oppgaver for {service.name}",
        )
    return child


async def test_consent_opens_a_category_and_withdrawal_closes_it_at_once(
    api: Api, world: World
) -> None:
    child = await school_network(api, world)
    before = by_name(await view(api, world.psychologist, child["id"]))  # type: ignore[arg-type]
    assert before["Tina Lærer"]["service"] is None
    assert before["Tina Lærer"]["responsibilities"] is None
    assert before["Petter PPT"]["service"]["name"] == "PPT Testvik"  # own membership

    [consent] = await give_consent(api, world.parent, child["id"], world.ppt.id, ("SCHOOL",))
    after = by_name(await view(api, world.psychologist, child["id"]))  # type: ignore[arg-type]
    assert after["Tina Lærer"]["service"]["name"] == "Testvik skole"
    # School consent does not open health: the health membership itself stays hidden.
    assert "Dag Doktor" not in after

    withdrawn = await api.gql(
        document("WithdrawConsent"), {"input": {"id": consent["id"]}}, as_=world.parent
    )
    assert withdrawn["withdrawConsent"]["consent"]["isActive"] is False
    assert withdrawn["withdrawConsent"]["consent"]["withdrawnBy"] == "Pia Forelder"
    closed = by_name(await view(api, world.psychologist, child["id"]))  # type: ignore[arg-type]
    assert closed["Tina Lærer"]["service"] is None
    again = await api.gql(
        document("WithdrawConsent"), {"input": {"id": consent["id"]}}, as_=world.parent
    )
    assert codes(again["withdrawConsent"]) == [("ALREADY_WITHDRAWN", "id")]

    history = await api.gql(document("ChildConsents"), {"id": child["id"]}, as_=world.parent)
    states = {
        (c["category"], c["service"]["name"], c["isActive"]) for c in history["child"]["consents"]
    }
    assert ("SCHOOL", "PPT Testvik", False) in states
    assert ("HEALTH", "Koordinerende enhet", True) in states


async def test_who_records_consent(api: Api, world: World) -> None:
    child = await family_child(api, world)
    consent = {"childId": child["id"], "serviceId": str(world.school.id), "category": "SCHOOL"}
    for caller, expected in [
        (None, "UNAUTHENTICATED"),
        (world.parent2, "NOT_FOUND"),
        (world.other_parent, "NOT_ALLOWED"),  # no parental responsibility: decides nothing
        (world.coordinator, "NOT_ALLOWED"),
    ]:
        data = await api.gql(document("RecordConsent"), {"input": consent}, as_=caller)
        assert [c for c, _ in codes(data["recordConsent"])] == [expected]
    bad = [
        ({**consent, "serviceId": None}, ("REQUIRED", "serviceId")),
        ({**consent, "serviceId": "x"}, ("NOT_FOUND", "serviceId")),
        (
            {**consent, "validFrom": "2026-05-01", "validTo": "2026-04-01"},
            ("INVALID_DATE_RANGE", "validTo"),
        ),
        # Sharing back with the guardians is the young person's choice, not the guardian's.
        ({**consent, "serviceId": None, "toGuardians": True}, ("NOT_ALLOWED", None)),
    ]
    for data_in, expected in bad:
        data = await api.gql(document("RecordConsent"), {"input": data_in}, as_=world.parent)
        assert expected in codes(data["recordConsent"]), data_in


async def test_barnevern_needs_a_consent_that_names_it(api: Api, world: World) -> None:
    child = await school_network(api, world)
    coordinator_view = by_name(await view(api, world.coordinator, child["id"]))  # type: ignore[arg-type]
    assert "Berit Barnevern" not in coordinator_view  # four categories, but not barnevern
    assert coordinator_view["Tina Lærer"]["service"]["name"] == "Testvik skole"
    assert "Berit Barnevern" in by_name(await view(api, world.parent, child["id"]))  # type: ignore[arg-type]
    assert "Berit Barnevern" not in by_name(await view(api, world.other_parent, child["id"]))  # type: ignore[arg-type]
    assert "Berit Barnevern" in by_name(await view(api, world.caseworker, child["id"]))  # type: ignore[arg-type]
    await give_consent(api, world.parent, child["id"], world.unit.id, ("BARNEVERN",))
    assert "Berit Barnevern" in by_name(await view(api, world.coordinator, child["id"]))  # type: ignore[arg-type]


async def test_guardian_without_parental_responsibility_sees_less(api: Api, world: World) -> None:
    child = await school_network(api, world)
    other = await view(api, world.other_parent, child["id"])
    assert other is not None
    assert other["nationalId"] is None
    assert by_name(other)["Tina Lærer"]["service"] is None
    full = await view(api, world.parent, child["id"])
    assert full is not None and full["nationalId"] == child["nationalId"]
    assert by_name(full)["Tina Lærer"]["service"]["name"] == "Testvik skole"


async def test_protected_address_reaches_only_the_entitled(api: Api, world: World) -> None:
    child = await school_network(api, world, addressProtection="STRICTLY_CONFIDENTIAL")
    await give_consent(api, world.parent, child["id"], world.school.id, ("SCHOOL", "FAMILY"))
    other = await view(api, world.other_parent, child["id"])
    assert other is not None
    assert other["municipality"] is None
    # Kode 6: no service and no staff name reaches the other parent.
    assert "Tina Lærer" not in by_name(other)
    assert all(m["service"] is None for m in other["network"])
    teacher = await view(api, world.teacher, child["id"])
    assert teacher is not None
    assert teacher["municipality"] is None
    assert by_name(teacher)["Tina Lærer"]["service"]["name"] == "Testvik skole"  # own
    assert by_name(teacher)["Pia Forelder"]["person"]["kind"] == "CITIZEN"
    for caller in (world.coordinator, world.parent):
        entitled = await view(api, caller, child["id"])
        assert entitled is not None and entitled["municipality"]["name"] == "Testvik kommune"
        assert by_name(entitled)["Tina Lærer"]["service"]["name"] == "Testvik skole"


async def test_contact_details_of_the_family(api: Api, world: World) -> None:
    child = await school_network(api, world)
    query = """query($id: ID!) { child(id: $id) { network { person { name email phone } } } }"""
    async with api.aut.db.writing() as session:
        await session.execute(
            text("UPDATE person SET email = 'pia@example.no' WHERE name = 'Pia Forelder'")
        )

    async def pia(as_: Any) -> dict[str, Any]:
        data = await api.gql(query, {"id": child["id"]}, as_=as_)
        return next(
            m["person"] for m in data["child"]["network"] if m["person"]["name"] == "Pia Forelder"
        )

    assert (await pia(world.coordinator))["email"] == "pia@example.no"
    assert (await pia(world.parent))["email"] == "pia@example.no"
    assert (await pia(world.teacher))["email"] is None
    await give_consent(api, world.parent, child["id"], world.school.id, ("FAMILY",))
    assert (await pia(world.teacher))["email"] == "pia@example.no"


@pytest.mark.parametrize("age", [13, 16])
async def test_health_information_and_the_childs_age(api: Api, world: World, age: int) -> None:
    # From 16, the guardians no longer consent to health on the young person's behalf.
    categories = ("SCHOOL", "WELFARE", "FAMILY") if age >= 16 else ("HEALTH", "SCHOOL")
    child = await school_network(
        api, world, consent=categories, nationalId=fnr(age, 4), birthDate=birth(age).isoformat()
    )
    young = await add_member(
        api,
        world.coordinator,
        child["id"],
        role="CHILD",
        newPerson={"name": "Ungdom Forelder", "nationalId": fnr(age, 4)},
    )
    young_id = young["person"]["id"]

    def doctor_service(data: dict[str, Any] | None) -> Any:
        # A health membership is health information: hidden whole, like its service.
        assert data is not None
        doctor = by_name(data).get("Dag Doktor")
        return doctor["service"] if doctor else None

    if age == 13:
        assert doctor_service(await view(api, world.parent, child["id"])) is not None
        withheld = await api.gql(
            document("SetHealthWithholding"),
            {"input": {"childId": child["id"], "withhold": True}},
            as_=young_id,
        )
        assert withheld["setHealthWithholding"]["errors"] == []
        assert doctor_service(await view(api, world.parent, child["id"])) is None
        refused = await api.gql(
            document("SetHealthWithholding"),
            {"input": {"childId": child["id"], "withhold": False}},
            as_=world.parent,
        )
        assert codes(refused["setHealthWithholding"]) == [("NOT_ALLOWED", None)]
    else:
        assert doctor_service(await view(api, world.parent, child["id"])) is None
        by_parent = await api.gql(
            document("RecordConsent"),
            {
                "input": {
                    "childId": child["id"],
                    "serviceId": str(world.school.id),
                    "category": "HEALTH",
                }
            },
            as_=world.parent,
        )
        assert codes(by_parent["recordConsent"]) == [("NOT_ALLOWED", None)]
        shared = await api.gql(
            document("RecordConsent"),
            {"input": {"childId": child["id"], "toGuardians": True, "category": "HEALTH"}},
            as_=young_id,
        )
        assert shared["recordConsent"]["errors"] == []
        assert doctor_service(await view(api, world.parent, child["id"])) is not None
