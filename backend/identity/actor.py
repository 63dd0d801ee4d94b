"""Who is calling: carried in the request context and recorded with every write."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from backend.identity.models import Person, PersonKind


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
        person: Person,
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
