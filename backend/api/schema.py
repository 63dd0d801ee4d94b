"""Assembles the GraphQL schema from the domains' query and mutation types."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from backend.api.security import build_extensions
from backend.children.schema import ChildrenMutation, ChildrenQuery
from backend.core.settings import Settings
from backend.identity.schema import IdentityQuery
from backend.network.schema import NetworkMutation, NetworkQuery

Query = merge_types("Query", (IdentityQuery, ChildrenQuery, NetworkQuery))
Mutation = merge_types("Mutation", (ChildrenMutation, NetworkMutation))


def build_schema(settings: Settings) -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        extensions=build_extensions(settings),
        config=StrawberryConfig(auto_camel_case=True),
    )


def print_sdl() -> str:
    """The SDL as committed in graphql/schema.graphql (extensions do not change it)."""
    return str(strawberry.Schema(query=Query, mutation=Mutation)) + "\n"
