"""Domain services know no transport: no service imports from backend.api (DESIGN.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BACKEND = Path(__file__).resolve().parents[2] / "backend"
SERVICES = sorted(BACKEND.glob("*/service.py"))


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_there_are_services_to_check() -> None:
    assert len(SERVICES) >= 4


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.parent.name)
def test_a_service_imports_nothing_from_the_api(path: Path) -> None:
    api = sorted(m for m in imported_modules(path) if m.startswith("backend.api"))
    assert api == [], f"{path.relative_to(BACKEND)} imports {api}"
