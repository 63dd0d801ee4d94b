"""Samtykke: which service may see which category of a child's information, for how long."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlmodel import Field, SQLModel

from backend.core.database import UTCDateTime
from backend.core.models import created_at_field, id_field


class InformationCategory(enum.Enum):
    """Categories a consent can name. Barnevern is its own, stricter category."""

    HEALTH = "health"
    SCHOOL = "school"
    WELFARE = "welfare"
    FAMILY = "family"
    BARNEVERN = "barnevern"


class Consent(SQLModel, table=True):
    """One consent, kept for ever: withdrawal sets `withdrawn_at`, so history stays readable.

    The grantee is a service (`service_id`) or, for a young person from 16 sharing health
    information with their own guardians, the guardians (`to_guardians`).
    """

    __tablename__ = "consent"

    id: uuid.UUID = id_field()
    child_id: uuid.UUID = Field(foreign_key="child.id", index=True)
    service_id: uuid.UUID | None = Field(
        default=None, foreign_key="service_provider.id", nullable=True
    )
    to_guardians: bool = Field(default=False)
    category: str = Field(max_length=16)
    valid_from: dt.date
    valid_to: dt.date | None = Field(default=None)
    given_by_person_id: uuid.UUID = Field(foreign_key="person.id")
    given_at: dt.datetime = created_at_field()
    withdrawn_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    withdrawn_by_person_id: uuid.UUID | None = Field(
        default=None, foreign_key="person.id", nullable=True
    )
    version: int = Field(default=1)

    def active_on(self, day: dt.date) -> bool:
        return (
            self.withdrawn_at is None
            and self.valid_from <= day
            and (self.valid_to is None or day <= self.valid_to)
        )
