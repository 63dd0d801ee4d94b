"""The only code that writes the kommune's measure catalogue (tiltakskatalog), and its reads.

The coordinating unit (koordinerende enhet) keeps the catalogue; the kommune's staff and
everyone in the network of a child of the kommune read it (policies/koordinat.cedar). It is
not child data: a change is an event and an audit row with no child.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry import UNSET

from backend.authz.access import require_actor
from backend.catalogue.access import CatalogueAction, decide, kommune_facts
from backend.catalogue.models import CatalogueMeasureRow, EvidenceLevel, LifeArea, MeasureProvision
from backend.core import validation
from backend.core.errors import Collector, ErrorCode, UserErrors, fail
from backend.core.i18n import Text
from backend.core.ids import parse_id
from backend.events.service import record_change
from backend.identity.actor import Actor
from backend.network.models import Municipality

if TYPE_CHECKING:
    from backend.catalogue.types import AddCatalogueMeasureInput, UpdateCatalogueMeasureInput

TITLE_MAX = 200
PROVIDER_MAX = 200
DESCRIPTION_MAX = 4000
# A kommune's catalogue is read whole: this many measures at most.
ENTRIES_MAX = 500

_KEPT_BY_UNIT: Text = (
    "Tiltakskatalogen holdes av koordinerende enhet i kommunen. Ta kontakt med enheten.",
    "Tiltakskatalogen blir halden av koordinerande eining i kommunen. Ta kontakt med eininga.",
    "The measure catalogue is kept by the kommune's coordinating unit. Contact the unit.",
)
_NEGATIVE: Text = (
    "Verdien kan ikke være negativ.",
    "Verdien kan ikkje vere negativ.",
    "The value cannot be negative.",
)
_NO_LIFE_AREA: Text = (
    "Velg minst ett livsområde tiltaket gjelder.",
    "Vel minst eitt livsområde tiltaket gjeld.",
    "Choose at least one life area the measure addresses.",
)
_OTHER_KOMMUNE: Text = (
    "Alternativet i egen regi må være i samme kommunes tiltakskatalog.",
    "Alternativet i eiga regi må vere i tiltakskatalogen til same kommune.",
    "The in-house alternative must be in the same kommune's catalogue.",
)
_NOT_IN_HOUSE: Text = (
    "Alternativet må være et tiltak kommunen gir i egen regi.",
    "Alternativet må vere eit tiltak kommunen gir i eiga regi.",
    "The alternative must be a measure the kommune provides in-house.",
)
_ALREADY_IN_HOUSE: Text = (
    "Et tiltak kommunen gir i egen regi har ikke noe alternativ i egen regi.",
    "Eit tiltak kommunen gir i eiga regi har ikkje noko alternativ i eiga regi.",
    "A measure the kommune provides in-house has no in-house alternative.",
)
_IS_AN_ALTERNATIVE: Text = (
    "Andre tiltak i katalogen har dette som alternativ i egen regi.",
    "Andre tiltak i katalogen har dette som alternativ i eiga regi.",
    "Other measures in the catalogue name this one as their in-house alternative.",
)
_TOO_MANY_ENTRIES: Text = (
    f"Tiltakskatalogen har allerede {ENTRIES_MAX} tiltak.",
    f"Tiltakskatalogen har allereie {ENTRIES_MAX} tiltak.",
    f"The measure catalogue already has {ENTRIES_MAX} measures.",
)


# ---- Reads ----------------------------------------------------------------------------


async def may_read(session: AsyncSession, actor: Actor | None, municipality_id: uuid.UUID) -> bool:
    """Whether the caller may see this kommune's catalogue (the policies decide)."""
    if actor is None:
        return False
    facts = await kommune_facts(session, actor, municipality_id)
    return decide(actor, CatalogueAction.VIEW, facts)


