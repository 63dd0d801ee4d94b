"""The minutes as one Yjs document (backend/meeting/crdt.py): merging, reading, seeding, and
its one write path on both databases.

The meeting is set up as the meeting service leaves it (a `Meeting` and its `Invitation`
rows) in a real network made through the API, so the Cedar policies decide on real facts.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pytest
from pycrdt import Doc, Text
from sqlmodel import col, func, select

from backend.core.database import Database, utcnow
from backend.identity.actor import Actor
from backend.identity.models import Person
from backend.meeting import crdt
from backend.meeting.models import (
    AgendaItem,
    Invitation,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesState,
    MinutesUpdate,
)
from backend.network.models import NetworkMember
from tests.conftest import Api, World
from tests.helpers import add_member, family_child

# --- the document itself (no database)


def test_two_concurrent_edits_of_the_same_text_both_survive() -> None:
    base: Doc = Doc()
    base.get("general", type=Text).insert(0, "Møtet startet.")
    start = base.get_update()
    kari: Doc = Doc()
    tina: Doc = Doc()
    for doc in (kari, tina):
        doc.apply_update(start)
    before_kari, before_tina = kari.get_state(), tina.get_state()
    # At once, neither seeing the other: one writes at the start, one at the end.
    kari.get("general", type=Text).insert(0, "Til stede: alle. ")
    tina_text = tina.get("general", type=Text)
    tina_text.insert(len(tina_text), " Neste møte i mai.")
    from_kari = kari.get_update(before_kari)
    from_tina = tina.get_update(before_tina)

    merged = crdt.merge([start, from_kari, from_tina])
    for order in ([from_kari, from_tina], [from_tina, from_kari]):
        doc: Doc = Doc()
        doc.apply_update(start)
        for update in order:
            doc.apply_update(update)
        assert str(doc.get("general", type=Text)) == (
            "Til stede: alle. Møtet startet. Neste møte i mai."
        )
    assert crdt.read_texts(merged, [])["general"] == (
        "Til stede: alle. Møtet startet. Neste møte i mai."
    )


def test_two_writers_in_the_same_place_keep_both_words() -> None:
    kari: Doc = Doc()
    tina: Doc = Doc()
    kari.get("general", type=Text).insert(0, "Kari skriver.")
    tina.get("general", type=Text).insert(0, "Tina skriver.")
    merged = crdt.merge([kari.get_update(), tina.get_update()])
    text = crdt.read_texts(merged, [])["general"]
    assert "Kari skriver." in text and "Tina skriver." in text
    assert len(text) == len("Kari skriver.") + len("Tina skriver.")


def test_seed_update_writes_the_snapshot_shape_and_text_names() -> None:
    item = uuid.uuid4()
    other = uuid.uuid4()
    seeded = crdt.seed_update(
        {
            "general": "Alle var til stede.",
            "items": {str(item): {"discussion": "Skolestart.", "decisions": "Ny plan i mai."}},
            crdt.item_text_name(other, "decisions"): "Utsatt.",
        }
    )
    assert crdt.is_valid_update(seeded)
    assert crdt.read_texts(seeded, [item, other]) == {
        "general": "Alle var til stede.",
        "items": {
            str(item): {"discussion": "Skolestart.", "decisions": "Ny plan i mai."},
            str(other): {"discussion": "", "decisions": "Utsatt."},
        },
    }
    # The browser's names: ydoc.getText("item:<id>:discussion").
    doc: Doc = Doc()
    doc.apply_update(seeded)
    assert str(doc.get(f"item:{item}:discussion", type=Text)) == "Skolestart."


def test_an_empty_document_reads_as_empty_texts() -> None:
    item = uuid.uuid4()
    assert crdt.merge([]) == crdt.EMPTY_UPDATE
    assert crdt.read_texts(crdt.EMPTY_UPDATE, [item]) == {
        "general": "",
        "items": {str(item): {"discussion": "", "decisions": ""}},
    }


def test_what_is_not_an_update_is_not_valid_and_cannot_break_the_document() -> None:
    good = crdt.seed_update({"general": "Hei"})
    assert crdt.is_valid_update(good)
    for bad in (b"", b"\x00", b"garbage", b"\x01\x02\x03", b"\xff" * 40):
        assert not crdt.is_valid_update(bad)
    big: Doc = Doc()
    big.get("general", type=Text).insert(0, "x" * (crdt.MAX_UPDATE_BYTES + 1))
    assert not crdt.is_valid_update(big.get_update())
    # A row that does not decode (it should never have been stored) is left out.
    assert crdt.read_texts(crdt.merge([good, b"garbage"]), [])["general"] == "Hei"


# --- the write path, on both databases


@dataclass
class MinutesWorld:
    """A child's network with a meeting: who is who around it."""

    world: World
    child_id: uuid.UUID
    meeting: Meeting
    agenda: list[AgendaItem]
    coordinator: Person
    invited: Person  # an invited member (the teacher)
    not_invited: Person  # a member of the network, not invited (the psychologist)
    guest: Person  # a hospital doctor outside the network, invited as a guest
    guardian: Person  # parental responsibility, not invited
    outsider: Person
    members: dict[uuid.UUID, NetworkMember]


