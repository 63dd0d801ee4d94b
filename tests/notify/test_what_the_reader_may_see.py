"""Notifications and digests tell only what their reader may know (issue 7, item 12)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import select

from backend.api.operations import document
from backend.core.clock import OSLO
from backend.core.database import utcnow
from backend.events.models import Event
from backend.notify import jobs as notify_jobs
from tests.conftest import Api, World, make_settings
from tests.helpers import add_member, birth, family_child, fnr
from tests.jobs.support import notifications, set_email


async def consent(api: Api, as_: Any, child_id: str, service_id: Any, category: str) -> None:
    data = await api.gql(
        document("RecordConsent"),
        {"input": {"childId": child_id, "serviceId": str(service_id), "category": category}},
        as_=as_,
    )
    assert data["recordConsent"]["errors"] == [], data["recordConsent"]["errors"]


async def test_the_coordinator_hears_only_of_consents_they_may_see(api: Api, world: World) -> None:
    db = api.aut.db
    await set_email(db, world.coordinator.id, "kari.koordinator@testvik.kommune.no")
    child = await family_child(
        api, world, consent_categories=(), nationalId=fnr(16, 4), birthDate=birth(16).isoformat()
    )
    young = await add_member(
        api,
        world.coordinator,
        child["id"],
        role="CHILD",
        newPerson={"name": "Emma Testesen", "nationalId": fnr(16, 4)},
    )
    # The young person's health consent, the guardian's barnevern consent (neither is the
    # coordinating unit's to read), and a school consent for the unit (which it may read).
    await consent(api, young["person"]["id"], child["id"], world.hospital.id, "HEALTH")
    await consent(api, world.parent, child["id"], world.barnevern.id, "BARNEVERN")
    await consent(api, world.parent, child["id"], world.unit.id, "SCHOOL")

    mine = await api.gql(document("MyNotifications"), {"first": 50}, as_=world.coordinator)
    told = [e["node"] for e in mine["myNotifications"]["edges"]]
    assert [n["kind"] for n in told if n["kind"] == "consent.recorded"] == ["consent.recorded"]
    rows = await notifications(
        db, recipient_person_id=world.coordinator.id, kind="consent.recorded"
    )
    assert {r.channel for r in rows} == {"in_app", "email"} and len(rows) == 2

    async with db.writing() as session:
        for event in (await session.exec(select(Event))).all():
            event.occurred_at -= dt.timedelta(hours=2)
            session.add(event)
    now = utcnow()
    settings = make_settings(db_url(api), digest_hour=now.astimezone(OSLO).hour)
    assert await notify_jobs.write_due_digests(db, settings, now) == 1
    (digest, *_) = await notifications(
        db, recipient_person_id=world.coordinator.id, kind="digest.daily"
    )
    assert digest.payload["total"] == 1
    assert digest.payload["children"] == [
        {"childId": child["id"], "changes": 1, "kinds": {"consent.recorded": 1}}
    ]


def db_url(api: Api) -> str:
    return api.aut.settings.database_url