async def catalogue(
    session: AsyncSession, actor: Actor | None, municipality_id: uuid.UUID
) -> Sequence[CatalogueMeasureRow]:
    """The kommune's catalogue by title, or nothing for a caller who may not see it."""
    if not await may_read(session, actor, municipality_id):
        return []
    rows = await session.exec(
        select(CatalogueMeasureRow)
        .where(CatalogueMeasureRow.municipality_id == municipality_id)
        .order_by(func.lower(CatalogueMeasureRow.title), col(CatalogueMeasureRow.id))
        .limit(ENTRIES_MAX)
    )
    return rows.all()


async def entries_by_id(
    session: AsyncSession, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, CatalogueMeasureRow]:
    """Catalogue measures by id, in one statement (for the plan's measures and the loaders).
    The caller decides who sees them: a plan shows the entry its measure was picked from."""
    if not ids:
        return {}
    rows = await session.exec(
        select(CatalogueMeasureRow).where(col(CatalogueMeasureRow.id).in_(list(set(ids))))
    )
    return {row.id: row for row in rows.all()}


async def pickable(
    session: AsyncSession, entry_id: uuid.UUID, municipality_id: uuid.UUID
) -> CatalogueMeasureRow | None:
    """The entry a plan's measure may be picked from: one of the child's own kommune."""
    row = await session.get(CatalogueMeasureRow, entry_id)
    return row if row is not None and row.municipality_id == municipality_id else None


