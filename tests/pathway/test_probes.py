"""The pathway probed from outside, as an attacker and as a careless user would: every
answer is read over HTTP GraphQL (and the live streams), nothing is asked of the code inside.

Each probe states what must not reach whom, or what must not be written; a leak or a write
found by a probe is fixed where the decision is made (backend/pathway), and the probe keeps
it fixed.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from sqlmodel import col, select

from backend.audit.access_log import AccessLogEntry
from backend.core.clock import today
from backend.events.models import Event
from backend.notify.models import Notification
from tests.conftest import Api, World
from tests.events.conftest import live_server
from tests.events.live import InProcessServer, collect_events, ws_session
from tests.pathway.support import (
    ATTENTION,
    TEMPLATES,
    call,
    codes,
    grant,
    ok,
    pathway_rows,
    read_child,
)
from tests.plan import support as plan_support
from tests.plan.support import Family, family
from tests.right.support import NOWHERE, other_kommune_unit

__all__ = ["live_server"]


async def _granted(api: Api, world: World, **fields: Any) -> Family:
    """A family whose request was granted 50 days ago: two milestones missed."""
    fam = await family(api, world, **fields)
    await grant(
        api,
        fam.child_id,
        submitted_on=today() - dt.timedelta(days=60),
        decided_on=today() - dt.timedelta(days=50),
        municipality_id=world.municipality.id,
    )
    return fam


async def _milestones(api: Api, fam: Family, world: World) -> dict[str, dict[str, Any]]:
    child = await read_child(api, fam.child_id, world.coordinator)
    return {m["key"]: m for m in child["pathway"]["milestones"]}


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# ---- Writes that must be refused -----------------------------------------------------------


async def test_outside_the_network_every_write_is_an_id_that_exists_nowhere(
    api: Api, world: World
) -> None:
    """Another kommune's coordinating unit and an outsider: meeting, deviating, transitions,
    items and signals answer as for ids that exist nowhere, byte for byte, in every
    language; nothing is written."""
    fam = await _granted(api, world)
    meeting = (await _milestones(api, fam, world))["first_network_meeting"]
    transition = await ok(
        api, "startTransition", world.coordinator, childId=fam.child_id, kind="CHANGE_OF_SCHOOL"
    )
    item = transition["items"][0]
    andrevik = await other_kommune_unit(api)
    before = await pathway_rows(api)
    for who in (andrevik, world.outsider_staff, world.parent2):
        for name, real, nowhere in [
            (
                "meetMilestone",
                {"milestoneId": meeting["id"], "version": meeting["version"]},
                {"milestoneId": NOWHERE, "version": meeting["version"]},
            ),
            (
                "deviateMilestone",
                {"milestoneId": meeting["id"], "version": meeting["version"], "reason": "x"},
                {"milestoneId": NOWHERE, "version": meeting["version"], "reason": "x"},
            ),
            (
                "startTransition",
                {"childId": fam.child_id, "kind": "TURNING_18"},
                {"childId": NOWHERE, "kind": "TURNING_18"},
            ),
            (
                "addTransitionItem",
                {"transitionId": transition["id"], "title": "x"},
                {"transitionId": NOWHERE, "title": "x"},
            ),
            (
                "updateTransitionItem",
                {"itemId": item["id"], "version": item["version"], "status": "DONE"},
                {"itemId": NOWHERE, "version": item["version"], "status": "DONE"},
            ),
            (
                "recordSignal",
                {"childId": fam.child_id, "kind": "OTHER", "description": "x"},
                {"childId": NOWHERE, "kind": "OTHER", "description": "x"},
            ),
        ]:
            for language in ("nb", "en"):
                theirs = await call(api, name, who, language=language, **real)
                none = await call(api, name, who, language=language, **nowhere)
                assert theirs == none, (who.name, name)
                assert theirs["errors"][0]["code"] == "NOT_FOUND", (who.name, name)
    assert await pathway_rows(api) == before


async def test_in_the_network_only_the_coordinator_keeps_the_pathway(
    api: Api, world: World
) -> None:
    """The teacher, the doctor and the guardians see the pathway but do not meet or deviate
    a milestone, start a transition or add an item; a citizen records no signal. A clear
    NOT_ALLOWED, nothing written."""
    fam = await _granted(api, world)
    meeting = (await _milestones(api, fam, world))["first_network_meeting"]
    transition = await ok(
        api, "startTransition", world.coordinator, childId=fam.child_id, kind="CHANGE_OF_SCHOOL"
    )
    before = await pathway_rows(api)
    for who in (world.teacher, world.doctor, world.parent, world.other_parent):
        for name, fields in [
            ("meetMilestone", {"milestoneId": meeting["id"], "version": meeting["version"]}),
            (
                "deviateMilestone",
                {"milestoneId": meeting["id"], "version": meeting["version"], "reason": "x"},
            ),
            ("startTransition", {"childId": fam.child_id, "kind": "TURNING_18"}),
            ("addTransitionItem", {"transitionId": transition["id"], "title": "x"}),
        ]:
            payload = await call(api, name, who, **fields)
            assert codes(payload) == [("NOT_ALLOWED", None)], (who.name, name)
    for citizen in (world.parent, world.other_parent):
        payload = await call(
            api,
            "recordSignal",
            citizen,
            childId=fam.child_id,
            kind="CRISIS_AT_HOME",
            description="Krise hjemme.",
        )
        assert codes(payload)[0][0] == "NOT_ALLOWED", citizen.name
    assert await pathway_rows(api) == before


async def test_an_owner_outside_this_network_is_not_found(api: Api, world: World) -> None:
    """A transition item owned by someone of another child's network (or an ended or
    malformed membership): NOT_FOUND on the owner, nothing written."""
    fam = await _granted(api, world)
    other = await family(api, world, serial=1, barnevern=False)
    transition = await ok(
        api, "startTransition", world.coordinator, childId=fam.child_id, kind="HOSPITAL_TO_HOME"
    )
    item = transition["items"][0]
    before = await pathway_rows(api)
    for owner in (other.members["teacher"], NOWHERE, "not-an-id"):
        added = await call(
            api,
            "addTransitionItem",
            world.coordinator,
            transitionId=transition["id"],
            title="Hjelpemidler",
            ownerMemberId=owner,
        )
        assert codes(added) == [("NOT_FOUND", "ownerMemberId")], owner
        moved = await call(
            api,
            "updateTransitionItem",
            world.coordinator,
            itemId=item["id"],
            version=item["version"],
            ownerMemberId=owner,
        )
        assert codes(moved) == [("NOT_FOUND", "ownerMemberId")], owner
    assert await pathway_rows(api) == before


async def test_stale_versions_and_steps_twice_are_refused(api: Api, world: World) -> None:
    fam = await _granted(api, world)
    meeting = (await _milestones(api, fam, world))["first_network_meeting"]
    met = await ok(
        api,
        "meetMilestone",
        world.coordinator,
        milestoneId=meeting["id"],
        version=meeting["version"],
    )
    before = await pathway_rows(api)
    stale = await call(
        api,
        "deviateMilestone",
        world.coordinator,
        milestoneId=meeting["id"],
        version=meeting["version"],
        reason="x",
    )
    assert codes(stale) == [("CONFLICT", "version")]
    twice = await call(
        api, "meetMilestone", world.coordinator, milestoneId=meeting["id"], version=met["version"]
    )
    assert codes(twice) == [("INVALID", "milestoneId")]
    deviated = await call(
        api,
        "deviateMilestone",
        world.coordinator,
        milestoneId=meeting["id"],
        version=met["version"],
        reason="Møtet ble holdt.",
    )
    assert codes(deviated) == [("INVALID", "milestoneId")]
    # The decision is met by the decision itself, never by hand.
    decision = (await _milestones(api, fam, world))["decision"]
    by_hand = await call(
        api,
        "meetMilestone",
        world.coordinator,
        milestoneId=decision["id"],
        version=decision["version"],
    )
    assert codes(by_hand) == [("INVALID", "milestoneId")]
    (template,) = (await api.gql(TEMPLATES, as_=world.coordinator))["pathwayTemplates"]
    old = await call(
        api,
        "updatePathwayTemplate",
        world.coordinator,
        templateId=template["id"],
        version=template["version"] + 1,
        name="Ny",
        milestones=[
            {
                "key": "a",
                "title": "A",
                "anchor": "DECISION_GRANTED",
                "targetDays": 1,
                "trigger": "MANUAL",
            }
        ],
    )
    assert codes(old) == [("CONFLICT", "version")]
    assert await pathway_rows(api) == before


async def test_templates_are_the_units_of_their_own_kommune(api: Api, world: World) -> None:
    """Staff of the kommune read and may not edit; the hospital, a citizen and another
    kommune's unit get the answer of a template that exists nowhere."""
    (template,) = (await api.gql(TEMPLATES, as_=world.coordinator))["pathwayTemplates"]
    andrevik = await other_kommune_unit(api)
    wanted = {
        "version": template["version"],
        "name": "Kapret",
        "milestones": [
            {
                "key": "a",
                "title": "A",
                "anchor": "DECISION_GRANTED",
                "targetDays": 1,
                "trigger": "MANUAL",
            }
        ],
    }
    before = await pathway_rows(api)
    teacher = await call(
        api, "updatePathwayTemplate", world.teacher, templateId=template["id"], **wanted
    )
    assert codes(teacher) == [("NOT_ALLOWED", None)]
    for who in (world.doctor, world.parent, andrevik):
        theirs = await call(api, "updatePathwayTemplate", who, templateId=template["id"], **wanted)
        nowhere = await call(api, "updatePathwayTemplate", who, templateId=NOWHERE, **wanted)
        assert theirs == nowhere and codes(theirs) == [("NOT_FOUND", "templateId")], who.name
    assert (await api.gql(TEMPLATES, as_=andrevik))["pathwayTemplates"][0]["id"] != template["id"]
    assert await pathway_rows(api) == before


