"""Notification rules write their rows in the transaction of the change that causes them."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import col, func, select

from backend.api.operations import document
from backend.core.clock import today
from backend.core.errors import ErrorCode, UserErrors, fail
from backend.events.models import Event
from backend.events.service import record_change
from backend.identity.actor import Actor
from backend.identity.models import Person
from backend.network import service as network
from backend.network.models import NetworkMember, NetworkRole
from backend.notify.models import Notification
from tests.conftest import Api, World
from tests.helpers import add_member, codes, family_child, give_consent, register_child
from tests.jobs.support import notifications, set_email


async def count_notifications(api: Api) -> int:
    async with api.aut.db.reading() as session:
        return int((await session.exec(select(func.count()).select_from(Notification))).one())


async def test_a_new_member_is_welcomed_in_the_same_transaction(api: Api, world: World) -> None:
    await set_email(api.aut.db, world.teacher.id, "tina@skole.testvik.no")
    child = await register_child(api, world.coordinator)
    member = await add_member(
        api, world.coordinator, child["id"], role="MEMBER", personId=str(world.teacher.id)
    )
    rows = await notifications(api.aut.db, recipient_person_id=world.teacher.id)
    assert sorted((r.kind, r.channel, r.status) for r in rows) == [
        ("network.welcome", "email", "pending"),
        ("network.welcome", "in_app", "sent"),
    ]
    async with api.aut.db.reading() as session:
        event = (
            await session.exec(
                select(Event).where(
                    Event.kind == "network.member_added", Event.entity_id == uuid.UUID(member["id"])
                )
            )
        ).one()
    for row in rows:
        assert row.event_id == event.id
        assert row.child_id == uuid.UUID(child["id"])
        assert row.payload == {"childId": child["id"], "memberId": member["id"], "role": "member"}
        assert row.idempotency_key.endswith(f":{row.channel}")
    # The in-app one is delivered by being there; the e-mail waits for a job.
    in_app = next(r for r in rows if r.channel == "in_app")
    assert in_app.sent_at is not None and in_app.receipt == "in_app"


async def test_a_failed_write_leaves_no_notification(api: Api, world: World) -> None:
    child = await register_child(api, world.coordinator)
    before = await count_notifications(api)
    actor = Actor.from_person(world.coordinator, auth_method="test")
    # The rule runs (the member_added event is recorded), then the write fails.
    with pytest.raises(UserErrors):
        async with api.aut.db.writing() as session:
            teacher = await session.get(Person, world.teacher.id)
            assert teacher is not None
            await network.add_member_row(
                session,
                actor,
                child_id=uuid.UUID(child["id"]),
                person=teacher,
                role=NetworkRole.MEMBER,
                service=None,
                responsibilities=None,
                has_parental_responsibility=False,
                active_from=today(),
                active_to=None,
            )
            in_transaction = (
                await session.exec(
                    select(func.count())
                    .select_from(Notification)
                    .where(Notification.recipient_person_id == world.teacher.id)
                )
            ).one()
            assert in_transaction == 1  # written, not yet committed
            fail(ErrorCode.CONFLICT)
    assert await count_notifications(api) == before
    assert await notifications(api.aut.db, recipient_person_id=world.teacher.id) == []

    # A mutation refused by validation writes none either.
    data = await api.gql(
        document("AddNetworkMember"),
        {
            "input": {
                "childId": child["id"],
                "role": "COORDINATOR",
                "personId": str(world.teacher.id),
            }
        },
        as_=world.coordinator,
    )
    assert codes(data["addNetworkMember"]) == [("INVALID", "role")]
    assert await count_notifications(api) == before


async def test_handover_tells_both_coordinators_and_the_guardians(api: Api, world: World) -> None:
    child = await register_child(api, world.coordinator)
    child_id = uuid.UUID(child["id"])
    # Registering made the registering coordinator coordinator: nobody tells her that.
    assert await notifications(api.aut.db, recipient_person_id=world.coordinator.id) == []
    data = await api.gql(
        document("AssignCoordinator"),
        {"input": {"childId": child["id"], "personId": str(world.coordinator2.id)}},
        as_=world.coordinator,
    )
    assert data["assignCoordinator"]["errors"] == []
    async with api.aut.db.reading() as session:
        guardians = (
            await session.exec(
                select(NetworkMember.person_id).where(
                    NetworkMember.child_id == child_id,
                    NetworkMember.role == "guardian",
                    col(NetworkMember.ended_at).is_(None),
                )
            )
        ).all()
        rows = (
            await session.exec(
                select(Notification).where(Notification.kind == "network.coordinator_assigned")
            )
        ).all()
    assert guardians
    by_event: dict[uuid.UUID | None, list[Notification]] = {}
    for row in rows:
        by_event.setdefault(row.event_id, []).append(row)
    registration, handover = sorted(by_event.values(), key=lambda rs: rs[0].created_at)
    # At registration the guardians learn their child has a coordinator.
    assert {r.recipient_person_id: r.payload["position"] for r in registration} == {
        g: "guardian" for g in guardians
    }
    told = {r.recipient_person_id: r.payload["position"] for r in handover}
    assert told == {
        world.coordinator2.id: "new",
        world.coordinator.id: "previous",
        **{g: "guardian" for g in guardians},
    }
    # Nobody has an e-mail address here: in-app only, and nobody told twice.
    assert {r.channel for r in rows} == {"in_app"}
    assert len(handover) == len(told)
    # The new coordinator is not also "welcomed" as a member.
    welcome = await notifications(
        api.aut.db, recipient_person_id=world.coordinator2.id, kind="network.welcome"
    )
    assert welcome == []


async def test_a_consent_change_reaches_the_current_coordinator(api: Api, world: World) -> None:
    child = await register_child(api, world.coordinator)
    child_id = uuid.UUID(child["id"])
    parent = Actor.from_person(world.parent, auth_method="test")
    coordinator = Actor.from_person(world.coordinator, auth_method="test")
    consent_id = uuid.uuid4()
    async with api.aut.db.writing() as session:
        for kind, actor in (
            ("consent.recorded", parent),
            ("consent.withdrawn", parent),
            ("consent.recorded", coordinator),  # her own change: no news to her
        ):
            await record_change(
                session,
                actor,
                kind=kind,
                entity_type="consent",
                entity_id=consent_id,
                child_id=child_id,
                payload={"consentId": str(consent_id), "childId": str(child_id)},
            )
    rows = await notifications(api.aut.db, recipient_person_id=world.coordinator.id)
    assert [(r.kind, r.channel) for r in rows] == [
        ("consent.recorded", "in_app"),
        ("consent.withdrawn", "in_app"),
    ]
    assert rows[0].payload == {"childId": str(child_id), "consentId": str(consent_id)}


async def test_people_choose_their_channels(api: Api, world: World) -> None:
    await set_email(api.aut.db, world.teacher.id, "tina@skole.testvik.no")
    await set_email(api.aut.db, world.psychologist.id, "petter@ppt.testvik.no")
    set_pref = document("SetNotificationPreference")
    # Tina wants welcomes by e-mail only; Petter wants nothing but the app, for every kind.
    data = await api.gql(
        set_pref,
        {"input": {"kind": "network.welcome", "inApp": False, "email": True}},
        as_=world.teacher,
    )
    assert data["setNotificationPreference"] == {
        "preference": {"kind": "network.welcome", "inApp": False, "email": True},
        "errors": [],
    }
    await api.gql(set_pref, {"input": {"inApp": True, "email": False}}, as_=world.psychologist)
    refused = await api.gql(
        set_pref,
        {"input": {"kind": "no.such.kind", "inApp": True, "email": True}},
        as_=world.teacher,
    )
    assert codes(refused["setNotificationPreference"]) == [("INVALID", "kind")]
    mine = await api.gql(document("MyNotificationPreferences"), as_=world.psychologist)
    assert mine["myNotificationPreferences"] == [{"kind": None, "inApp": True, "email": False}]

    child = await register_child(api, world.coordinator)
    await add_member(
        api, world.coordinator, child["id"], role="MEMBER", personId=str(world.teacher.id)
    )
    await add_member(
        api, world.coordinator, child["id"], role="MEMBER", personId=str(world.psychologist.id)
    )
    teacher = await notifications(api.aut.db, recipient_person_id=world.teacher.id)
    psychologist = await notifications(api.aut.db, recipient_person_id=world.psychologist.id)
    assert [r.channel for r in teacher] == ["email"]
    assert [r.channel for r in psychologist] == ["in_app"]


async def test_my_notifications_pages_and_marks_read(api: Api, world: World) -> None:
    children = [await register_child(api, world.coordinator, nationalId=None) for _ in range(3)]
    for child in children:
        await add_member(
            api, world.coordinator, child["id"], role="MEMBER", personId=str(world.teacher.id)
        )
    query = document("MyNotifications")
    first = (await api.gql(query, {"first": 2}, as_=world.teacher))["myNotifications"]
    assert len(first["edges"]) == 2 and first["pageInfo"]["hasNextPage"]
    rest = (
        await api.gql(
            query, {"first": 2, "after": first["pageInfo"]["endCursor"]}, as_=world.teacher
        )
    )["myNotifications"]
    assert len(rest["edges"]) == 1 and not rest["pageInfo"]["hasNextPage"]
    nodes = [e["node"] for e in first["edges"] + rest["edges"]]
    # Newest first, one per child.
    assert [n["childId"] for n in nodes] == [c["id"] for c in reversed(children)]
    assert {n["kind"] for n in nodes} == {"network.welcome"}
    assert all(n["readAt"] is None for n in nodes)

    # Someone else's notification is not found; yours is marked read.
    mark = document("MarkNotificationRead")
    other = await api.gql(mark, {"input": {"id": nodes[0]["id"]}}, as_=world.psychologist)
    assert codes(other["markNotificationRead"]) == [("NOT_FOUND", "id")]
    done = await api.gql(mark, {"input": {"id": nodes[0]["id"]}}, as_=world.teacher)
    assert done["markNotificationRead"]["notification"]["readAt"] is not None
    unread = (await api.gql(query, {"unreadOnly": True}, as_=world.teacher))["myNotifications"]
    assert [e["node"]["id"] for e in unread["edges"]] == [n["id"] for n in nodes[1:]]
    # Nobody signed in sees nothing.
    anonymous = (await api.gql(query))["myNotifications"]
    assert anonymous["edges"] == []


async def test_consent_given_and_withdrawn_through_the_api_reaches_the_coordinator(
    api: Api, world: World
) -> None:
    await set_email(api.aut.db, world.coordinator.id, "kari.koordinator@testvik.kommune.no")
    child = await family_child(api, world, consent_categories=())
    # A consent for another service names a category the coordinator may not read: no news.
    await give_consent(api, world.parent, child["id"], world.school.id, ("SCHOOL",))
    [consent] = await give_consent(api, world.parent, child["id"], world.unit.id, ("SCHOOL",))
    withdrawn = await api.gql(
        document("WithdrawConsent"), {"input": {"id": consent["id"]}}, as_=world.parent
    )
    assert withdrawn["withdrawConsent"]["errors"] == []
    rows = await notifications(api.aut.db, recipient_person_id=world.coordinator.id)
    assert sorted((r.kind, r.channel) for r in rows) == [
        ("consent.recorded", "email"),
        ("consent.recorded", "in_app"),
        ("consent.withdrawn", "email"),
        ("consent.withdrawn", "in_app"),
    ]
    assert {r.payload["consentId"] for r in rows} == {consent["id"]}
    # The guardian who acted is not notified of her own consent (only welcomed at
    # registration and told who coordinates).
    assert sorted(
        r.kind for r in await notifications(api.aut.db, recipient_person_id=world.parent.id)
    ) == ["network.coordinator_assigned", "network.welcome"]
