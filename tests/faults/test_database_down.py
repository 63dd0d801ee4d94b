"""A database that is restarting, refusing connections or locked: every route answers JSON,
`UNAVAILABLE` (retryable, in the caller's language), no internal text, nothing half-written."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from backend.api.operations import document
from backend.core.database import utcnow
from backend.identity.login_models import UserSession
from backend.identity.sessions import SESSION_COOKIE, start_session
from tests.conftest import Api, World
from tests.faults.conftest import Faulty, assert_clean
from tests.helpers import register_child

ORIGIN = "https://koordinat.test"
UNAVAILABLE_EN = "Koordinat is not available right now, and nothing was changed. Try again shortly."


def assert_unavailable(response, language_text: str = UNAVAILABLE_EN) -> None:  # type: ignore[no-untyped-def]
    assert_clean(response)
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"]
    assert response.json() == {
        "data": None,
        "errors": [
            {"message": language_text, "extensions": {"code": "UNAVAILABLE", "retryable": True}}
        ],
    }


async def test_session_lookup_logout_and_graphql_answer_json(faulty: Faulty, world: World) -> None:
    # A session last seen an hour ago: looking it up refreshes it (a write).
    row, secret = await start_session(
        faulty.aut.db,
        world.coordinator,
        provider="idporten",
        subject="faults",
        acr=None,
        settings=faulty.aut.settings,
        now=utcnow() - dt.timedelta(hours=1),
    )
    cookie = {"cookie": f"{SESSION_COOKIE}={secret}", "origin": ORIGIN}
    me = {"query": document("Me")}
    async with faulty.database_down():
        response = await faulty.client.post(
            "/graphql", json=me, headers={**cookie, "accept-language": "en"}
        )
        assert_unavailable(response)
        response = await faulty.client.post(
            "/auth/logout", headers={**cookie, "accept-language": "en"}
        )
        assert_unavailable(response)
        if faulty.backend == "postgresql":
            # The API token lookup and the health check need the database too.
            assert_unavailable(await faulty.post(document("Me"), language="en"))
            response = await faulty.client.get("/healthz", headers={"accept-language": "nn"})
            assert_unavailable(
                response,
                "Koordinat er ikkje tilgjengeleg akkurat no, og ingenting vart endra. "
                "Prøv igjen om litt.",
            )
    # Nothing was half-written: the session is still live and works again.
    async with faulty.aut.db.reading() as session:
        stored = await session.get(UserSession, row.id)
    assert stored is not None and stored.revoked_at is None
    response = await faulty.client.post("/graphql", json=me, headers=cookie)
    assert response.json()["data"]["me"]["id"] == str(world.coordinator.id)


@pytest.mark.postgres
async def test_a_write_whose_backend_is_terminated_mid_request(
    faulty: Faulty, api: Api, world: World
) -> None:
    # It ends PostgreSQL backends (the test is marked PostgreSQL only).
    assert faulty.backend == "postgresql"
    child = await register_child(api, world.coordinator)
    members, audit = await faulty.count("network_member"), await faulty.count("audit_entry")
    variables = {
        "input": {"childId": child["id"], "role": "MEMBER", "personId": str(world.teacher.id)}
    }
    admin, killer = await faulty.admin(), await faulty.admin()
    try:
        async with admin.transaction():
            await admin.execute("LOCK TABLE network_member IN ACCESS EXCLUSIVE MODE")
            request = asyncio.create_task(
                faulty.post(document("AddNetworkMember"), variables, language="en")
            )
            await killer.execute(
                "SELECT pg_terminate_backend($1)", await faulty.blocked_backend(killer)
            )
            response = await asyncio.wait_for(request, 30)
    finally:
        await admin.close()
        await killer.close()
    assert_clean(response)
    assert response.json() == {
        "data": None,
        "errors": [
            {
                "message": UNAVAILABLE_EN,
                "locations": response.json()["errors"][0]["locations"],
                "path": ["addNetworkMember"],
                "extensions": {"code": "UNAVAILABLE", "retryable": True},
            }
        ],
    }
    assert await faulty.count("network_member") == members
    assert await faulty.count("audit_entry") == audit
    # The next request gets a fresh connection and succeeds.
    again = (await faulty.post(document("AddNetworkMember"), variables)).json()
    assert again["data"]["addNetworkMember"]["errors"] == []
