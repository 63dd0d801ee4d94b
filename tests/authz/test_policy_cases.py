"""The table-driven policy cases beside the policies (policies/cases/*.json), run through Cedar."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cedarpy
import pytest

from backend.authz import cedar

CASES_DIR = Path(__file__).resolve().parents[2] / "policies" / "cases"


def load_cases() -> list[tuple[str, dict[str, Any]]]:
    cases = []
    for path in sorted(CASES_DIR.glob("*.json")):
        table = json.loads(path.read_text())
        defaults = table["defaults"]
        for case in table["cases"]:
            principal = {**defaults["principal"], **case.get("principal", {})}
            context = {**defaults["context"], **case.get("context", {})}
            cases.append((case["name"], {**case, "principal": principal, "context": context}))
    return cases


def test_policies_validate_against_the_schema() -> None:
    engine = cedar.engine()
    result = cedarpy.validate_policies(engine.policy_text, engine.schema_text)
    assert result.validation_passed, result.errors


def test_there_is_a_case_for_every_policy() -> None:
    policy_ids = set(__import__("re").findall(r'@id\("([^"]+)"\)', cedar.engine().policy_text))
    assert len(policy_ids) >= 15
    assert len(load_cases()) >= len(policy_ids)


@pytest.mark.parametrize(("name", "case"), load_cases(), ids=[n for n, _ in load_cases()])
def test_policy_case(name: str, case: dict[str, Any]) -> None:
    resource = case.get("resource", "Child")
    decision = cedar.decide(
        principal_id="p",
        principal_kind=case["principal"]["kind"],
        employed_by_kommune=case["principal"]["employedByKommune"],
        action=case["action"],
        resource_kind=resource,
        resource_id="r",
        # Other resources carry their own facts, if any (a kommune's: `MunicipalityFacts`).
        context=case["context"] if resource == "Child" else case.get("facts"),
        in_coordinating_unit=case["principal"].get("inCoordinatingUnit", False),
        employer_service_type=case["principal"].get("employerServiceType", ""),
    )
    assert decision is case["expect"], name


def test_unknown_action_is_refused() -> None:
    assert (
        cedar.decide(
            principal_id="p",
            principal_kind="staff",
            employed_by_kommune=True,
            action="deleteEverything",
            resource_kind="Application",
            resource_id="r",
        )
        is False
    )
