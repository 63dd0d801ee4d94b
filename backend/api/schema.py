"""Assembles the GraphQL schema from the registered domains (`backend/domains.py`)."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from backend import domains
from backend.api.errors import build_error_contract
from backend.api.security import build_extensions
from backend.api.trusted import TrustedDocuments
from backend.core.settings import Settings
from backend.events import registry
from backend.events.render import EventExecutor
from backend.events.schema import EventsSubscription

domains.install()


def _merged(name: str, parts: list[type | None]) -> type:
    return merge_types(name, tuple(part for part in parts if part is not None))


# In registration order; the live streams of events/ (no domain) come first.
Query = _merged("Query", [d.query for d in registry.domains()])
Mutation = _merged("Mutation", [d.mutation for d in registry.domains()])
Subscription = _merged(
    "Subscription", [EventsSubscription, *(d.subscription for d in registry.domains())]
)
# Types the root fields do not reach by name (e.g. the domains' EventEntity implementations).
TYPES = tuple(dict.fromkeys(t for d in registry.domains() for t in d.types))


def build_schema(settings: Settings) -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=TYPES,
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
    schema = strawberry.Schema(
        query=Query, mutation=Mutation, subscription=Subscription, types=TYPES
    )
    return str(schema) + "\n"
