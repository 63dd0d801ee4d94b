"""Koordinat's own sessions (after an OpenID login) and API tokens for machine clients.

Both store only a SHA-256 hash of the secret the client holds: a copy of the database
does not let anyone sign in.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlmodel import Field, SQLModel

from backend.core.models import created_at_field, fk, id_field, utc_field


class UserSession(SQLModel, table=True):
    """A signed-in browser (innlogget økt), referenced by an opaque cookie."""

    __tablename__ = "user_session"

    id: uuid.UUID = id_field()
    token_hash: str = Field(max_length=64, unique=True)
    person_id: uuid.UUID = fk("person.id")
    # The configured provider name (e.g. "idporten") and what it said about the login.
    provider: str = Field(max_length=40)
    subject: str = Field(max_length=255)
    acr: str | None = Field(default=None, max_length=64)
    created_at: dt.datetime = created_at_field()
    last_seen_at: dt.datetime = created_at_field()
    expires_at: dt.datetime = utc_field(nullable=False)
    revoked_at: dt.datetime | None = utc_field()


class ApiToken(SQLModel, table=True):
    """A revocable token for a machine client (e.g. a hospital system), acting as its owner."""

    __tablename__ = "api_token"

    id: uuid.UUID = id_field()
    token_hash: str = Field(max_length=64, unique=True)
    person_id: uuid.UUID = fk("person.id")
    name: str = Field(max_length=200)
    created_at: dt.datetime = created_at_field()
    expires_at: dt.datetime | None = utc_field()
    revoked_at: dt.datetime | None = utc_field()
