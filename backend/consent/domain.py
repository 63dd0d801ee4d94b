"""The consent domain as the registry sees it: consents (samtykke) and the child's choices."""

from __future__ import annotations

from backend.authz.policy import Category
from backend.consent.models import Consent
from backend.consent.schema import ConsentMutation
from backend.events.models import Event
from backend.events.registry import Domain
from backend.events.visibility import Lookups, Reveals, uuids


async def consent_reveals(event: Event, _: Lookups) -> Reveals:
    """A consent event is a consent record, and names its category (as the consent list:
    the records themselves, then the category unless the consent is the reader's own)."""
    try:
        named: tuple[Category, ...] = (Category(event.payload.get("category")),)
    except ValueError:
        named = ()
    return Reveals(
        categories=(Category.CONSENTS,),
        owned=named,
        own_people=uuids([event.actor_person_id]),
        own_services=uuids([event.payload.get("serviceId")]),
    )


DOMAIN = Domain(
    name="consent",
    # What this domain shows changes with child events or rows the read cache checks.
    cache_checked=True,
    tables=(Consent,),
    mutation=ConsentMutation,
    categorizers={"consent.recorded": consent_reveals, "consent.withdrawn": consent_reveals},
)
