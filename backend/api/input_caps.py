"""Caps on every list and string an operation brings in, checked before any resolver runs.

Every list and every string in every argument and input type has a cap: a default, or the
one its field declares with `cap(...)` in its `strawberry.field(metadata=...)` (or
`strawberry.argument(metadata=...)`). The check walks the operation's arguments (literals,
variables and variable defaults alike) against the schema's types, so a new domain's inputs
are capped without anyone remembering to. A value over its cap refuses the whole operation
with `TOO_MANY` or `TOO_LONG` and the field's path, before any work or any write. A string
no database can hold (a NUL character, a lone surrogate) is refused the same way, as `INVALID`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql.utilities import get_operation_ast, value_from_ast_untyped
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema_converter import GraphQLCoreConverter

from backend.api.common import QueryError
from backend.core.errors import ErrorCode
from backend.core.i18n import Text, pick
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLArgument,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    TypeMetaFieldDef,
    get_named_type,
)

# Every list: ids, cursors, members. Every string: names, ids, codes, cursors.
DEFAULT_ITEMS = 100
DEFAULT_LENGTH = 200
# Free text (responsibilities, notes) declares this instead.
FREE_TEXT = 4000
# An e-mail address may be 254 characters (RFC 5321).
EMAIL_LENGTH = 254

_KEY = "koordinat.input_cap"
# PostgreSQL's text cannot hold NUL, and a lone surrogate (legal in JSON) cannot be encoded.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


@dataclass(frozen=True)
class Cap:
    items: int = DEFAULT_ITEMS
    length: int = DEFAULT_LENGTH


DEFAULT_CAP = Cap()


def cap(*, items: int = DEFAULT_ITEMS, length: int = DEFAULT_LENGTH) -> dict[str, Cap]:
    """Field metadata overriding the default caps: `strawberry.field(metadata=cap(items=10))`.

    For a list of strings, `length` caps each string."""
    return {_KEY: Cap(items=items, length=length)}


def cap_of(definition: GraphQLInputField | GraphQLArgument) -> Cap:
    """The cap declared on an input field or argument, or the default."""
    extensions = definition.extensions or {}
    source = extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    metadata: Mapping[str, Any] = getattr(source, "metadata", None) or {}
    found = metadata.get(_KEY)
    return found if isinstance(found, Cap) else DEFAULT_CAP


@dataclass(frozen=True)
class Violation:
    code: ErrorCode
    field: str
    limit: int | None = None


_TOO_LONG: Text = (
    "Teksten er for lang (høyst {limit} tegn).",
    "Teksten er for lang (høgst {limit} teikn).",
    "The text is too long (at most {limit} characters).",
)
_UNSTORABLE_TEXT: Text = (
    "Teksten inneholder et tegn som ikke kan lagres.",
    "Teksten inneheld eit teikn som ikkje kan lagrast.",
    "The text contains a character that cannot be stored.",
)
_TOO_MANY: Text = (
    "For mange elementer (høyst {limit}).",
    "For mange element (høgst {limit}).",
    "Too many items (at most {limit}).",
)


def message(violation: Violation, language: str | None) -> str:
    if violation.code is ErrorCode.INVALID:
        return pick(_UNSTORABLE_TEXT, language)
    text = _TOO_LONG if violation.code is ErrorCode.TOO_LONG else _TOO_MANY
    return pick(text, language).format(limit=violation.limit)


def _join(path: str, name: str | int) -> str:
    return f"{path}.{name}" if path else str(name)


def _check_value(value: Any, type_: Any, path: str, cap: Cap) -> Violation | None:
    if value is None:
        return None
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if isinstance(type_, GraphQLList):
        # A single value stands for a list of one (GraphQL input coercion).
        items = value if isinstance(value, list) else [value]
        if len(items) > cap.items:
            return Violation(ErrorCode.TOO_MANY, path, cap.items)
        # Inner lists get the default; strings in the list keep the field's length.
        inner = Cap(length=cap.length)
        for index, item in enumerate(items):
            if found := _check_value(item, type_.of_type, _join(path, index), inner):
                return found
        return None
    if isinstance(type_, GraphQLInputObjectType):
        if not isinstance(value, dict):
            return None  # graphql-core reports the wrong shape
        for name, field in type_.fields.items():
            if name in value:
                found = _check_value(value[name], field.type, _join(path, name), cap_of(field))
                if found:
                    return found
        return None
    # Scalars and enums: any string (String, ID, Date, custom scalars) has a length.
    if isinstance(value, str) and len(value) > cap.length:
        return Violation(ErrorCode.TOO_LONG, path, cap.length)
    if isinstance(value, str) and _UNSTORABLE.search(value):
        return Violation(ErrorCode.INVALID, path)
    if isinstance(value, list | dict):
        return _check_value(value, GraphQLList(type_), path, cap)  # e.g. a JSON scalar
    return None


class _Walk:
    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, variables: dict[str, Any]
    ) -> None:
        self.schema = schema
        self.variables = variables
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.seen: set[str] = set()

    def selections(
        self, parent: GraphQLNamedType | None, node: SelectionSetNode
    ) -> Violation | None:
        for selection in node.selections:
            found: Violation | None = None
            if isinstance(selection, FieldNode):
                found = self.field(parent, selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                found = self.selections(inner, selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in self.seen:
                    self.seen.add(name)
                    inner = self.schema.get_type(fragment.type_condition.name.value)
                    found = self.selections(inner, fragment.selection_set)
            if found:
                return found
        return None

    def field(self, parent: GraphQLNamedType | None, node: FieldNode) -> Violation | None:
        name = node.name.value
        if name == "__type":
            definition = TypeMetaFieldDef
        elif isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            definition = parent.fields.get(name)
        else:
            definition = None
        if definition is None:
            return None  # validation reports unknown fields
        for argument in node.arguments or ():
            arg_name = argument.name.value
            arg = definition.args.get(arg_name)
            if arg is None:
                continue
            value = value_from_ast_untyped(argument.value, self.variables)
            # Mutations take one `input`: its fields are named as in the payload's errors.
            path = "" if arg_name == "input" else arg_name
            if found := _check_value(value, arg.type, path, cap_of(arg)):
                return found
        if node.selection_set is not None:
            return self.selections(get_named_type(definition.type), node.selection_set)
        return None


def check_operation(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
) -> Violation | None:
    """The first list or string over its cap (or unstorable) in this operation's arguments."""
    operation = get_operation_ast(document, operation_name)
    if not isinstance(operation, OperationDefinitionNode):
        return None
    values = dict(variables or {})
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if name not in values and definition.default_value is not None:
            values[name] = value_from_ast_untyped(definition.default_value)
    root = schema.get_root_type(operation.operation)
    return _Walk(schema, document, values).selections(root, operation.selection_set)


class InputCaps(SchemaExtension):
    """Refuses an operation whose arguments exceed a cap, before it runs."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            violation = check_operation(
                context.schema._schema, document, context.operation_name, context.variables
            )
            if violation is not None:
                language = getattr(context.context, "language", None)
                raise QueryError(
                    message(violation, language),
                    extensions={
                        "code": violation.code.value,
                        "field": violation.field,
                        **({"limit": violation.limit} if violation.limit is not None else {}),
                    },
                )
        yield


__all__ = ["DEFAULT_ITEMS", "DEFAULT_LENGTH", "EMAIL_LENGTH", "FREE_TEXT", "InputCaps", "cap"]
