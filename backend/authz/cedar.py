"""The Cedar engine: policies and schema from policies/, validated when loaded.

`koordinat.cedar` and `koordinat.cedarschema` hold the foundation's rules; a domain adds its own
`policies/<domain>.cedar` (its rules) and `policies/<domain>.cedarschema` (its declarations,
written as they would stand inside `namespace Koordinat { ... }`: Cedar allows a namespace only
once, so they are spliced into it). Files are read in name order after the foundation's.

Python asks one question per decision (`decide`); callers cache decisions per request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import cedarpy

from backend.core.settings import PROJECT_ROOT

POLICY_DIR = PROJECT_ROOT / "policies"
NAMESPACE = "Koordinat"


class PolicyError(RuntimeError):
    """The policies do not validate against their schema: Koordinat must not start."""


@dataclass(frozen=True)
class Engine:
    policies: Any
    schema: Any
    policy_text: str
    schema_text: str


def _domain_files(suffix: str) -> list[str]:
    return [
        path.read_text()
        for path in sorted(POLICY_DIR.glob(f"*{suffix}"))
        if path.name != f"koordinat{suffix}"
    ]


def _schema_text() -> str:
    base = (POLICY_DIR / "koordinat.cedarschema").read_text().rstrip()
    fragments = _domain_files(".cedarschema")
    if not fragments:
        return base + "\n"
    # The namespace's closing brace is the file's last character.
    if not base.endswith("}"):
        raise PolicyError("koordinat.cedarschema must end with its namespace's closing brace")
    return base[:-1] + "\n".join(fragments) + "\n}\n"


@cache
def engine() -> Engine:
    policy_text = "\n".join(
        [(POLICY_DIR / "koordinat.cedar").read_text(), *_domain_files(".cedar")]
    )
    schema_text = _schema_text()
    result = cedarpy.validate_policies(policy_text, schema_text)
    if not result.validation_passed:
        raise PolicyError("; ".join(str(e) for e in result.errors))
    return Engine(
        policies=cedarpy.PolicySet.from_str(policy_text),
        schema=cedarpy.Schema.from_str(schema_text),
        policy_text=policy_text,
        schema_text=schema_text,
    )


def _uid(kind: str, ident: str) -> dict[str, str]:
    return {"type": f"{NAMESPACE}::{kind}", "id": ident}


def decide(
    *,
    principal_id: str,
    principal_kind: str,
    employed_by_kommune: bool,
    action: str,
    resource_kind: str,
    resource_id: str,
    context: dict[str, Any] | None = None,
    in_coordinating_unit: bool = False,
    employer_service_type: str = "",
) -> bool:
    """One authorization question. Anything Cedar cannot evaluate is a refusal."""
    eng = engine()
    entities = [
        {
            "uid": _uid("Person", principal_id),
            "attrs": {
                "kind": principal_kind,
                "employedByKommune": employed_by_kommune,
                "inCoordinatingUnit": in_coordinating_unit,
                "employerServiceType": employer_service_type,
            },
            "parents": [],
        },
        {"uid": _uid(resource_kind, resource_id), "attrs": {}, "parents": []},
    ]
    request: dict[str, Any] = {
        "principal": f'{NAMESPACE}::Person::"{principal_id}"',
        "action": f'{NAMESPACE}::Action::"{action}"',
        "resource": f'{NAMESPACE}::{resource_kind}::"{resource_id}"',
        "context": context or {},
    }
    result = cedarpy.is_authorized(request, eng.policies, json.dumps(entities), eng.schema)
    return bool(result.allowed) and not result.diagnostics.errors
