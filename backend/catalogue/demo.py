"""Demo data: Fjordvik kommune's measure catalogue (tiltakskatalog)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from backend.catalogue.models import CatalogueMeasureRow, EvidenceLevel, LifeArea, MeasureProvision
from backend.network.models import Municipality


@dataclass(frozen=True)
class _Entry:
    key: str
    title: str
    description: str
    life_areas: tuple[LifeArea, ...]
    provision: MeasureProvision
    provider: str
    evidence_level: EvidenceLevel = EvidenceLevel.NOT_CLASSIFIED
    capacity: int | None = None
    monthly_cost: int | None = None
    # The key of the kommune's own entry that could do the same in-house.
    in_house_alternative: str | None = None


# In-house entries come before the bought ones that name them (inserted in this order).
_CATALOGUE = (
    _Entry(
        key="avlastning",
        title="Avlastning i kommunal avlastningsbolig",
        description="Planlagt avlastning for familien: barnet bor i avlastningsboligen noen "
        "døgn i måneden, med faste kontaktpersoner og tilrettelagte aktiviteter.",
        life_areas=(LifeArea.HOME_AND_FAMILY, LifeArea.LEISURE_AND_FRIENDS),
        provision=MeasureProvision.IN_HOUSE,
        provider="Bryggen avlastningsbolig, Fjordvik kommune",
        capacity=8,
        monthly_cost=34_000,
    ),
    _Entry(
        key="privat_avlastning",
        title="Avlastning hos privat leverandør",
        description="Avlastning kjøpt fra privat leverandør når den kommunale "
        "avlastningsboligen er full eller ikke kan gi det barnet trenger.",
        life_areas=(LifeArea.HOME_AND_FAMILY, LifeArea.LEISURE_AND_FRIENDS),
        provision=MeasureProvision.PRIVATE_PROVIDER,
        provider="Kystlys Omsorg AS",
        capacity=3,
        monthly_cost=68_000,
        in_house_alternative="avlastning",
    ),
    _Entry(
        key="fysioterapi",
        title="Fysioterapi for barn og unge",
        description="Kartlegging, trening og oppfølging av motorikk og funksjon, hjemme, i "
        "barnehagen eller på skolen; veiledning til foreldre og ansatte.",
        life_areas=(LifeArea.HEALTH, LifeArea.DEVELOPMENT_AND_LEARNING),
        provision=MeasureProvision.IN_HOUSE,
        provider="Fysio- og ergoterapitjenesten, Fjordvik kommune",
        capacity=30,
        monthly_cost=4_500,
    ),
    _Entry(
        key="spesialpedagogikk",
        title="Spesialpedagogisk hjelp",
        description="Spesialpedagogisk hjelp før opplæringspliktig alder (barnehageloven "
        "§ 31), etter sakkyndig vurdering fra PPT.",
        life_areas=(LifeArea.DEVELOPMENT_AND_LEARNING, LifeArea.SCHOOL),
        provision=MeasureProvision.IN_HOUSE,
        provider="Spesialpedagogisk team, Fjordvik kommune",
        capacity=25,
        monthly_cost=12_000,
    ),
    _Entry(
        key="foreldreveiledning",
        title="Foreldreveiledning (ICDP)",
        description="Veiledningsprogrammet ICDP i grupper eller hjemme: samspill mellom "
        "foreldre og barn, med sertifiserte veiledere.",
        life_areas=(LifeArea.HOME_AND_FAMILY,),
        provision=MeasureProvision.IN_HOUSE,
        provider="Familiesenteret, Fjordvik kommune",
        evidence_level=EvidenceLevel.SOME_DOCUMENTED,
        capacity=16,
    ),
    _Entry(
        key="tiltaksteam",
        title="Miljøterapi i hjemmet",
        description="Kommunens tiltaksteam gir praktisk hjelp og veiledning i hverdagen "
        "hjemme: rutiner, overganger og samspill.",
        life_areas=(LifeArea.HOME_AND_FAMILY, LifeArea.DEVELOPMENT_AND_LEARNING),
        provision=MeasureProvision.IN_HOUSE,
        provider="Tiltaksteamet, Fjordvik kommune",
        evidence_level=EvidenceLevel.THEORETICALLY_GROUNDED,
        capacity=10,
        monthly_cost=18_000,
    ),
    _Entry(
        key="habilitering",
        title="Habilitering i spesialisthelsetjenesten",
        description="Utredning, behandling og opplæring ved habiliteringstjenesten for barn, "
        "i samarbeid med kommunen; inkludert overgangen til voksen.",
        life_areas=(
            LifeArea.HEALTH,
            LifeArea.DEVELOPMENT_AND_LEARNING,
            LifeArea.TRANSITION_TO_ADULTHOOD,
        ),
        provision=MeasureProvision.SPECIALIST_HEALTH,
        provider="Habiliteringstjenesten for barn (HABU)",
    ),
)


async def seed_catalogue(
    session: AsyncSession, kommune: Municipality
) -> dict[str, CatalogueMeasureRow]:
    """Fjordvik's catalogue, by key: "avlastning", "privat_avlastning", "fysioterapi",
    "spesialpedagogikk", "foreldreveiledning", "tiltaksteam", "habilitering"."""
    rows: dict[str, CatalogueMeasureRow] = {}
    for entry in _CATALOGUE:
        alternative = rows[entry.in_house_alternative] if entry.in_house_alternative else None
        row = CatalogueMeasureRow(
            municipality_id=kommune.id,
            title=entry.title,
            description=entry.description,
            life_areas=[a.value for a in entry.life_areas],
            evidence_level=entry.evidence_level.value,
            provider=entry.provider,
            provision=entry.provision.value,
            capacity=entry.capacity,
            monthly_cost=entry.monthly_cost,
            in_house_alternative_id=alternative.id if alternative else None,
        )
        session.add(row)
        rows[entry.key] = row
        # The in-house entry is written before the one that names it.
        await session.flush()
    return rows
