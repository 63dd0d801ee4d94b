"""The kommune's measure catalogue (tiltakskatalog): who reads it, who keeps it, what it takes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, func, select

from backend.audit.access_log import AccessLogEntry
from backend.audit.models import AuditEntry
from backend.catalogue.demo import seed_catalogue
from backend.catalogue.models import CatalogueMeasureRow
from backend.events.models import Event
from backend.identity.models import Person, PersonKind
from backend.network.models import Municipality, ServiceProvider, ServiceType
from tests.conftest import VALID_ORGNR, Api, World
from tests.helpers import add_member, birth, codes, family_child, fnr, register_child

FIELDS = """
  id municipalityId title description lifeAreas evidenceLevel provider provision capacity
  inUse monthlyCost version municipality { id name }
  inHouseAlternative { id title provision }
"""
CATALOGUE = f"query($m: ID!) {{ measureCatalogue(municipalityId: $m) {{ {FIELDS} }} }}"
ADD = f"""mutation($input: AddCatalogueMeasureInput!) {{
  addCatalogueMeasure(input: $input) {{
    catalogueMeasure {{ {FIELDS} }}
    errors {{ code field message }}
  }}
}}"""
UPDATE = f"""mutation($input: UpdateCatalogueMeasureInput!) {{
  updateCatalogueMeasure(input: $input) {{
    catalogueMeasure {{ {FIELDS} }}
    errors {{ code field message }}
  }}
}}"""


@dataclass
class Scene:
    """Testvik (the world's kommune) with a child in a network, and Annenvik with its own
    coordinating unit and a child whose guardian is Paul (world.parent2)."""

    child: dict[str, Any]
    other_kommune: Municipality
    other_unit_staff: Person
    other_child: dict[str, Any]


async def scene(api: Api, world: World) -> Scene:
    child = await family_child(api, world)
    async with api.aut.db.writing() as session:
        kommune = Municipality(name="Annenvik kommune", number="4602", org_number=VALID_ORGNR[5])
        session.add(kommune)
        await session.flush()
        unit = ServiceProvider(
            name="Koordinerende enhet Annenvik",
            type=ServiceType.COORDINATING_UNIT.value,
            org_number=VALID_ORGNR[5],
            municipality_id=kommune.id,
        )
        session.add(unit)
        await session.flush()
        anne = Person(
            name="Anne Annenvik",
            kind=PersonKind.STAFF.value,
            employer_service_id=unit.id,
            municipality_id=kommune.id,
        )
        session.add(anne)
    other_child = await register_child(
        api,
        anne,
        givenName="Ola",
        nationalId=fnr(8, 5),
        birthDate=birth(8).isoformat(),
        guardians=[
            {
                "personId": str(world.parent2.id),
                "name": world.parent2.name,
                "hasParentalResponsibility": True,
            }
        ],
    )
    return Scene(child, kommune, anne, other_child)


def measure_input(municipality_id: Any, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "municipalityId": str(municipality_id),
        "title": "Avlastning i kommunal avlastningsbolig",
        "description": "Noen døgn i måneden i avlastningsboligen.",
        "lifeAreas": ["HOME_AND_FAMILY", "LEISURE_AND_FRIENDS"],
        "provision": "IN_HOUSE",
        "provider": "Testvik avlastningsbolig",
        "capacity": 6,
        "monthlyCost": 34000,
    }
    values.update(overrides)
    return values


async def add(api: Api, as_: Any, language: str | None = None, **fields: Any) -> dict[str, Any]:
    data = await api.gql(ADD, {"input": fields}, as_=as_, language=language)
    return dict(data["addCatalogueMeasure"])


async def added(api: Api, as_: Any, **fields: Any) -> dict[str, Any]:
    payload = await add(api, as_, **fields)
    assert payload["errors"] == [], payload["errors"]
    return dict(payload["catalogueMeasure"])


async def update(api: Api, as_: Any, language: str | None = None, **fields: Any) -> dict[str, Any]:
    data = await api.gql(UPDATE, {"input": fields}, as_=as_, language=language)
    return dict(data["updateCatalogueMeasure"])


async def titles(api: Api, as_: Any, municipality_id: Any) -> list[str]:
    data = await api.gql(CATALOGUE, {"m": str(municipality_id)}, as_=as_)
    return [m["title"] for m in data["measureCatalogue"]]


async def rows(api: Api) -> dict[str, int]:
    """What a catalogue write touches, to prove a refused one changed nothing."""
    async with api.aut.db.reading() as session:
        return {
            model.__tablename__: (await session.exec(select(func.count()).select_from(model))).one()
            for model in (CatalogueMeasureRow, Event, AuditEntry)
        }


async def two_entries(api: Api, world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    """Testvik's own respite care, and the bought one it could replace."""
    own = await added(api, world.coordinator, **measure_input(world.municipality.id))
    bought = await added(
        api,
        world.coordinator,
        **measure_input(
            world.municipality.id,
            title="Avlastning hos privat leverandør",
            provision="PRIVATE_PROVIDER",
            provider="Kystlys Omsorg AS",
            capacity=2,
            monthlyCost=68000,
            inHouseAlternativeId=own["id"],
        ),
    )
    return own, bought


# ---- Reading ------------------------------------------------------------------------------


async def test_the_kommune_and_its_networks_read_the_catalogue(api: Api, world: World) -> None:
    s = await scene(api, world)
    await two_entries(api, world)
    expected = ["Avlastning hos privat leverandør", "Avlastning i kommunal avlastningsbolig"]
    readers = {
        "the coordinating unit": world.coordinator,
        "other staff of the kommune (not in the network)": world.teacher,
        "a guardian in a network in the kommune": world.parent,
        "a guardian without parental responsibility in that network": world.other_parent,
    }
    for who, person in readers.items():
        assert await titles(api, person, world.municipality.id) == expected, who
    outsiders: dict[str, Person | None] = {
        "staff of another kommune": s.other_unit_staff,
        "a guardian in a network elsewhere": world.parent2,
        "staff of no kommune, in no network here": world.doctor,
        "anonymous": None,
    }
    for who, outsider in outsiders.items():
        assert await titles(api, outsider, world.municipality.id) == [], who
    # A hospital's doctor sees it once in the network of a child of the kommune.
    await add_member(
        api, world.coordinator, s.child["id"], role="SPECIALIST", personId=str(world.doctor.id)
    )
    assert await titles(api, world.doctor, world.municipality.id) == expected
    # Each kommune's catalogue is its own.
    await added(
        api,
        s.other_unit_staff,
        **measure_input(s.other_kommune.id, title="Støttekontakt", provider=None),
    )
    assert await titles(api, s.other_unit_staff, s.other_kommune.id) == ["Støttekontakt"]
    assert await titles(api, world.parent2, s.other_kommune.id) == ["Støttekontakt"]
    assert await titles(api, world.coordinator, s.other_kommune.id) == []
    assert await titles(api, world.parent, s.other_kommune.id) == []


async def test_an_entry_reads_as_written_with_its_in_house_alternative(
    api: Api, world: World
) -> None:
    own, bought = await two_entries(api, world)
    assert own["municipalityId"] == str(world.municipality.id)
    assert own["municipality"]["name"] == "Testvik kommune"
    assert own["lifeAreas"] == ["HOME_AND_FAMILY", "LEISURE_AND_FRIENDS"]
    assert own["evidenceLevel"] == "NOT_CLASSIFIED"
    assert (own["capacity"], own["monthlyCost"], own["inUse"], own["version"]) == (6, 34000, 0, 1)
    assert own["inHouseAlternative"] is None
    assert bought["provision"] == "PRIVATE_PROVIDER"
    assert bought["inHouseAlternative"] == {
        "id": own["id"],
        "title": own["title"],
        "provision": "IN_HOUSE",
    }
    data = await api.gql(CATALOGUE, {"m": str(world.municipality.id)}, as_=world.teacher)
    listed = {m["id"]: m for m in data["measureCatalogue"]}
    assert listed[bought["id"]]["inHouseAlternative"]["id"] == own["id"]
    assert listed[bought["id"]]["provider"] == "Kystlys Omsorg AS"


async def test_reading_the_catalogue_writes_no_childs_access_log(api: Api, world: World) -> None:
    await scene(api, world)
    await two_entries(api, world)

    async def logged() -> int:
        async with api.aut.db.reading() as session:
            return (await session.exec(select(func.count()).select_from(AccessLogEntry))).one()

    before = await logged()
    for who in (world.parent, world.teacher, world.parent2, world.coordinator):
        await titles(api, who, world.municipality.id)
    assert await logged() == before


async def test_a_malformed_kommune_id_is_a_clear_error(api: Api, world: World) -> None:
    response = await api.raw(CATALOGUE, {"m": "not-an-id"}, as_=world.coordinator)
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    unknown = str(uuid.UUID(int=1))
    assert await titles(api, world.coordinator, unknown) == []


# ---- Writing ------------------------------------------------------------------------------


async def test_only_the_kommunes_coordinating_unit_keeps_the_catalogue(
    api: Api, world: World
) -> None:
    s = await scene(api, world)
    own, _ = await two_entries(api, world)
    refused: dict[str, tuple[Any, tuple[str, str | None]]] = {
        "other staff of the kommune": (world.teacher, ("COORDINATING_UNIT_REQUIRED", None)),
        "a guardian in a network in the kommune": (world.parent, ("NOT_ALLOWED", None)),
        "the unit of another kommune": (s.other_unit_staff, ("NOT_FOUND", "municipalityId")),
        "a guardian elsewhere": (world.parent2, ("NOT_FOUND", "municipalityId")),
        "anonymous": (None, ("UNAUTHENTICATED", None)),
    }
    for who, (person, expected) in refused.items():
        before = await rows(api)
        payload = await add(api, person, **measure_input(world.municipality.id, title=who))
        assert codes(payload) == [expected], who
        assert payload["catalogueMeasure"] is None
        ident = expected if expected[1] is None else (expected[0], "id")
        payload = await update(api, person, id=own["id"], version=1, title=who)
        assert codes(payload) == [ident], who
        assert await rows(api) == before, who
    # The unit's every member keeps it.
    changed = await update(api, world.coordinator2, id=own["id"], version=1, capacity=7)
    assert changed["errors"] == []
    assert changed["catalogueMeasure"]["capacity"] == 7
    assert changed["catalogueMeasure"]["version"] == 2
    # The refusal tells staff whom to ask, in their language.
    payload = await add(api, world.teacher, language="nn", **measure_input(world.municipality.id))
    assert "koordinerande eining" in payload["errors"][0]["message"]


async def test_every_change_is_an_event_and_an_audit_row_without_a_child(
    api: Api, world: World
) -> None:
    own, _ = await two_entries(api, world)
    await update(api, world.coordinator, id=own["id"], version=1, capacity=5, title="Avlastning")
    async with api.aut.db.reading() as session:
        events = (
            await session.exec(
                select(Event)
                .where(Event.entity_type == "catalogue_measure")
                .order_by(col(Event.occurred_at), col(Event.id))
            )
        ).all()
        audits = (
            await session.exec(
                select(AuditEntry).where(AuditEntry.entity_type == "catalogue_measure")
            )
        ).all()
    assert [e.kind for e in events] == [
        "catalogue.measure_added",
        "catalogue.measure_added",
        "catalogue.measure_updated",
    ]
    assert all(e.child_id is None and e.seq is None for e in events)
    assert all(e.actor_person_id == world.coordinator.id for e in events)
    assert events[2].entity_id == uuid.UUID(own["id"])
    assert sorted(events[2].payload["changed"]) == ["capacity", "title"]
    assert sorted(a.action for a in audits) == sorted(e.kind for e in events)
    assert all(a.child_id is None for a in audits)


# ---- Validation ---------------------------------------------------------------------------


async def test_bad_input_is_refused_and_changes_nothing(api: Api, world: World) -> None:
    own, bought = await two_entries(api, world)
    kommune = world.municipality.id
    cases: list[tuple[dict[str, Any], tuple[str, str | None]]] = [
        ({"title": ""}, ("REQUIRED", "title")),
        ({"title": "   "}, ("REQUIRED", "title")),
        ({"title": "x" * 201}, ("TOO_LONG", "title")),
        ({"title": "Avlastning\u202e"}, ("INVALID", "title")),
        ({"title": "To\nlinjer"}, ("INVALID", "title")),
        ({"provider": "y" * 201}, ("TOO_LONG", "provider")),
        ({"lifeAreas": []}, ("REQUIRED", "lifeAreas")),
        ({"capacity": -1}, ("INVALID", "capacity")),
        ({"monthlyCost": -500}, ("INVALID", "monthlyCost")),
        ({"inHouseAlternativeId": "nope"}, ("NOT_FOUND", "inHouseAlternativeId")),
        ({"inHouseAlternativeId": str(uuid.UUID(int=7))}, ("NOT_FOUND", "inHouseAlternativeId")),
        (
            {"provision": "PRIVATE_PROVIDER", "inHouseAlternativeId": bought["id"]},
            ("INVALID", "inHouseAlternativeId"),
        ),
        (
            {"provision": "IN_HOUSE", "inHouseAlternativeId": own["id"]},
            ("INVALID", "inHouseAlternativeId"),
        ),
    ]
    for fields, expected in cases:
        before = await rows(api)
        payload = await add(api, world.coordinator, **measure_input(kommune, **fields))
        assert codes(payload) == [expected], fields
        assert payload["catalogueMeasure"] is None
        assert await rows(api) == before, fields
    # Every error of an input at once.
    payload = await add(
        api, world.coordinator, **measure_input(kommune, title="", capacity=-1, monthlyCost=-1)
    )
    assert codes(payload) == [
        ("REQUIRED", "title"),
        ("INVALID", "capacity"),
        ("INVALID", "monthlyCost"),
    ]


async def test_errors_speak_bokmal_nynorsk_and_english(api: Api, world: World) -> None:
    said = {}
    for language in ("nb", "nn", "en"):
        payload = await add(
            api,
            world.coordinator,
            language=language,
            **measure_input(world.municipality.id, capacity=-1, lifeAreas=[]),
        )
        said[language] = [e["message"] for e in payload["errors"]]
    assert said["nb"] == [
        "Velg minst ett livsområde tiltaket gjelder.",
        "Verdien kan ikke være negativ.",
    ]
    assert said["nn"] == [
        "Vel minst eitt livsområde tiltaket gjeld.",
        "Verdien kan ikkje vere negativ.",
    ]
    assert said["en"] == [
        "Choose at least one life area the measure addresses.",
        "The value cannot be negative.",
    ]


async def test_lists_and_texts_are_capped_before_any_work(api: Api, world: World) -> None:
    before = await rows(api)
    for fields, expected in (
        ({"lifeAreas": ["HEALTH"] * 13}, ("TOO_MANY", "lifeAreas")),
        ({"title": "x" * 1001}, ("TOO_LONG", "title")),
        ({"description": "x" * 4001}, ("TOO_LONG", "description")),
    ):
        response = await api.raw(
            ADD,
            {"input": measure_input(world.municipality.id, **fields)},
            as_=world.coordinator,
        )
        error = response.json()["errors"][0]["extensions"]
        assert (error["code"], error["field"]) == expected
    assert await rows(api) == before
    # Repeats within the cap count once.
    entry = await added(
        api,
        world.coordinator,
        **measure_input(world.municipality.id, lifeAreas=["HEALTH", "SCHOOL", "HEALTH"]),
    )
    assert entry["lifeAreas"] == ["HEALTH", "SCHOOL"]


async def test_the_in_house_alternative_is_the_kommunes_own(api: Api, world: World) -> None:
    s = await scene(api, world)
    own, bought = await two_entries(api, world)
    elsewhere = await added(
        api, s.other_unit_staff, **measure_input(s.other_kommune.id, title="Annenvik avlastning")
    )
    # Another kommune's entry is not one the unit may see: as if it did not exist.
    payload = await update(
        api, world.coordinator, id=bought["id"], version=1, inHouseAlternativeId=elsewhere["id"]
    )
    assert codes(payload) == [("NOT_FOUND", "inHouseAlternativeId")]
    # One it may see (in a network there) is still not Testvik's own.
    await add_member(
        api,
        s.other_unit_staff,
        s.other_child["id"],
        role="MEMBER",
        personId=str(world.coordinator.id),
    )
    payload = await update(
        api,
        world.coordinator,
        language="en",
        id=bought["id"],
        version=1,
        inHouseAlternativeId=elsewhere["id"],
    )
    assert codes(payload) == [("INVALID", "inHouseAlternativeId")]
    assert payload["errors"][0]["message"] == (
        "The in-house alternative must be in the same kommune's catalogue."
    )
    # Not itself, and the kommune's own in-house entry stays in-house while others name it.
    payload = await update(
        api, world.coordinator, id=bought["id"], version=1, inHouseAlternativeId=bought["id"]
    )
    assert codes(payload) == [("INVALID", "inHouseAlternativeId")]
    payload = await update(
        api, world.coordinator, id=own["id"], version=1, provision="PRIVATE_PROVIDER"
    )
    assert codes(payload) == [("INVALID", "provision")]
    payload = await update(api, world.coordinator, id=bought["id"], version=1, provision="IN_HOUSE")
    assert codes(payload) == [("INVALID", "inHouseAlternativeId")]
    # Dropping the alternative frees the in-house entry to change.
    cleared = await update(
        api, world.coordinator, id=bought["id"], version=1, inHouseAlternativeId=None
    )
    assert cleared["errors"] == []
    assert cleared["catalogueMeasure"]["inHouseAlternative"] is None
    payload = await update(
        api, world.coordinator, id=own["id"], version=1, provision="PRIVATE_PROVIDER"
    )
    assert payload["errors"] == []
    assert payload["catalogueMeasure"]["provision"] == "PRIVATE_PROVIDER"


async def test_updates_follow_the_version_rule(api: Api, world: World) -> None:
    own, _ = await two_entries(api, world)
    first = await update(
        api,
        world.coordinator,
        id=own["id"],
        version=1,
        title="Avlastning i avlastningsbolig",
        evidenceLevel="THEORETICALLY_GROUNDED",
        lifeAreas=["HOME_AND_FAMILY"],
        description=None,
        monthlyCost=None,
    )
    assert first["errors"] == []
    entry = first["catalogueMeasure"]
    assert entry["title"] == "Avlastning i avlastningsbolig"
    assert entry["evidenceLevel"] == "THEORETICALLY_GROUNDED"
    assert entry["lifeAreas"] == ["HOME_AND_FAMILY"]
    assert (entry["description"], entry["monthlyCost"], entry["capacity"]) == (None, None, 6)
    assert entry["version"] == 2
    before = await rows(api)
    stale = await update(api, world.coordinator, id=own["id"], version=1, capacity=1)
    assert codes(stale) == [("CONFLICT", "version")]
    for fields, expected in (
        ({"title": None}, ("REQUIRED", "title")),
        ({"lifeAreas": None}, ("REQUIRED", "lifeAreas")),
        ({"provision": None}, ("REQUIRED", "provision")),
        ({"evidenceLevel": None}, ("REQUIRED", "evidenceLevel")),
        ({"capacity": -3}, ("INVALID", "capacity")),
    ):
        payload = await update(api, world.coordinator, id=own["id"], version=2, **fields)
        assert codes(payload) == [expected], fields
    for bad in ("nope", str(uuid.UUID(int=9))):
        payload = await update(api, world.coordinator, id=bad, version=1, capacity=1)
        assert codes(payload) == [("NOT_FOUND", "id")]
    assert await rows(api) == before
    listed = await api.gql(CATALOGUE, {"m": str(world.municipality.id)}, as_=world.coordinator)
    shown = {m["id"]: m for m in listed["measureCatalogue"]}[own["id"]]
    assert (shown["capacity"], shown["version"]) == (6, 2)


# ---- Demo ---------------------------------------------------------------------------------


async def test_the_demo_catalogue_is_a_valid_catalogue(api: Api, world: World) -> None:
    async with api.aut.db.writing() as session:
        kommune = await session.get(Municipality, world.municipality.id)
        assert kommune is not None
        seeded = await seed_catalogue(session, kommune)
    assert {
        "avlastning",
        "privat_avlastning",
        "fysioterapi",
        "spesialpedagogikk",
        "foreldreveiledning",
        "habilitering",
    } <= set(seeded)
    data = await api.gql(CATALOGUE, {"m": str(world.municipality.id)}, as_=world.teacher)
    listed = {m["id"]: m for m in data["measureCatalogue"]}
    assert set(listed) == {str(row.id) for row in seeded.values()}
    bought = listed[str(seeded["privat_avlastning"].id)]
    assert bought["provision"] == "PRIVATE_PROVIDER" and bought["monthlyCost"] > 0
    assert bought["inHouseAlternative"]["id"] == str(seeded["avlastning"].id)
    assert listed[str(seeded["avlastning"].id)]["provision"] == "IN_HOUSE"
    assert listed[str(seeded["habilitering"].id)]["provision"] == "SPECIALIST_HEALTH"
    assert listed[str(seeded["foreldreveiledning"].id)]["evidenceLevel"] != "NOT_CLASSIFIED"
    # The unit keeps the seeded entries like any other.
    entry = listed[str(seeded["fysioterapi"].id)]
    payload = await update(
        api, world.coordinator, id=entry["id"], version=entry["version"], capacity=40
    )
    assert payload["errors"] == []


# ---- In use -------------------------------------------------------------------------------

PLAN = """mutation($input: CreatePlanInput!) {
  createPlan(input: $input) { plan { id } errors { code field } } }"""
NEED = """mutation($input: AddNeedInput!) {
  addNeed(input: $input) { need { id } errors { code field } } }"""
MEASURE = """mutation($input: AddMeasureInput!) {
  addMeasure(input: $input) {
    measure { id version status catalogueMeasure { id title inUse } }
    errors { code field }
  }
}"""
END_MEASURE = """mutation($input: UpdateMeasureInput!) {
  updateMeasure(input: $input) { measure { id status } errors { code field } } }"""


async def in_use(api: Api, as_: Any, municipality_id: Any) -> dict[str, int]:
    data = await api.gql(CATALOGUE, {"m": str(municipality_id)}, as_=as_)
    return {m["title"]: m["inUse"] for m in data["measureCatalogue"]}


async def test_in_use_counts_the_plan_measures_picked_that_have_not_ended(
    api: Api, world: World
) -> None:
    s = await scene(api, world)
    own, bought = await two_entries(api, world)
    plan = await api.gql(
        PLAN,
        {"input": {"childId": s.child["id"], "periodStart": "2026-01-01"}},
        as_=world.coordinator,
    )
    assert plan["createPlan"]["errors"] == []
    plan_id = plan["createPlan"]["plan"]["id"]
    need = await api.gql(
        NEED,
        {"input": {"planId": plan_id, "lifeArea": "HOME_AND_FAMILY", "description": "Avlastning"}},
        as_=world.coordinator,
    )
    need_id = need["addNeed"]["need"]["id"]

    async def pick(entry: dict[str, Any], status: str) -> dict[str, Any]:
        data = await api.gql(
            MEASURE,
            {
                "input": {
                    "planId": plan_id,
                    "catalogueMeasureId": entry["id"],
                    "needIds": [need_id],
                    "status": status,
                }
            },
            as_=world.coordinator,
        )
        assert data["addMeasure"]["errors"] == [], data["addMeasure"]["errors"]
        return dict(data["addMeasure"]["measure"])

    active = await pick(bought, "ACTIVE")
    assert active["catalogueMeasure"]["id"] == bought["id"]
    await pick(bought, "ENDED")
    await pick(own, "PLANNED")
    expected = {own["title"]: 1, bought["title"]: 1}
    # A number for the kommune's capacity: the same for every reader, naming no child.
    for who in (world.coordinator, world.teacher, world.parent):
        assert await in_use(api, who, world.municipality.id) == expected, who.name
    ended = await api.gql(
        END_MEASURE,
        {"input": {"id": active["id"], "version": active["version"], "status": "ENDED"}},
        as_=world.coordinator,
    )
    assert ended["updateMeasure"]["errors"] == []
    assert await in_use(api, world.teacher, world.municipality.id) == {
        own["title"]: 1,
        bought["title"]: 0,
    }
