"""Consents and the access log show no category the reader may not read: not in the
consent list, not in what the log says was read, not in who the log says looked."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text

from backend.api.operations import document
from tests.conftest import Api, World
from tests.consent.test_consent_and_field_rules import school_network, view
from tests.helpers import add_member, birth, fnr, give_consent

BARNEVERN_WORDS = ("Berit Barnevern", "Barnevernet Testvik", "barnevernsopplysninger")
HEALTH_WORDS = ("Dag Doktor", "Testvik sykehus", "helseopplysninger")


async def consents(api: Api, as_: Any, child_id: str) -> list[dict[str, Any]]:
    data = await api.gql(document("ChildConsents"), {"id": child_id}, as_=as_)
    return list(data["child"]["consents"])


async def access_log(
    api: Api, as_: Any, child_id: str, language: str | None = None
) -> list[dict[str, Any]]:
    data = await api.gql(
        document("AccessLog"), {"id": child_id, "first": 100}, as_=as_, language=language
    )
    return [e["node"] for e in data["child"]["accessLog"]["edges"]]


def mentions(data: Any, words: tuple[str, ...]) -> set[str]:
    shown = json.dumps(data, ensure_ascii=False)
    return {w for w in words if w in shown}


def consent_states(found: list[dict[str, Any]]) -> set[tuple[str, str | None]]:
    return {(c["category"], c["service"]["name"] if c["service"] else None) for c in found}


async def test_coordinator_sees_barnevern_only_with_a_consent_that_names_it(
    api: Api, world: World
) -> None:
    child = await school_network(api, world)
    await give_consent(api, world.parent, child["id"], world.barnevern.id, ("BARNEVERN",))
    # A category the coordinator may read, given to a service that reveals one they may not.
    await give_consent(api, world.parent, child["id"], world.barnevern.id, ("SCHOOL",))
    for reader in (world.caseworker, world.teacher):
        assert await view(api, reader, child["id"]) is not None

    hidden = await consents(api, world.coordinator, child["id"])
    assert ("HEALTH", "Koordinerende enhet") in consent_states(hidden)
    assert ("SCHOOL", None) in consent_states(hidden)
    assert "BARNEVERN" not in {c["category"] for c in hidden}
    assert mentions(hidden, BARNEVERN_WORDS) == set()

    log = await access_log(api, world.coordinator, child["id"])
    assert mentions(log, BARNEVERN_WORDS) == set()
    withheld = [e for e in log if e["who"] == "en tjeneste"]
    assert withheld, "the caseworker's look stays listed"
    assert all(e["organisation"] is None and e["roles"] == [] for e in withheld)
    assert any("grunnopplysninger og nettverket" in e["what"] for e in withheld)
    assert any(e["who"] == "Tina Lærer" for e in log)  # other readers stay named
    english = await access_log(api, world.coordinator, child["id"], language="en")
    assert any(e["who"] == "a service" for e in english)
    assert "child welfare information" not in json.dumps(english)

    # The refused look at the barnevern consent is in the coordinator's own log row.
    async with api.aut.db.reading() as session:
        rows = (
            await session.execute(
                text("SELECT refused FROM access_log WHERE purpose = 'CHILD_WORKSPACE'")
            )
        ).all()
    assert any("barnevern" in refused for (refused,) in rows)

    await give_consent(api, world.parent, child["id"], world.unit.id, ("BARNEVERN",))
    opened = await consents(api, world.coordinator, child["id"])
    assert ("BARNEVERN", "Barnevernet Testvik") in consent_states(opened)
    assert ("BARNEVERN", "Koordinerende enhet") in consent_states(opened)
    assert ("SCHOOL", "Barnevernet Testvik") in consent_states(opened)
    log = await access_log(api, world.coordinator, child["id"])
    caseworker = next(e for e in log if e["who"] == "Berit Barnevern")
    assert caseworker["organisation"] == "Barnevernet Testvik"
    assert caseworker["roles"] == ["member"]
    assert "barnevernsopplysninger" in caseworker["what"]
    assert not any(e["who"] == "en tjeneste" for e in log)


async def test_an_ended_membership_still_withholds_who_looked(api: Api, world: World) -> None:
    child = await school_network(api, world)
    assert await view(api, world.caseworker, child["id"]) is not None
    parent_view = await view(api, world.parent, child["id"])
    assert parent_view is not None
    member = next(m for m in parent_view["network"] if m["person"]["name"] == "Berit Barnevern")
    ended = await api.gql(
        document("EndNetworkMembership"),
        {"input": {"id": member["id"], "version": member["version"]}},
        as_=world.caseworker,  # barnevern ends its own membership; the coordinator cannot see it
    )
    assert ended["endNetworkMembership"]["errors"] == []
    after = await view(api, world.parent, child["id"])
    assert after is not None
    assert "Berit Barnevern" not in {m["person"]["name"] for m in after["network"]}

    log = await access_log(api, world.coordinator, child["id"])
    assert mentions(log, BARNEVERN_WORDS) == set()
    assert any(e["who"] == "en tjeneste" for e in log)


async def test_guardians_of_a_sixteen_year_old_do_not_see_their_health(
    api: Api, world: World
) -> None:
    child = await school_network(
        api,
        world,
        consent=("SCHOOL", "WELFARE", "FAMILY"),
        nationalId=fnr(16, 4),
        birthDate=birth(16).isoformat(),
    )
    young = await add_member(
        api,
        world.coordinator,
        child["id"],
        role="CHILD",
        newPerson={"name": "Ungdom Forelder", "nationalId": fnr(16, 4)},
    )
    young_id = young["person"]["id"]
    given = await api.gql(
        document("RecordConsent"),
        {
            "input": {
                "childId": child["id"],
                "serviceId": str(world.hospital.id),
                "category": "HEALTH",
            }
        },
        as_=young_id,
    )
    assert given["recordConsent"]["errors"] == []
    assert given["recordConsent"]["consent"]["service"]["name"] == "Testvik sykehus"
    assert await view(api, world.doctor, child["id"]) is not None
    assert await view(api, young_id, child["id"]) is not None

    seen = await consents(api, world.parent, child["id"])
    assert "HEALTH" not in {c["category"] for c in seen}
    assert ("SCHOOL", "Koordinerende enhet") in consent_states(seen)
    log = await access_log(api, world.parent, child["id"])
    assert mentions(log, HEALTH_WORDS) == set()
    assert any(e["who"] == "en tjeneste" for e in log)
    assert any(e["who"] == "Ungdom Forelder" for e in log)

    # The young person sees their own consent and who looked.
    own = await consents(api, young_id, child["id"])
    assert ("HEALTH", "Testvik sykehus") in consent_states(own)
    assert mentions(await access_log(api, young_id, child["id"]), HEALTH_WORDS) == set(HEALTH_WORDS)

    # Once the young person shares health information with the guardians, they see it.
    shared = await api.gql(
        document("RecordConsent"),
        {"input": {"childId": child["id"], "toGuardians": True, "category": "HEALTH"}},
        as_=young_id,
    )
    assert shared["recordConsent"]["errors"] == []
    opened = await consents(api, world.parent, child["id"])
    assert ("HEALTH", "Testvik sykehus") in consent_states(opened)
    log = await access_log(api, world.parent, child["id"])
    doctor = next(e for e in log if e["who"] == "Dag Doktor")
    assert doctor["organisation"] == "Testvik sykehus"


async def test_guardians_of_a_nine_year_old_see_everything(api: Api, world: World) -> None:
    child = await school_network(api, world)
    await give_consent(api, world.parent, child["id"], world.barnevern.id, ("BARNEVERN",))
    await give_consent(api, world.parent, child["id"], world.hospital.id, ("HEALTH",))
    for reader in (world.caseworker, world.doctor):
        assert await view(api, reader, child["id"]) is not None

    seen = await consents(api, world.parent, child["id"])
    states = consent_states(seen)
    assert ("BARNEVERN", "Barnevernet Testvik") in states
    assert ("HEALTH", "Testvik sykehus") in states
    assert ("HEALTH", "Koordinerende enhet") in states

    log = await access_log(api, world.parent, child["id"])
    assert not any(e["who"] == "en tjeneste" for e in log)
    caseworker = next(e for e in log if e["who"] == "Berit Barnevern")
    assert caseworker["organisation"] == "Barnevernet Testvik"
    assert "barnevernsopplysninger" in caseworker["what"]
    doctor = next(e for e in log if e["who"] == "Dag Doktor")
    assert doctor["organisation"] == "Testvik sykehus"
    assert doctor["roles"] == ["specialist"]
    assert "helseopplysninger" in doctor["what"]
