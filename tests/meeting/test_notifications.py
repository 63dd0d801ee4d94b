"""Who is told what about a meeting: each kind to its people, in their language; a protected
place never in any notification, e-mail, event or audit row (only "agreed place")."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlmodel import col, select

from backend.audit.models import AuditEntry
from backend.events.models import Event
from backend.identity.models import Person
from backend.meeting import crdt
from backend.meeting.models import Meeting
from backend.notify import kinds
from backend.notify.models import Notification
from tests.conftest import Api, World
from tests.meeting.support import call, guest_staff, move, ok, schedule
from tests.plan.support import family, with_plan

PLACE = "Storgata 1, 9999 Testvik"


async def _notifications(api: Api) -> list[tuple[Notification, Person]]:
    async with api.aut.db.reading() as session:
        found = await session.exec(
            select(Notification, Person)
            .join(Person, col(Person.id) == col(Notification.recipient_person_id))
            .where(col(Notification.kind).startswith("meeting."))
            .order_by(col(Notification.created_at), col(Notification.id))
        )
        return list(found.all())


def _told(found: list[tuple[Notification, Person]], kind: str) -> set[str]:
    return {p.name for n, p in found if n.kind == kind}


async def _set_language(api: Api, person: Person, language: str) -> None:
    async with api.aut.db.writing() as session:
        row = await session.get(Person, person.id)
        assert row is not None
        row.preferred_language = language
        row.email = row.email or f"{uuid.uuid4().hex[:8]}@example.no"
        session.add(row)


async def _everything_written(api: Api) -> str:
    """Every notification, event and audit row, and every e-mail text, as one string."""
    parts: list[Any] = []
    async with api.aut.db.reading() as session:
        parts += [e.payload for e in (await session.exec(select(Event))).all()]
        parts += [a.detail for a in (await session.exec(select(AuditEntry))).all()]
    for notification, person in await _notifications(api):
        parts.append(notification.payload)
        parts.append(
            kinds.render_email(notification.kind, notification.payload, person.preferred_language)
        )
    return json.dumps(parts, ensure_ascii=False, default=str)


async def test_who_is_told_and_the_protected_place_is_never_told(api: Api, world: World) -> None:
    fam = await family(api, world)
    await with_plan(api, world, fam)
    guest = await guest_staff(api, world)
    await _set_language(api, world.teacher, "en")
    await _set_language(api, world.parent, "nn")
    meeting = await schedule(
        api,
        world,
        fam.child_id,
        place=PLACE,
        placeProtected=True,
        inviteMemberIds=[fam.members["teacher"]],
    )
    meeting = await ok(
        api, "inviteGuest", world.coordinator, meetingId=meeting["id"], personId=str(guest.id)
    )
    found = await _notifications(api)
    assert _told(found, "meeting.invited") == {world.teacher.name, guest.name}
    # The guardians with parental responsibility see who comes from where (not the other
    # parent, not the invited teacher).
    assert _told(found, "meeting.guest_invited") == {world.parent.name}
    # Each in their language: the teacher reads English, the parent nynorsk.
    for notification, person in found:
        subject, body = kinds.render_email(
            notification.kind, notification.payload, person.preferred_language
        )
        if person.id == world.teacher.id:
            assert "You are invited" in body
        if person.id == world.parent.id:
            assert "Ein gjest utanfor nettverket" in body
        if person.id == guest.id:
            assert "Du er invitert" in body
        # An e-mail leaves Koordinat's protection: no title, place, guest or organisation.
        for secret in (PLACE, meeting["title"], guest.name, "Habiliteringstjenesten"):
            assert secret not in subject + body, (notification.kind, secret)
    # The guest gets it outside the network: no child on it.
    guest_rows = [n for n, p in found if p.id == guest.id]
    assert guest_rows and all(n.child_id is None for n in guest_rows)

    updated = await ok(
        api,
        "updateMeeting",
        world.coordinator,
        meetingId=meeting["id"],
        version=meeting["version"],
        purpose="Forberede skolestart.",
    )
    found = await _notifications(api)
    assert _told(found, "meeting.updated") == {world.teacher.name, guest.name}

    invitation = next(i for i in updated["invitations"] if i["guest"])
    await ok(
        api,
        "objectToGuest",
        world.parent,
        invitationId=invitation["id"],
        reason="Vi kjenner ikke denne personen.",
    )
    found = await _notifications(api)
    assert _told(found, "meeting.guest_objected") == {world.coordinator.name}

    await move(api, meeting["id"], hours=-1)
    async with api.aut.db.writing() as session:
        from backend.identity.actor import Actor

        actor = Actor.from_person(world.coordinator, auth_method="dev")
        await crdt.append_update(
            session,
            actor,
            uuid.UUID(meeting["id"]),
            crdt.seed_update({"general": "Vi møttes i Storgata 1."}),
        )
    await ok(api, "closeMinutes", world.coordinator, meetingId=meeting["id"])
    found = await _notifications(api)
    assert _told(found, "meeting.minutes_closed") == {world.parent.name}
    await ok(
        api,
        "agreeActionItem",
        world.coordinator,
        meetingId=meeting["id"],
        kind="TASK",
        title="Søke om skoleskyss",
        ownerMemberId=fam.members["teacher"],
        dueOn="2099-01-01",
    )
    found = await _notifications(api)
    assert _told(found, "meeting.action_item_agreed") == {world.teacher.name}
    written = await _everything_written(api)
    # Not the address, nor the minutes' text, anywhere outside the meeting itself.
    assert "Storgata" not in written

    other = await schedule(
        api,
        world,
        fam.child_id,
        place=PLACE,
        placeProtected=True,
        inviteMemberIds=[fam.members["teacher"]],
    )
    await ok(
        api,
        "cancelMeeting",
        world.coordinator,
        meetingId=other["id"],
        version=other["version"],
        reason="Syk.",
    )
    found = await _notifications(api)
    assert _told(found, "meeting.cancelled") == {world.teacher.name}
    assert "Storgata" not in await _everything_written(api)


async def test_nobody_is_told_of_a_meeting_they_may_not_see(api: Api, world: World) -> None:
    fam = await family(api, world)
    meeting = await schedule(api, world, fam.child_id, inviteMemberIds=[fam.members["teacher"]])
    teacher = next(i for i in meeting["invitations"] if i["personName"] == world.teacher.name)
    await ok(
        api,
        "withdrawInvitation",
        world.coordinator,
        invitationId=teacher["id"],
        version=teacher["version"],
    )
    before = {n.id for n, _ in await _notifications(api)}
    await ok(
        api,
        "updateMeeting",
        world.coordinator,
        meetingId=meeting["id"],
        version=meeting["version"],
        title="Nytt navn",
    )
    new = [(n, p) for n, p in await _notifications(api) if n.id not in before]
    # The withdrawn teacher is no longer told; the doctor never was.
    assert new == []
    # Nor does the event reach them: it names only those still invited as its viewers.
    async with api.aut.db.reading() as session:
        event = (await session.exec(select(Event).where(Event.kind == "meeting.updated"))).one()
        row = await session.get(Meeting, uuid.UUID(meeting["id"]))
    assert row is not None
    assert str(world.teacher.id) not in event.payload["viewers"]
    assert "place" not in event.payload


async def test_events_reach_only_those_who_may_view_the_meeting(api: Api, world: World) -> None:
    from backend.authz.access import load_facts
    from backend.events.visibility import may_know, reveals_for, session_lookups
    from backend.identity.actor import Actor

    fam = await family(api, world)
    meeting = await schedule(api, world, fam.child_id, inviteMemberIds=[fam.members["teacher"]])
    await call(api, "proposeAgendaItem", world.teacher, meetingId=meeting["id"], title="Lekser")
    async with api.aut.db.reading() as session:
        event = (
            await session.exec(select(Event).where(Event.kind == "meeting.agenda_item_proposed"))
        ).one()
        reveals = await reveals_for(event, session_lookups(session))
        knows = {}
        for person in (
            world.coordinator,
            world.parent,
            world.other_parent,
            world.teacher,
            world.doctor,
            world.caseworker,
            world.outsider_staff,
        ):
            actor = Actor.from_person(person, auth_method="dev")
            child_id = uuid.UUID(fam.child_id)
            facts = (await load_facts(session, actor, [child_id]))[child_id]
            knows[person.name] = may_know(actor, facts, reveals)
    assert knows == {
        world.coordinator.name: True,
        world.parent.name: True,
        world.other_parent.name: False,
        world.teacher.name: True,
        world.doctor.name: False,
        world.caseworker.name: False,
        world.outsider_staff.name: False,
    }
