"""The demo's requests: the Berg family's appeal reversed by the Statsforvalteren, and Emma's
granted request, read back over the API."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from backend.core.clock import today
from backend.demo.seed import seed_demo
from backend.events.models import Event
from backend.identity.models import Person
from tests.conftest import Api, wipe
from tests.right.support import INBOX, MINE


async def _person(api: Api, name: str) -> Person:
    async with api.aut.db.reading() as session:
        return (await session.exec(select(Person).where(Person.name == name))).one()


async def test_the_demo_requests(api: Api) -> None:
    await wipe(api.aut.db)
    assert await seed_demo(api.aut.db, api.aut.settings)
    nora = await _person(api, "Nora Berg")
    (ole,) = (await api.gql(MINE, as_=nora))["myCoordinatorRequests"]
    assert ole["childName"] == "Ole Berg" and ole["child"] is None
    assert ole["status"] == "AWAITING_DECISION"
    (refusal,) = ole["decisions"]
    assert refusal["outcome"] == "REFUSED" and "7-2 a" in refusal["legalBasis"]
    (appeal,) = ole["appeals"]
    assert (appeal["reassessment"], appeal["statsforvalterOutcome"]) == ("UPHELD", "REVERSED")
    assert appeal["late"] is False
    assert dt.date.fromisoformat(ole["submittedAt"][:10]) < today() - dt.timedelta(days=100)

    sara = await _person(api, "Sara Johansen")
    (emma,) = (await api.gql(MINE, as_=sara))["myCoordinatorRequests"]
    assert emma["status"] == "GRANTED" and emma["child"] is not None
    assert emma["decisions"][0]["coordinatorName"] == "Kari Nordmann"
    decided = dt.date.fromisoformat(emma["decisions"][0]["decidedAt"][:10])
    assert today() - dt.timedelta(days=52) <= decided <= today() - dt.timedelta(days=46)
    async with api.aut.db.reading() as session:
        (event,) = (
            await session.exec(
                select(Event).where(Event.kind == "right.decided", Event.child_id.is_not(None))  # type: ignore[union-attr]
            )
        ).all()
    assert event.payload["outcome"] == "GRANTED"
    assert event.payload["decided_on"] == decided.isoformat()

    # The coordinating unit sees both in its inbox.
    ola = await _person(api, "Ola Haugen")
    inbox = await api.gql(INBOX, {"first": 10}, as_=ola)
    assert {e["node"]["childName"] for e in inbox["coordinatorRequests"]["edges"]} == {
        "Ole Berg",
        "Emma Johansen",
    }
