"""The demo's meetings for Emma, read back over the API: one held (minutes frozen, two action
items that became tasks in her plan), one ahead with a hospital guest and an Arabic
interpreter; the guest sees only what the family's consent allows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import select

from backend.core.clock import OSLO
from backend.core.database import utcnow
from backend.demo.seed import seed_demo
from backend.identity.models import Person
from backend.meeting.demo import GUEST, HOSPITAL
from tests.conftest import Api, wipe

MEETING = """id title status startsAt endsAt startsAtLocal place placeLabel interpreterLanguage
  childName viewerIsGuest guestAccessUntil organizerName
  agenda { id title proposedByName }
  invitations { personName organisation role guest answer withdrawn }
  minutes { state currentVersion versions { number closedByName general
    items { agendaItemId title discussion decisions } confirmations { personName confirmed } } }
  actionItems { title kind dueOn ownerName taskId status agendaItemId }
  guestPlan { kind title category }"""
MEETINGS = f"""query($child: ID!, $past: Boolean!) {{
  childMeetings(childId: $child, past: $past) {{ edges {{ node {{ {MEETING} }} }} }} }}"""
CHILDREN = """query { myChildren(first: 20, role: COORDINATOR) { edges { node { id givenName
  plan { tasks { id title } needs { category } goals { id } measures { category } } } } } }"""
ONE = f"query($id: ID!) {{ meeting(id: $id) {{ {MEETING} }} }}"
MINE = f"query {{ myMeetings {{ edges {{ node {{ {MEETING} }} }} }} }}"
CHILD = "query($id: ID!) { child(id: $id) { id } }"


async def person(api: Api, name: str) -> Person:
    async with api.aut.db.reading() as session:
        return (await session.exec(select(Person).where(Person.name == name))).one()


async def emma(api: Api, kari: Person) -> dict[str, Any]:
    data = await api.gql(CHILDREN, as_=kari)
    (found,) = [e["node"] for e in data["myChildren"]["edges"] if e["node"]["givenName"] == "Emma"]
    return dict(found)


async def meetings(api: Api, as_: Any, child_id: str, *, past: bool) -> list[dict[str, Any]]:
    data = await api.gql(MEETINGS, {"child": child_id, "past": past}, as_=as_)
    return [e["node"] for e in data["childMeetings"]["edges"]]


async def test_emmas_meetings_in_the_demo(api: Api) -> None:
    await wipe(api.aut.db)
    assert await seed_demo(api.aut.db, api.aut.settings)
    kari = await person(api, "Kari Nordmann")
    child = await emma(api, kari)
    now = utcnow()

    # The meeting held: in the past, minutes frozen as version 1, two tasks in the plan.
    (held,) = await meetings(api, kari, child["id"], past=True)
    assert held["status"] == "HELD"
    starts = dt.datetime.fromisoformat(held["startsAt"])
    assert now - dt.timedelta(days=20) < starts < now - dt.timedelta(days=7)
    assert 8 <= starts.astimezone(OSLO).hour <= 16
    assert held["interpreterLanguage"] == "ar"
    minutes = held["minutes"]
    assert (minutes["state"], minutes["currentVersion"]) == ("CLOSED", 1)
    (version,) = minutes["versions"]
    assert version["closedByName"] == "Kari Nordmann"
    assert "tolk" in version["general"]
    texts = {i["title"]: i for i in version["items"]}
    assert len(texts) == 3
    assert all(i["discussion"] for i in texts.values())
    assert texts["Anfallsplan på skolen og i avlastningen"]["decisions"].startswith("HABU")
    assert {c["personName"]: c["confirmed"] for c in version["confirmations"]} == {
        "Sara Johansen": True,
        "Ahmed Haddad": False,
    }
    proposers = {a["proposedByName"] for a in held["agenda"]}
    assert proposers == {"Kari Nordmann", "Ahmed Haddad"}
    items = held["actionItems"]
    assert len(items) == 2
    assert all(i["kind"] == "TASK" and i["taskId"] and i["status"] == "OPEN" for i in items)
    assert {i["ownerName"] for i in items} == {"Dr. Mette Holm", "Ingrid Solberg"}
    assert {i["agendaItemId"] for i in items} <= {a["id"] for a in held["agenda"]}
    task_ids = {t["id"] for t in child["plan"]["tasks"]}
    assert {i["taskId"] for i in items} <= task_ids

    # The meeting ahead: in about two weeks, Oslo daytime, an interpreter, a hospital guest,
    # agenda items from the coordinator and from Emma's mother.
    (ahead,) = await meetings(api, kari, child["id"], past=False)
    assert ahead["status"] == "SCHEDULED"
    starts = dt.datetime.fromisoformat(ahead["startsAt"])
    assert now + dt.timedelta(days=12) < starts < now + dt.timedelta(days=18)
    assert starts.astimezone(OSLO).weekday() < 5
    assert 8 <= starts.astimezone(OSLO).hour <= 16
    assert ahead["interpreterLanguage"] == "ar"
    assert {a["proposedByName"] for a in ahead["agenda"]} == {"Kari Nordmann", "Sara Johansen"}
    (guest,) = [i for i in ahead["invitations"] if i["guest"]]
    assert (guest["personName"], guest["organisation"], guest["role"]) == (
        GUEST,
        HOSPITAL,
        "guest",
    )
    assert guest["withdrawn"] is False
    invited = {i["personName"] for i in ahead["invitations"]}
    assert {"Sara Johansen", "Ahmed Haddad", "Ingrid Solberg", "Dr. Mette Holm"} <= invited
    # The guardians see who the guest is, before the meeting, so they can object.
    sara = await person(api, "Sara Johansen")
    (theirs,) = await meetings(api, sara, child["id"], past=False)
    assert GUEST in {i["personName"] for i in theirs["invitations"] if i["guest"]}

    # The guest: this meeting only, the given name only, the plan's general and health parts
    # (the family consented to health for the hospital), nothing else; no child workspace.
    doctor = await person(api, GUEST)
    (mine,) = [e["node"] for e in (await api.gql(MINE, as_=doctor))["myMeetings"]["edges"]]
    assert mine["id"] == ahead["id"]
    seen = (await api.gql(ONE, {"id": ahead["id"]}, as_=doctor))["meeting"]
    assert seen["viewerIsGuest"] is True
    assert seen["childName"] == "Emma"
    assert seen["guestAccessUntil"] is not None
    categories = {p["category"] for p in seen["guestPlan"]}
    assert "HEALTH" in categories
    assert categories <= {"GENERAL", "HEALTH"}
    plan_categories = {n["category"] for n in child["plan"]["needs"]} | {
        m["category"] for m in child["plan"]["measures"]
    }
    # What the guest does not see is in the plan: consent, not an empty plan, hides it.
    assert plan_categories - {"GENERAL", "HEALTH"}
    health_needs = [n for n in child["plan"]["needs"] if n["category"] == "HEALTH"]
    guest_needs = [p for p in seen["guestPlan"] if p["kind"].lower() == "need"]
    assert len(guest_needs) == len(health_needs) + sum(
        1 for n in child["plan"]["needs"] if n["category"] == "GENERAL"
    )
    titles = {p["title"] for p in seen["guestPlan"]}
    assert "Oppdatere anfallsplanen og lære opp avlastningen" in titles  # HABU's: health
    assert "Planlegge fjellturen sammen med foreldrene" not in titles  # the school's
    assert not any("Avlastning hos privat" in t for t in titles)  # NAV and avlastning
    assert (await api.gql(CHILD, {"id": child["id"]}, as_=doctor))["child"] is None
    assert (await api.gql(ONE, {"id": held["id"]}, as_=doctor))["meeting"] is None
    # The guest's organisation sees none of the meeting held before (not invited to it).
    assert await meetings(api, doctor, child["id"], past=True) == []