# ---- Bad input -----------------------------------------------------------------------------


async def test_dates_far_from_the_childs_life_are_refused(api: Api, world: World) -> None:
    """A transition or an item due in 1800 or in the year 9999 is a typing error: INVALID_DATE
    on the field, nothing written. Turning 18 for a small child is years ahead, and fine."""
    fam = await _granted(api, world)
    transition = await ok(
        api, "startTransition", world.coordinator, childId=fam.child_id, kind="CHANGE_OF_SCHOOL"
    )
    item = transition["items"][0]
    before = await pathway_rows(api)
    for day in ("1800-01-01", "1899-12-31", "9999-12-31", "2200-01-01"):
        started = await call(
            api,
            "startTransition",
            world.coordinator,
            childId=fam.child_id,
            kind="BARNEHAGE_TO_SCHOOL",
            dueOn=day,
        )
        assert codes(started) == [("INVALID_DATE", "dueOn")], day
        added = await call(
            api,
            "addTransitionItem",
            world.coordinator,
            transitionId=transition["id"],
            title="x",
            dueOn=day,
        )
        assert codes(added) == [("INVALID_DATE", "dueOn")], day
        moved = await call(
            api,
            "updateTransitionItem",
            world.coordinator,
            itemId=item["id"],
            version=item["version"],
            dueOn=day,
        )
        assert codes(moved) == [("INVALID_DATE", "dueOn")], day
    assert await pathway_rows(api) == before
    adult = (today() + dt.timedelta(days=365 * 9)).isoformat()
    turning = await ok(
        api,
        "startTransition",
        world.coordinator,
        childId=fam.child_id,
        kind="TURNING_18",
        dueOn=adult,
    )
    assert turning["dueOn"] == adult


