"""The identity domain as the registry sees it: persons, sign-in sessions, API tokens."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.core.settings import Settings
from backend.events.registry import Credentials, Domain
from backend.identity import auth
from backend.identity.login_models import ApiToken, UserSession
from backend.identity.models import Person
from backend.identity.schema import IdentityMutation, IdentityQuery
from backend.identity.sessions import session_is_live, token_is_live


async def live_credentials(
    session: AsyncSession, ids: Sequence[uuid.UUID], settings: Settings, now: dt.datetime
) -> set[uuid.UUID]:
    """Of these session and token ids, those not logged out, revoked or expired."""
    sessions = await session.exec(select(UserSession).where(col(UserSession.id).in_(ids)))
    found = {row.id for row in sessions.all() if session_is_live(row, settings, now)}
    tokens = await session.exec(select(ApiToken).where(col(ApiToken.id).in_(ids)))
    found |= {row.id for row in tokens.all() if token_is_live(row, now)}
    return found


DOMAIN = Domain(
    name="identity",
    # What this domain shows changes with child events or rows the read cache checks.
    cache_checked=True,
    tables=(Person, UserSession, ApiToken),
    query=IdentityQuery,
    mutation=IdentityMutation,
    credentials=Credentials(
        authenticate=auth.authenticate_connection_params,
        still_valid=auth.still_valid,
        live=live_credentials,
    ),
)
