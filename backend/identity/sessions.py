"""Sessions (innlogget økt) and API tokens: the only code that writes their rows.

A browser holds a random secret in the session cookie, a machine client holds a random
secret as its bearer token; the database keeps only their SHA-256 hashes. Every use looks
the row up again, so logout, expiry and revocation take effect on the next request (and,
through `still_valid`, on open subscriptions).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid

from sqlalchemy import update
from sqlmodel import col, select

from backend.audit import service as audit
from backend.core.database import Database, utcnow
from backend.core.settings import Settings
from backend.events.broker import Hints, announce
from backend.identity.actor import Actor
from backend.identity.login_models import ApiToken, UserSession
from backend.identity.models import Person

SESSION_COOKIE = "koordinat_sid"
# A recognisable prefix (for secret scanners and logs), not a secret.
API_TOKEN_PREFIX = "kt_"  # noqa: S105
API_TOKEN_METHOD = "api_token"  # noqa: S105
# last_seen_at is written at most this often per session, not on every request.
TOUCH_INTERVAL = dt.timedelta(minutes=1)


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def session_is_live(row: UserSession, settings: Settings, now: dt.datetime) -> bool:
    """Not logged out, not past its absolute end, not idle too long."""
    idle_end = row.last_seen_at + dt.timedelta(minutes=settings.session_idle_minutes)
    return row.revoked_at is None and now < row.expires_at and now < idle_end


def token_is_live(row: ApiToken, now: dt.datetime) -> bool:
    return row.revoked_at is None and (row.expires_at is None or now < row.expires_at)


# --- sessions


async def start_session(
    db: Database,
    person: Person,
    *,
    provider: str,
    subject: str,
    acr: str | None,
    settings: Settings,
    now: dt.datetime | None = None,
) -> tuple[UserSession, str]:
    """A new session for `person` after a login; returns the row and the cookie secret."""
    now = now or utcnow()
    secret = _new_secret()
    row = UserSession(
        token_hash=hash_secret(secret),
        person_id=person.id,
        provider=provider,
        subject=subject[:255],
        acr=acr[:64] if acr else None,
        created_at=now,
        last_seen_at=now,
        expires_at=now + dt.timedelta(hours=settings.session_max_hours),
    )
    actor = Actor.from_person(person, f"oidc:{provider}", session_id=row.id)
    async with db.writing() as session:
        session.add(row)
        audit.record(
            session,
            actor,
            action="session.started",
            entity_type="user_session",
            entity_id=row.id,
            child_id=None,
            detail={"provider": provider, "acr": acr},
        )
    return row, secret


async def session_actor(db: Database, secret: str, settings: Settings) -> Actor | None:
    """The person behind a session cookie, if the session is live; refreshes last_seen_at."""
    now = utcnow()
    async with db.reading() as session:
        found = (
            await session.exec(
                select(UserSession, Person)
                .join(Person, col(Person.id) == col(UserSession.person_id))
                .where(UserSession.token_hash == hash_secret(secret))
            )
        ).first()
    if found is None:
        return None
    row, person = found
    if not session_is_live(row, settings, now):
        return None
    if now - row.last_seen_at >= TOUCH_INTERVAL:
        async with db.writing() as session:
            await session.exec(
                update(UserSession)
                .where(col(UserSession.id) == row.id, col(UserSession.revoked_at).is_(None))
                .values(last_seen_at=now)
            )
    return Actor.from_person(person, f"oidc:{row.provider}", session_id=row.id)


async def end_session(db: Database, secret: str) -> bool:
    """Logout: the session is revoked on the server. False if there was no live session."""
    now = utcnow()
    async with db.writing() as session:
        row = (
            await session.exec(
                select(UserSession).where(UserSession.token_hash == hash_secret(secret))
            )
        ).first()
        if row is None or row.revoked_at is not None:
            return False
        row.revoked_at = now
        session.add(row)
        person = await session.get(Person, row.person_id)
        actor = (
            Actor.from_person(person, f"oidc:{row.provider}", session_id=row.id) if person else None
        )
        audit.record(
            session,
            actor,
            action="session.ended",
            entity_type="user_session",
            entity_id=row.id,
            child_id=None,
        )
    # Committed: open subscriptions of this session end now, not at the next sweep.
    await announce(Hints(ended=[row.id]))
    return True


async def session_still_valid(db: Database, session_id: uuid.UUID, settings: Settings) -> bool:
    async with db.reading() as session:
        row = await session.get(UserSession, session_id)
    return row is not None and session_is_live(row, settings, utcnow())


# --- API tokens


async def issue_api_token(
    db: Database,
    person_id: uuid.UUID,
    name: str,
    *,
    expires_at: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new API token owned by `person_id`; the secret is shown once and never stored."""
    secret = API_TOKEN_PREFIX + _new_secret()
    async with db.writing() as session:
        person = await session.get(Person, person_id)
        if person is None:
            raise LookupError(f"no person with id {person_id}")
        row = ApiToken(
            token_hash=hash_secret(secret),
            person_id=person_id,
            name=name[:200],
            expires_at=expires_at,
        )
        session.add(row)
        audit.record(
            session,
            None,
            action="api_token.issued",
            entity_type="api_token",
            entity_id=row.id,
            child_id=None,
            detail={"owner": str(person_id), "name": row.name},
        )
    return row, secret


async def revoke_api_token(db: Database, token_id: uuid.UUID) -> bool:
    """Revoke a token at once. False if it does not exist or was already revoked."""
    async with db.writing() as session:
        row = await session.get(ApiToken, token_id)
        if row is None or row.revoked_at is not None:
            return False
        row.revoked_at = utcnow()
        session.add(row)
        audit.record(
            session,
            None,
            action="api_token.revoked",
            entity_type="api_token",
            entity_id=row.id,
            child_id=None,
            detail={"owner": str(row.person_id), "name": row.name},
        )
    await announce(Hints(ended=[row.id]))
    return True


async def token_actor(db: Database, secret: str) -> Actor | None:
    if not secret.startswith(API_TOKEN_PREFIX):
        return None
    async with db.reading() as session:
        found = (
            await session.exec(
                select(ApiToken, Person)
                .join(Person, col(Person.id) == col(ApiToken.person_id))
                .where(ApiToken.token_hash == hash_secret(secret))
            )
        ).first()
    if found is None:
        return None
    row, person = found
    if not token_is_live(row, utcnow()):
        return None
    return Actor.from_person(person, API_TOKEN_METHOD, token_id=row.id)


async def token_still_valid(db: Database, token_id: uuid.UUID) -> bool:
    async with db.reading() as session:
        row = await session.get(ApiToken, token_id)
    return row is not None and token_is_live(row, utcnow())
