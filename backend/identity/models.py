"""People who use Koordinat: citizens (guardians, the child) and staff."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend.core.actor import PersonKind
from backend.core.models import created_at_field, id_field


class Person(SQLModel, table=True):
    """A person: guardian (foresatt), child, or staff of a service (ansatt)."""

    __tablename__ = "person"

    id: uuid.UUID = id_field()
    name: str = Field(max_length=200)
    kind: str = Field(max_length=16, default=PersonKind.CITIZEN.value)
    national_id: str | None = Field(default=None, max_length=11, unique=True)
    hpr_number: str | None = Field(default=None, max_length=12)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    preferred_language: str = Field(default="nb", max_length=8)
    # Adressebeskyttelse of the person (an AddressProtection value): it follows them into
    # every child's network they are in, so a sibling's network is protected too.
    address_protection: str = Field(
        default="none", max_length=24, sa_column_kwargs={"server_default": "none"}
    )
    # Staff: the service or the kommune they work for.
    employer_service_id: uuid.UUID | None = Field(
        default=None, foreign_key="service_provider.id", nullable=True
    )
    municipality_id: uuid.UUID | None = Field(
        default=None, foreign_key="municipality.id", nullable=True
    )
    # Staff: the person leads the service they work for (enhetsleder). The coordinating unit's
    # leader handles the disagreements raised to them (backend/plan/leader.py).
    leads_service: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    version: int = Field(default=1)
    created_at: dt.datetime = created_at_field()
