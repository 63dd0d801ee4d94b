"""Closing the minutes freezes a version and records that the meeting was held (the
pathway's first network meeting is met); the guardians confirm or comment; an action item
becomes a plan task (or measure) at once, visible in the plan."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from backend.core.clock import today
from backend.events.models import Event
from backend.identity.actor import Actor
from backend.meeting import crdt
from tests.conftest import Api, World
from tests.meeting.support import call, codes, move, ok, read, rows, schedule
from tests.pathway.support import by_key, grant, read_child
from tests.plan.support import family, read_plan, with_plan
from tests.plan.support import ok as plan_ok


async def _write(api: Api, world: World, meeting_id: str, texts: dict[str, object]) -> None:
    async with api.aut.db.writing() as session:
        actor = Actor.from_person(world.coordinator, auth_method="dev")
        await crdt.append_update(session, actor, uuid.UUID(meeting_id), crdt.seed_update(texts))


async def _events(api: Api, kind: str) -> list[Event]:
    async with api.aut.db.reading() as session:
        found = await session.exec(select(Event).where(Event.kind == kind))
        return list(found.all())


async def test_close_freezes_a_version_held_once_and_the_pathway_listens(
    api: Api, world: World
) -> None:
    fam = await family(api, world)
    decided = today() - dt.timedelta(days=3)
    await grant(
        api,
        fam.child_id,
        submitted_on=decided - dt.timedelta(days=10),
        decided_on=decided,
        municipality_id=world.municipality.id,
    )
    milestones = by_key((await read_child(api, fam.child_id, world.coordinator))["pathway"])
    assert milestones["first_network_meeting"]["status"] in ("DUE", "SOON_DUE")
    meeting = await schedule(
        api,
        world,
        fam.child_id,
        agenda=[{"title": "Skolestart"}, {"title": "Fritid"}],
        inviteMemberIds=[fam.members["teacher"]],
    )
    item_ids = [a["id"] for a in meeting["agenda"]]
    # Held two days ago; its minutes are closed today.
    await move(api, meeting["id"], hours=-49)
    held_on = (
        dt.datetime.fromisoformat((await read(api, meeting["id"], world.coordinator))["startsAt"])
        .astimezone(ZoneInfo("Europe/Oslo"))
        .date()
    )
    await _write(
        api,
        world,
        meeting["id"],
        {
            "general": "Alle var til stede.",
            "items": {
                item_ids[0]: {"discussion": "Emma gleder seg.", "decisions": "Skolen tilpasser."}
            },
        },
    )
    closed = await ok(api, "closeMinutes", world.coordinator, meetingId=meeting["id"])
    assert closed["status"] == "HELD"
    assert closed["minutes"]["state"] == "CLOSED" and closed["minutes"]["currentVersion"] == 1
    (version,) = closed["minutes"]["versions"]
    assert version["general"] == "Alle var til stede."
    assert version["closedByName"] == world.coordinator.name
    texts = {i["agendaItemId"]: i for i in version["items"]}
    assert texts[item_ids[0]]["title"] == "Skolestart"
    assert texts[item_ids[0]]["decisions"] == "Skolen tilpasser."
    assert closed["canWriteMinutes"] is False
    # Closed minutes take no more writing (the live channel refuses too).
    again = await call(api, "closeMinutes", world.coordinator, meetingId=meeting["id"])
    assert codes(again) == [("MINUTES_CLOSED", "meetingId")]
    with_refusal = False
    try:
        await _write(api, world, meeting["id"], {"general": "Etterpå."})
    except crdt.Refused:
        with_refusal = True
    assert with_refusal
    assert len(await _events(api, "meeting.held")) == 1
    milestones = by_key((await read_child(api, fam.child_id, world.coordinator))["pathway"])
    assert milestones["first_network_meeting"]["status"] == "MET"
    # Met on the meeting's day, not on the day its minutes were closed.
    assert milestones["first_network_meeting"]["metOn"] == held_on.isoformat()

    # The parent confirms with a comment; the other parent may not.
    parent_view = await read(api, meeting["id"], world.parent)
    assert parent_view["canConfirmMinutes"] is True
    before = await rows(api)
    refused = await call(
        api,
        "confirmMinutes",
        world.parent,
        meetingId=meeting["id"],
        versionNumber=1,
        confirmed=False,
    )
    assert codes(refused) == [("REQUIRED", "comment")]
    missing = await call(
        api,
        "confirmMinutes",
        world.parent,
        meetingId=meeting["id"],
        versionNumber=2,
        confirmed=True,
    )
    assert codes(missing) == [("NOT_FOUND", "versionNumber")]
    assert await rows(api) == before
    commented = await ok(
        api,
        "confirmMinutes",
        world.parent,
        meetingId=meeting["id"],
        versionNumber=1,
        confirmed=False,
        comment="Fritid ble ikke nevnt.",
    )
    (confirmation,) = commented["minutes"]["versions"][0]["confirmations"]
    assert confirmation["personName"] == world.parent.name and not confirmation["confirmed"]
    # Corrected after the comment: the next close freezes version 2; held is not recorded again.
    await ok(api, "reopenMinutes", world.coordinator, meetingId=meeting["id"])
    await _write(api, world, meeting["id"], {"items": {item_ids[1]: {"discussion": "Fotball."}}})
    closed = await ok(api, "closeMinutes", world.coordinator, meetingId=meeting["id"])
    assert [v["number"] for v in closed["minutes"]["versions"]] == [2, 1]
    assert len(await _events(api, "meeting.held")) == 1
    confirmed = await ok(
        api,
        "confirmMinutes",
        world.parent,
        meetingId=meeting["id"],
        versionNumber=2,
        confirmed=True,
    )
    assert confirmed["minutes"]["versions"][0]["confirmations"][0]["confirmed"] is True
    other = await call(
        api,
        "confirmMinutes",
        world.other_parent,
        meetingId=meeting["id"],
        versionNumber=2,
        confirmed=True,
    )
    assert codes(other) == [("NOT_FOUND", "meetingId")]


async def test_an_action_item_becomes_a_plan_task_visible_in_the_plan(
    api: Api, world: World
) -> None:
    fam = await family(api, world)
    meeting = await schedule(
        api,
        world,
        fam.child_id,
        agenda=[{"title": "Skolestart"}],
        inviteMemberIds=[fam.members["teacher"]],
    )
    due = (today() + dt.timedelta(days=14)).isoformat()
    # No plan yet: a clear error, nothing written.
    before = await rows(api)

    async def agree(**changes: Any) -> dict[str, Any]:
        fields = {
            "meetingId": meeting["id"],
            "kind": "TASK",
            "title": "Søke om assistent",
            "ownerMemberId": fam.members["teacher"],
            "dueOn": due,
            **changes,
        }
        return await call(api, "agreeActionItem", world.coordinator, **fields)

    no_plan = await agree()
    assert codes(no_plan) == [("PLAN_REQUIRED", "meetingId")]
    past = await agree(dueOn=(today() - dt.timedelta(days=1)).isoformat())
    assert codes(past) == [("INVALID_DATE", "dueOn")]
    hidden = await agree(ownerMemberId=fam.members["barnevern"])
    assert codes(hidden) == [("NOT_FOUND", "ownerMemberId")]
    assert await rows(api) == before
    await with_plan(api, world, fam)
    item = await ok(
        api,
        "agreeActionItem",
        world.coordinator,
        meetingId=meeting["id"],
        kind="TASK",
        title="Søke om assistent",
        ownerMemberId=fam.members["teacher"],
        dueOn=due,
        agendaItemId=meeting["agenda"][0]["id"],
    )
    assert item["taskId"] and item["status"] == "OPEN" and item["ownerName"] == world.teacher.name
    assert item["agendaItemId"] == meeting["agenda"][0]["id"]
    plan = await read_plan(api, fam.child_id, world.teacher)
    assert plan is not None
    task = next(t for t in plan["tasks"] if t["id"] == item["taskId"])
    assert task["title"] == "Søke om assistent" and task["dueOn"] == due
    assert task["assignee"]["id"] == fam.members["teacher"]
    # The plan's own event and notification rules ran.
    assert len(await _events(api, "plan.task_added")) == 1
    assert len(await _events(api, "meeting.action_item_agreed")) == 1
    # Done in the plan: the meeting shows it.
    await plan_ok(
        api, "updateTask", world.teacher, id=task["id"], version=task["version"], status="DONE"
    )
    seen = await read(api, meeting["id"], world.teacher)
    assert seen["actionItems"][0]["status"] == "DONE"

    # A measure names the need it serves, as every measure does.
    before = await rows(api)
    reasonless = await call(
        api,
        "agreeActionItem",
        world.coordinator,
        meetingId=meeting["id"],
        kind="MEASURE",
        title="Tilrettelagt skolevei",
        ownerMemberId=fam.members["teacher"],
        dueOn=due,
    )
    assert codes(reasonless) == [("REASON_REQUIRED", "needIds")]
    assert await rows(api) == before
    need = await plan_ok(
        api,
        "addNeed",
        world.coordinator,
        planId=fam.plan_id,
        lifeArea="SCHOOL",
        description="Trygg skolevei.",
    )
    measure = await ok(
        api,
        "agreeActionItem",
        world.coordinator,
        meetingId=meeting["id"],
        kind="MEASURE",
        title="Tilrettelagt skolevei",
        ownerMemberId=fam.members["teacher"],
        dueOn=due,
        needIds=[need["id"]],
    )
    assert measure["measureId"] and measure["status"] == "PLANNED"
    plan = await read_plan(api, fam.child_id, world.coordinator)
    assert plan is not None
    assert any(m["id"] == measure["measureId"] for m in plan["measures"])
    async with api.aut.db.reading() as session:
        kinds = (
            await session.exec(select(Event.kind).where(col(Event.kind).like("plan.measure_added")))
        ).all()
    assert len(kinds) == 1
