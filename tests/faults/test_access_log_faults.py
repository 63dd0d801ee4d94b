"""A read the access log cannot record is not answered; a write's outcome is told as committed.

The log is broken for real: INSERT revoked from the app's PostgreSQL role, or the SQLite
database locked by another connection.
"""

from __future__ import annotations

import asyncio

import pytest

from backend.api.operations import document
from tests.conftest import Api, World
from tests.faults.conftest import Faulty, assert_clean
from tests.helpers import register_child


async def test_a_read_that_cannot_be_logged_is_not_answered(
    faulty: Faulty, api: Api, world: World
) -> None:
    child = await register_child(api, world.coordinator)
    logged = await faulty.count("access_log")
    async with faulty.log_refuses_rows():
        response = await faulty.post(document("Child"), {"id": child["id"]}, language="nn")
    assert response.status_code == 200
    assert_clean(response)
    body = response.json()
    assert body["data"] is None
    assert "Emma" not in response.text and "Testesen" not in response.text
    assert body["errors"] == [
        {
            "message": "Koordinat er ikkje tilgjengeleg akkurat no, og ingenting vart endra. "
            "Prøv igjen om litt.",
            "extensions": {"code": "UNAVAILABLE", "retryable": True, "committed": False},
        }
    ]
    assert await faulty.count("access_log") == logged
    # With the log writable again, the same read is answered and logged.
    again = await faulty.post(document("Child"), {"id": child["id"]})
    assert again.json()["data"]["child"]["id"] == child["id"]
    assert await faulty.count("access_log") == logged + 1


async def test_a_write_is_reported_as_what_was_committed(
    faulty: Faulty, api: Api, world: World
) -> None:
    child = await register_child(api, world.coordinator)
    members = await faulty.count("network_member")
    variables = {
        "input": {"childId": child["id"], "role": "MEMBER", "personId": str(world.teacher.id)}
    }
    async with faulty.log_refuses_rows():
        response = await faulty.post(document("AddNetworkMember"), variables, language="en")
    assert_clean(response)
    body = response.json()
    assert body["data"] is None and len(body["errors"]) == 1
    error = body["errors"][0]
    if faulty.backend == "sqlite":
        # The lock stops the write itself: nothing was changed, and the client may retry.
        assert error["extensions"] == {"code": "UNAVAILABLE", "retryable": True}
        assert await faulty.count("network_member") == members
    else:
        # Only the log refuses: the member was added; the client is told so (not "failed"),
        # and gets no data that the log could not record.
        assert error["extensions"] == {
            "code": "SAVED_RESULT_UNAVAILABLE",
            "retryable": False,
            "committed": True,
        }
        assert error["message"].startswith("The change was saved")
        assert await faulty.count("network_member") == members + 1


@pytest.mark.postgres
async def test_a_write_carries_the_operations_log_rows_in_its_transaction(
    faulty: Faulty, api: Api, world: World
) -> None:
    """Rows noted before the write (the first field's answer) commit with the second write, or
    the second write is not made."""
    # A locked SQLite refuses every write; the revoked log is PostgreSQL's case.
    assert faulty.backend == "postgresql"
    child = await register_child(api, world.coordinator)
    members = await faulty.count("network_member")
    two = """
      mutation Two($a: AddNetworkMemberInput!, $b: AddNetworkMemberInput!) {
        a: addNetworkMember(input: $a) { member { id } errors { code } }
        b: addNetworkMember(input: $b) { member { id } errors { code } }
      }"""
    variables = {
        key: {"childId": child["id"], "role": "MEMBER", "personId": str(person.id)}
        for key, person in (("a", world.teacher), ("b", world.psychologist))
    }
    async with faulty.log_refuses_rows():
        response = await faulty.post(two, variables)
    assert_clean(response)
    assert response.json()["errors"][0]["extensions"]["code"] == "SAVED_RESULT_UNAVAILABLE"
    # `a` committed (its answer was read after its commit); `b` carried a's read rows and
    # rolled back with them.
    assert await faulty.count("network_member") == members + 1


@pytest.mark.postgres
async def test_a_read_whose_backend_is_terminated_mid_request(
    faulty: Faulty, api: Api, world: World
) -> None:
    # It ends PostgreSQL backends (the test is marked PostgreSQL only).
    assert faulty.backend == "postgresql"
    child = await register_child(api, world.coordinator)
    admin, killer = await faulty.admin(), await faulty.admin()
    try:
        async with admin.transaction():
            await admin.execute("LOCK TABLE access_log IN ACCESS EXCLUSIVE MODE")
            request = asyncio.create_task(faulty.post(document("Child"), {"id": child["id"]}))
            pid = await faulty.blocked_backend(killer)
            await killer.execute("SELECT pg_terminate_backend($1)", pid)
            response = await asyncio.wait_for(request, 30)
    finally:
        await admin.close()
        await killer.close()
    assert_clean(response)
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
    assert body["errors"][0]["message"].startswith("Koordinat er ikke tilgjengelig")
