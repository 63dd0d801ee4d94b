"""The kommune's measure catalogue (tiltakskatalog): what the kommune offers, and how."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlmodel import JSON, Column, Field, SQLModel

from backend.core.models import created_at_field, id_field


class LifeArea(enum.Enum):
    """Livsområde: the areas a child's needs are described by (and a measure addresses)."""

    HEALTH = "health"
    DEVELOPMENT_AND_LEARNING = "development_and_learning"
    SCHOOL = "school"  # barnehage and school
    HOME_AND_FAMILY = "home_and_family"
    LEISURE_AND_FRIENDS = "leisure_and_friends"
    TRANSITION_TO_ADULTHOOD = "transition_to_adulthood"


class MeasureProvision(enum.Enum):
    """Who provides a measure: the kommune itself (i egen regi), a bought service, or the
    specialist health services."""

    IN_HOUSE = "in_house"
    PRIVATE_PROVIDER = "private_provider"
    SPECIALIST_HEALTH = "specialist_health"


class EvidenceLevel(enum.Enum):
    """Kunnskapsgrunnlag, in Ungsinn's classification of measures for children and youth
    (Ungsinn: evidensnivå 1-4); NOT_CLASSIFIED where no one has classified the measure."""

    NOT_CLASSIFIED = "not_classified"
    THEORETICALLY_GROUNDED = "theoretically_grounded"  # nivå 1: teoretisk begrunnet
    SOME_DOCUMENTED = "some_documented"  # nivå 2: noe dokumentert effekt
    PROBABLY_EFFECTIVE = "probably_effective"  # nivå 3: sannsynlig effekt
    DOCUMENTED_EFFECTIVE = "documented_effective"  # nivå 4: dokumentert effekt


class CatalogueMeasureRow(SQLModel, table=True):
    """One measure the kommune offers (tiltak i tiltakskatalogen). Not child data: a plan's
    measure may be picked from it and is then adjusted to the child in the plan."""

    __tablename__ = "catalogue_measure"

    id: uuid.UUID = id_field()
    municipality_id: uuid.UUID = Field(foreign_key="municipality.id", index=True)
    title: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    # LifeArea values, in the order given (no duplicates).
    life_areas: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    evidence_level: str = Field(default=EvidenceLevel.NOT_CLASSIFIED.value, max_length=32)
    provider: str | None = Field(default=None, max_length=200)
    provision: str = Field(max_length=24)
    # Places (plasser) the kommune has, if it counts them.
    capacity: int | None = Field(default=None)
    # NOK per month for one child, where the kommune pays.
    monthly_cost: int | None = Field(default=None)
    # A bought or specialist service that the kommune could provide in-house (i egen regi):
    # the kommune's own IN_HOUSE entry for it.
    in_house_alternative_id: uuid.UUID | None = Field(
        default=None, foreign_key="catalogue_measure.id", nullable=True
    )
    version: int = Field(default=1)
    created_at: dt.datetime = created_at_field()
