"""The daily digest: each coordinator hears what others changed in their children's networks."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlmodel import select

from backend.core.clock import OSLO
from backend.core.database import utcnow
from backend.events.models import Event
from backend.events.service import record_change
from backend.identity.actor import Actor
from backend.notify import jobs as notify_jobs
from tests.conftest import Api, World, make_settings
from tests.helpers import add_member, register_child
from tests.jobs.support import MailServer, notifications, set_email, smtp_settings

KARI = "kari.koordinator@testvik.kommune.no"


def test_the_digest_time_is_the_hour_in_oslo() -> None:
    # 29 March 2026: summer time starts at 01:00 UTC.
    before = dt.datetime(2026, 3, 29, 4, 59, tzinfo=dt.UTC)  # 06:59 CEST
    after = dt.datetime(2026, 3, 29, 5, 0, tzinfo=dt.UTC)  # 07:00 CEST
    assert notify_jobs.latest_digest_time(before, 7) == dt.datetime(
        2026, 3, 28, 6, 0, tzinfo=dt.UTC
    )  # 07:00 CET the day before
    assert notify_jobs.latest_digest_time(after, 7) == after


async def test_the_digest_tells_each_coordinator_what_others_changed(
    api: Api, world: World, mail: MailServer
) -> None:
    db = api.aut.db
    await set_email(db, world.coordinator.id, KARI)
    mine = await register_child(api, world.coordinator)
    await add_member(
        api, world.coordinator, mine["id"], role="MEMBER", personId=str(world.teacher.id)
    )
    theirs = await register_child(api, world.coordinator2, nationalId=None)
    parent = Actor.from_person(world.parent, auth_method="test")
    async with db.writing() as session:
        for child, kind in (
            (mine, "consent.recorded"),
            (mine, "consent.withdrawn"),
            (theirs, "consent.recorded"),
        ):
            consent_id = uuid.uuid4()
            await record_change(
                session,
                parent,
                kind=kind,
                entity_type="consent",
                entity_id=consent_id,
                child_id=uuid.UUID(child["id"]),
                payload={"consentId": str(consent_id), "childId": child["id"]},
            )

    # As if all of it happened two hours ago, so that the last digest hour (this hour,
    # Oslo time) lies after it and the digest is due now.
    async with db.writing() as session:
        for event in (await session.exec(select(Event))).all():
            event.occurred_at -= dt.timedelta(hours=2)
            session.add(event)
    now = utcnow()
    settings = make_settings(
        api.aut.settings.database_url, digest_hour=now.astimezone(OSLO).hour, **smtp_settings(mail)
    )
    assert await notify_jobs.write_due_digests(db, settings, now) == 2
    until = notify_jobs.latest_digest_time(now, settings.digest_hour)

    kari = await notifications(db, recipient_person_id=world.coordinator.id, kind="digest.daily")
    assert sorted((r.channel, r.status) for r in kari) == [("email", "pending"), ("in_app", "sent")]
    # Her own registration and the member she added are no news to her.
    assert kari[0].payload == {
        "since": (until - dt.timedelta(days=1)).isoformat(),
        "until": until.isoformat(),
        "total": 2,
        "children": [
            {
                "childId": mine["id"],
                "changes": 2,
                "kinds": {"consent.recorded": 1, "consent.withdrawn": 1},
            }
        ],
    }
    (kaare,) = await notifications(
        db, recipient_person_id=world.coordinator2.id, kind="digest.daily"
    )
    assert kaare.payload["total"] == 1
    assert [c["childId"] for c in kaare.payload["children"]] == [theirs["id"]]

    # Running again for the same period writes nothing.
    assert await notify_jobs.write_due_digests(db, settings, now) == 0
    # The next day, with nothing new, there is no digest to send.
    assert await notify_jobs.write_due_digests(db, settings, now + dt.timedelta(days=1)) == 0
    assert len(await notifications(db, kind="digest.daily")) == 3

    # The e-mail says how much changed, never which child or what.
    email = next(r for r in kari if r.channel == "email")
    assert await notify_jobs.deliver(db, settings, email.id) == "sent"
    (message,) = mail.to(KARI)
    assert message["Subject"] == "Koordinat: endringer siden sist"
    body = message.get_content()
    assert "Det har vært 2 endring(er) i nettverkene til 1 barn du koordinerer" in body
    assert "Logg inn i Koordinat" in body
    assert mine["givenName"] not in body and mine["familyName"] not in body
