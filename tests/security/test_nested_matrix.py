"""The nested matrix: from every object a caller may see (services, persons, the coordinator,
guardians, the network, consents, events), nothing of what protection, health or barnevern
withholds reaches them.

Root fields alone are not enough: the kommune hidden on `child.municipality` must not come
back through `coordinator { service { municipality } }`, a school's staff must not come
back through `network { person }`, and a replayed event must say no more than the query.
Documents are generated from the schema (every field, to the walk's depth), so a new nested
path joins the matrix on its own.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest
from sqlalchemy import text
from sqlmodel import col, func, select

from backend.events.models import Event
from backend.identity.models import Person, PersonKind
from backend.network.models import NetworkMember, ServiceProvider, ServiceType
from tests.conftest import VALID_ORGNR, Api, AppUnderTest, World, build_world
from tests.events.live import InProcessServer, collect_events, ws_session
from tests.helpers import add_member, birth, fnr, give_consent, register_child
from tests.security import schema_walk

# The kommune: its name, its number and its organisation number (also the unit's).
KOMMUNE = ["Testvik kommune", '"4601"', "974760673"]
# Kommune services and their staff: each tells where a protected family lives.
LOCAL = [
    "Testvik skole",
    "PPT Testvik",
    "Koordinerende enhet",
    "Tina Lærer",
    "tina@testvik.kommune.no",
    "Petter PPT",
    "petter@testvik.kommune.no",
    "Kari Koordinator",
    "testvik.kommune.no",
]
# Kode 6: every service and every staff name and e-mail domain.
EVERY_SERVICE = ["Testvik sykehus", "Dag Doktor", "helse-vest.example"]
MOTHER_CONTACT = ["pia@beskyttet.example", "4790000001"]
HEALTH = ["Erik Berg", "erik@legesenter.example", "Dag Doktor", "Legesenteret", "Testvik sykehus"]
BARNEVERN = ["Berit Barnevern", "Barnevernet Testvik", "Hemmelig tiltak"]


@dataclass
class Probe:
    """One child, who must not see what of it, and what the entitled do see."""

    child_id: str
    # caller name -> (caller, markers that must not appear in anything they get)
    readers: dict[str, tuple[Any, list[str]]]
    entitled: list[tuple[Any, str]] = field(default_factory=list)


@dataclass
class Nested:
    world: World
    probes: dict[str, Probe]


def own(person: Any) -> set[str]:
    """What a staff member may always see: their own name, address and service."""
    return {
        "Tina Lærer": {"Tina Lærer", "tina@testvik.kommune.no", "Testvik skole"},
        "Petter PPT": {"Petter PPT", "petter@testvik.kommune.no", "PPT Testvik"},
        "Dag Doktor": {"Dag Doktor", "Testvik sykehus", "helse-vest.example"},
    }.get(person.name, set())


def markers_for(person: Any, markers: list[str]) -> list[str]:
    mine = own(person)
    # "testvik.kommune.no" is in the staff member's own address too.
    if mine & {"tina@testvik.kommune.no", "petter@testvik.kommune.no"}:
        mine = mine | {"testvik.kommune.no"}
    return [m for m in markers if m not in mine]


async def person_named(aut: AppUnderTest, name: str) -> Person:
    async with aut.db.reading() as session:
        return (await session.exec(select(Person).where(Person.name == name))).one()


async def protected_child(api: Api, w: World, level: str, guardians: list[dict[str, Any]]) -> str:
    child = await register_child(
        api,
        w.coordinator,
        addressProtection=level,
        nationalId=fnr(9, 10 if level == "CONFIDENTIAL" else 11),
        birthDate=birth(9).isoformat(),
        guardians=guardians,
    )
    for person, service, role in [
        (w.teacher, w.school, "MEMBER"),
        (w.psychologist, w.ppt, "MEMBER"),
        (w.doctor, w.hospital, "SPECIALIST"),
    ]:
        await add_member(
            api,
            w.coordinator,
            child["id"],
            role=role,
            personId=str(person.id),
            serviceId=str(service.id),
        )
    return str(child["id"])


async def memberships(aut: AppUnderTest, child_id: str) -> dict[str, str]:
    """The child's active memberships by the member's name."""
    async with aut.db.reading() as session:
        rows = await session.exec(
            select(Person.name, NetworkMember.id)
            .join(NetworkMember, col(NetworkMember.person_id) == col(Person.id))
            .where(
                NetworkMember.child_id == uuid.UUID(child_id), col(NetworkMember.ended_at).is_(None)
            )
        )
        return {name: str(member_id) for name, member_id in rows.all()}


async def plan_naming_the_network(
    api: Api, aut: AppUnderTest, w: World, child_id: str, service: Any, author: Any
) -> None:
    """A plan whose general parts name the network's services and staff (a measure's
    service and responsible, a task's assignee, who recorded what, the history), and whose
    `author` writes a part in their own field (barnevern's, health's...) through `service`."""
    members = await memberships(aut, child_id)

    async def write(name: str, key: str, as_: Any, **fields: Any) -> str:
        data = await api.gql(
            f"mutation($input: {name[0].upper()}{name[1:]}Input!) {{ {name}(input: $input) "
            f"{{ {key} {{ id }} errors {{ code }} }} }}",
            {"input": fields},
            as_=as_,
        )
        assert data[name]["errors"] == [], (name, data)
        return str(data[name][key]["id"])

    plan = await write(
        "createPlan", "plan", w.coordinator, childId=child_id, periodStart="2026-01-05"
    )
    need = await write(
        "addNeed", "need", w.coordinator, planId=plan, lifeArea="SCHOOL", description="Behov"
    )
    teacher = members.get(w.teacher.name)
    measure = await write(
        "addMeasure",
        "measure",
        w.coordinator,
        planId=plan,
        title="Tiltak for alle",
        provision="IN_HOUSE",
        category="GENERAL",
        needIds=[need],
        serviceId=str(w.school.id),
        **({"responsibleMemberId": teacher} if teacher else {}),
    )
    await write(
        "recordEvaluation",
        "evaluation",
        w.coordinator,
        measureId=measure,
        evaluatedOn="2026-02-01",
        observed="Observert",
        decision="CONTINUE",
        participantMemberIds=[teacher] if teacher else [],
    )
    if teacher:
        await write(
            "addTask",
            "task",
            w.coordinator,
            planId=plan,
            title="Oppgave",
            assigneeMemberId=teacher,
            dueOn="2027-01-05",
            category="GENERAL",
        )
        await write("addChildVoice", "voice", w.teacher, planId=plan, text="Sa", form="TOLD")
    own = await write(
        "addNeed",
        "need",
        author,
        planId=plan,
        lifeArea="HEALTH",
        description="Hemmelig tiltak i planen" if service is w.barnevern else "Eget behov",
    )
    await write(
        "addMeasure",
        "measure",
        author,
        planId=plan,
        title="Eget tiltak",
        provision="IN_HOUSE",
        needIds=[own],
        serviceId=str(service.id),
        responsibleMemberId=members[author.name],
    )


async def last_visible_event(api: Api, w: World, child_id: str) -> None:
    """A change everyone in the network may know of, so a replay has a known last event."""
    query = "query($id: ID!) { child(id: $id) { version } }"
    version = (await api.gql(query, {"id": child_id}, as_=w.coordinator))["child"]["version"]
    data = await api.gql(
        "mutation($input: UpdateChildInput!) { updateChild(input: $input) { errors { code } } }",
        {"input": {"id": child_id, "version": version, "interpreterLanguage": "pl"}},
        as_=w.coordinator,
    )
    assert data["updateChild"]["errors"] == []


@pytest.fixture(scope="module")
async def nested(app_under_test: AppUnderTest) -> AsyncIterator[Nested]:
    w = await build_world(app_under_test.db)
    aut = app_under_test
    async with aut.db.writing() as session:
        for name, email, phone in [
            ("Pia Forelder", "pia@beskyttet.example", "4790000001"),
            ("Tina Lærer", "tina@testvik.kommune.no", None),
            ("Petter PPT", "petter@testvik.kommune.no", None),
            ("Kari Koordinator", "kari@testvik.kommune.no", None),
            ("Dag Doktor", "dag@helse-vest.example", None),
        ]:
            await session.execute(
                text("UPDATE person SET email = :e, phone = :p WHERE name = :n"),
                {"e": email, "p": phone, "n": name},
            )
        gp = ServiceProvider(
            name="Legesenteret Testvik",
            type=ServiceType.FASTLEGE.value,
            org_number=VALID_ORGNR[5],
            municipality_id=w.municipality.id,
        )
        session.add(gp)
        await session.flush()
        session.add(
            Person(
                name="Dr. Erik Berg",
                kind=PersonKind.STAFF.value,
                email="erik@legesenter.example",
                employer_service_id=gp.id,
                municipality_id=w.municipality.id,
            )
        )
    api = Api(aut)
    family = [
        {"personId": str(w.parent.id), "name": w.parent.name, "hasParentalResponsibility": True},
        {
            "personId": str(w.other_parent.id),
            "name": w.other_parent.name,
            "hasParentalResponsibility": False,
        },
    ]
    k7 = await protected_child(api, w, "CONFIDENTIAL", family)
    # Kode 6 for a family of its own (protection follows the person: sharing the mother
    # would make every network of hers kode 6).
    k6 = await protected_child(
        api,
        w,
        "STRICTLY_CONFIDENTIAL",
        [
            {"name": "Mona Vern", "nationalId": fnr(35, 20), "hasParentalResponsibility": True},
            {"name": "Frank Far", "nationalId": fnr(37, 21), "hasParentalResponsibility": False},
        ],
    )
    mona = await person_named(aut, "Mona Vern")
    frank = await person_named(aut, "Frank Far")
    for child_id, guardian in ((k7, w.parent), (k6, mona)):
        await give_consent(api, guardian, child_id, w.unit.id)
        await give_consent(api, guardian, child_id, w.school.id, ("SCHOOL", "FAMILY"))
        await give_consent(api, guardian, child_id, w.ppt.id, ("SCHOOL",))
        await give_consent(api, guardian, child_id, w.hospital.id, ("HEALTH",))
    # A sibling registered without protection, with the same guardians.
    sibling = await register_child(
        api,
        w.coordinator,
        givenName="Søsken",
        nationalId=fnr(7, 12),
        birthDate=birth(7).isoformat(),
        guardians=family,
    )
    await give_consent(api, w.parent, sibling["id"], w.unit.id)
    await give_consent(api, w.parent, sibling["id"], w.school.id, ("SCHOOL", "FAMILY"))
    await add_member(
        api,
        w.coordinator,
        sibling["id"],
        role="MEMBER",
        personId=str(w.teacher.id),
        serviceId=str(w.school.id),
    )
    # A 16-year-old with health members; health consent is theirs alone, none given.
    youth = await register_child(
        api,
        w.coordinator,
        givenName="Ung",
        nationalId=fnr(16, 13),
        birthDate=birth(16).isoformat(),
        guardians=[
            {
                "personId": str(w.parent2.id),
                "name": w.parent2.name,
                "hasParentalResponsibility": True,
            }
        ],
    )
    await give_consent(api, w.parent2, youth["id"], w.unit.id, ("SCHOOL", "WELFARE", "FAMILY"))
    erik = await person_named(aut, "Dr. Erik Berg")
    gp_id = erik.employer_service_id
    await add_member(
        api, w.coordinator, youth["id"], role="MEMBER", personId=str(erik.id), serviceId=str(gp_id)
    )
    await add_member(
        api,
        w.coordinator,
        youth["id"],
        role="SPECIALIST",
        personId=str(w.doctor.id),
        serviceId=str(w.hospital.id),
    )
    await add_member(
        api,
        w.coordinator,
        youth["id"],
        role="MEMBER",
        personId=str(w.teacher.id),
        serviceId=str(w.school.id),
    )
    await give_consent(api, w.parent2, youth["id"], w.school.id, ("SCHOOL",))
    # Barnevern in the network, with no consent naming it.
    bv = await register_child(
        api,
        w.coordinator,
        givenName="Vern",
        nationalId=fnr(8, 14),
        birthDate=birth(8).isoformat(),
        guardians=[
            {"name": "Vera Mor", "nationalId": fnr(33, 22), "hasParentalResponsibility": True},
            {"name": "Kjell Far", "nationalId": fnr(34, 23), "hasParentalResponsibility": False},
        ],
    )
    vera = await person_named(aut, "Vera Mor")
    kjell = await person_named(aut, "Kjell Far")
    await add_member(
        api,
        w.caseworker,  # barnevern adds its own membership
        bv["id"],
        role="MEMBER",
        personId=str(w.caseworker.id),
        serviceId=str(w.barnevern.id),
        responsibilities="Hemmelig tiltak",
    )
    await add_member(
        api,
        w.coordinator,
        bv["id"],
        role="MEMBER",
        personId=str(w.teacher.id),
        serviceId=str(w.school.id),
    )
    await give_consent(api, vera, bv["id"], w.unit.id)
    await give_consent(api, vera, bv["id"], w.school.id, ("SCHOOL",))
    # Plans that name the network (the plan's own matrix is in tests/plan/).
    for child_id, service, author in [
        (k7, w.hospital, w.doctor),
        (k6, w.hospital, w.doctor),
        (youth["id"], w.hospital, w.doctor),
        (bv["id"], w.barnevern, w.caseworker),
    ]:
        await plan_naming_the_network(api, aut, w, child_id, service, author)
    for child_id in (k7, k6, sibling["id"], youth["id"], bv["id"]):
        await last_visible_event(api, w, child_id)
    await api.client.aclose()

    kode7 = KOMMUNE + LOCAL + MOTHER_CONTACT
    kode6 = KOMMUNE + LOCAL + EVERY_SERVICE
    staff = (w.teacher, w.psychologist, w.doctor)
    probes = {
        "kode 7": Probe(
            k7,
            {p.name: (p, markers_for(p, kode7)) for p in (w.other_parent, *staff)},
            [(w.coordinator, "Testvik kommune"), (w.parent, "Testvik skole")],
        ),
        "kode 6": Probe(
            k6,
            {p.name: (p, markers_for(p, kode6)) for p in (frank, *staff)},
            [(w.coordinator, "Testvik kommune"), (mona, "Dag Doktor")],
        ),
        "sibling of kode 7": Probe(
            sibling["id"],
            {w.other_parent.name: (w.other_parent, KOMMUNE + LOCAL + MOTHER_CONTACT)},
            [(w.parent, "Testvik kommune")],
        ),
        "16-year-old with health members": Probe(
            youth["id"],
            {
                w.parent2.name: (w.parent2, HEALTH),
                w.teacher.name: (w.teacher, HEALTH),
            },
            # Only the health service itself here: no consent covers health.
            [(erik, "Legesenteret Testvik")],
        ),
        "barnevern": Probe(
            bv["id"],
            {p.name: (p, BARNEVERN) for p in (kjell, w.teacher, w.coordinator)},
            [(vera, "Berit Barnevern")],
        ),
    }
    yield Nested(world=w, probes=probes)


PROBES = ["kode 7", "kode 6", "sibling of kode 7", "16-year-old with health members", "barnevern"]


def leaked(body: str, markers: list[str]) -> list[str]:
    return [m for m in markers if m in body]


def about(data: Any, target: Probe) -> str:
    """The JSON of the child objects of this target inside a response."""
    found: list[Any] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if value.get("id") == target.child_id and "familyName" in value:
                found.append(value)
                return
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(data)
    return orjson.dumps(found).decode()


def context(body: str, found: list[str]) -> list[str]:
    """Where a leak is, for the failure message."""
    return [body[max(body.index(m) - 1500, 0) : body.index(m) + 40] for m in found[:2]]


@pytest.mark.parametrize("variant", ["plain", "aliased", "fragment"])
@pytest.mark.parametrize("probe", PROBES)
async def test_nested_paths_reveal_nothing_withheld(
    nested: Nested, app_under_test: AppUnderTest, probe: str, variant: str
) -> None:
    api = Api(app_under_test)
    target = nested.probes[probe]
    documents = [
        (schema_walk.document("query", "child", variant), {"id": target.child_id}),
        (schema_walk.document("query", "myChildren", variant), {"first": 50}),
    ]
    for name, (caller, markers) in target.readers.items():
        for doc, variables in documents:
            response = await api.raw(doc, variables, as_=caller)
            assert response.status_code == 200, response.text
            assert "errors" not in response.json(), (name, response.text[:500])
            # In a list, what is about this child (the caller's other children are probed
            # as their own targets).
            body = response.text if "myChildren" not in doc else about(response.json(), target)
            found = leaked(body, markers)
            assert found == [], (probe, name, variant, found, context(body, found))
    # The probe is real: the entitled see what the others do not.
    for caller, seen in target.entitled:
        response = await api.raw(documents[0][0], documents[0][1], as_=caller)
        assert seen in response.text, (probe, caller.name, seen)
    await api.client.aclose()


def event_documents() -> list[str]:
    """Every nested path of an event, one document per kind of entity (`Event.entity`: the
    implementations' fields may share a name and not a type)."""
    schema = schema_walk.schema()
    event = schema.get_type("Event")
    documents = []
    for kind in schema_walk.implementations("EventEntity"):
        selection = schema_walk._selection(
            event,  # type: ignore[arg-type]
            1,
            ("Event",),
            alias=False,
            implementations=frozenset({kind}),
        )
        documents.append(
            "subscription Probe($childId: ID!) { childEvents(childId: $childId) "
            f"{{ ... on Event {{ {selection} }} }} }}"
        )
    return documents


async def replay(base: str, caller: Any, child_id: str, until: int) -> list[dict[str, Any]]:
    """The child's events from the start through every document, on one socket."""
    items: list[dict[str, Any]] = []
    async with ws_session(base, caller) as ws:
        for n, document in enumerate(event_documents()):
            await ws.send(
                {
                    "id": f"e{n}",
                    "type": "subscribe",
                    "payload": {"query": document, "variables": {"childId": child_id}},
                }
            )
            items += await collect_events(ws, f"e{n}", until)
            await ws.send({"id": f"e{n}", "type": "complete"})
    return items


async def last_seq(aut: AppUnderTest, child_id: str) -> int:
    async with aut.db.reading() as session:
        query = select(func.max(Event.seq)).where(Event.child_id == uuid.UUID(child_id))
        return int((await session.exec(query)).one() or 0)


@pytest.mark.parametrize("probe", PROBES)
async def test_replayed_events_reveal_nothing_withheld(
    nested: Nested,
    app_under_test: AppUnderTest,
    live_server: InProcessServer,
    probe: str,
) -> None:
    """network.member_added, network.coordinator_assigned and the rest, replayed from the
    start over the socket, through every nested path of the event."""
    target = nested.probes[probe]
    until = await last_seq(app_under_test, target.child_id)
    for name, (caller, markers) in target.readers.items():
        items = await replay(live_server.base, caller, target.child_id, until)
        body = orjson.dumps(items).decode()
        assert leaked(body, markers) == [], (probe, name)
    caller, seen = target.entitled[0]
    items = await replay(live_server.base, caller, target.child_id, until)
    assert seen in orjson.dumps(items).decode(), (probe, caller.name)
