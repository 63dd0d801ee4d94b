"""Who may read and keep a kommune's measure catalogue: asked of the Cedar policies.

The catalogue is what the kommune offers, not any child's data, so its reads write no
child's access log; they pass the policies all the same. The question names the kommune:
the facts are the caller's relation to that kommune, computed from their rows.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.authz import cedar
from backend.authz.access import load_facts, municipality_category
from backend.authz.policy import Action, decide_on_child
from backend.children.models import Child
from backend.identity.actor import Actor
from backend.network.models import NetworkMember, ServiceProvider, ServiceType


class CatalogueAction(enum.Enum):
    VIEW = "viewCatalogue"
    MANAGE = "manageCatalogue"


@dataclass(frozen=True)
class KommuneFacts:
    """What the policies know of one caller and one kommune (`MunicipalityFacts`)."""

    # Staff working for the kommune (one of its services, or the kommune itself).
    staff_of_kommune: bool
    # Staff of the kommune's coordinating unit (koordinerende enhet).
    in_coordinating_unit: bool
    # An active role in the network of a child of the kommune (guardians, the child too).
    in_network_in_kommune: bool


async def kommune_facts(
    session: AsyncSession, actor: Actor, municipality_id: uuid.UUID
) -> KommuneFacts:
    """The caller's employer, their networks in the kommune, and (only if there are any)
    those children's facts: a fixed number of statements."""
    employer_kommune = None
    employer_type = None
    if actor.is_staff and actor.employer_service_id is not None:
        service = ServiceProvider.__table__.c  # type: ignore[attr-defined]
        found = (
            await session.execute(
                sa.select(service.municipality_id, service.type).where(
                    service.id == actor.employer_service_id
                )
            )
        ).first()
        if found is not None:
            employer_kommune, employer_type = found.municipality_id, found.type
    member = NetworkMember.__table__.c  # type: ignore[attr-defined]
    child = Child.__table__.c  # type: ignore[attr-defined]
    children = [
        row.child_id
        for row in (
            await session.execute(
                sa.select(member.child_id)
                .distinct()
                .join(Child.__table__, child.id == member.child_id)  # type: ignore[attr-defined]
                .where(
                    member.person_id == actor.person_id,
                    member.ended_at.is_(None),
                    child.municipality_id == municipality_id,
                )
            )
        ).all()
    ]
    # A network counts only where the caller may know the child's kommune: with a protected
    # address the kommune is location, and a catalogue that answers the other parent (or a
    # service elsewhere) would tell where the family lives.
    in_network = False
    if children:
        facts = await load_facts(session, actor, children)
        in_network = any(
            decide_on_child(actor, Action.READ_CATEGORY, f, municipality_category(f))
            for f in facts.values()
        )
    staff = actor.is_staff and municipality_id in (actor.municipality_id, employer_kommune)
    return KommuneFacts(
        staff_of_kommune=staff,
        in_coordinating_unit=actor.is_staff
        and employer_kommune == municipality_id
        and employer_type == ServiceType.COORDINATING_UNIT.value,
        in_network_in_kommune=in_network,
    )


def decide(actor: Actor, action: CatalogueAction, facts: KommuneFacts) -> bool:
    return cedar.decide(
        principal_id=str(actor.person_id),
        principal_kind=actor.kind.value,
        employed_by_kommune=actor.municipality_id is not None,
        action=action.value,
        resource_kind="Municipality",
        resource_id="kommune",
        context={
            "staffOfKommune": facts.staff_of_kommune,
            "inKommunesCoordinatingUnit": facts.in_coordinating_unit,
            "inNetworkInKommune": facts.in_network_in_kommune,
        },
    )