async def test_bad_texts_and_malformed_ids_are_typed_errors(api: Api, world: World) -> None:
    fam = await _granted(api, world)
    meeting = (await _milestones(api, fam, world))["first_network_meeting"]
    transition = await ok(
        api, "startTransition", world.coordinator, childId=fam.child_id, kind="CHANGE_OF_SCHOOL"
    )
    (template,) = (await api.gql(TEMPLATES, as_=world.coordinator))["pathwayTemplates"]
    before = await pathway_rows(api)

    def one(**fields: Any) -> dict[str, Any]:
        return {
            "key": "a",
            "title": "Milepæl",
            "anchor": "DECISION_GRANTED",
            "targetDays": 10,
            "trigger": "MANUAL",
            **fields,
        }

    cases: list[tuple[str, dict[str, Any], list[tuple[str, str | None]]]] = [
        (
            "deviateMilestone",
            {"milestoneId": meeting["id"], "version": meeting["version"], "reason": " \n "},
            [("REASON_REQUIRED", "reason")],
        ),
        (
            "deviateMilestone",
            {"milestoneId": meeting["id"], "version": meeting["version"], "reason": "Fordi\u202e"},
            [("INVALID", "reason")],
        ),
        (
            "addTransitionItem",
            {"transitionId": transition["id"], "title": "Linje\nto"},
            [("INVALID", "title")],
        ),
        (
            "addTransitionItem",
            {"transitionId": transition["id"], "title": "\u200f\u200e"},
            [("INVALID", "title")],
        ),
        (
            "recordSignal",
            {"childId": fam.child_id, "kind": "OTHER", "description": ""},
            [("REQUIRED", "description")],
        ),
        (
            "recordSignal",
            {"childId": fam.child_id, "kind": "OTHER", "description": "Skjult\u2066tekst"},
            [("INVALID", "description")],
        ),
        (
            "updatePathwayTemplate",
            {
                "templateId": template["id"],
                "version": template["version"],
                "name": "Mal",
                "milestones": [one(targetDays=-1), one(key="b", repeatEveryDays=0)],
            },
            [("INVALID", "milestones.0.targetDays"), ("INVALID", "milestones.1.repeatEveryDays")],
        ),
        (
            "updatePathwayTemplate",
            {
                "templateId": template["id"],
                "version": template["version"],
                "name": "Mal\u202e",
                "milestones": [one(title="\u0007"), one(key="a\u202e")],
            },
            [
                ("INVALID", "name"),
                ("INVALID", "milestones.0.title"),
                ("INVALID", "milestones.1.key"),
            ],
        ),
        (
            "updatePathwayTemplate",
            {
                "templateId": template["id"],
                "version": template["version"],
                "name": "Mal",
                "milestones": [one(targetDays=2**31 - 1), one(key="b", repeatEveryDays=-(2**31))],
            },
            [("INVALID", "milestones.0.targetDays"), ("INVALID", "milestones.1.repeatEveryDays")],
        ),
        ("meetMilestone", {"milestoneId": "", "version": 1}, [("NOT_FOUND", "milestoneId")]),
        (
            "deviateMilestone",
            {"milestoneId": "1 OR 1=1", "version": 1, "reason": "x"},
            [("NOT_FOUND", "milestoneId")],
        ),
        (
            "addTransitionItem",
            {"transitionId": "x" * 150, "title": "x"},
            [("NOT_FOUND", "transitionId")],
        ),
        (
            "updateTransitionItem",
            {"itemId": "{}", "version": 1, "status": "DONE"},
            [("NOT_FOUND", "itemId")],
        ),
        (
            "startTransition",
            {"childId": "01900000-0000-7000-8000", "kind": "TURNING_18"},
            [("NOT_FOUND", "childId")],
        ),
        (
            "recordSignal",
            {"childId": "-1", "kind": "OTHER", "description": "x"},
            [("NOT_FOUND", "childId")],
        ),
        (
            "updatePathwayTemplate",
            {"templateId": "x", "version": 1, "name": "x", "milestones": [one()]},
            [("NOT_FOUND", "templateId")],
        ),
    ]
    for name, fields, expected in cases:
        payload = await call(api, name, world.coordinator, **fields)
        assert codes(payload) == expected, (name, fields, payload["errors"])
        assert "Traceback" not in _text(payload)
    # Oversized: refused by the caps before any work, with the field's path.
    document = """mutation($input: RecordSignalInput!) {
      recordSignal(input: $input) { signal { id } errors { code } } }"""
    response = await api.raw(
        document,
        {"input": {"childId": fam.child_id, "kind": "OTHER", "description": "x" * 4001}},
        as_=world.coordinator,
    )
    body = response.json()
    assert response.status_code == 200 and body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "TOO_LONG"
    assert await pathway_rows(api) == before


