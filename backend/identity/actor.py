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
    # How the caller proved who they are: "dev" (development sign-in) until login lands.
    auth_method: str

    @property
    def is_staff(self) -> bool:
        return self.kind is PersonKind.STAFF

    @classmethod
    def from_person(cls, person: Person, auth_method: str) -> Actor:
        return cls(
            person_id=person.id,
            name=person.name,
            kind=PersonKind(person.kind),
            language=person.preferred_language,
            municipality_id=person.municipality_id,
            employer_service_id=person.employer_service_id,
            auth_method=auth_method,
        )