async def meeting_world(
    api: Api,
    world: World,
    *,
    starts_in: dt.timedelta = dt.timedelta(hours=1),
    guest_hours_after: float = 72,
) -> MinutesWorld:
    """A network (coordinator, guardians, teacher, psychologist) and a meeting of an hour,
    organised by the coordinator, the teacher and a hospital guest invited."""
    child = await family_child(api, world)
    child_id = uuid.UUID(child["id"])
    for person in (world.teacher, world.psychologist):
        await add_member(
            api, world.coordinator, child["id"], role="MEMBER", personId=str(person.id)
        )
    db = api.aut.db
    starts = (utcnow() + starts_in).replace(microsecond=0)
    ends = starts + dt.timedelta(hours=1)
    async with db.writing() as session:
        members = {
            m.person_id: m
            for m in (
                await session.exec(
                    select(NetworkMember).where(
                        NetworkMember.child_id == child_id, col(NetworkMember.ended_at).is_(None)
                    )
                )
            ).all()
        }
        meeting = Meeting(
            child_id=child_id,
            title="Ansvarsgruppemøte",
            starts_at=starts,
            ends_at=ends,
            place="Testvik skole",
            organizer_person_id=world.coordinator.id,
        )
        session.add(meeting)
        await session.flush()
        agenda = [
            AgendaItem(
                meeting_id=meeting.id,
                child_id=child_id,
                title=title,
                position=n,
                proposed_by_person_id=world.coordinator.id,
                proposed_by_name=world.coordinator.name,
            )
            for n, title in enumerate(("Skolestart", "Avlastning"))
        ]
        session.add_all(agenda)
        for person in (world.coordinator, world.teacher):
            session.add(
                Invitation(
                    meeting_id=meeting.id,
                    child_id=child_id,
                    person_id=person.id,
                    member_id=members[person.id].id,
                    invited_by_person_id=world.coordinator.id,
                )
            )
        session.add(
            Invitation(
                meeting_id=meeting.id,
                child_id=child_id,
                person_id=world.doctor.id,
                guest=True,
                guest_service_id=world.hospital.id,
                access_until=ends + dt.timedelta(hours=guest_hours_after),
                invited_by_person_id=world.coordinator.id,
            )
        )
    return MinutesWorld(
        world=world,
        child_id=child_id,
        meeting=meeting,
        agenda=agenda,
        coordinator=world.coordinator,
        invited=world.teacher,
        not_invited=world.psychologist,
        guest=world.doctor,
        guardian=world.parent,
        outsider=world.outsider_staff,
        members=members,
    )


def actor(person: Person) -> Actor:
    return Actor.from_person(person, "dev")


async def append(db: Database, person: Person, meeting_id: uuid.UUID, update: bytes) -> int:
    async with db.writing() as session:
        appended = await crdt.append_update(session, actor(person), meeting_id, update)
    return appended.seq


async def refused(db: Database, person: Person, meeting_id: uuid.UUID, update: bytes) -> str:
    with pytest.raises(crdt.Refused) as caught:
        async with db.writing() as session:
            await crdt.append_update(session, actor(person), meeting_id, update)
    return caught.value.reason


async def stored(db: Database, meeting_id: uuid.UUID) -> tuple[int, int]:
    """(rows, head_seq) of the meeting's minutes."""
    async with db.reading() as session:
        rows = (
            await session.exec(
                select(func.count())
                .select_from(MinutesUpdate)
                .where(MinutesUpdate.meeting_id == meeting_id)
            )
        ).one()
        head = (
            await session.exec(select(Minutes.head_seq).where(Minutes.meeting_id == meeting_id))
        ).first()
    return int(rows), int(head or 0)


def edit(doc: Doc, name: str, at: int, words: str) -> bytes:
    """Write into one text of a client's document; the update that says so."""
    before = doc.get_state()
    doc.get(name, type=Text).insert(at, words)
    return doc.get_update(before)


async def test_updates_are_stored_in_order_and_read_back_as_one_document(
    api: Api, world: World
) -> None:
    mw = await meeting_world(api, world)
    db = api.aut.db
    item = mw.agenda[0].id
    kari: Doc = Doc()
    tina: Doc = Doc()
    first = edit(kari, "general", 0, "Alle til stede.")
    assert await append(db, mw.coordinator, mw.meeting.id, first) == 1
    tina.apply_update(first)
    # Concurrent: neither has the other's next words.
    from_kari = edit(kari, crdt.item_text_name(item, "decisions"), 0, "Ny plan i mai.")
    from_tina = edit(tina, "general", len("Alle til stede."), " Tina noterer.")
    assert await append(db, mw.invited, mw.meeting.id, from_tina) == 2
    assert await append(db, mw.coordinator, mw.meeting.id, from_kari) == 3
    assert await stored(db, mw.meeting.id) == (3, 3)

    async with db.reading() as session:
        state = await crdt.document_state(session, mw.meeting.id)
        content = await crdt.snapshot(session, mw.meeting.id, [a.id for a in mw.agenda])
        rows = (
            await session.exec(
                select(MinutesUpdate).where(MinutesUpdate.meeting_id == mw.meeting.id)
            )
        ).all()
    assert content == {
        "general": "Alle til stede. Tina noterer.",
        "items": {
            str(mw.agenda[0].id): {"discussion": "", "decisions": "Ny plan i mai."},
            str(mw.agenda[1].id): {"discussion": "", "decisions": ""},
        },
    }
    assert crdt.read_texts(state, [])["general"] == "Alle til stede. Tina noterer."
    assert {r.person_id for r in rows} == {mw.coordinator.id, mw.invited.id}
    assert all(r.child_id == mw.child_id for r in rows)


