"""The child at the centre of a network; expected children included."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlmodel import Field, SQLModel

from backend.core.models import created_at_field, id_field


class AddressProtection(enum.Enum):
    """Adressebeskyttelse in the population register."""

    NONE = "none"
    CONFIDENTIAL = "confidential"  # fortrolig adresse (kode 7)
    STRICTLY_CONFIDENTIAL = "strictly_confidential"  # strengt fortrolig (kode 6)


# Stricter protection ranks higher; a network is as protected as its most protected person.
PROTECTION_RANK = {p.value: rank for rank, p in enumerate(AddressProtection)}


def strictest(*levels: str) -> str:
    """The strictest of these protection levels (unknown values count as the strictest)."""
    top = max(len(PROTECTION_RANK) - 1, 0)
    return max(levels, key=lambda v: PROTECTION_RANK.get(v, top), default="none")


class Child(SQLModel, table=True):
    """Barnet. Before birth: no national id, an expected date instead of a birth date."""

    __tablename__ = "child"

    id: uuid.UUID = id_field()
    municipality_id: uuid.UUID = Field(foreign_key="municipality.id", index=True)
    given_name: str | None = Field(default=None, max_length=100)
    family_name: str = Field(max_length=100)
    national_id: str | None = Field(default=None, max_length=11, unique=True)
    birth_date: dt.date | None = Field(default=None)
    expected_date: dt.date | None = Field(default=None)
    preferred_language: str = Field(default="nb", max_length=8)
    interpreter_language: str | None = Field(default=None, max_length=8)
    address_protection: str = Field(default=AddressProtection.NONE.value, max_length=24)
    # From 12 the child may ask that health information be withheld from the guardians.
    health_withheld_from_guardians: bool = Field(default=False)
    # When protection was lowered: events up to this sequence number were recorded under
    # `history_protection` and are rendered with it for good.
    history_protection: str = Field(
        default="none", max_length=24, sa_column_kwargs={"server_default": "none"}
    )
    history_protected_seq: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    version: int = Field(default=1)
    created_at: dt.datetime = created_at_field()
