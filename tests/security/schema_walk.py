"""Builds GraphQL documents from the schema itself, so new fields join the matrix on their own."""

from __future__ import annotations

from typing import Any

import graphql
from backend.api.schema import print_sdl
from graphql import (
    GraphQLArgument,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    is_leaf_type,
)

MAX_DEPTH = 5


def schema() -> GraphQLSchema:
    return graphql.build_schema(print_sdl())


def _selection(type_: GraphQLObjectType, depth: int, seen: tuple[str, ...], alias: bool) -> str:
    parts = []
    for name, field in sorted(type_.fields.items()):
        if any(_required(a) for a in field.args.values()):
            continue  # a nested field needing arguments: covered by its own operation
        named = get_named_type(field.type)
        # Aliases go on the paths (object fields), keeping the document within the alias limit.
        label = f"{'x_' + name}: {name}" if alias and not is_leaf_type(named) else name
        if is_leaf_type(named):
            parts.append(name)
        elif isinstance(named, GraphQLObjectType) and depth < MAX_DEPTH and named.name not in seen:
            inner = _selection(named, depth + 1, (*seen, named.name), alias)
            if inner:
                parts.append(f"{label} {{ {inner} }}")
    return " ".join(parts)


def _required(arg: GraphQLArgument) -> bool:
    """A non-null argument without a default. (A schema built from SDL keeps a default in
    its AST node only: `network(includeEnded: Boolean! = false)` needs no argument.)"""
    has_default = arg.default_value is not graphql.Undefined or (
        arg.ast_node is not None and arg.ast_node.default_value is not None
    )
    return isinstance(arg.type, GraphQLNonNull) and not has_default


def _arg_type(type_: Any) -> str:
    return str(type_)


def root_fields(kind: str) -> dict[str, GraphQLField]:
    root = schema().query_type if kind == "query" else schema().mutation_type
    assert root is not None
    return dict(root.fields)


def document(kind: str, field_name: str, variant: str) -> str:
    """An operation calling one root field with every argument as a variable.

    variant: "plain", "aliased" (every field aliased) or "fragment" (selection in a fragment).
    """
    field = root_fields(kind)[field_name]
    variables = ", ".join(f"${n}: {_arg_type(a.type)}" for n, a in field.args.items())
    arguments = ", ".join(f"{n}: ${n}" for n in field.args)
    named = get_named_type(field.type)
    header = f"{kind} Probe" + (f"({variables})" if variables else "")
    call = field_name + (f"({arguments})" if arguments else "")
    if is_leaf_type(named):
        return f"{header} {{ {call} }}"
    assert isinstance(named, GraphQLObjectType)
    selection = _selection(named, 1, (named.name,), alias=variant == "aliased")
    if variant == "fragment":
        return (
            f"{header} {{ probe: {call} {{ ...Probe }} }} "
            f"fragment Probe on {named.name} {{ {selection} }}"
        )
    prefix = "probe: " if variant == "aliased" else ""
    return f"{header} {{ {prefix}{call} {{ {selection} }} }}"


def is_list(field: GraphQLField) -> bool:
    type_ = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    return isinstance(type_, GraphQLList)
