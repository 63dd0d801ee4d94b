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
    email: str | None = strawberry.field(description="Hidden unless you may see contact details.")
    phone: str | None = strawberry.field(description="Hidden unless you may see contact details.")
    preferred_language: str

    @classmethod
    def from_row(cls, row: PersonRow, *, contact_visible: bool) -> Person:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            kind=PersonKind(row.kind),
            email=row.email if contact_visible else None,
            phone=row.phone if contact_visible else None,
            preferred_language=row.preferred_language,
        )