async def in_use_counts(session: AsyncSession, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How many measures of current plans, not ended, were picked from each entry (one
    statement): the kommune's capacity in use, naming no child."""
    found: dict[uuid.UUID, int] = dict.fromkeys(ids, 0)
    if not ids:
        return found
    # The plan domain builds on the catalogue, so it is asked here, not imported above.
    from backend.plan.models import MeasureStatus, Plan, PlanMeasure

    rows = await session.exec(
        select(PlanMeasure.catalogue_measure_id, func.count())
        .join(Plan, col(Plan.id) == col(PlanMeasure.plan_id))
        .where(
            col(PlanMeasure.catalogue_measure_id).in_(list(found)),
            PlanMeasure.status != MeasureStatus.ENDED.value,
            # A plan that has been replaced uses nothing any more.
            col(Plan.ended_at).is_(None),
        )
        .group_by(col(PlanMeasure.catalogue_measure_id))
    )
    for entry_id, count in rows.all():
        if entry_id is not None:
            found[entry_id] = count
    return found


# ---- Writes ---------------------------------------------------------------------------


async def _keeper(
    session: AsyncSession, actor: Actor, municipality_id: uuid.UUID, field: str
) -> None:
    """Refuse unless the caller keeps this kommune's catalogue. A caller who may not even
    read it gets NOT_FOUND, as for a kommune or entry that does not exist."""
    facts = await kommune_facts(session, actor, municipality_id)
    if not decide(actor, CatalogueAction.VIEW, facts):
        fail(ErrorCode.NOT_FOUND, field)
    if not decide(actor, CatalogueAction.MANAGE, facts):
        if actor.is_staff:
            fail(ErrorCode.COORDINATING_UNIT_REQUIRED, None, _KEPT_BY_UNIT)
        fail(ErrorCode.NOT_ALLOWED)


async def _lock_kommune(session: AsyncSession, municipality_id: uuid.UUID, field: str) -> None:
    """Serialize writers of one kommune's catalogue (PostgreSQL row lock; SQLite writes are
    serial), so the rules across entries (the in-house alternative, the cap) hold. FOR NO KEY
    UPDATE: rows that merely reference the kommune (a child, a service) are not held up."""
    found = await session.exec(
        select(Municipality.id)
        .where(Municipality.id == municipality_id)
        .with_for_update(key_share=True)
    )
    if found.first() is None:
        fail(ErrorCode.NOT_FOUND, field)


def _count(errors: Collector, field: str, value: int | None) -> int | None:
    if value is not None and value < 0:
        errors.add(ErrorCode.INVALID, field, _NEGATIVE)
        return None
    return value


def _life_areas(errors: Collector, value: list[LifeArea] | None) -> list[str]:
    areas = list(dict.fromkeys(a.value for a in value or []))
    if not areas:
        errors.add(ErrorCode.REQUIRED, "lifeAreas", _NO_LIFE_AREA)
    return areas


async def _alternative(
    session: AsyncSession,
    actor: Actor,
    errors: Collector,
    value: str | None,
    *,
    municipality_id: uuid.UUID,
    entry_id: uuid.UUID | None,
) -> uuid.UUID | None:
    """The in-house alternative's id, checked: an IN_HOUSE entry of the same kommune."""
    if value is None:
        return None
    field = "inHouseAlternativeId"
    try:
        alternative_id = parse_id(value, field)
    except UserErrors as exc:
        errors.errors.extend(exc.errors)
        return None
    row = await session.get(CatalogueMeasureRow, alternative_id)
    if row is None or row.id == entry_id:
        errors.add(ErrorCode.NOT_FOUND if row is None else ErrorCode.INVALID, field)
        return None
    if row.municipality_id != municipality_id:
        # Another kommune's entry exists for the caller only if they may read that catalogue.
        facts = await kommune_facts(session, actor, row.municipality_id)
        if decide(actor, CatalogueAction.VIEW, facts):
            errors.add(ErrorCode.INVALID, field, _OTHER_KOMMUNE)
        else:
            errors.add(ErrorCode.NOT_FOUND, field)
        return None
    await session.refresh(row)  # as it is now, under the kommune's lock
    if row.provision != MeasureProvision.IN_HOUSE.value:
        errors.add(ErrorCode.INVALID, field, _NOT_IN_HOUSE)
        return None
    return row.id


async def _is_an_alternative(session: AsyncSession, entry_id: uuid.UUID) -> bool:
    found = await session.exec(
        select(CatalogueMeasureRow.id)
        .where(CatalogueMeasureRow.in_house_alternative_id == entry_id)
        .limit(1)
    )
    return found.first() is not None


def _payload(row: CatalogueMeasureRow, changed: list[str] | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "catalogueMeasureId": str(row.id),
        "municipalityId": str(row.municipality_id),
        "provision": row.provision,
    }
    if changed is not None:
        payload["changed"] = changed
    return payload


async def add_measure(
    session: AsyncSession, actor: Actor | None, data: AddCatalogueMeasureInput
) -> CatalogueMeasureRow:
    actor = require_actor(actor)
    municipality_id = parse_id(data.municipality_id, "municipalityId")
    await _keeper(session, actor, municipality_id, "municipalityId")
    await _lock_kommune(session, municipality_id, "municipalityId")
    errors = Collector()
    title = validation.text(
        errors, "title", data.title, max_length=TITLE_MAX, required=True, multiline=False
    )
    description = validation.text(
        errors, "description", data.description, max_length=DESCRIPTION_MAX
    )
    provider = validation.text(
        errors, "provider", data.provider, max_length=PROVIDER_MAX, multiline=False
    )
    life_areas = _life_areas(errors, data.life_areas)
    capacity = _count(errors, "capacity", data.capacity)
    monthly_cost = _count(errors, "monthlyCost", data.monthly_cost)
    alternative_id = await _alternative(
        session,
        actor,
        errors,
        data.in_house_alternative_id,
        municipality_id=municipality_id,
        entry_id=None,
    )
    if alternative_id is not None and data.provision is MeasureProvision.IN_HOUSE:
        errors.add(ErrorCode.INVALID, "inHouseAlternativeId", _ALREADY_IN_HOUSE)
    entries = await session.exec(
        select(func.count())
        .select_from(CatalogueMeasureRow)
        .where(CatalogueMeasureRow.municipality_id == municipality_id)
    )
    if entries.one() >= ENTRIES_MAX:
        errors.add(ErrorCode.TOO_MANY, "municipalityId", _TOO_MANY_ENTRIES)
    errors.raise_if_any()
    assert title is not None
    row = CatalogueMeasureRow(
        municipality_id=municipality_id,
        title=title,
        description=description,
        provider=provider,
        life_areas=life_areas,
        evidence_level=data.evidence_level.value,
        provision=data.provision.value,
        capacity=capacity,
        monthly_cost=monthly_cost,
        in_house_alternative_id=alternative_id,
    )
    session.add(row)
    await record_change(
        session,
        actor,
        kind="catalogue.measure_added",
        entity_type="catalogue_measure",
        entity_id=row.id,
        child_id=None,
        payload=_payload(row),
    )
    return row


async def update_measure(
    session: AsyncSession, actor: Actor | None, data: UpdateCatalogueMeasureInput
) -> CatalogueMeasureRow:
    actor = require_actor(actor)
    entry_id = parse_id(data.id, "id")
    row = await session.get(CatalogueMeasureRow, entry_id)
    if row is None:
        fail(ErrorCode.NOT_FOUND, "id")
    assert row is not None
    municipality_id = row.municipality_id
    await _keeper(session, actor, municipality_id, "id")
    await _lock_kommune(session, municipality_id, "id")
    await session.refresh(row)  # re-read under the lock
    if row.version != data.version:
        fail(ErrorCode.CONFLICT, "version")
    errors = Collector()
    changed: list[str] = []
    if data.title is not UNSET:
        title = validation.text(
            errors, "title", data.title, max_length=TITLE_MAX, required=True, multiline=False
        )
        if title is not None:
            row.title = title
        changed.append("title")
    if data.description is not UNSET:
        row.description = validation.text(
            errors, "description", data.description, max_length=DESCRIPTION_MAX
        )
        changed.append("description")
    if data.provider is not UNSET:
        row.provider = validation.text(
            errors, "provider", data.provider, max_length=PROVIDER_MAX, multiline=False
        )
        changed.append("provider")
    if data.life_areas is not UNSET:
        row.life_areas = _life_areas(errors, data.life_areas)
        changed.append("lifeAreas")
    if data.evidence_level is not UNSET:
        if data.evidence_level is None:
            errors.add(ErrorCode.REQUIRED, "evidenceLevel")
        else:
            row.evidence_level = data.evidence_level.value
        changed.append("evidenceLevel")
    if data.provision is not UNSET:
        if data.provision is None:
            errors.add(ErrorCode.REQUIRED, "provision")
        else:
            if (
                row.provision == MeasureProvision.IN_HOUSE.value
                and data.provision is not MeasureProvision.IN_HOUSE
                and await _is_an_alternative(session, row.id)
            ):
                errors.add(ErrorCode.INVALID, "provision", _IS_AN_ALTERNATIVE)
            row.provision = data.provision.value
        changed.append("provision")
    if data.capacity is not UNSET:
        row.capacity = _count(errors, "capacity", data.capacity)
        changed.append("capacity")
    if data.monthly_cost is not UNSET:
        row.monthly_cost = _count(errors, "monthlyCost", data.monthly_cost)
        changed.append("monthlyCost")
    if data.in_house_alternative_id is not UNSET:
        row.in_house_alternative_id = await _alternative(
            session,
            actor,
            errors,
            data.in_house_alternative_id,
            municipality_id=municipality_id,
            entry_id=row.id,
        )
        changed.append("inHouseAlternative")
    if row.in_house_alternative_id is not None and row.provision == MeasureProvision.IN_HOUSE.value:
        errors.add(ErrorCode.INVALID, "inHouseAlternativeId", _ALREADY_IN_HOUSE)
    # The transaction rolls back on any error: nothing set above is written.
    errors.raise_if_any()
    row.version += 1
    session.add(row)
    await record_change(
        session,
        actor,
        kind="catalogue.measure_updated",
        entity_type="catalogue_measure",
        entity_id=row.id,
        child_id=None,
        payload=_payload(row, changed),
    )
    return row


__all__ = [
    "EvidenceLevel",
    "LifeArea",
    "MeasureProvision",
    "add_measure",
    "catalogue",
    "entries_by_id",
    "in_use_counts",
    "may_read",
    "pickable",
    "update_measure",
]
