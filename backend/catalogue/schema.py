"""The measure catalogue's query and mutations. Resolvers stay thin: the service does the work."""

from __future__ import annotations

import strawberry

from backend.api.common import UserError, parse_id, query_error
from backend.api.context import Info
from backend.api.writes import run_write
from backend.audit import purposes
from backend.catalogue import service
from backend.catalogue.models import CatalogueMeasureRow
from backend.catalogue.types import (
    AddCatalogueMeasureInput,
    CatalogueMeasure,
    CatalogueMeasurePayload,
    UpdateCatalogueMeasureInput,
)
from backend.core.errors import UserErrors


def _payload(row: CatalogueMeasureRow | None, errors: list[UserError]) -> CatalogueMeasurePayload:
    return CatalogueMeasurePayload(
        catalogue_measure=CatalogueMeasure.from_row(row) if row else None, errors=errors
    )


@strawberry.type
class CatalogueQuery:
    @strawberry.field(
        description="The kommune's measure catalogue (tiltakskatalog), by title: for the "
        "kommune's staff and everyone in the network of a child of the kommune; empty for "
        "others."
    )
    async def measure_catalogue(
        self, info: Info, municipality_id: strawberry.ID
    ) -> list[CatalogueMeasure]:
        try:
            kommune = parse_id(municipality_id, "municipalityId")
        except UserErrors as exc:
            raise query_error(exc, info.context.language) from None
        async with info.context.reads.session() as session:
            rows = await service.catalogue(session, info.context.actor, kommune)
        return [CatalogueMeasure.from_row(row) for row in rows]


@strawberry.type
class CatalogueMutation:
    @strawberry.mutation(
        description="Add a measure to the kommune's catalogue (its coordinating unit only)."
    )
    async def add_catalogue_measure(
        self, info: Info, input: AddCatalogueMeasureInput
    ) -> CatalogueMeasurePayload:
        row, errors = await run_write(
            info, lambda s: service.add_measure(s, info.context.actor, input)
        )
        return _payload(row, errors)

    @strawberry.mutation(
        description="Change a measure in the kommune's catalogue (its coordinating unit only)."
    )
    async def update_catalogue_measure(
        self, info: Info, input: UpdateCatalogueMeasureInput
    ) -> CatalogueMeasurePayload:
        row, errors = await run_write(
            info, lambda s: service.update_measure(s, info.context.actor, input)
        )
        return _payload(row, errors)


# Why the access log would say these were read (see backend.audit.purposes). The catalogue
# is no child's data, so its reads write no child's access log.
purposes.register(
    {
        name: purposes.Purpose.PLAN_WORK
        for name in ("measureCatalogue", "addCatalogueMeasure", "updateCatalogueMeasure")
    }
)