# ---- Who reads what ------------------------------------------------------------------------


async def test_a_health_signal_reaches_no_reader_of_other_categories(
    live_server: InProcessServer, api: Api, world: World
) -> None:
    """A hospital admission recorded as health information: the teacher and the other parent
    read no signal, no event of it (replay or live) and no notification; the coordinator
    (health by consent) is told at once, without the text; every read and refusal is
    logged."""
    fam = await _granted(api, world)
    before = await _last_seq(api, fam.child_id)
    document = """subscription($childId: ID!, $after: String) {
      childEvents(childId: $childId, after: $after) { ... on Event { seq kind
        entity { __typename id ... on Signal { description } } } } }"""
    async with (
        ws_session(live_server.base, world.teacher) as teacher,
        ws_session(live_server.base, world.coordinator) as coordinator,
    ):
        for name, ws in (("t", teacher), ("c", coordinator)):
            await ws.send(
                {
                    "id": name,
                    "type": "subscribe",
                    "payload": {
                        "query": document,
                        "variables": {"childId": fam.child_id, "after": None},
                    },
                }
            )
        await collect_events(teacher, "t", before)
        await collect_events(coordinator, "c", before)
        signal = await ok(
            api,
            "recordSignal",
            world.doctor,
            childId=fam.child_id,
            kind="HOSPITAL_ADMISSION",
            description="Innlagt med anfall, lang innleggelse ventet.",
        )
        marker = await ok(
            api, "startTransition", world.coordinator, childId=fam.child_id, kind="TURNING_18"
        )
        teachers = await collect_events(teacher, "t", before + 2)
        coordinators = await collect_events(coordinator, "c", before + 2)
    assert [e["kind"] for e in teachers] == ["pathway.transition_started"]
    assert teachers[0]["entity"]["id"] == marker["id"]
    assert [e["kind"] for e in coordinators] == [
        "pathway.signal_recorded",
        "pathway.transition_started",
    ]
    assert coordinators[0]["entity"]["description"].startswith("Innlagt med anfall")
    for reader in (world.teacher, world.other_parent):
        child = await read_child(api, fam.child_id, reader)
        assert child["signals"] == [], reader.name
        assert "Innlagt" not in _text(child), reader.name
    async with api.aut.db.reading() as session:
        told = list(
            (
                await session.exec(
                    select(Notification).where(Notification.kind == "pathway.signal_recorded")
                )
            ).all()
        )
        logged = list(
            (
                await session.exec(
                    select(AccessLogEntry)
                    .where(AccessLogEntry.child_id == uuid.UUID(fam.child_id))
                    .order_by(col(AccessLogEntry.id))
                )
            ).all()
        )
    assert {n.recipient_person_id for n in told} == {world.coordinator.id}
    assert "Innlagt" not in _text([n.payload for n in told])
    assert signal["id"] in _text([n.payload for n in told])
    teacher_rows = [e for e in logged if e.actor_person_id == world.teacher.id]
    assert any("health" in e.refused for e in teacher_rows), [
        (e.what, e.refused) for e in teacher_rows
    ]


