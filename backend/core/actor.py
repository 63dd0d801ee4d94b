"""Who is calling: carried in the request context and recorded with every write.

The caller is known to every layer (the outbox records who changed what, the live streams
re-authorize the caller), so it lives here; `backend.identity` turns a login, a session or an
API token into one.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from typing import Protocol


class PersonKind(enum.Enum):
    CITIZEN = "citizen"
    STAFF = "staff"


class PersonRecord(Protocol):
    """What an Actor is made from (backend.identity.models.Person)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def preferred_language(self) -> str: ...
    @property
    def municipality_id(self) -> uuid.UUID | None: ...
    @property
    def employer_service_id(self) -> uuid.UUID | None: ...


@dataclass(frozen=True)
class Actor:
    person_id: uuid.UUID
    name: str
    kind: PersonKind
    language: str
    municipality_id: uuid.UUID | None
    employer_service_id: uuid.UUID | None
    # How the caller proved who they are: "dev" (development sign-in), "oidc:<provider>"
    # (a session after an OpenID login) or "api_token".
    auth_method: str
    # The server-side session or API token behind this caller, checked again by still_valid.
    session_id: uuid.UUID | None = None
    token_id: uuid.UUID | None = None

    @property
    def is_staff(self) -> bool:
        return self.kind is PersonKind.STAFF

    @classmethod
    def from_person(
        cls,
        person: PersonRecord,
        auth_method: str,
        *,
        session_id: uuid.UUID | None = None,
        token_id: uuid.UUID | None = None,
    ) -> Actor:
        return cls(
            person_id=person.id,
            name=person.name,
            kind=PersonKind(person.kind),
            language=person.preferred_language,
            municipality_id=person.municipality_id,
            employer_service_id=person.employer_service_id,
            auth_method=auth_method,
            session_id=session_id,
            token_id=token_id,
        )
