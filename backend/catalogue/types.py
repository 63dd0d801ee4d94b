"""GraphQL types and inputs of the kommune's measure catalogue (tiltakskatalog)."""

from __future__ import annotations

import uuid
import weakref

import strawberry

from backend.api.common import UserError
from backend.api.context import Info
from backend.api.input_caps import FREE_TEXT, cap
from backend.api.loaders import Loaders
from backend.authz.access import municipality_category
from backend.authz.policy import ChildFacts
from backend.catalogue import service
from backend.catalogue.models import CatalogueMeasureRow, EvidenceLevel, LifeArea, MeasureProvision
from backend.core.database import Reads
from backend.core.loaders import DataLoader
from backend.network.types import Municipality

strawberry.enum(
    LifeArea,
    name="LifeArea",
    description="Livsområde: health, development and learning, barnehage and school, home and "
    "family, leisure and friends, transition to adulthood.",
)
strawberry.enum(
    MeasureProvision,
    name="MeasureProvision",
    description="Who provides a measure: the kommune itself (i egen regi), a private provider "
    "the kommune buys from, or the specialist health services.",
)
strawberry.enum(
    EvidenceLevel,
    name="EvidenceLevel",
    description="Kunnskapsgrunnlag in Ungsinn's classification: theoretically grounded (1), "
    "some documented effect (2), probably effective (3), documented effective (4).",
)


class CatalogueLoaders:
    """Per-request batches for the catalogue's nested fields: one statement per batch."""

    def __init__(self, reads: Reads) -> None:
        self.reads = reads
        self.entries: DataLoader[uuid.UUID, CatalogueMeasureRow | None] = DataLoader(self._entries)
        self.in_use: DataLoader[uuid.UUID, int] = DataLoader(self._in_use)

    async def _entries(self, ids: list[uuid.UUID]) -> list[CatalogueMeasureRow | None]:
        async with self.reads.session() as session:
            found = await service.entries_by_id(session, ids)
        return [found.get(i) for i in ids]

    async def _in_use(self, ids: list[uuid.UUID]) -> list[int]:
        async with self.reads.session() as session:
            found = await service.in_use_counts(session, ids)
        return [found.get(i, 0) for i in ids]


# One set per request, living as long as the request's loaders.
_LOADERS: weakref.WeakKeyDictionary[Loaders, CatalogueLoaders] = weakref.WeakKeyDictionary()


def catalogue_loaders(info: Info) -> CatalogueLoaders:
    loaders = info.context.loaders
    found = _LOADERS.get(loaders)
    if found is None:
        found = _LOADERS[loaders] = CatalogueLoaders(info.context.reads)
    return found


@strawberry.type(
    description="A measure the kommune offers (tiltak i tiltakskatalogen): what needs it "
    "addresses, how well it is documented, who provides it, its capacity and cost. A plan's "
    "measure can be picked from it and is still adjusted to the child."
)
class CatalogueMeasure:
    id: strawberry.ID
    municipality_id: strawberry.ID
    title: str
    description: str | None
    life_areas: list[LifeArea] = strawberry.field(description="The needs it addresses.")
    evidence_level: EvidenceLevel
    provision: MeasureProvision
    capacity: int | None = strawberry.field(description="Places (plasser), if counted.")
    monthly_cost: int | None = strawberry.field(
        description="NOK per month for one child, where the kommune pays."
    )
    version: int
    row: strawberry.Private[CatalogueMeasureRow]
    # Seen as part of a child's plan: the reader's facts about that child (None: the
    # catalogue itself, outside any child).
    facts: strawberry.Private[ChildFacts | None] = None

    def _place_hidden(self, info: Info) -> bool:
        """In a protected child's plan, where the measure is given tells where the child
        lives (as the kommune of a service does): the kommune and provider are location."""
        return self.facts is not None and not info.context.gate.read(
            self.facts, [municipality_category(self.facts)]
        )

    @strawberry.field(description="The kommune whose catalogue this is.")
    async def municipality(self, info: Info) -> Municipality | None:
        if self._place_hidden(info):
            return None
        row = await info.context.loaders.municipality.load(self.row.municipality_id)
        return Municipality.from_row(row) if row else None

    @strawberry.field(description="Who provides it: the kommune's own team or the provider.")
    def provider(self, info: Info) -> str | None:
        if self.row.provider is None or self._place_hidden(info):
            return None
        return self.row.provider

    @strawberry.field(
        description="How many plan measures use it now (not ended): a count for the kommune's "
        "capacity, naming no child."
    )
    async def in_use(self, info: Info) -> int:
        return await catalogue_loaders(info).in_use.load(self.row.id)

    @strawberry.field(
        description="For a bought or specialist service: the kommune's own measure that could "
        "do the same in-house (i egen regi)."
    )
    async def in_house_alternative(self, info: Info) -> CatalogueMeasure | None:
        if self.row.in_house_alternative_id is None:
            return None
        row = await catalogue_loaders(info).entries.load(self.row.in_house_alternative_id)
        return CatalogueMeasure.from_row(row, self.facts) if row else None

    @classmethod
    def from_row(
        cls, row: CatalogueMeasureRow, facts: ChildFacts | None = None
    ) -> CatalogueMeasure:
        return cls(
            id=strawberry.ID(str(row.id)),
            municipality_id=strawberry.ID(str(row.municipality_id)),
            title=row.title,
            description=row.description,
            life_areas=[LifeArea(a) for a in row.life_areas],
            evidence_level=EvidenceLevel(row.evidence_level),
            provision=MeasureProvision(row.provision),
            capacity=row.capacity,
            monthly_cost=row.monthly_cost,
            version=row.version,
            row=row,
            facts=facts,
        )


