"""Layers (DESIGN.md): domain services know no transport; `core/` and `events/` know no domain.

A domain plugs in through `backend/domains.py` and its own `domain.py`; `core/` and `events/`
ask `backend.events.registry`. These tests read the imports, so a shortcut fails here rather
than in review.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from backend import domains
from backend.core.tables import metadata
from backend.events import registry

BACKEND = Path(__file__).resolve().parents[2] / "backend"
SERVICES = sorted(BACKEND.glob("*/service.py"))

# Domain packages (`authz` and `api` are not domains).
DOMAINS = frozenset(
    {
        "identity",
        "audit",
        "children",
        "network",
        "consent",
        "notify",
        "plan",
        "catalogue",
        "meetings",
        "decisions",
    }
)
# A migration is the frozen history of some domain's tables: it may name them.
MIGRATIONS = BACKEND / "core" / "migrations" / "versions"
KERNEL = sorted(
    path
    for folder in ("core", "events")
    for path in (BACKEND / folder).rglob("*.py")
    if MIGRATIONS not in path.parents
)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            # `from backend import network` imports the package itself.
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def domains_imported(path: Path) -> list[str]:
    return sorted(
        module
        for module in imported_modules(path)
        if module.split(".")[0] == "backend"
        and len(module.split(".")) > 1
        and module.split(".")[1] in DOMAINS
    )


def test_there_are_services_to_check() -> None:
    assert len(SERVICES) >= 4


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.parent.name)
def test_a_service_imports_nothing_from_the_api(path: Path) -> None:
    api = sorted(m for m in imported_modules(path) if m.startswith("backend.api"))
    assert api == [], f"{path.relative_to(BACKEND)} imports {api}"


def test_there_are_kernel_modules_to_check() -> None:
    names = {p.relative_to(BACKEND).as_posix() for p in KERNEL}
    assert {"core/tables.py", "events/service.py", "events/hub.py", "events/types.py"} <= names


@pytest.mark.parametrize("path", KERNEL, ids=lambda p: p.relative_to(BACKEND).as_posix())
def test_core_and_events_import_no_domain(path: Path) -> None:
    found = domains_imported(path)
    assert found == [], (
        f"{path.relative_to(BACKEND)} imports {found}: ask backend.events.registry "
        "(a Domain field or hook) instead"
    )


def test_the_check_sees_every_form_of_import(tmp_path: Path) -> None:
    module = tmp_path / "sample.py"
    module.write_text(
        "import backend.plan.models\n"
        "from backend import network\n"
        "from backend.notify.rules import apply_rules\n"
        "from backend.authz.policy import Action\n"
        "from backend.events import registry\n"
    )
    assert domains_imported(module) == [
        "backend.network",
        "backend.notify.rules",
        "backend.notify.rules.apply_rules",
        "backend.plan.models",
    ]


def test_every_domain_module_is_registered() -> None:
    """A `backend/<domain>/domain.py` that backend/domains.py does not list plugs in nothing.
    (Read, not imported: an unregistered domain's tables must not join the metadata.)"""
    listed = imported_modules(BACKEND / "domains.py")
    for path in sorted(BACKEND.glob("*/domain.py")):
        assert f"backend.{path.parent.name}.domain" in listed, (
            f"add backend.{path.parent.name}.domain to backend/domains.py"
        )
    domains.install()
    assert len(registry.domains()) == len(domains.DOMAINS)


def test_the_metadata_holds_exactly_the_registered_tables() -> None:
    """Every table belongs to a domain (or to the outbox), and every domain's table is there."""
    domains.install()
    registered = {table.__tablename__ for table in registry.tables()}
    assert registered == set(metadata.tables)


def test_installing_twice_changes_nothing() -> None:
    domains.install()
    before = registry.domains()
    domains.install()
    assert registry.domains() == before
    assert [d.name for d in before][:6] == [
        "identity",
        "audit",
        "children",
        "network",
        "consent",
        "notify",
    ]
