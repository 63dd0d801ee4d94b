"""The kommune's security review: refused probes by people outside a child's network, for
the staff of the kommune's coordinating unit only, without the child's data (issue 7, item 14)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import select

from backend.api.operations import document
from backend.audit.models import AuditEntry
from backend.audit.review import child_ref
from backend.identity.models import Person, PersonKind
from backend.network.models import Municipality, ServiceProvider, ServiceType
from tests.conftest import VALID_ORGNR, Api, World
from tests.helpers import add_member, family_child


async def review(api: Api, as_: Any, **variables: Any) -> list[dict[str, Any]]:
    data = await api.gql(document("SecurityReview"), variables, as_=as_)
    return [e["node"] for e in data["securityReview"]["edges"]]


async def probed(api: Api, world: World) -> dict[str, Any]:
    """A child of the world's kommune that Otto (school staff, not in its network) tried to open."""
    child = await family_child(api, world)
    refused = await api.gql(document("Child"), {"id": child["id"]}, as_=world.outsider_staff)
    assert refused["child"] is None
    return child


async def test_an_outsiders_probe_is_in_the_units_review_without_the_childs_data(
    api: Api, world: World
) -> None:
    child = await probed(api, world)
    # A look by someone in the network is no probe.
    await add_member(
        api, world.coordinator, child["id"], role="MEMBER", personId=str(world.teacher.id)
    )
    await api.gql(document("Child"), {"id": child["id"]}, as_=world.teacher)

    (entry,) = await review(api, world.coordinator2)
    assert entry["who"] == "Otto Utenfor"
    assert entry["organisation"] == "Testvik skole"
    assert entry["roles"] == []
    assert entry["refused"] == ["barnet"]
    assert entry["purposeCode"] == "CHILD_WORKSPACE"
    assert entry["via"] == "http"
    # A stable reference, not the child's id (the reviewer is not in the network).
    assert entry["childRef"] != child["id"] and child["id"] not in str(entry)
    assert entry["childRef"] == child_ref(uuid.UUID(child["id"]), "test-secret")
    shown = str(entry)
    assert "Emma" not in shown and "Testesen" not in shown and "Mor" not in shown


async def test_the_review_is_newest_first_a_page_at_a_time(api: Api, world: World) -> None:
    first = await probed(api, world)
    await api.gql(document("Child"), {"id": first["id"]}, as_=world.doctor)
    data = await api.gql(document("SecurityReview"), {"first": 1}, as_=world.coordinator)
    page = data["securityReview"]
    assert [e["node"]["who"] for e in page["edges"]] == ["Dag Doktor"]
    assert page["pageInfo"]["hasNextPage"] is True
    older = await review(api, world.coordinator, first=1, after=page["pageInfo"]["endCursor"])
    assert [e["who"] for e in older] == ["Otto Utenfor"]


async def test_nobody_outside_the_coordinating_unit_sees_the_review(api: Api, world: World) -> None:
    child = await probed(api, world)
    await add_member(
        api, world.coordinator, child["id"], role="MEMBER", personId=str(world.teacher.id)
    )
    for who in (world.teacher, world.caseworker, world.doctor, world.parent, world.other_parent):
        assert await review(api, who) == [], who.name
    anonymous = await api.gql(document("SecurityReview"), {})
    assert anonymous["securityReview"]["edges"] == []


async def test_the_unit_of_another_kommune_does_not_see_the_probe(api: Api, world: World) -> None:
    await probed(api, world)
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
        stranger = Person(
            name="Anne Annenvik",
            kind=PersonKind.STAFF.value,
            employer_service_id=unit.id,
            municipality_id=kommune.id,
        )
        session.add(stranger)
    assert await review(api, stranger) == []
    assert [e["who"] for e in await review(api, world.coordinator)] == ["Otto Utenfor"]


async def test_every_read_of_the_review_is_audited(api: Api, world: World) -> None:
    await probed(api, world)
    (entry,) = await review(api, world.coordinator)
    await review(api, world.coordinator)
    await review(api, world.teacher)  # an empty list is no read of the review
    async with api.aut.db.reading() as session:
        rows = (
            await session.exec(
                select(AuditEntry).where(AuditEntry.action == "security_review.read")
            )
        ).all()
    assert [r.actor_person_id for r in rows] == [world.coordinator.id] * 2
    assert all(r.entity_id == world.municipality.id and r.child_id is None for r in rows)
    assert {tuple(r.detail["entries"]) for r in rows} == {(entry["id"],)}


async def test_me_tells_whether_you_are_in_the_coordinating_unit(api: Api, world: World) -> None:
    query = "{ me { name inCoordinatingUnit } }"
    assert (await api.gql(query, as_=world.coordinator))["me"]["inCoordinatingUnit"] is True
    for who in (world.teacher, world.doctor, world.parent):
        assert (await api.gql(query, as_=who))["me"]["inCoordinatingUnit"] is False, who.name
    assert (await api.gql(document("Me"), as_=world.coordinator2))["me"]["inCoordinatingUnit"]
