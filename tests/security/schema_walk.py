"""Builds GraphQL documents from the schema itself, so new fields join the matrix on their own."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import graphql
from backend.api.schema import print_sdl
from graphql import (
    GraphQLArgument,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    is_leaf_type,
)

MAX_DEPTH = 5
# The app refuses more than 30 aliases per document (KOORDINAT_MAX_ALIASES): an "aliased"
# probe aliases this many paths and leaves the rest plain.
ALIASES_MAX = 25


@lru_cache(maxsize=1)
def schema() -> GraphQLSchema:
    return graphql.build_schema(print_sdl())


def _selection(
    type_: GraphQLObjectType,
    depth: int,
    seen: tuple[str, ...],
    alias: bool,
    implementations: frozenset[str] | None = None,
) -> str:
    """`implementations`: of an interface field, walk only these (None: all of them)."""
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
            inner = _selection(named, depth + 1, (*seen, named.name), alias, implementations)
            if inner:
                parts.append(f"{label} {{ {inner} }}")
        elif (
            isinstance(named, GraphQLInterfaceType)
            and depth < MAX_DEPTH
            # Event.member and .child are served by Event.entity's renderers.
            and field.deprecation_reason is None
        ):
            fragments = [
                f"... on {impl.name} {{ {inner} }}"
                for impl in sorted(schema().get_possible_types(named), key=lambda t: t.name)
                if impl.name not in seen
                and (implementations is None or impl.name in implementations)
                and (inner := _selection(impl, depth + 1, (*seen, impl.name), alias))
            ]
            if fragments:
                parts.append(f"{label} {{ __typename {' '.join(fragments)} }}")
    return " ".join(parts)


def implementations(interface: str) -> list[str]:
    """The object types implementing an interface, by name."""
    named = schema().get_type(interface)
    assert isinstance(named, GraphQLInterfaceType)
    return sorted(t.name for t in schema().get_possible_types(named))


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
    if variant == "aliased":
        selection = _within_alias_budget(selection)
    if variant == "fragment":
        return (
            f"{header} {{ probe: {call} {{ ...Probe }} }} "
            f"fragment Probe on {named.name} {{ {selection} }}"
        )
    prefix = "probe: " if variant == "aliased" else ""
    return f"{header} {{ {prefix}{call} {{ {selection} }} }}"


def _within_alias_budget(selection: str) -> str:
    """The first ALIASES_MAX aliases kept, the others unaliased (`x_a: a` becomes `a`)."""
    count = 0

    def keep(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return match.group(0) if count <= ALIASES_MAX else match.group(1)

    return re.sub(r"\bx_(\w+): \1\b", keep, selection)


def is_list(field: GraphQLField) -> bool:
    type_ = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    return isinstance(type_, GraphQLList)
