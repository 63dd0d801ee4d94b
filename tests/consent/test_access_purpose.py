"""What the access log and the live stream tell: purposes from a fixed list, the child's own
choices as health information, an outsider's probe in neutral words (issue 7, items 7, 13, 14).
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import text
from sqlmodel import func, select

from backend.api.operations import document
from backend.events.models import Event
from tests.conftest import Api, World
from tests.events.live import InProcessServer, collect_events, gql, ws_session
from tests.helpers import add_member, birth, codes, family_child, fnr

NAMED = """query Lovpaalagt_tilsyn_bestilt_av_foreldrene($id: ID!) { child(id: $id) { id } }"""
ANONYMOUS = """query($id: ID!) { child(id: $id) { id } }"""


async def post(
    api: Api, query: str, variables: dict[str, Any], as_: Any, **body: Any
) -> dict[str, Any]:
    response = await api.client.post(
        "/graphql",
        json={"query": query, "variables": variables, **body},
        headers={"x-koordinat-dev-person": str(getattr(as_, "id", as_))},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def log_of(api: Api, child_id: str, reader: Any, language: str | None = None) -> list[Any]:
    data = await api.gql(
        document("AccessLog"), {"id": child_id, "first": 100}, as_=reader, language=language
    )
    return [e["node"] for e in data["child"]["accessLog"]["edges"]]


async def test_the_purpose_is_chosen_from_a_list_or_derived_never_the_operation_name(
    api: Api, world: World
) -> None:
    child = await family_child(api, world)
    await add_member(
        api, world.coordinator, child["id"], role="MEMBER", personId=str(world.teacher.id)
    )
    ids = {"id": child["id"]}
    assert (await post(api, NAMED, ids, world.teacher))["data"]["child"] is not None
    chosen = {"extensions": {"purpose": "MEETING_PREPARATION"}}
    assert (await post(api, ANONYMOUS, ids, world.teacher, **chosen))["data"]["child"]
    # Not on the list, or not staff: the server's own purpose is logged instead.
    await post(api, ANONYMOUS, ids, world.teacher, extensions={"purpose": "Lovpaalagt"})
    await post(api, ANONYMOUS, ids, world.parent, extensions={"purpose": "EMERGENCY"})

    entries = await log_of(api, child["id"], world.parent)
    teacher = [e for e in entries if e["who"] == "Tina Lærer"]
    assert sorted((e["purposeCode"], e["purpose"]) for e in teacher) == [
        ("CHILD_WORKSPACE", "Arbeid i barnets nettverk"),
        ("CHILD_WORKSPACE", "Arbeid i barnets nettverk"),
        ("MEETING_PREPARATION", "Forberedelse til møte"),
    ]
    assert all("Lovpaalagt" not in e["purpose"] and e["purpose"] != "GraphQL" for e in entries)
    assert "EMERGENCY" not in {e["purposeCode"] for e in entries}
    english = await log_of(api, child["id"], world.parent, language="en")
    assert "Preparing a meeting" in {e["purpose"] for e in english}
    nynorsk = await log_of(api, child["id"], world.parent, language="nn")
    assert "Førebuing til møte" in {e["purpose"] for e in nynorsk}


async def test_a_guardians_refused_write_is_logged_with_the_guardians_role(
    api: Api, world: World
) -> None:
    child = await family_child(api, world)
    refused = await api.gql(
        document("RecordConsent"),
        {"input": {"childId": child["id"], "serviceId": str(world.ppt.id), "category": "SCHOOL"}},
        as_=world.other_parent,
    )
    assert codes(refused["recordConsent"]) == [("NOT_ALLOWED", None)]
    entries = await log_of(api, child["id"], world.coordinator)
    (olga,) = [e for e in entries if e["who"] == "Olga Annenforelder"]
    assert olga["roles"] == ["guardian"]
    assert olga["refused"] == ["recordConsent"]
    assert olga["purposeCode"] == "CONSENT"


async def test_an_outsiders_probe_is_shown_to_the_family_in_neutral_words(
    api: Api, world: World
) -> None:
    child = await family_child(api, world)
    probe = await post(api, NAMED, {"id": child["id"]}, world.outsider_staff)
    assert probe["data"]["child"] is None

    entries = await log_of(api, child["id"], world.parent)
    (outsider,) = [e for e in entries if e["purposeCode"] == "OUTSIDER_REFUSED"]
    assert outsider["who"] == "Noen utenfor nettverket"
    assert outsider["roles"] == [] and outsider["organisation"] is None
    assert outsider["purpose"].endswith("ligger i kommunens sikkerhetsgjennomgang")
    everything = str(entries)
    assert "Otto" not in everything and "Lovpaalagt" not in everything
    english = await log_of(api, child["id"], world.parent, language="en")
    assert "Someone outside the network" in {e["who"] for e in english}
    # The row itself is kept, with who it was, for the kommune's security review.
    async with api.aut.db.reading() as session:
        kept = (
            await session.execute(
                text("SELECT actor_name FROM access_log WHERE outsider = :yes"), {"yes": True}
            )
        ).all()
    assert [r[0] for r in kept] == ["Otto Utenfor"]


async def young_person(api: Api, world: World, age: int) -> tuple[dict[str, Any], str]:
    """A child of `age` whose family consented to school information only (no health for
    the coordinating unit), with the young person in the network."""
    child = await family_child(
        api,
        world,
        consent_categories=("SCHOOL",),
        nationalId=fnr(age, 4),
        birthDate=birth(age).isoformat(),
    )
    young = await add_member(
        api,
        world.coordinator,
        child["id"],
        role="CHILD",
        newPerson={"name": "Emma Testesen", "nationalId": fnr(age, 4)},
    )
    return child, young["person"]["id"]


async def test_the_childs_own_choices_are_health_information_in_the_log(
    api: Api, world: World
) -> None:
    child, young = await young_person(api, world, 13)
    withheld = await api.gql(
        document("SetHealthWithholding"),
        {"input": {"childId": child["id"], "withhold": True}},
        as_=young,
    )
    assert withheld["setHealthWithholding"]["errors"] == []
    for reader in (world.parent, world.coordinator):
        rows = [e for e in await log_of(api, child["id"], reader) if e["who"] == "Emma Testesen"]
        assert rows and {e["purposeCode"] for e in rows} == {"USE"}
        assert all("SetHealthWithholding" not in e["purpose"] for e in rows)
    own = await log_of(api, child["id"], young)
    assert "OWN_CHOICES" in {e["purposeCode"] for e in own}


async def test_a_young_persons_health_consent_is_hidden_from_the_guardians_log(
    api: Api, world: World
) -> None:
    child, young = await young_person(api, world, 16)
    given = await api.gql(
        document("RecordConsent"),
        {
            "input": {
                "childId": child["id"],
                "serviceId": str(world.hospital.id),
                "category": "HEALTH",
            }
        },
        as_=young,
    )
    assert given["recordConsent"]["errors"] == []
    rows = [e for e in await log_of(api, child["id"], world.parent) if e["who"] == "Emma Testesen"]
    assert rows and {e["purposeCode"] for e in rows} == {"USE"}
    assert all("RecordConsent" not in e["purpose"] for e in rows)
    # A consent the guardians may see (school) keeps its purpose.
    school = await api.gql(
        document("RecordConsent"),
        {"input": {"childId": child["id"], "serviceId": str(world.ppt.id), "category": "SCHOOL"}},
        as_=young,
    )
    assert school["recordConsent"]["errors"] == []
    rows = [e for e in await log_of(api, child["id"], world.parent) if e["who"] == "Emma Testesen"]
    assert "CONSENT" in {e["purposeCode"] for e in rows}


async def test_the_health_withholding_event_reaches_only_readers_of_health(
    api: Api, world: World, live_server: InProcessServer
) -> None:
    child, young = await young_person(api, world, 13)
    async with httpx.AsyncClient(base_url=live_server.base, timeout=30) as http:
        streams = {}
        async with (
            ws_session(live_server.base, world.parent) as parent,
            ws_session(live_server.base, world.coordinator) as coordinator,
            ws_session(live_server.base, young) as child_ws,
        ):
            for name, ws in (("parent", parent), ("coordinator", coordinator), ("child", child_ws)):
                streams[name] = (ws, await ws.subscribe("ChildEvents", {"childId": child["id"]}))
            await gql(
                http,
                "SetHealthWithholding",
                {"input": {"childId": child["id"], "withhold": True}},
                young,
            )
            # A change everyone may know of marks the end of what each stream gets.
            await gql(
                http,
                "AddNetworkMember",
                {
                    "input": {
                        "childId": child["id"],
                        "role": "MEMBER",
                        "personId": str(world.teacher.id),
                    }
                },
                world.coordinator,
            )
            async with api.aut.db.reading() as session:
                last = (
                    await session.exec(
                        select(func.max(Event.seq)).where(Event.child_id == uuid.UUID(child["id"]))
                    )
                ).one()
            kinds = {}
            for name, (ws, op_id) in streams.items():
                kinds[name] = [e["kind"] for e in await collect_events(ws, op_id, last)]
    assert "child.health_withholding_changed" in kinds["child"]
    assert "child.health_withholding_changed" not in kinds["parent"]
    assert "child.health_withholding_changed" not in kinds["coordinator"]
    assert kinds["parent"][-1] == kinds["coordinator"][-1] == "network.member_added"
