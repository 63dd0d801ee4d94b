"""Trusted documents: in production the web app's callers may send only the documents in
graphql/operations/ (the persisted-query allow-list).

A document is known by the SHA-256 of its canonical form: each definition printed by
graphql-core, `__typename` selections left out (clients add them for their caches), the
definitions sorted. An operation file's entry is its operation with every fragment it uses,
so the hash does not depend on how a client lays the text out. API-token clients (other
systems) are not the web app: the depth, token and alias limits still hold for them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

from strawberry.extensions import SchemaExtension

from backend.core.errors import ErrorCode, UserError
from backend.core.settings import PROJECT_ROOT
from graphql import (
    REMOVE,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    OperationDefinitionNode,
    SelectionSetNode,
    Visitor,
    parse,
    print_ast,
    visit,
)

OPERATIONS = PROJECT_ROOT / "graphql" / "operations"


class _DropTypename(Visitor):
    def enter_field(self, node: FieldNode, *_: object) -> object:
        return REMOVE if node.name.value == "__typename" and node.alias is None else None


def _spreads(selection_set: SelectionSetNode | None) -> Iterator[str]:
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if isinstance(selection, FragmentSpreadNode):
            yield selection.name.value
        yield from _spreads(getattr(selection, "selection_set", None))


def canonical_hash(document: DocumentNode) -> str:
    stripped = visit(document, _DropTypename())
    printed = sorted(print_ast(definition) for definition in stripped.definitions)
    return hashlib.sha256("\n\n".join(printed).encode()).hexdigest()


def _with_fragments(
    operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]
) -> DocumentNode:
    needed: dict[str, FragmentDefinitionNode] = {}
    pending = list(_spreads(operation.selection_set))
    while pending:
        name = pending.pop()
        if name in needed or name not in fragments:
            continue
        needed[name] = fragments[name]
        pending.extend(_spreads(fragments[name].selection_set))
    return DocumentNode(definitions=(operation, *needed.values()))


def hashes_of(files: Iterable[Path]) -> dict[str, str]:
    """The allow-list: canonical hash -> operation name."""
    documents = [parse(path.read_text()) for path in sorted(files)]
    fragments = {
        d.name.value: d
        for document in documents
        for d in document.definitions
        if isinstance(d, FragmentDefinitionNode)
    }
    allowed: dict[str, str] = {}
    for document in documents:
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode) and definition.name:
                entry = _with_fragments(definition, fragments)
                allowed[canonical_hash(entry)] = definition.name.value
    return allowed


@lru_cache(maxsize=1)
def allow_list() -> dict[str, str]:
    return hashes_of(OPERATIONS.glob("*.graphql"))


def is_trusted(document: DocumentNode) -> bool:
    return canonical_hash(document) in allow_list()


class TrustedDocuments(SchemaExtension):
    """Refuses, before validation, any document that is not on the allow-list."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context.context
        actor = getattr(context, "actor", None)
        document = self.execution_context.graphql_document
        if (
            document is not None
            and not (actor is not None and actor.auth_method == "api_token")
            and not is_trusted(document)
        ):
            language = getattr(context, "language", "nb")
            error = UserError(ErrorCode.UNKNOWN_DOCUMENT)
            self.execution_context.pre_execution_errors = [
                GraphQLError(
                    error.message(language), extensions={"code": ErrorCode.UNKNOWN_DOCUMENT.value}
                )
            ]
        # With errors set here, strawberry skips validation and answers them.
        yield
