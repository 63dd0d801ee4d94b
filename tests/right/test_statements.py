"""No N+1: the coordinating unit's inbox costs the same statements for 5 requests as for 30."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from backend.children.models import Child
from backend.core.clock import today
from backend.core.database import utcnow
from backend.right.models import CoordinatorDecision, CoordinatorRequest
from tests.children.test_caseload import count_statements, make_caseload
from tests.conftest import Api, World
from tests.right.support import INBOX


async def _requests(api: Api, world: World, count: int) -> None:
    """Requests inserted directly (this test is about reading them): every other one for a
    registered child, each with a decision."""
    await make_caseload(api.aut, world, count)
    async with api.aut.db.writing() as session:
        children = list((await session.exec(select(Child.id))).all())
        for n in range(count):
            request = CoordinatorRequest(
                municipality_id=world.municipality.id,
                child_id=children[n] if n % 2 == 0 else None,
                child_family_name=f"Barn {n}",
                expected_date=today() + dt.timedelta(days=30),
                situation="Behov.",
                services_involved=["Skolen"],
                status="refused",
                submitted_by="guardian",
                submitted_by_person_id=world.parent.id,
                submitted_by_name=world.parent.name,
                submitted_at=utcnow(),
                decision_due_on=today(),
            )
            session.add(request)
            await session.flush()
            session.add(
                CoordinatorDecision(
                    request_id=request.id,
                    outcome="refused",
                    reasons="Nei.",
                    legal_basis="§ 7-2 a",
                    decided_by_person_id=world.coordinator.id,
                    decided_by_name=world.coordinator.name,
                    decided_at=utcnow(),
                    family_told_at=utcnow(),
                    appeal_deadline=today(),
                )
            )


async def _count(api: Api, world: World) -> tuple[int, int]:
    with count_statements(api.aut) as statements:
        data = await api.gql(INBOX, {"first": 100}, as_=world.coordinator2)
    return len(statements), len(data["coordinatorRequests"]["edges"])


async def test_inbox_statements_do_not_grow(api: Api, world: World) -> None:
    await _requests(api, world, 5)
    few, shown = await _count(api, world)
    assert shown == 5
    await _requests(api, world, 25)
    many, shown = await _count(api, world)
    assert shown == 30
    assert few == many