async def _last_seq(api: Api, child_id: str) -> int:
    async with api.aut.db.reading() as session:
        found = (
            await session.exec(
                select(Event.seq)
                .where(Event.child_id == uuid.UUID(child_id))
                .order_by(col(Event.seq).desc())
                .limit(1)
            )
        ).first()
    return int(found or 0)


async def test_the_kommunes_list_names_the_child_but_opens_nothing_else(
    api: Api, world: World
) -> None:
    """The coordinating unit's list (scope KOMMUNE) names the child whose milestone needs
    attention; through it a unit member outside the network reads no signal, no consent,
    no access log, and no kommune of a protected child."""
    fam = await _granted(api, world, protection="STRICTLY_CONFIDENTIAL")
    await plan_support.with_plan(api, world, fam, familySummary="Det viktigste for oss.")
    await ok(
        api,
        "recordSignal",
        world.doctor,
        childId=fam.child_id,
        kind="HOSPITAL_ADMISSION",
        description="Innlagt med anfall.",
    )
    document = """query { milestonesNeedingAttention(scope: KOMMUNE) { milestone { key }
      child { id givenName nationalId municipality { name } signals { description }
        consents { category } accessLog { edges { node { id } } }
        network { person { name } } transitions { id }
        plan { id familySummary } planAt(revision: 1) { id familySummary } } } }"""
    found = (await api.gql(document, as_=world.coordinator2))["milestonesNeedingAttention"]
    assert {m["milestone"]["key"] for m in found} == {"first_network_meeting"}
    for entry in found:
        child = entry["child"]
        assert child["id"] == fam.child_id and child["givenName"] == "Emma"
        assert child["nationalId"] is None and child["municipality"] is None
        assert child["signals"] == [] and child["consents"] == []
        assert child["accessLog"]["edges"] == []
        assert all(m["person"] is None for m in child["network"])
        # The unit keeps the pathway, never the plan.
        assert child["plan"] is None and child["planAt"] is None
    assert "Innlagt" not in _text(found) and "viktigste" not in _text(found)
    # Nobody else gets a kommune's list, nor a list of children they do not coordinate.
    for who in (world.teacher, world.doctor, world.parent, world.other_parent):
        assert (await api.gql(ATTENTION, {"scope": "KOMMUNE"}, as_=who))[
            "milestonesNeedingAttention"
        ] == [], who.name


