"""The measure catalogue (tiltakskatalog) as the registry sees it."""

from backend.catalogue.models import CatalogueMeasureRow
from backend.catalogue.schema import CatalogueMutation, CatalogueQuery
from backend.catalogue.types import CatalogueMeasure
from backend.events.registry import Domain

# Its changes are events with no child: no stream delivers them, so no renderer is needed.
DOMAIN = Domain(
    name="catalogue",
    # What this domain shows changes with child events or rows the read cache checks.
    cache_checked=True,
    tables=(CatalogueMeasureRow,),
    query=CatalogueQuery,
    mutation=CatalogueMutation,
    types=(CatalogueMeasure,),
)
