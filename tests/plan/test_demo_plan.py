"""The demo's Emma: 7, cerebral palsy and epilepsy, her parents Sara and Ahmed (Arabic, an
interpreter), and a plan the way the issue describes it, read back over the API."""

from __future__ import annotations

from sqlmodel import select

from backend.demo.seed import seed_demo
from backend.identity.models import Person
from tests.conftest import Api, wipe
from tests.plan.support import PLAN

EMMA = f"""query {{ myChildren(first: 20, role: COORDINATOR) {{ edges {{ node {{
  id givenName familyName birthDate interpreterLanguage needsInterpreter
  guardians {{ person {{ name preferredLanguage }} }}
  network {{ service {{ type }} }}
  plan {{ {PLAN} }} }} }} }} }}"""


async def _person(api: Api, name: str) -> Person:
    async with api.aut.db.reading() as session:
        return (await session.exec(select(Person).where(Person.name == name))).one()


async def test_emmas_plan_in_the_demo(api: Api) -> None:
    await wipe(api.aut.db)
    assert await seed_demo(api.aut.db, api.aut.settings)
    kari = await _person(api, "Kari Nordmann")
    data = await api.gql(EMMA, as_=kari)
    (emma,) = [e["node"] for e in data["myChildren"]["edges"] if e["node"]["givenName"] == "Emma"]
    assert emma["familyName"] == "Johansen"
    assert (emma["interpreterLanguage"], emma["needsInterpreter"]) == ("ar", True)
    assert {g["person"]["name"]: g["person"]["preferredLanguage"] for g in emma["guardians"]} == {
        "Sara Johansen": "nb",
        "Ahmed Haddad": "ar",
    }
    services = {m["service"]["type"] for m in emma["network"] if m["service"]}
    assert {"SKOLE", "PPT", "FASTLEGE", "HABILITERING", "AVLASTNING"} <= services

    plan = emma["plan"]
    assert len(plan["needs"]) == 3
    assert len(plan["goals"]) == 2
    assert all(g["inWhoseWords"] == "FAMILY" for g in plan["goals"])
    assert len(plan["measures"]) == 4
    bought = [m for m in plan["measures"] if m["provision"] == "PRIVATE_PROVIDER"]
    assert len(bought) == 1 and bought[0]["monthlyCost"] > 0
    assert all(m["evaluationEveryWeeks"] == 13 for m in plan["measures"] + plan["goals"])
    assert plan["overdueEvaluationCount"] == 1
    (overdue,) = [m for m in plan["measures"] if m["evaluationOverdue"]]
    assert overdue["title"] == "Fysioterapi for barn og unge"
    assert all(m["needs"] or m["goals"] for m in plan["measures"])
    assert len(plan["tasks"]) >= 2 and plan["overdueTaskCount"] >= 1
    assert plan["voices"] and plan["voices"][0]["childAgeYears"] == 7
    assert plan["openDisagreementCount"] == 1
    assert plan["confirmedRevision"] is not None and plan["needsConfirmation"] is True

    # Sara reads it too, and what she confirmed stays readable.
    sara = await _person(api, "Sara Johansen")
    hers = await api.gql(
        f"query($id: ID!, $r: Int!) {{ child(id: $id) {{ planAt(revision: $r) {{ {PLAN} }} }} }}",
        {"id": emma["id"], "r": plan["confirmedRevision"]},
        as_=sara,
    )
    then = hers["child"]["planAt"]
    assert then["isHistorical"] is True and then["needsConfirmation"] is False
    assert len(then["measures"]) == 4 and then["disagreements"] == []
