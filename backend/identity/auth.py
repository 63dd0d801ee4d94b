"""Who is calling: the one place that turns a request or a socket into an Actor.

Every HTTP request and every websocket (at the handshake and at `connection_init`) goes
through here; nothing else reads cookies, headers or tokens for identity.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import HTTPConnection

from backend.core.database import Database
from backend.core.settings import Settings
from backend.identity import dev
from backend.identity.actor import Actor


async def authenticate(
    connection: HTTPConnection, db: Database, settings: Settings
) -> Actor | None:
    """The caller of an HTTP request or websocket handshake, or None (anonymous)."""
    return await dev.actor_from_request(connection, db, settings)


async def authenticate_connection_params(
    params: Mapping[str, Any] | None, db: Database, settings: Settings
) -> Actor | None:
    """The caller named in a graphql-transport-ws `connection_init` payload, or None."""
    if not settings.dev_mode or not params:
        return None
    return await dev.actor_from_id(params.get("devPerson"), db)


async def still_valid(actor: Actor, db: Database, settings: Settings) -> bool:
    """Whether the actor's session or token still holds (expiry, logout, revocation)."""
    if actor.auth_method == "dev":
        return settings.dev_mode
    return True
