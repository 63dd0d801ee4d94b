"""Who is calling: the one place that turns a request or a socket into an Actor.

Every HTTP request and every websocket (at the handshake and at `connection_init`) goes
through here; nothing else reads cookies, headers or tokens for identity. In order:
1. `Authorization: Bearer <API token>` (machine clients); a bad token means anonymous;
2. the session cookie set after an OpenID login (on a websocket only from an allowed Origin,
   since browsers send cookies with cross-site websocket handshakes);
3. the development identity, only in dev mode.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import HTTPConnection

from backend.core.database import Database
from backend.core.settings import Settings
from backend.identity import csrf, dev, sessions
from backend.identity.actor import Actor


def _bearer(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    scheme, _, credentials = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()


async def authenticate(
    connection: HTTPConnection, db: Database, settings: Settings
) -> Actor | None:
    """The caller of an HTTP request or websocket handshake, or None (anonymous)."""
    authorization = connection.headers.get("authorization")
    if authorization is not None:
        token = _bearer(authorization)
        return await sessions.token_actor(db, token) if token else None
    cookies_trusted = connection.scope["type"] != "websocket" or csrf.origin_allowed(
        settings, connection.scope, connection.headers
    )
    secret = connection.cookies.get(sessions.SESSION_COOKIE)
    if secret and cookies_trusted:
        actor = await sessions.session_actor(db, secret, settings)
        if actor is not None:
            return actor
    return await dev.actor_from_request(connection, db, settings, use_cookie=cookies_trusted)


async def authenticate_connection_params(
    params: Mapping[str, Any] | None, db: Database, settings: Settings
) -> Actor | None:
    """The caller named in a graphql-transport-ws `connection_init` payload, or None.

    `{"token": "<API token>"}` (or `{"Authorization": "Bearer <API token>"}`) for machine
    clients; browsers rely on the session cookie of the handshake instead.
    """
    if not params:
        return None
    token = params.get("token")
    if token is None:
        token = _bearer(params.get("Authorization") or params.get("authorization"))
    if token is not None:
        return await sessions.token_actor(db, token) if isinstance(token, str) else None
    if not settings.dev_mode:
        return None
    return await dev.actor_from_id(params.get("devPerson"), db)


async def still_valid(actor: Actor, db: Database, settings: Settings) -> bool:
    """Whether the actor's session or token still holds (expiry, logout, revocation)."""
    if actor.session_id is not None:
        return await sessions.session_still_valid(db, actor.session_id, settings)
    if actor.token_id is not None:
        return await sessions.token_still_valid(db, actor.token_id)
    if actor.auth_method == "dev":
        return settings.dev_mode
    return True