def in_plan(info: Info, row: CatalogueMeasureRow, facts: ChildFacts) -> CatalogueMeasure | None:
    """The entry a child's measure was picked from, as that child's reader sees it. The
    entry is the kommune's: with a protected address its id, its kommune (whose id opens the
    kommune's catalogue, with its name) and its provider tell where the family lives, so
    only those who may know the place see it."""
    if not info.context.gate.read(facts, [municipality_category(facts)]):
        return None
    return CatalogueMeasure.from_row(row, facts)


# Every life area once is the most a measure can name; a little room for repeats.
LIFE_AREAS_CAP = 2 * len(LifeArea)
# A title is one line (at most service.TITLE_MAX); longer input is refused before any work.
TITLE_CAP = 1000


@strawberry.input(description="A new measure in the kommune's catalogue.")
class AddCatalogueMeasureInput:
    municipality_id: strawberry.ID
    title: str = strawberry.field(metadata=cap(length=TITLE_CAP))
    provision: MeasureProvision
    life_areas: list[LifeArea] = strawberry.field(
        description="At least one.", metadata=cap(items=LIFE_AREAS_CAP)
    )
    description: str | None = strawberry.field(default=None, metadata=cap(length=FREE_TEXT))
    evidence_level: EvidenceLevel = EvidenceLevel.NOT_CLASSIFIED
    provider: str | None = strawberry.field(default=None, metadata=cap(length=TITLE_CAP))
    capacity: int | None = None
    monthly_cost: int | None = strawberry.field(default=None, description="NOK per month.")
    in_house_alternative_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="For a bought or specialist service: the kommune's IN_HOUSE measure that "
        "could do the same.",
    )


@strawberry.input(description="Change a measure in the catalogue; omitted fields stay.")
class UpdateCatalogueMeasureInput:
    id: strawberry.ID
    version: int
    title: str | None = strawberry.field(default=strawberry.UNSET, metadata=cap(length=TITLE_CAP))
    provision: MeasureProvision | None = strawberry.UNSET
    life_areas: list[LifeArea] | None = strawberry.field(
        default=strawberry.UNSET, metadata=cap(items=LIFE_AREAS_CAP)
    )
    description: str | None = strawberry.field(
        default=strawberry.UNSET, metadata=cap(length=FREE_TEXT)
    )
    evidence_level: EvidenceLevel | None = strawberry.UNSET
    provider: str | None = strawberry.field(
        default=strawberry.UNSET, metadata=cap(length=TITLE_CAP)
    )
    capacity: int | None = strawberry.UNSET
    monthly_cost: int | None = strawberry.UNSET
    in_house_alternative_id: strawberry.ID | None = strawberry.UNSET


@strawberry.type
class CatalogueMeasurePayload:
    catalogue_measure: CatalogueMeasure | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
