"""GraphQL type for a person."""

from __future__ import annotations

import strawberry

from backend.identity.models import Person as PersonRow
from backend.identity.models import PersonKind

strawberry.enum(PersonKind, name="PersonKind")


@strawberry.type(description="A person: guardian, child or staff.")
class Person:
    id: strawberry.ID
    name: str
    kind: PersonKind
    email: str | None
    phone: str | None
    preferred_language: str

    @classmethod
    def from_row(cls, row: PersonRow) -> Person:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            kind=PersonKind(row.kind),
            email=row.email,
            phone=row.phone,
            preferred_language=row.preferred_language,
        )
