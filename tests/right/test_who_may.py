"""Who may do what with a request, over HTTP: a role x path matrix, and the deadlines."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from backend.right import logic
from tests.conftest import Api, World
from tests.plan.support import family, young_person
from tests.right.support import ONE, call, codes, ok, other_kommune_unit, refuse

PASSED = {"DUPLICATE", "APPEAL_ALREADY_OPEN", "REQUIRED"}  # refused after the policy said yes
REFUSED = {"NOT_FOUND", "NOT_ALLOWED"}


def outcome(payload: dict[str, Any]) -> bool:
    """Whether the policy let the caller through (success, or refused for a later reason)."""
    found = {code for code, _ in codes(payload)}
    assert found <= PASSED | REFUSED, payload
    return not (found & REFUSED)


@pytest.mark.parametrize("age", [15, 16])
async def test_role_by_path(api: Api, world: World, age: int) -> None:
    fam = await family(api, world, age=age, child_member=True)
    young = await young_person(api, world, fam)
    elsewhere = await other_kommune_unit(api)
    people = {
        "guardian with parental responsibility": world.parent,
        "guardian without": world.other_parent,
        f"young person {age}": young,
        "teacher (school has consent)": world.teacher,
        "coordinating unit of this kommune": world.coordinator2,
        "coordinating unit of another kommune": elsewhere,
        "outsider": world.outsider_staff,
    }
    first = await ok(
        api, "submitCoordinatorRequest", world.parent, childId=fam.child_id, situation="Behov."
    )
    submit, read, decide, appeal = {}, {}, {}, {}
    for who, person in people.items():
        payload = await call(
            api, "submitCoordinatorRequest", person, childId=fam.child_id, situation="Behov."
        )
        submit[who] = outcome(payload)
        data = await api.gql(ONE, {"id": first["id"]}, as_=person)
        read[who] = data["coordinatorRequest"] is not None
        payload = await call(
            api,
            "decideCoordinatorRequest",
            person,
            requestId=first["id"],
            version=first["version"],
            outcome="REFUSED",
        )
        decide[who] = outcome(payload)
    refused = await refuse(api, world, first)
    decision = refused["decisions"][0]["id"]
    for who, person in people.items():
        payload = await call(api, "appealDecision", person, decisionId=decision, grounds="Uenig.")
        appeal[who] = outcome(payload)
    yp = f"young person {age}"
    assert submit == {
        "guardian with parental responsibility": True,
        "guardian without": False,
        yp: True,
        "teacher (school has consent)": True,
        "coordinating unit of this kommune": False,
        "coordinating unit of another kommune": False,
        "outsider": False,
    }
    assert read == {
        "guardian with parental responsibility": True,
        "guardian without": False,
        yp: True,
        "teacher (school has consent)": False,
        "coordinating unit of this kommune": True,
        "coordinating unit of another kommune": False,
        "outsider": False,
    }
    assert decide == {
        "guardian with parental responsibility": False,
        "guardian without": False,
        yp: False,
        "teacher (school has consent)": False,
        "coordinating unit of this kommune": True,
        "coordinating unit of another kommune": False,
        "outsider": False,
    }
    assert appeal == {
        "guardian with parental responsibility": True,
        "guardian without": False,
        yp: True,
        "teacher (school has consent)": False,
        "coordinating unit of this kommune": False,
        "coordinating unit of another kommune": False,
        "outsider": False,
    }


def test_appeal_deadline_ending_in_easter_moves_past_it() -> None:
    # 26 March 2027 is Good Friday; then Saturday, Easter Sunday and Easter Monday.
    told = dt.datetime(2027, 2, 26, 9, 0, tzinfo=dt.UTC)
    assert logic.appeal_deadline(told) == dt.date(2027, 3, 30)


def test_deadline_counts_from_the_oslo_date_across_the_dst_change() -> None:
    # 23:30 UTC on 27 March 2027 is 00:30 on 28 March in Oslo (the night summer time begins).
    told = dt.datetime(2027, 3, 27, 23, 30, tzinfo=dt.UTC)
    # 28 March + 4 weeks = Sunday 25 April: moved to Monday 26 April.
    assert logic.appeal_deadline(told) == dt.date(2027, 4, 26)
    # 28 March + 3 weeks = Sunday 18 April: moved to Monday 19 April.
    assert logic.decision_due_on(told) == dt.date(2027, 4, 19)
    # An hour earlier it is still 27 March in Oslo: + 4 weeks = Saturday 24 April -> 26 April.
    assert logic.appeal_deadline(told - dt.timedelta(hours=1)) == dt.date(2027, 4, 26)
    assert logic.decision_due_on(told - dt.timedelta(hours=1)) == dt.date(2027, 4, 19)


def test_late_is_measured_on_the_oslo_date() -> None:
    deadline = dt.date(2027, 3, 30)
    # 23:30 Oslo time on the deadline day (21:30 UTC, summer time): in time.
    assert not logic.is_late(dt.datetime(2027, 3, 30, 21, 30, tzinfo=dt.UTC), deadline)
    # 00:30 Oslo time the day after (22:30 UTC): late.
    assert logic.is_late(dt.datetime(2027, 3, 30, 22, 30, tzinfo=dt.UTC), deadline)