async def test_who_may_write_the_minutes(api: Api, world: World) -> None:
    mw = await meeting_world(api, world)
    db = api.aut.db
    update = crdt.seed_update({"general": "Hei"})
    assert await append(db, mw.guest, mw.meeting.id, update) == 1  # a guest in the window
    for person in (mw.not_invited, mw.outsider, mw.guardian):
        assert await refused(db, person, mw.meeting.id, update) == "not allowed"
    assert await refused(db, mw.coordinator, uuid.uuid4(), update) == "no such meeting"
    assert await stored(db, mw.meeting.id) == (1, 1)


async def test_a_guest_after_the_window_writes_nothing(api: Api, world: World) -> None:
    mw = await meeting_world(api, world, starts_in=dt.timedelta(hours=-30), guest_hours_after=1)
    update = crdt.seed_update({"general": "For sent"})
    assert await refused(api.aut.db, mw.guest, mw.meeting.id, update) == "not allowed"
    assert await stored(api.aut.db, mw.meeting.id) == (0, 0)


async def test_closed_minutes_and_a_cancelled_meeting_take_no_updates(
    api: Api, world: World
) -> None:
    mw = await meeting_world(api, world)
    db = api.aut.db
    update = crdt.seed_update({"general": "Hei"})
    assert await append(db, mw.coordinator, mw.meeting.id, update) == 1
    async with db.writing() as session:
        minutes = (
            await session.exec(select(Minutes).where(Minutes.meeting_id == mw.meeting.id))
        ).one()
        minutes.state = MinutesState.CLOSED.value
        session.add(minutes)
    assert await refused(db, mw.coordinator, mw.meeting.id, update) == "minutes closed"
    async with db.writing() as session:
        minutes = (
            await session.exec(select(Minutes).where(Minutes.meeting_id == mw.meeting.id))
        ).one()
        minutes.state = MinutesState.OPEN.value
        session.add(minutes)
        meeting = await session.get(Meeting, mw.meeting.id)
        assert meeting is not None
        meeting.status = MeetingStatus.CANCELLED.value
        session.add(meeting)
    assert await refused(db, mw.coordinator, mw.meeting.id, update) == "meeting cancelled"
    assert await stored(db, mw.meeting.id) == (1, 1)


async def test_size_caps_per_update_and_per_document(
    api: Api, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    mw = await meeting_world(api, world)
    db = api.aut.db
    doc: Doc = Doc()
    too_big = edit(doc, "general", 0, "x" * crdt.MAX_UPDATE_BYTES)
    assert await refused(db, mw.coordinator, mw.meeting.id, too_big) == "update too large"
    assert await refused(db, mw.coordinator, mw.meeting.id, b"garbage") == "not a document update"
    assert await refused(db, mw.coordinator, mw.meeting.id, crdt.EMPTY_UPDATE) == (
        "not a document update"
    )
    # The document's cap counts what is stored: a smaller cap, the same rule.
    monkeypatch.setattr(crdt, "MAX_DOCUMENT_BYTES", 3000)
    writer: Doc = Doc()
    seq = 0
    for _ in range(3):
        seq = await append(db, mw.coordinator, mw.meeting.id, edit(writer, "general", 0, "y" * 900))
    assert seq == 3
    last = edit(writer, "general", 0, "z" * 900)
    assert await refused(db, mw.coordinator, mw.meeting.id, last) == "document too large"
    async with db.writing() as session:
        # The size of the rows up to a known seq is not summed again, but counts all the same.
        with pytest.raises(crdt.Refused):
            await crdt.append_update(
                session, actor(mw.coordinator), mw.meeting.id, last, known=(2, 2000)
            )
    assert await stored(db, mw.meeting.id) == (3, 3)


async def test_the_first_update_makes_the_minutes_row(api: Api, world: World) -> None:
    mw = await meeting_world(api, world)
    db = api.aut.db
    assert await stored(db, mw.meeting.id) == (0, 0)
    await append(db, mw.invited, mw.meeting.id, crdt.seed_update({"general": "Først"}))
    async with db.reading() as session:
        minutes = (
            await session.exec(select(Minutes).where(Minutes.meeting_id == mw.meeting.id))
        ).one()
    assert (minutes.state, minutes.head_seq, minutes.child_id) == ("open", 1, mw.child_id)