async def test_a_hospital_admission_without_a_category_is_health_information(
    api: Api, world: World
) -> None:
    """The coordinator (a service of no category of its own) records a hospital admission
    and a school absence and names no category: they are health and school information,
    which the teacher, resp. the other parent, do not read; the coordinator reads both."""
    fam = await _granted(api, world)
    admission = await ok(
        api,
        "recordSignal",
        world.coordinator,
        childId=fam.child_id,
        kind="HOSPITAL_ADMISSION",
        description="Innlagt på barneavdelingen.",
    )
    absence = await ok(
        api,
        "recordSignal",
        world.coordinator,
        childId=fam.child_id,
        kind="SCHOOL_ABSENCE",
        description="Borte fra skolen i tre uker.",
    )
    assert (admission["category"], absence["category"]) == ("HEALTH", "SCHOOL")
    teacher = await read_child(api, fam.child_id, world.teacher)
    assert [s["id"] for s in teacher["signals"]] == [absence["id"]]
    other_parent = await read_child(api, fam.child_id, world.other_parent)
    assert other_parent["signals"] == []
    coordinator = await read_child(api, fam.child_id, world.coordinator)
    assert {s["id"] for s in coordinator["signals"]} == {admission["id"], absence["id"]}
    # Named explicitly, the recorder's choice holds.
    general = await ok(
        api,
        "recordSignal",
        world.coordinator,
        childId=fam.child_id,
        kind="HOSPITAL_ADMISSION",
        description="Innlagt, alle kan vite det.",
        category="GENERAL",
    )
    assert general["category"] == "GENERAL"
