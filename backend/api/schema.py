"""Assembles the GraphQL schema from the domains' query and mutation types."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from backend.api.security import build_extensions
from backend.children.schema import ChildrenMutation, ChildrenQuery
from backend.consent.schema import ConsentMutation
from backend.core.settings import Settings
from backend.events.render import EventExecutor
from backend.events.schema import EventsSubscription
from backend.identity.schema import IdentityQuery
from backend.network.schema import NetworkMutation, NetworkQuery
from backend.notify.schema import NotifyMutation, NotifyQuery

Query = merge_types("Query", (IdentityQuery, ChildrenQuery, NetworkQuery, NotifyQuery))
Mutation = merge_types(
    "Mutation", (ChildrenMutation, NetworkMutation, ConsentMutation, NotifyMutation)
)
Subscription = merge_types("Subscription", (EventsSubscription,))


def build_schema(settings: Settings) -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=build_extensions(settings),
        config=StrawberryConfig(auto_camel_case=True),
        # Renders a subscription event once for all who would get the same bytes.
        execution_context_class=EventExecutor,
    )


def print_sdl() -> str:
    """The SDL as committed in graphql/schema.graphql (extensions do not change it)."""
    return str(strawberry.Schema(query=Query, mutation=Mutation, subscription=Subscription)) + "\n"
