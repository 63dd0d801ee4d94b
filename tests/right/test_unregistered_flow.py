"""A request for a child the kommune does not know yet, through refusal, appeal, the
Statsforvalteren and a grant that registers the child."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlmodel import col, select

from backend.core.deadlines import deadline_after, oslo_date
from backend.events.models import Event
from backend.identity.models import Person
from backend.network.models import NetworkMember
from backend.notify.kinds import render_email
from backend.notify.models import Notification
from tests.conftest import Api, World
from tests.right.support import ONE, call, codes, ok, refuse, rows, unregistered


async def test_refusal_appeal_statsforvalteren_and_grant(api: Api, world: World) -> None:
    async with api.aut.db.writing() as session:
        parent = await session.get(Person, world.parent2.id)
        assert parent is not None
        parent.email = "paul.forelder@example.no"
        session.add(parent)
    request = await unregistered(api, world)
    assert request["status"] == "AWAITING_DECISION"
    assert request["child"] is None and request["submittedBy"] == "GUARDIAN"
    assert request["municipality"]["name"] == "Testvik kommune"
    submitted_on = oslo_date(dt.datetime.fromisoformat(request["submittedAt"]))
    assert request["decisionDueOn"] == deadline_after(submitted_on, weeks=3).isoformat()

    # Refusing needs reasons and the legal basis: typed errors, nothing written.
    before = await rows(api)
    payload = await call(
        api,
        "decideCoordinatorRequest",
        world.coordinator,
        requestId=request["id"],
        version=request["version"],
        outcome="REFUSED",
    )
    assert codes(payload) == [("REQUIRED", "reasons"), ("REQUIRED", "legalBasis")]
    assert payload["request"] is None and await rows(api) == before
    # Granting needs the coordinator.
    payload = await call(
        api,
        "decideCoordinatorRequest",
        world.coordinator,
        requestId=request["id"],
        version=request["version"],
        outcome="GRANTED",
    )
    assert codes(payload) == [("REQUIRED", "coordinatorPersonId")]
    # A stale version is a conflict.
    payload = await call(
        api,
        "decideCoordinatorRequest",
        world.coordinator,
        requestId=request["id"],
        version=request["version"] + 1,
        outcome="REFUSED",
        reasons="x",
        legalBasis="y",
    )
    assert codes(payload) == [("CONFLICT", "version")]

    refused = await refuse(api, world, request)
    assert refused["status"] == "REFUSED"
    decision = refused["decisions"][0]
    assert decision["familyToldAt"] == decision["decidedAt"]
    told = oslo_date(dt.datetime.fromisoformat(decision["familyToldAt"]))
    assert decision["appealDeadline"] == deadline_after(told, weeks=4).isoformat()

    # The family is told in-app and by e-mail; the e-mail says only that a decision was made.
    async with api.aut.db.reading() as session:
        told_rows = (
            await session.exec(
                select(Notification).where(Notification.recipient_person_id == world.parent2.id)
            )
        ).all()
    assert sorted(n.channel for n in told_rows if n.kind == "right.decided") == ["email", "in_app"]
    # In the recipient's language (Paul reads English); no name, no situation.
    subject, body = render_email("right.decided", told_rows[0].payload, "en")
    assert "Open Koordinat" in body and "hjertefeil" not in body and "Forelder" not in body
    nb_subject, _ = render_email("right.decided", told_rows[0].payload, "nb")
    assert nb_subject == "Vedtak om barnekoordinator" != subject

    # The Statsforvalteren's outcome before the kommune upheld the refusal: a clear error.
    appealed = await ok(
        api,
        "appealDecision",
        world.parent2,
        decisionId=decision["id"],
        grounds="Vi trenger hjelp nå, ikke når barnet er født.",
    )
    assert appealed["status"] == "APPEALED"
    appeal = appealed["appeals"][0]
    assert appeal["late"] is False and appeal["deadline"] == decision["appealDeadline"]

    # The coordinating unit was told of the request and of the appeal: its staff, not the
    # family, with no child on the notification and nothing of the situation in it.
    async with api.aut.db.reading() as session:
        unit_rows = (
            await session.exec(
                select(Notification).where(
                    col(Notification.kind).in_(["right.request_received", "right.appeal_received"]),
                    Notification.channel == "in_app",
                )
            )
        ).all()
    assert sorted((n.kind, n.recipient_person_id) for n in unit_rows) == sorted(
        (kind, person.id)
        for kind in ("right.request_received", "right.appeal_received")
        for person in (world.coordinator, world.coordinator2)
    )
    assert all(n.child_id is None and set(n.payload) == {"requestId"} for n in unit_rows)
    second = await call(
        api, "appealDecision", world.parent2, decisionId=decision["id"], grounds="Igjen"
    )
    assert codes(second) == [("APPEAL_ALREADY_OPEN", "decisionId")]
    early = await call(
        api,
        "recordStatsforvalterOutcome",
        world.coordinator,
        appealId=appeal["id"],
        version=appeal["version"],
        outcome="REVERSED",
    )
    assert codes(early) == [("OUTCOME_BEFORE_APPEAL", "appealId")]

    upheld = await ok(
        api,
        "reassessAppeal",
        world.coordinator,
        appealId=appeal["id"],
        version=appeal["version"],
        outcome="UPHELD",
        reasons="Kommunen står ved vurderingen.",
    )
    assert upheld["status"] == "WITH_STATSFORVALTEREN"
    appeal = upheld["appeals"][0]
    assert appeal["reassessment"] == "UPHELD" and appeal["forwardedAt"] is not None
    reversed_ = await ok(
        api,
        "recordStatsforvalterOutcome",
        world.coordinator,
        appealId=appeal["id"],
        version=appeal["version"],
        outcome="REVERSED",
        reasons="Barnet vil ha behov for langvarige og koordinerte tjenester.",
    )
    assert reversed_["status"] == "AWAITING_DECISION"
    again = await call(
        api,
        "recordStatsforvalterOutcome",
        world.coordinator,
        appealId=appeal["id"],
        version=reversed_["appeals"][0]["version"],
        outcome="UPHELD",
    )
    assert codes(again) == [("STEP_ALREADY_RECORDED", "appealId")]

    # The grant registers the child, the submitter its guardian, and assigns the coordinator.
    granted = await ok(
        api,
        "decideCoordinatorRequest",
        world.coordinator,
        requestId=request["id"],
        version=reversed_["version"],
        outcome="GRANTED",
        coordinatorPersonId=str(world.coordinator2.id),
    )
    assert granted["status"] == "GRANTED"
    assert [d["outcome"] for d in granted["decisions"]] == ["REFUSED", "GRANTED"]
    assert granted["decisions"][1]["coordinatorName"] == world.coordinator2.name
    # The unit that decided is not in the network: it reads the request, not the child.
    assert granted["child"] is None
    seen = await api.gql(ONE, {"id": request["id"]}, as_=world.parent2)
    child_id = seen["coordinatorRequest"]["child"]["id"]
    async with api.aut.db.reading() as session:
        members = (
            await session.exec(
                select(NetworkMember).where(NetworkMember.child_id == uuid.UUID(child_id))
            )
        ).all()
        events = (
            await session.exec(
                select(Event).where(Event.kind == "right.decided").order_by(col(Event.id))
            )
        ).all()
    by_role = {(m.role, m.person_id, m.has_parental_responsibility) for m in members}
    assert ("guardian", world.parent2.id, True) in by_role
    assert ("coordinator", world.coordinator2.id, False) in by_role
    assert [e.payload["outcome"] for e in events] == ["REFUSED", "GRANTED"]
    assert events[1].child_id == uuid.UUID(child_id)
    assert events[1].payload["child_id"] == child_id
    assert events[1].payload["request_id"] == request["id"]


async def test_staff_do_not_submit_for_an_unregistered_child(api: Api, world: World) -> None:
    before = await rows(api)
    payload = await call(
        api,
        "submitCoordinatorRequest",
        world.teacher,
        childFamilyName="Hansen",
        expectedDate="2030-01-01",
        municipalityId=str(world.municipality.id),
        situation="x",
    )
    assert ("NOT_ALLOWED", None) in codes(payload)
    assert await rows(api) == before


async def test_unregistered_input_is_checked_in_full(api: Api, world: World) -> None:
    before = await rows(api)
    payload = await call(
        api,
        "submitCoordinatorRequest",
        world.parent2,
        childFamilyName=" ",
        municipalityId="01900000-0000-7000-8000-000000000000",
        situation=" ",
        servicesInvolved=["ok", " "],
    )
    assert set(codes(payload)) == {
        ("REQUIRED", "situation"),
        ("REQUIRED", "servicesInvolved.1"),
        ("REQUIRED", "childFamilyName"),
        ("INVALID_DATE", "birthDate"),
        ("NOT_FOUND", "municipalityId"),
    }
    assert await rows(api) == before
