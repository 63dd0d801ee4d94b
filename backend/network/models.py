"""The kommune, its services, and the child's network (ansvarsgruppe)."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend.core.database import UTCDateTime
from backend.core.models import created_at_field, id_field


class ServiceType(enum.Enum):
    HELSESTASJON = "helsestasjon"
    FASTLEGE = "fastlege"
    BARNEHAGE = "barnehage"
    SKOLE = "skole"
    PPT = "ppt"
    BARNEVERN = "barnevern"
    NAV = "nav"
    HABILITERING = "habilitering"
    BUP = "bup"
    SYKEHUS = "sykehus"
    AVLASTNING = "avlastning"
    COORDINATING_UNIT = "coordinating_unit"
    OTHER = "other"


class NetworkRole(enum.Enum):
    COORDINATOR = "coordinator"
    GUARDIAN = "guardian"
    CHILD = "child"
    MEMBER = "member"
    SPECIALIST = "specialist"
    OBSERVER = "observer"


class Municipality(SQLModel, table=True):
    """Kommune: owns the barnekoordinator service."""

    __tablename__ = "municipality"

    id: uuid.UUID = id_field()
    name: str = Field(max_length=120)
    number: str = Field(max_length=4, unique=True)  # kommunenummer
    org_number: str = Field(max_length=9)
    created_at: dt.datetime = created_at_field()


class ServiceProvider(SQLModel, table=True):
    """A service (tjeneste) in or around the kommune: school, PPT, barnevern, hospital..."""

    __tablename__ = "service_provider"

    id: uuid.UUID = id_field()
    municipality_id: uuid.UUID | None = Field(
        default=None, foreign_key="municipality.id", nullable=True, index=True
    )
    name: str = Field(max_length=200)
    type: str = Field(max_length=32)
    org_number: str = Field(max_length=9)
    version: int = Field(default=1)
    created_at: dt.datetime = created_at_field()


class NetworkMember(SQLModel, table=True):
    """A person's membership in one child's network, with their role and responsibilities."""

    __tablename__ = "network_member"
    __table_args__ = (
        # One active membership per person and child; one active coordinator per child.
        sa.Index(
            "uq_network_member_active_person",
            "child_id",
            "person_id",
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        ),
        sa.Index(
            "uq_network_member_active_coordinator",
            "child_id",
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL AND role = 'coordinator'"),
            postgresql_where=sa.text("ended_at IS NULL AND role = 'coordinator'"),
        ),
    )

    id: uuid.UUID = id_field()
    child_id: uuid.UUID = Field(foreign_key="child.id", index=True)
    person_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    service_id: uuid.UUID | None = Field(
        default=None, foreign_key="service_provider.id", nullable=True
    )
    role: str = Field(max_length=16)
    responsibilities: str | None = Field(default=None, max_length=2000)
    has_parental_responsibility: bool = Field(default=False)
    active_from: dt.date
    active_to: dt.date | None = Field(default=None)
    ended_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    version: int = Field(default=1)
    created_at: dt.datetime = created_at_field()
