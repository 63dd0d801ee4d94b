"""Assembles the GraphQL schema from the domains' query and mutation types."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from backend.api.errors import build_error_contract
from backend.api.security import build_extensions
from backend.api.trusted import TrustedDocuments
from backend.audit.review import AuditQuery
from backend.children.schema import ChildrenMutation, ChildrenQuery
from backend.consent.schema import ConsentMutation
from backend.core.settings import Settings
from backend.events.render import EventExecutor
from backend.events.schema import EventsSubscription
from backend.identity.schema import IdentityMutation, IdentityQuery
from backend.network.schema import NetworkMutation, NetworkQuery
from backend.notify.schema import NotifyMutation, NotifyQuery

Query = merge_types("Query", (IdentityQuery, ChildrenQuery, NetworkQuery, NotifyQuery, AuditQuery))
Mutation = merge_types(
    "Mutation",
    (IdentityMutation, ChildrenMutation, NetworkMutation, ConsentMutation, NotifyMutation),
)
Subscription = merge_types("Subscription", (EventsSubscription,))


def build_schema(settings: Settings) -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        # The error contract last: it sees every error before the masking extensions do.
        extensions=[
            *build_extensions(settings),
            # Production: only the web app's own documents (and any for API-token clients).
            *([] if settings.dev_mode else [TrustedDocuments]),
            build_error_contract(settings),
        ],
        config=StrawberryConfig(auto_camel_case=True),
        # Renders a subscription event once for all who would get the same bytes.
        execution_context_class=EventExecutor,
    )


def print_sdl() -> str:
    """The SDL as committed in graphql/schema.graphql (extensions do not change it)."""
    return str(strawberry.Schema(query=Query, mutation=Mutation, subscription=Subscription)) + "\n"
