"""The right probed from outside, as an attacker and as a careless user would: every answer
is read over HTTP GraphQL (and the live streams), nothing is asked of the code inside.

Each probe states what must not reach whom, or what must not be written; a leak or a
write found by a probe is fixed where the decision is made (backend/right), and the probe
keeps it fixed.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from sqlmodel import col, select

from backend.audit.access_log import AccessLogEntry
from backend.core.clock import today
from backend.notify.models import Notification
from tests.conftest import Api, World
from tests.events.conftest import live_server
from tests.events.live import InProcessServer, collect_events, ws_session
from tests.helpers import give_consent
from tests.plan.support import Family, family, young_person
from tests.right.support import (
    CHILD,
    INBOX,
    MINE,
    NOWHERE,
    ONE,
    call,
    codes,
    expected_date,
    ok,
    other_kommune_unit,
    refuse,
    rows,
    unregistered,
)

__all__ = ["live_server"]

SITUATION = "Emma trenger hjelp med skole, helse og avlastning samtidig."


async def _requested(api: Api, world: World, fam: Family) -> dict[str, Any]:
    return await ok(
        api,
        "submitCoordinatorRequest",
        world.parent,
        childId=fam.child_id,
        situation=SITUATION,
        servicesInvolved=["Skolen", "BUP"],
    )


async def _refused(api: Api, world: World, fam: Family) -> dict[str, Any]:
    return await refuse(api, world, await _requested(api, world, fam))


async def _appealed(api: Api, world: World, refused: dict[str, Any], as_: Any) -> dict[str, Any]:
    return await ok(
        api,
        "appealDecision",
        as_,
        decisionId=refused["decisions"][-1]["id"],
        grounds="Emma har behov for langvarige og koordinerte tjenester.",
    )


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# ---- Who reads what ------------------------------------------------------------------------


async def test_nobody_outside_the_trail_reads_a_request_on_any_path(api: Api, world: World) -> None:
    """The request, its refusal's reasons and the child's name reach neither the teacher
    (in the network, no family consent), the other parent without parental responsibility,
    another kommune's unit nor an outsider: not by id, not on the child, not in an inbox,
    not in their own list."""
    fam = await family(api, world)
    refused = await _refused(api, world, fam)
    andrevik = await other_kommune_unit(api)
    for reader in (world.teacher, world.other_parent, andrevik, world.outsider_staff):
        one = await api.gql(ONE, {"id": refused["id"]}, as_=reader)
        assert one == {"coordinatorRequest": None}, reader.name
        assert await api.gql(MINE, as_=reader) == {"myCoordinatorRequests": []}, reader.name
        inbox = await api.gql(INBOX, {"status": None, "first": 50}, as_=reader)
        assert inbox["coordinatorRequests"]["edges"] == [], reader.name
        child = (await api.gql(CHILD, {"id": fam.child_id}, as_=reader))["child"]
        if child is not None:
            assert child["coordinatorRequests"] == [], reader.name
        for marker in ("skole, helse og avlastning", "langvarige", "§ 7-2 a"):
            assert marker not in _text([one, inbox, child]), (reader.name, marker)


async def test_the_family_the_unit_and_the_coordinator_read_the_trail(
    api: Api, world: World
) -> None:
    fam = await family(api, world, age=13, child_member=True)
    refused = await _refused(api, world, fam)
    me = await young_person(api, world, fam)
    for reader in (world.parent, world.coordinator, world.coordinator2, me):
        one = (await api.gql(ONE, {"id": refused["id"]}, as_=reader))["coordinatorRequest"]
        assert one is not None and one["situation"] == SITUATION, reader.name
        assert one["decisions"][0]["reasons"].startswith("Barnet har ikke"), reader.name


async def test_a_protected_childs_request_names_no_kommune_to_the_other_parent(
    api: Api, world: World
) -> None:
    """Kode 6: the kommune is location. The teacher who asked (with the family's consent)
    reads their own request, never the kommune it went to; the guardian with parental
    responsibility and the unit do."""
    fam = await family(api, world, protection="STRICTLY_CONFIDENTIAL")
    await give_consent(api, world.parent, fam.child_id, world.school.id, ("FAMILY",))
    request = await ok(
        api, "submitCoordinatorRequest", world.teacher, childId=fam.child_id, situation=SITUATION
    )
    assert request["submittedBy"] == "SERVICE"
    assert request["municipality"] is None
    for entitled in (world.parent, world.coordinator):
        one = (await api.gql(ONE, {"id": request["id"]}, as_=entitled))["coordinatorRequest"]
        assert one["municipality"] == {
            "id": str(world.municipality.id),
            "name": "Testvik kommune",
        }, entitled.name


async def test_every_read_and_refused_read_of_a_request_is_in_the_childs_log(
    api: Api, world: World
) -> None:
    fam = await family(api, world)
    await _requested(api, world, fam)

    async def entries() -> list[AccessLogEntry]:
        async with api.aut.db.reading() as session:
            found = await session.exec(
                select(AccessLogEntry)
                .where(AccessLogEntry.child_id == uuid.UUID(fam.child_id))
                .order_by(col(AccessLogEntry.id))
            )
            return list(found.all())

    before = len(await entries())
    await api.gql(INBOX, {"status": None, "first": 50}, as_=world.coordinator2)
    await api.gql(CHILD, {"id": fam.child_id}, as_=world.teacher)
    await api.gql(MINE, as_=world.parent)
    logged = {
        (e.actor_person_id, "coordinatorRequest" in e.what, "coordinatorRequest" in e.refused)
        for e in (await entries())[before:]
        if "coordinatorRequest" in e.what + e.refused
    }
    assert logged == {
        (world.coordinator2.id, True, False),
        (world.teacher.id, False, True),
        (world.parent.id, True, False),
    }


async def test_the_trail_reaches_only_those_who_may_read_the_request(
    live_server: InProcessServer, api: Api, world: World
) -> None:
    """The right's events are the request's: a service with the family's consent to family
    information (the school) knows of no request it may not read, in replay and live; the
    coordinator, who reads the trail without a consent to family information, and the
    child at 13 know of every step."""
    fam = await family(api, world, age=13, child_member=True, unit_categories=("HEALTH", "SCHOOL"))
    await give_consent(api, world.parent, fam.child_id, world.school.id, ("FAMILY",))
    me = await young_person(api, world, fam)
    document = """subscription($childId: ID!, $after: String) {
      childEvents(childId: $childId, after: $after) { ... on Event { seq kind } } }"""
    readers = {"coordinator": world.coordinator, "teacher": world.teacher, "child": me}
    seen: dict[str, list[str]] = {}
    async with (
        ws_session(live_server.base, world.coordinator) as coordinator,
        ws_session(live_server.base, world.teacher) as teacher,
        ws_session(live_server.base, me) as child,
    ):
        sockets = {"coordinator": coordinator, "teacher": teacher, "child": child}
        for name, ws in sockets.items():
            await ws.send(
                {
                    "id": name,
                    "type": "subscribe",
                    "payload": {"query": document, "variables": {"childId": fam.child_id}},
                }
            )
        # Replayed: the first request's whole trail; live: the second request's submission.
        refused = await _refused(api, world, fam)
        await _appealed(api, world, refused, world.parent)
        # A step everyone may know of (basic information) closes each reader's stream.
        marker = await _marker(api, world, fam)
        for name, ws in sockets.items():
            items = await collect_events(ws, name, marker)
            seen[name] = [i["kind"] for i in items]
    assert readers.keys() == seen.keys()
    trail = ["right.request_submitted", "right.decided", "right.appealed"]
    for name in ("coordinator", "child"):
        assert [k for k in seen[name] if k.startswith("right.")] == trail, name
    assert not [k for k in seen["teacher"] if k.startswith("right.")], seen["teacher"]
    assert seen["teacher"][-1] == "pathway.transition_started"


async def _marker(api: Api, world: World, fam: Family) -> int:
    """A basic step (a transition started): its seq."""
    from tests.pathway.support import ok as pathway_ok

    await pathway_ok(
        api, "startTransition", world.coordinator, childId=fam.child_id, kind="CHANGE_OF_SCHOOL"
    )
    async with api.aut.db.reading() as session:
        from backend.events.models import Event

        found = (
            await session.exec(
                select(Event.seq)
                .where(Event.child_id == uuid.UUID(fam.child_id))
                .order_by(col(Event.seq).desc())
                .limit(1)
            )
        ).one()
    return int(found or 0)


async def test_notifications_tell_the_family_and_the_unit_nothing_more(
    api: Api, world: World
) -> None:
    """In-app and e-mail: the family with parental responsibility and the unit are told; the
    other parent and the teacher are not; no notification carries the situation or the
    reasons."""
    fam = await family(api, world)
    refused = await _refused(api, world, fam)
    await _appealed(api, world, refused, world.parent)
    async with api.aut.db.reading() as session:
        told = list((await session.exec(select(Notification))).all())
    right = [n for n in told if n.kind.startswith("right.")]
    recipients = {n.recipient_person_id for n in right}
    assert world.other_parent.id not in recipients
    assert world.teacher.id not in recipients
    assert world.parent.id in recipients and world.coordinator2.id in recipients
    for marker in ("skole, helse", "langvarige", "§ 7-2 a", "Testesen"):
        assert marker not in _text([n.payload for n in right]), marker


# ---- Writes that must be refused -----------------------------------------------------------


async def test_another_kommunes_unit_decides_nothing_and_learns_nothing(
    api: Api, world: World
) -> None:
    """Deciding, reassessing and recording an outcome on another kommune's request: the
    answer of an id that exists nowhere, byte for byte, and nothing written."""
    fam = await family(api, world)
    refused = await _refused(api, world, fam)
    appealed = await _appealed(api, world, refused, world.parent)
    (appeal,) = appealed["appeals"]
    andrevik = await other_kommune_unit(api)
    before = await rows(api)
    for name, real, nowhere in [
        (
            "decideCoordinatorRequest",
            {"requestId": refused["id"], "version": appealed["version"], "outcome": "REFUSED"},
            {"requestId": NOWHERE, "version": appealed["version"], "outcome": "REFUSED"},
        ),
        (
            "reassessAppeal",
            {"appealId": appeal["id"], "version": 1, "outcome": "UPHELD", "reasons": "x"},
            {"appealId": NOWHERE, "version": 1, "outcome": "UPHELD", "reasons": "x"},
        ),
        (
            "recordStatsforvalterOutcome",
            {"appealId": appeal["id"], "version": 1, "outcome": "UPHELD"},
            {"appealId": NOWHERE, "version": 1, "outcome": "UPHELD"},
        ),
        (
            "appealDecision",
            {"decisionId": refused["decisions"][0]["id"], "grounds": "x"},
            {"decisionId": NOWHERE, "grounds": "x"},
        ),
    ]:
        for language in ("nb", "en"):
            theirs = await call(api, name, andrevik, language=language, **real)
            none = await call(api, name, andrevik, language=language, **nowhere)
            assert theirs == none, name
            assert theirs["request"] is None and theirs["errors"][0]["code"] == "NOT_FOUND"
    assert await rows(api) == before


async def test_the_trail_refuses_steps_out_of_order(api: Api, world: World) -> None:
    """Appealing a grant, appealing twice, an outcome before an upheld reassessment,
    reassessing twice, an outcome twice, stale versions: a typed error, nothing written."""
    fam = await family(api, world)
    granted_fam = await family(api, world, serial=1)
    request = await ok(
        api,
        "submitCoordinatorRequest",
        world.parent,
        childId=granted_fam.child_id,
        situation=SITUATION,
    )
    granted = await ok(
        api,
        "decideCoordinatorRequest",
        world.coordinator,
        requestId=request["id"],
        version=request["version"],
        outcome="GRANTED",
        coordinatorPersonId=str(world.coordinator.id),
    )
    before = await rows(api)
    payload = await call(
        api, "appealDecision", world.parent, decisionId=granted["decisions"][0]["id"], grounds="x"
    )
    assert codes(payload) == [("APPEAL_NOT_POSSIBLE", "decisionId")]
    assert await rows(api) == before

    refused = await _refused(api, world, fam)
    appealed = await _appealed(api, world, refused, world.parent)
    (appeal,) = appealed["appeals"]
    before = await rows(api)
    checks: list[tuple[str, dict[str, Any], list[tuple[str, str | None]]]] = [
        (
            "appealDecision",
            {"decisionId": refused["decisions"][0]["id"], "grounds": "igjen"},
            [("APPEAL_ALREADY_OPEN", "decisionId")],
        ),
        (
            "recordStatsforvalterOutcome",
            {"appealId": appeal["id"], "version": appeal["version"], "outcome": "REVERSED"},
            [("OUTCOME_BEFORE_APPEAL", "appealId")],
        ),
        (
            "reassessAppeal",
            {
                "appealId": appeal["id"],
                "version": appeal["version"] + 1,
                "outcome": "UPHELD",
                "reasons": "x",
            },
            [("CONFLICT", "version")],
        ),
        (
            "decideCoordinatorRequest",
            {
                "requestId": refused["id"],
                "version": appealed["version"],
                "outcome": "REFUSED",
                "reasons": "x",
                "legalBasis": "y",
            },
            [("NOT_AWAITING_DECISION", "requestId")],
        ),
    ]
    for name, fields, expected in checks:
        as_ = world.parent if name == "appealDecision" else world.coordinator
        payload = await call(api, name, as_, **fields)
        assert codes(payload) == expected, name
        assert payload["request"] is None
    assert await rows(api) == before

    upheld = await ok(
        api,
        "reassessAppeal",
        world.coordinator,
        appealId=appeal["id"],
        version=appeal["version"],
        outcome="UPHELD",
        reasons="Kommunen står ved vedtaket.",
    )
    (appeal,) = upheld["appeals"]
    before = await rows(api)
    again = await call(
        api,
        "reassessAppeal",
        world.coordinator,
        appealId=appeal["id"],
        version=appeal["version"],
        outcome="REVERSED",
        reasons="x",
        coordinatorPersonId=str(world.coordinator.id),
    )
    assert codes(again) == [("STEP_ALREADY_RECORDED", "appealId")]
    assert await rows(api) == before
    final = await ok(
        api,
        "recordStatsforvalterOutcome",
        world.coordinator,
        appealId=appeal["id"],
        version=appeal["version"],
        outcome="UPHELD",
    )
    assert final["status"] == "REFUSAL_FINAL"
    (appeal,) = final["appeals"]
    before = await rows(api)
    twice = await call(
        api,
        "recordStatsforvalterOutcome",
        world.coordinator,
        appealId=appeal["id"],
        version=appeal["version"],
        outcome="REVERSED",
    )
    assert codes(twice) == [("STEP_ALREADY_RECORDED", "appealId")]
    # The family cannot record the Statsforvalteren's outcome or reassess for the kommune.
    for name, fields in [
        (
            "recordStatsforvalterOutcome",
            {"appealId": appeal["id"], "version": appeal["version"], "outcome": "REVERSED"},
        ),
        (
            "reassessAppeal",
            {
                "appealId": appeal["id"],
                "version": appeal["version"],
                "outcome": "REVERSED",
                "reasons": "x",
            },
        ),
    ]:
        payload = await call(api, name, world.parent, **fields)
        assert codes(payload) == [("NOT_ALLOWED", None)], name
    assert await rows(api) == before


async def test_nobody_appeals_someone_elses_refusal(api: Api, world: World) -> None:
    """The other parent without parental responsibility, the teacher and another family:
    NOT_FOUND as for a decision that exists nowhere; nothing written."""
    fam = await family(api, world)
    refused = await _refused(api, world, fam)
    decision = refused["decisions"][0]["id"]
    before = await rows(api)
    for who in (world.other_parent, world.teacher, world.parent2, world.doctor):
        theirs = await call(api, "appealDecision", who, decisionId=decision, grounds="x")
        nowhere = await call(api, "appealDecision", who, decisionId=NOWHERE, grounds="x")
        assert theirs == nowhere, who.name
        assert codes(theirs) == [("NOT_FOUND", "decisionId")], who.name
    # The coordinating unit reads the request but does not appeal its own decision.
    payload = await call(
        api, "appealDecision", world.coordinator2, decisionId=decision, grounds="x"
    )
    assert codes(payload) == [("NOT_ALLOWED", None)]
    assert await rows(api) == before


async def test_a_citizen_cannot_decide_or_ask_for_another_familys_child(
    api: Api, world: World
) -> None:
    fam = await family(api, world)
    request = await _requested(api, world, fam)
    before = await rows(api)
    payload = await call(
        api,
        "decideCoordinatorRequest",
        world.parent,
        requestId=request["id"],
        version=request["version"],
        outcome="GRANTED",
        coordinatorPersonId=str(world.coordinator.id),
    )
    assert codes(payload) == [("NOT_ALLOWED", None)]
    for who in (world.parent2, world.other_parent):
        theirs = await call(
            api, "submitCoordinatorRequest", who, childId=fam.child_id, situation="x"
        )
        nowhere = await call(api, "submitCoordinatorRequest", who, childId=NOWHERE, situation="x")
        assert theirs == nowhere and codes(theirs) == [("NOT_FOUND", "childId")], who.name
    assert await rows(api) == before


async def test_a_grant_assigns_only_a_coordinator_of_the_directory(api: Api, world: World) -> None:
    """A citizen, an id that exists nowhere or a malformed id as the coordinator: a typed
    error on the field, nothing written."""
    request = await unregistered(api, world)
    before = await rows(api)
    for value in (str(world.parent.id), NOWHERE, "not-an-id", ""):
        payload = await call(
            api,
            "decideCoordinatorRequest",
            world.coordinator,
            requestId=request["id"],
            version=request["version"],
            outcome="GRANTED",
            coordinatorPersonId=value,
        )
        assert [f for _, f in codes(payload)] == ["coordinatorPersonId"], (value, payload)
        assert "Traceback" not in _text(payload)
    assert await rows(api) == before


# ---- Bad input -----------------------------------------------------------------------------


async def _submit_errors(api: Api, world: World, **fields: Any) -> list[tuple[str, str | None]]:
    base: dict[str, Any] = {
        "childFamilyName": "Forelder",
        "expectedDate": expected_date(),
        "municipalityId": str(world.municipality.id),
        "situation": "Vi trenger hjelp.",
    }
    payload = await call(api, "submitCoordinatorRequest", world.parent2, **{**base, **fields})
    assert payload["request"] is None, fields
    return codes(payload)


async def test_bad_input_gets_typed_errors_and_writes_nothing(api: Api, world: World) -> None:
    before = await rows(api)
    past = (today() - dt.timedelta(days=200)).isoformat()
    cases: list[tuple[dict[str, Any], list[tuple[str, str | None]]]] = [
        ({"situation": ""}, [("REQUIRED", "situation")]),
        ({"situation": "   \n "}, [("REQUIRED", "situation")]),
        ({"servicesInvolved": [""]}, [("REQUIRED", "servicesInvolved.0")]),
        ({"childFamilyName": "For\u202eelder"}, [("INVALID", "childFamilyName")]),
        ({"situation": "Hjelp\u202e trengs"}, [("INVALID", "situation")]),
        ({"servicesInvolved": ["Sk\u200folen"]}, [("INVALID", "servicesInvolved.0")]),
        ({"expectedDate": "1899-12-31"}, [("INVALID_DATE", "expectedDate")]),
        ({"expectedDate": "9999-12-31"}, [("INVALID_DATE", "expectedDate")]),
        ({"expectedDate": past}, [("INVALID_DATE", "expectedDate")]),
        (
            {"expectedDate": None, "birthDate": "1899-01-01", "childGivenName": "Emma"},
            [("INVALID_DATE", "birthDate")],
        ),
        (
            {"expectedDate": None, "birthDate": "2999-01-01", "childGivenName": "Emma"},
            [("INVALID_DATE", "birthDate")],
        ),
        (
            {
                "birthDate": (today() - dt.timedelta(days=400)).isoformat(),
                "childGivenName": "Emma",
            },
            [("INVALID_DATE", "birthDate")],
        ),
        ({"expectedDate": None}, [("INVALID_DATE", "birthDate")]),
        ({"municipalityId": "not-an-id"}, [("NOT_FOUND", "municipalityId")]),
        ({"municipalityId": NOWHERE}, [("NOT_FOUND", "municipalityId")]),
        ({"municipalityId": None}, [("REQUIRED", "municipalityId")]),
        ({"childFamilyName": None}, [("REQUIRED", "childFamilyName")]),
        ({"childId": "not-an-id"}, [("NOT_FOUND", "childId")]),
    ]
    for fields, expected in cases:
        found = await _submit_errors(api, world, **fields)
        assert found == expected, (fields, found)
    # Oversized: refused by the caps before any work, with the field's path.
    capped: list[tuple[dict[str, Any], str, str]] = [
        ({"situation": "x" * 4001}, "TOO_LONG", "situation"),
        ({"servicesInvolved": ["Skolen"] * 21}, "TOO_MANY", "servicesInvolved"),
        ({"servicesInvolved": ["x" * 201]}, "TOO_LONG", "servicesInvolved.0"),
        ({"childGivenName": "x" * 101}, "TOO_LONG", "childGivenName"),
        ({"childGivenName": "Em\u0000ma"}, "INVALID", "childGivenName"),
    ]
    for fields, code, field in capped:
        assert await _capped(api, world, fields) == (code, field), fields
    assert await rows(api) == before


async def _capped(api: Api, world: World, fields: dict[str, Any]) -> tuple[str, str]:
    document = """mutation($input: SubmitCoordinatorRequestInput!) {
      submitCoordinatorRequest(input: $input) { request { id } errors { code } } }"""
    base = {
        "childFamilyName": "Forelder",
        "expectedDate": expected_date(),
        "municipalityId": str(world.municipality.id),
        "situation": "Vi trenger hjelp.",
    }
    response = await api.raw(document, {"input": {**base, **fields}}, as_=world.parent2)
    body = response.json()
    assert response.status_code == 200 and body.get("data") is None, body
    (error,) = body["errors"]
    assert "Traceback" not in error["message"]
    return error["extensions"]["code"], error["extensions"]["field"]


async def test_oversized_decision_texts_and_malformed_ids_are_user_errors(
    api: Api, world: World
) -> None:
    request = await unregistered(api, world)
    before = await rows(api)
    document = """mutation($input: DecideCoordinatorRequestInput!) {
      decideCoordinatorRequest(input: $input) { request { id } errors { code } } }"""
    for fields, field in [
        ({"reasons": "x" * 4001}, "reasons"),
        ({"legalBasis": "y" * 501}, "legalBasis"),
    ]:
        response = await api.raw(
            document,
            {
                "input": {
                    "requestId": request["id"],
                    "version": request["version"],
                    "outcome": "REFUSED",
                    **fields,
                }
            },
            as_=world.coordinator,
        )
        (error,) = response.json()["errors"]
        assert (error["extensions"]["code"], error["extensions"]["field"]) == ("TOO_LONG", field)
    payload = await call(
        api,
        "decideCoordinatorRequest",
        world.coordinator,
        requestId=request["id"],
        version=request["version"],
        outcome="REFUSED",
        reasons="Grunn\u202e",
        legalBasis="§\u0007",
    )
    assert codes(payload) == [("INVALID", "reasons"), ("INVALID", "legalBasis")]
    malformed: list[tuple[str, dict[str, Any]]] = [
        ("decideCoordinatorRequest", {"requestId": "'; drop", "version": 1, "outcome": "REFUSED"}),
        ("appealDecision", {"decisionId": "1", "grounds": "x"}),
        ("reassessAppeal", {"appealId": "", "version": 1, "outcome": "UPHELD", "reasons": "x"}),
        ("recordStatsforvalterOutcome", {"appealId": "x" * 80, "version": 1, "outcome": "UPHELD"}),
    ]
    for name, fields in malformed:
        payload = await call(api, name, world.coordinator, **fields)
        assert codes(payload)[0][0] == "NOT_FOUND", (name, payload)
    response = await api.raw(ONE, {"id": "x" * 5000}, as_=world.coordinator)
    assert response.status_code == 200
    assert await rows(api) == before


async def test_an_unregistered_childs_request_is_the_askers_and_the_units_only(
    api: Api, world: World
) -> None:
    """Before the grant no network exists: another citizen, a service of the kommune and
    another kommune's unit read nothing of it, and deciding it from another kommune is an
    id that exists nowhere; absurd page sizes are typed errors, never a 500."""
    request = await unregistered(api, world)
    andrevik = await other_kommune_unit(api)
    for reader in (world.parent, world.teacher, andrevik, world.outsider_staff):
        assert (await api.gql(ONE, {"id": request["id"]}, as_=reader)) == {
            "coordinatorRequest": None
        }, reader.name
        assert await api.gql(MINE, as_=reader) == {"myCoordinatorRequests": []}, reader.name
    before = await rows(api)
    fields = {
        "version": request["version"],
        "outcome": "REFUSED",
        "reasons": "x",
        "legalBasis": "y",
    }
    theirs = await call(
        api, "decideCoordinatorRequest", andrevik, requestId=request["id"], **fields
    )
    nowhere = await call(api, "decideCoordinatorRequest", andrevik, requestId=NOWHERE, **fields)
    assert theirs == nowhere and codes(theirs) == [("NOT_FOUND", "requestId")]
    assert await rows(api) == before
    for first in (-1, 0, 10**6):
        response = await api.raw(INBOX, {"status": None, "first": first}, as_=world.coordinator)
        assert response.status_code == 200
        body = response.json()
        if "errors" in body:
            assert body["errors"][0]["extensions"]["code"] not in (None, "INTERNAL"), body
            assert "Traceback" not in _text(body)


async def test_the_one_who_asked_stops_reading_when_their_reason_to_know_ends(
    api: Api, world: World
) -> None:
    """A request on a registered child is read by the family and the services the family
    lets see the child's information: the teacher who asked reads it no more once the
    family withdrew every consent of the school, and the guardian who asked no more once
    they lost parental responsibility (they are then the other parent)."""
    from backend.consent.models import Consent
    from backend.network.models import NetworkMember

    fam = await family(api, world)
    asked = await ok(
        api, "submitCoordinatorRequest", world.teacher, childId=fam.child_id, situation=SITUATION
    )
    assert asked["submittedBy"] == "SERVICE"
    refused = await refuse(api, world, asked)
    async with api.aut.db.reading() as session:
        consents = list(
            (
                await session.exec(
                    select(Consent).where(
                        Consent.child_id == uuid.UUID(fam.child_id),
                        Consent.service_id == world.school.id,
                    )
                )
            ).all()
        )
    assert consents
    for consent in consents:
        data = await api.gql(
            "mutation($input: WithdrawConsentInput!) { withdrawConsent(input: $input) "
            "{ errors { code } } }",
            {"input": {"id": str(consent.id)}},
            as_=world.parent,
        )
        assert data["withdrawConsent"]["errors"] == []
    assert await api.gql(ONE, {"id": refused["id"]}, as_=world.teacher) == {
        "coordinatorRequest": None
    }
    assert await api.gql(MINE, as_=world.teacher) == {"myCoordinatorRequests": []}
    payload = await call(
        api, "appealDecision", world.teacher, decisionId=refused["decisions"][0]["id"], grounds="x"
    )
    assert codes(payload) == [("NOT_FOUND", "decisionId")]

    other = await family(api, world, serial=1)
    mine = await _requested(api, world, other)
    # The other parent gets parental responsibility, then the one who asked loses it.
    for key, value in (("other_parent", True), ("parent", False)):
        async with api.aut.db.reading() as session:
            member = await session.get(NetworkMember, uuid.UUID(other.members[key]))
        assert member is not None
        data = await api.gql(
            "mutation($input: UpdateNetworkMemberInput!) { updateNetworkMember(input: $input) "
            "{ errors { code field } } }",
            {
                "input": {
                    "id": str(member.id),
                    "version": member.version,
                    "hasParentalResponsibility": value,
                }
            },
            as_=world.coordinator,
        )
        assert data["updateNetworkMember"]["errors"] == [], key
    assert await api.gql(ONE, {"id": mine["id"]}, as_=world.parent) == {"coordinatorRequest": None}
    # Before the grant there is no network: the one who asked reads their own request.
    request = await unregistered(api, world)
    assert (await api.gql(ONE, {"id": request["id"]}, as_=world.parent2))["coordinatorRequest"]
