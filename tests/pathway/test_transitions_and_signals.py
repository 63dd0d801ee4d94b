"""Transitions with their checklists, signals by category, and who reads what: the role x
path matrix over the child's pathway, transitions and signals, with the access log."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import col, select

from backend.audit.access_log import AccessLogEntry
from backend.core.clock import today
from tests.conftest import Api, World
from tests.helpers import give_consent
from tests.pathway.support import (
    call,
    codes,
    grant,
    notifications,
    ok,
    pathway_rows,
    read_child,
)
from tests.plan.support import Family, family


async def test_a_transition_is_a_checklist_in_the_readers_language(api: Api, world: World) -> None:
    fam = await family(api, world)
    refused = await call(
        api, "startTransition", world.teacher, childId=fam.child_id, kind="HOSPITAL_TO_HOME"
    )
    assert codes(refused) == [("NOT_ALLOWED", None)]
    started = await ok(
        api,
        "startTransition",
        world.coordinator,
        language="nn",
        childId=fam.child_id,
        kind="HOSPITAL_TO_HOME",
        dueOn=today().isoformat(),
    )
    assert started["title"] == "Frå sjukehus til heim"
    titles = [i["title"] for i in started["items"]]
    assert titles[:3] == [
        "Utskrivingsmøte",
        "Heimesjukepleie avtalt",
        "Hjelpemiddel og tilrettelegging i heimen",
    ]
    assert {i["status"] for i in started["items"]} == {"OPEN"}
    child = await read_child(api, fam.child_id, world.parent2, language="en")
    assert child is None  # not in this network
    (read,) = (await read_child(api, fam.child_id, world.coordinator, language="en"))["transitions"]
    assert [i["title"] for i in read["items"]][:2] == ["Discharge meeting", "Home nursing arranged"]
    assert "Return to barnehage or school" in [i["title"] for i in read["items"]]

    # An item with an owner: the teacher sets its status, nothing else.
    added = await ok(
        api,
        "addTransitionItem",
        world.coordinator,
        transitionId=started["id"],
        title="Tilrettelagt skoledag",
        ownerMemberId=fam.members["teacher"],
        dueOn=today().isoformat(),
    )
    item = added["items"][-1]
    assert (item["title"], item["owner"]["person"]["name"]) == (
        "Tilrettelagt skoledag",
        world.teacher.name,
    )
    before = await pathway_rows(api)
    moved = await call(
        api,
        "updateTransitionItem",
        world.teacher,
        itemId=item["id"],
        version=item["version"],
        dueOn=today().isoformat(),
    )
    assert codes(moved) == [("NOT_ALLOWED", None)]
    other = started["items"][0]
    not_theirs = await call(
        api,
        "updateTransitionItem",
        world.teacher,
        itemId=other["id"],
        version=other["version"],
        status="DONE",
    )
    assert codes(not_theirs) == [("NOT_ALLOWED", None)]
    assert await pathway_rows(api) == before
    done = await ok(
        api,
        "updateTransitionItem",
        world.teacher,
        itemId=item["id"],
        version=item["version"],
        status="DONE",
    )
    assert done["items"][-1]["status"] == "DONE"
    stale = await call(
        api,
        "updateTransitionItem",
        world.coordinator,
        itemId=item["id"],
        version=item["version"],
        status="OPEN",
    )
    assert codes(stale) == [("CONFLICT", "version")]
    # A membership of another child is no owner here.
    nowhere = await call(
        api,
        "addTransitionItem",
        world.coordinator,
        transitionId=started["id"],
        title="x",
        ownerMemberId=str(uuid.uuid4()),
    )
    assert codes(nowhere) == [("NOT_FOUND", "ownerMemberId")]
    empty = await call(
        api, "addTransitionItem", world.coordinator, transitionId=started["id"], title=" "
    )
    assert codes(empty) == [("REQUIRED", "title")]


async def _signals(fam: Family, api: Api, world: World) -> dict[str, dict[str, Any]]:
    health = await ok(
        api,
        "recordSignal",
        world.doctor,
        childId=fam.child_id,
        kind="HOSPITAL_ADMISSION",
        description="Innlagt på barneavdelingen, lang innleggelse ventet.",
    )
    crisis = await ok(
        api,
        "recordSignal",
        world.caseworker,
        childId=fam.child_id,
        kind="CRISIS_AT_HOME",
        description="Bekymringsmelding mottatt.",
    )
    absence = await ok(
        api,
        "recordSignal",
        world.teacher,
        childId=fam.child_id,
        kind="SCHOOL_ABSENCE",
        description="Borte 12 dager denne måneden.",
    )
    assert (health["category"], crisis["category"], absence["category"]) == (
        "HEALTH",
        "BARNEVERN",
        "SCHOOL",
    )
    assert health["recordedByName"] == world.doctor.name
    return {"health": health, "barnevern": crisis, "school": absence}


async def test_signals_reach_those_the_policies_allow(api: Api, world: World) -> None:
    fam = await family(api, world)
    await grant(
        api,
        fam.child_id,
        submitted_on=today(),
        decided_on=today(),
        municipality_id=world.municipality.id,
    )
    await ok(api, "startTransition", world.coordinator, childId=fam.child_id, kind="TURNING_18")
    refused = await call(
        api, "recordSignal", world.parent, childId=fam.child_id, kind="OTHER", description="x"
    )
    assert codes(refused) == [("NOT_ALLOWED", None)]
    signals = await _signals(fam, api, world)
    # The coordinator is told at once of what they may read (health, school), never the text.
    told = await notifications(api, "pathway.signal_recorded")
    assert {n.recipient_person_id for n in told} == {world.coordinator.id}
    assert len(told) == 2
    assert all("Innlagt" not in str(n.payload) for n in told)

    readers = {
        "coordinator": (world.coordinator, {"health", "school"}),
        "guardian": (world.parent, {"health", "school", "barnevern"}),
        "guardian without responsibility": (world.other_parent, set()),
        "teacher": (world.teacher, {"school"}),
        "doctor": (world.doctor, {"health"}),
        "nav with consent": (fam.nav_worker, set()),
        "barnevern": (world.caseworker, {"barnevern"}),
    }
    ids = {s["id"]: name for name, s in signals.items()}
    for who, (person, wanted) in readers.items():
        child = await read_child(api, fam.child_id, person)
        assert child is not None, who
        # Every member of the network sees the pathway and the transitions.
        assert child["pathway"] is not None, who
        assert [t["kind"] for t in child["transitions"]] == ["TURNING_18"], who
        assert {ids[s["id"]] for s in child["signals"]} == wanted, who
    assert await read_child(api, fam.child_id, world.outsider_staff) is None
    # The reads are in the child's access log, by what was read.
    async with api.aut.db.reading() as session:
        rows = (
            await session.exec(
                select(AccessLogEntry).where(
                    AccessLogEntry.child_id == uuid.UUID(fam.child_id),
                    AccessLogEntry.actor_person_id == world.coordinator.id,
                )
            )
        ).all()
        outsider = (
            await session.exec(
                select(AccessLogEntry).where(
                    AccessLogEntry.child_id == uuid.UUID(fam.child_id),
                    col(AccessLogEntry.actor_person_id) == world.outsider_staff.id,
                )
            )
        ).all()
    read = {w for row in rows for w in row.what}
    assert {"pathway", "transitions", "health", "school"} <= read
    assert "barnevern" not in read
    assert outsider and all(row.outsider for row in outsider)


async def test_nav_reads_welfare_signals_only_with_consent(api: Api, world: World) -> None:
    fam = await family(api, world, nav_consent=False)
    # NAV's own signal is in its own field (its category taken from the service).
    own = await ok(
        api,
        "recordSignal",
        fam.nav_worker,
        childId=fam.child_id,
        kind="OTHER",
        description="Søknad om pleiepenger avslått.",
    )
    assert own["category"] == "NAV"
    coordinators = await ok(
        api,
        "recordSignal",
        world.coordinator,
        childId=fam.child_id,
        kind="OTHER",
        description="Søknad om hjelpestønad sendt.",
        category="NAV",
    )
    child = await read_child(api, fam.child_id, fam.nav_worker)
    assert [s["id"] for s in child["signals"]] == [own["id"]]
    # Barnevern's category is not the coordinator's to write without its consent.
    refused = await call(
        api,
        "recordSignal",
        world.coordinator,
        childId=fam.child_id,
        kind="CRISIS_AT_HOME",
        description="x",
        category="BARNEVERN",
    )
    assert codes(refused) == [("NOT_ALLOWED", "category")]
    await give_consent(api, world.parent, fam.child_id, fam.nav.id, ("WELFARE",))
    child = await read_child(api, fam.child_id, fam.nav_worker)
    assert {s["id"] for s in child["signals"]} == {own["id"], coordinators["id"]}
