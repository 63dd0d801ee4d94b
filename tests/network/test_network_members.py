"""Building a child's network: add, change, end members; assign and hand over the coordinator."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from backend.api.operations import document
from backend.core.clock import today
from backend.identity.models import Person
from tests.conftest import Api, World
from tests.helpers import add_member, birth, codes, counts, family_child, fnr, register_child


async def _child_with_teacher(api: Api, world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    child = await family_child(api, world)
    teacher = await add_member(
        api,
        world.coordinator,
        child["id"],
        role="MEMBER",
        personId=str(world.teacher.id),
        serviceId=str(world.school.id),
        responsibilities="Kontaktlærer",
    )
    return child, teacher


async def test_add_existing_and_new_members(api: Api, world: World) -> None:
    child, teacher = await _child_with_teacher(api, world)
    assert teacher["role"] == "MEMBER"
    assert teacher["service"]["name"] == "Testvik skole"
    assert teacher["activeFrom"] == today().isoformat()
    grandmother = await add_member(
        api,
        world.coordinator,
        child["id"],
        role="OBSERVER",
        newPerson={"name": "Bestemor", "phone": "+47 22 22 22 22"},
        responsibilities="Henter i barnehagen på fredager",
    )
    assert grandmother["person"]["name"] == "Bestemor"
    network = (await api.gql(document("Child"), {"id": child["id"]}, as_=world.coordinator))[
        "child"
    ]["network"]
    assert {m["person"]["name"] for m in network} == {
        "Pia Forelder",
        "Olga Annenforelder",
        "Kari Koordinator",
        "Tina Lærer",
        "Bestemor",
    }


async def test_duplicate_member_is_refused(api: Api, world: World) -> None:
    child, _ = await _child_with_teacher(api, world)
    before = await counts(api)
    data = await api.gql(
        document("AddNetworkMember"),
        {"input": {"childId": child["id"], "role": "MEMBER", "personId": str(world.teacher.id)}},
        as_=world.coordinator,
    )
    assert codes(data["addNetworkMember"]) == [("DUPLICATE_MEMBER", "personId")]
    assert await counts(api) == before


async def test_bad_member_input(api: Api, world: World) -> None:
    child = await register_child(api, world.coordinator)
    cases: list[tuple[dict[str, Any], tuple[str, str | None]]] = [
        ({"role": "MEMBER"}, ("REQUIRED", "personId")),
        (
            {"role": "MEMBER", "personId": "01900000-0000-7000-8000-000000000000"},
            ("NOT_FOUND", "personId"),
        ),
        ({"role": "COORDINATOR", "personId": str(world.coordinator2.id)}, ("INVALID", "role")),
        (
            {"role": "SPECIALIST", "personId": str(world.parent.id), "name": world.parent.name},
            ("INVALID", "role"),
        ),
        ({"role": "GUARDIAN", "personId": str(world.teacher.id)}, ("INVALID", "role")),
        (
            {"role": "MEMBER", "personId": str(world.teacher.id), "serviceId": "x"},
            ("NOT_FOUND", "serviceId"),
        ),
        (
            {"role": "MEMBER", "personId": str(world.teacher.id), "responsibilities": "x" * 2001},
            ("TOO_LONG", "responsibilities"),
        ),
        (
            {
                "role": "MEMBER",
                "personId": str(world.teacher.id),
                "activeFrom": "2026-05-01",
                "activeTo": "2026-04-01",
            },
            ("INVALID_DATE_RANGE", "activeTo"),
        ),
        (
            {"role": "GUARDIAN", "newPerson": {"name": "Far", "nationalId": "15108695077"}},
            ("INVALID_NATIONAL_ID", "newPerson.nationalId"),
        ),
    ]
    for fields, expected in cases:
        before = await counts(api)
        data = await api.gql(
            document("AddNetworkMember"),
            {"input": {"childId": child["id"], **fields}},
            as_=world.coordinator,
        )
        assert expected in codes(data["addNetworkMember"]), (fields, data)
        assert await counts(api) == before


async def test_update_member_with_version_check(api: Api, world: World) -> None:
    _, teacher = await _child_with_teacher(api, world)
    update = {"id": teacher["id"], "version": teacher["version"], "responsibilities": "Ny tekst"}
    first = await api.gql(document("UpdateNetworkMember"), {"input": update}, as_=world.coordinator)
    assert first["updateNetworkMember"]["member"]["responsibilities"] == "Ny tekst"
    assert first["updateNetworkMember"]["member"]["version"] == teacher["version"] + 1
    before = await counts(api)
    stale = await api.gql(
        document("UpdateNetworkMember"),
        {"input": {**update, "responsibilities": "Overskriver"}},
        as_=world.coordinator,
    )
    assert codes(stale["updateNetworkMember"]) == [("CONFLICT", "version")]
    assert await counts(api) == before


async def test_end_membership_once(api: Api, world: World) -> None:
    child, teacher = await _child_with_teacher(api, world)
    end = {"id": teacher["id"], "version": teacher["version"]}
    ended = await api.gql(document("EndNetworkMembership"), {"input": end}, as_=world.coordinator)
    member = ended["endNetworkMembership"]["member"]
    assert member["isActive"] is False
    assert member["activeTo"] == today().isoformat()
    again = await api.gql(
        document("EndNetworkMembership"),
        {"input": {"id": teacher["id"], "version": member["version"]}},
        as_=world.coordinator,
    )
    assert codes(again["endNetworkMembership"]) == [("ALREADY_ENDED", "id")]
    # The ended member is gone from the network, kept in its history.
    data = await api.gql(
        document("Child"), {"id": child["id"], "includeEnded": True}, as_=world.coordinator
    )
    history = {m["person"]["name"]: m["isActive"] for m in data["child"]["network"]}
    assert history["Tina Lærer"] is False


async def test_ended_member_loses_access_at_once(api: Api, world: World) -> None:
    child, teacher = await _child_with_teacher(api, world)
    seen = await api.gql(document("Child"), {"id": child["id"]}, as_=world.teacher)
    assert seen["child"]["id"] == child["id"]
    await api.gql(
        document("EndNetworkMembership"),
        {"input": {"id": teacher["id"], "version": teacher["version"]}},
        as_=world.coordinator,
    )
    gone = await api.gql(document("Child"), {"id": child["id"]}, as_=world.teacher)
    assert gone["child"] is None


async def test_end_date_rules(api: Api, world: World) -> None:
    _, teacher = await _child_with_teacher(api, world)
    future = (today() + dt.timedelta(days=3)).isoformat()
    data = await api.gql(
        document("EndNetworkMembership"),
        {"input": {"id": teacher["id"], "version": teacher["version"], "endDate": future}},
        as_=world.coordinator,
    )
    assert ("INVALID_DATE", "endDate") in codes(data["endNetworkMembership"])


async def test_last_guardian_with_parental_responsibility_stays(api: Api, world: World) -> None:
    child = await register_child(api, world.coordinator)
    guardian = child["guardians"][0]
    before = await counts(api)
    ended = await api.gql(
        document("EndNetworkMembership"),
        {"input": {"id": guardian["id"], "version": guardian["version"]}},
        as_=world.coordinator,
    )
    assert codes(ended["endNetworkMembership"]) == [("GUARDIAN_REQUIRED", None)]
    dropped = await api.gql(
        document("UpdateNetworkMember"),
        {
            "input": {
                "id": guardian["id"],
                "version": guardian["version"],
                "hasParentalResponsibility": False,
            }
        },
        as_=world.coordinator,
    )
    assert codes(dropped["updateNetworkMember"]) == [("GUARDIAN_REQUIRED", None)]
    assert await counts(api) == before


async def test_coordinator_is_handed_over_not_ended(api: Api, world: World) -> None:
    child = await register_child(api, world.coordinator)
    coordinator = child["coordinator"]
    refused = await api.gql(
        document("EndNetworkMembership"),
        {"input": {"id": coordinator["id"], "version": coordinator["version"]}},
        as_=world.coordinator,
    )
    assert ("INVALID", "id") in codes(refused["endNetworkMembership"])

    handed = await api.gql(
        document("AssignCoordinator"),
        {"input": {"childId": child["id"], "personId": str(world.coordinator2.id)}},
        as_=world.coordinator,
    )
    payload = handed["assignCoordinator"]
    assert payload["errors"] == []
    # Handing over means leaving the network: the answer shows nothing of the child any more.
    assert payload["coordinator"] is None and payload["previous"] is None
    # The previous coordinator has left the network and lost access.
    assert (await api.gql(document("Child"), {"id": child["id"]}, as_=world.coordinator))[
        "child"
    ] is None
    now = await api.gql(
        document("Child"), {"id": child["id"], "includeEnded": True}, as_=world.coordinator2
    )
    assert now["child"]["coordinator"]["person"]["name"] == "Kåre Koordinator"
    ended = [m for m in now["child"]["network"] if m["person"]["name"] == "Kari Koordinator"]
    assert [m["isActive"] for m in ended] == [False]
    same = await api.gql(
        document("AssignCoordinator"),
        {"input": {"childId": child["id"], "personId": str(world.coordinator2.id)}},
        as_=world.coordinator2,
    )
    assert codes(same["assignCoordinator"]) == [("DUPLICATE_MEMBER", "personId")]


async def test_member_of_network_can_become_coordinator(api: Api, world: World) -> None:
    child = await register_child(api, world.coordinator)
    await add_member(
        api, world.coordinator, child["id"], role="MEMBER", personId=str(world.coordinator2.id)
    )
    handed = await api.gql(
        document("AssignCoordinator"),
        {"input": {"childId": child["id"], "personId": str(world.coordinator2.id)}},
        as_=world.coordinator,
    )
    assert handed["assignCoordinator"]["errors"] == []
    network = (await api.gql(document("Child"), {"id": child["id"]}, as_=world.coordinator2))[
        "child"
    ]["network"]
    roles = [m["role"] for m in network if m["person"]["name"] == "Kåre Koordinator"]
    assert roles == ["COORDINATOR"]


async def test_who_may_change_the_network(api: Api, world: World) -> None:
    child, _teacher = await _child_with_teacher(api, world)
    add = {"childId": child["id"], "role": "MEMBER", "personId": str(world.psychologist.id)}
    for caller, expected in [
        (None, "UNAUTHENTICATED"),
        (world.outsider_staff, "NOT_FOUND"),  # outside the network: looks like no such child
        (world.parent2, "NOT_FOUND"),  # a parent, but not of this child
        (world.parent, "NOT_ALLOWED"),  # the guardian sees the child but does not manage it
        (world.teacher, "NOT_ALLOWED"),  # a member sees the child but may not manage it
    ]:
        before = await counts(api)
        data = await api.gql(document("AddNetworkMember"), {"input": add}, as_=caller)
        assert [c for c, _ in codes(data["addNetworkMember"])] == [expected], caller
        assert await counts(api) == before


async def test_members_represent_only_their_own_employer(api: Api, world: World) -> None:
    """Representing another service would borrow its consents (e.g. barnevern's)."""
    child, _ = await _child_with_teacher(api, world)
    before = await counts(api)
    borrowed = await api.gql(
        document("AddNetworkMember"),
        {
            "input": {
                "childId": child["id"],
                "role": "MEMBER",
                "personId": str(world.psychologist.id),
                "serviceId": str(world.barnevern.id),
            }
        },
        as_=world.coordinator,
    )
    assert ("INVALID", "serviceId") in codes(borrowed["addNetworkMember"])
    own = (await api.gql(document("Child"), {"id": child["id"]}, as_=world.coordinator))["child"][
        "coordinator"
    ]
    switched = await api.gql(
        document("UpdateNetworkMember"),
        {
            "input": {
                "id": own["id"],
                "version": own["version"],
                "serviceId": str(world.hospital.id),
            }
        },
        as_=world.coordinator,
    )
    assert ("INVALID", "serviceId") in codes(switched["updateNetworkMember"])
    assert await counts(api) == before


async def test_a_known_person_is_linked_only_with_their_name(api: Api, world: World) -> None:
    """A national id alone must not pull a stranger and their contact details into a network."""
    mother = {"name": "Mor Testesen", "nationalId": fnr(38, 1), "hasParentalResponsibility": True}
    await register_child(api, world.coordinator2, guardians=[mother])
    other = await register_child(
        api,
        world.coordinator,
        nationalId=fnr(5, 2),
        birthDate=birth(5).isoformat(),
        guardians=[{"name": "Far", "nationalId": fnr(40, 3), "hasParentalResponsibility": True}],
    )
    before = await counts(api)
    probe = await api.gql(
        document("AddNetworkMember"),
        {
            "input": {
                "childId": other["id"],
                "role": "OBSERVER",
                "newPerson": {"name": "Hvem som helst", "nationalId": fnr(38, 1)},
            }
        },
        as_=world.coordinator,
    )
    # Answered as for an unknown number: a new person of the typed name, without the number
    # (nobody claims the mother's identity) and without her contact details.
    assert probe["addNetworkMember"]["errors"] == []
    stranger = probe["addNetworkMember"]["member"]["person"]
    assert stranger["name"] == "Hvem som helst"
    async with api.aut.db.reading() as session:
        row = await session.get(Person, uuid.UUID(stranger["id"]))
        assert row is not None and row.national_id is None
    assert (await counts(api))["person"] == before["person"] + 1
    linked = await add_member(
        api,
        world.coordinator,
        other["id"],
        role="OBSERVER",
        newPerson={"name": "mor  testesen", "nationalId": fnr(38, 1)},
    )
    assert linked["person"]["name"] == "Mor Testesen"


async def test_the_child_role_needs_the_childs_own_national_id(api: Api, world: World) -> None:
    child = await family_child(api, world)
    wrong = await api.gql(
        document("AddNetworkMember"),
        {
            "input": {
                "childId": child["id"],
                "role": "CHILD",
                "newPerson": {"name": "Noen andre", "nationalId": fnr(30, 6)},
            }
        },
        as_=world.coordinator,
    )
    assert ("INVALID", "role") in codes(wrong["addNetworkMember"])
    right = await add_member(
        api,
        world.coordinator,
        child["id"],
        role="CHILD",
        newPerson={"name": "Emma Testesen", "nationalId": child["nationalId"]},
    )
    assert right["role"] == "CHILD"


async def test_people_added_by_name_are_family_not_staff(api: Api, world: World) -> None:
    child = await family_child(api, world)
    grandmother = await add_member(
        api,
        world.coordinator,
        child["id"],
        role="OBSERVER",
        newPerson={"name": "Mormor Hansen", "email": "mormor@example.no"},
    )
    assert grandmother["person"]["kind"] == "CITIZEN"
    directory = await api.gql(document("Directory"), {"search": "Mormor"}, as_=world.teacher)
    assert directory["staffDirectory"] == []
    await add_member(
        api, world.coordinator, child["id"], role="MEMBER", personId=str(world.teacher.id)
    )
    query = "query($id: ID!) { child(id: $id) { network { person { name email } } } }"
    seen = await api.gql(query, {"id": child["id"]}, as_=world.teacher)
    emails = {m["person"]["name"]: m["person"]["email"] for m in seen["child"]["network"]}
    assert emails["Mormor Hansen"] is None
