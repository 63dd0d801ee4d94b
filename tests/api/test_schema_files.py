"""The committed SDL and operation documents stay true to the schema."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

import graphql
from backend.api.operations import document, operation_names
from backend.api.schema import print_sdl

ROOT = Path(__file__).resolve().parents[2]


def test_committed_sdl_matches_the_schema() -> None:
    committed = (ROOT / "graphql" / "schema.graphql").read_text()
    assert committed == print_sdl(), "graphql/schema.graphql drifted: run `koordinat schema`"


def test_graphql_folder_is_not_a_python_package() -> None:
    assert not list((ROOT / "graphql").rglob("__init__.py"))
    assert not list((ROOT / "graphql").rglob("*.py"))


def test_import_graphql_is_graphql_core() -> None:
    spec = importlib.util.find_spec("graphql")
    assert spec is not None and spec.origin is not None
    assert "site-packages" in spec.origin
    assert hasattr(graphql, "graphql_sync")


@pytest.mark.parametrize("name", operation_names())
def test_operation_documents_validate_against_the_schema(name: str) -> None:
    schema = graphql.build_schema(print_sdl())
    errors = graphql.validate(schema, graphql.parse(document(name)))
    assert errors == []
