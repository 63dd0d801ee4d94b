"""The pathway's tests: documents over HTTP GraphQL, and the right's grant as the pathway
receives it (the `right.decided` event of the contract, recorded as the right records it)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlmodel import col, func, select

from backend.events.models import Event
from backend.events.service import record_change
from backend.notify.models import Notification
from backend.pathway.models import TABLES
from tests.conftest import Api
from tests.helpers import Mutations
from tests.helpers import codes as codes

MILESTONE = "id key title dueOn status metOn metBy deviationReason version"
PATHWAY = f"id templateName startedOn milestones {{ {MILESTONE} }}"
ITEM = "id title owner { id person { name } } dueOn status version"
TRANSITION = f"id kind title dueOn version items {{ {ITEM} }}"
SIGNAL = "id kind description category recordedByName recordedAt"
TEMPLATE = """id name version milestones { key title anchor targetDays repeatEveryDays
  trigger }"""

CHILD = f"""query($id: ID!) {{ child(id: $id) {{ id pathway {{ {PATHWAY} }}
  transitions {{ {TRANSITION} }} signals {{ {SIGNAL} }} }} }}"""
TEMPLATES = f"query {{ pathwayTemplates {{ {TEMPLATE} }} }}"
ATTENTION = f"""query($scope: MilestoneScope!) {{ milestonesNeedingAttention(scope: $scope) {{
  milestone {{ {MILESTONE} }} child {{ id givenName }} }} }}"""

PAYLOADS: dict[str, tuple[str, str, str]] = {
    "updatePathwayTemplate": ("UpdatePathwayTemplateInput", "template", TEMPLATE),
    "deviateMilestone": ("DeviateMilestoneInput", "milestone", MILESTONE),
    "meetMilestone": ("MeetMilestoneInput", "milestone", MILESTONE),
    "startTransition": ("StartTransitionInput", "transition", TRANSITION),
    "addTransitionItem": ("AddTransitionItemInput", "transition", TRANSITION),
    "updateTransitionItem": ("UpdateTransitionItemInput", "transition", TRANSITION),
    "recordSignal": ("RecordSignalInput", "signal", SIGNAL),
}


_MUTATIONS = Mutations(PAYLOADS)
call = _MUTATIONS.call
ok = _MUTATIONS.ok


async def read_child(api: Api, child_id: str, as_: Any, language: str | None = None) -> Any:
    return (await api.gql(CHILD, {"id": child_id}, as_=as_, language=language))["child"]


async def pathway_rows(api: Api) -> dict[str, int]:
    """Row counts of the pathway's tables and the outbox: a refused write changes none."""
    found = {}
    async with api.aut.db.reading() as session:
        models: list[Any] = [*TABLES, Event]
        for model in models:
            found[model.__tablename__] = (
                await session.exec(select(func.count()).select_from(model))
            ).one()
    return found


async def grant(
    api: Api,
    child_id: str,
    *,
    submitted_on: dt.date,
    decided_on: dt.date,
    municipality_id: Any,
    outcome: str = "GRANTED",
) -> None:
    """The right's decision as the pathway receives it: its event, in its transaction."""
    request_id = uuid.uuid4()
    async with api.aut.db.writing() as session:
        await record_change(
            session,
            None,
            kind="right.decided",
            entity_type="coordinator_request",
            entity_id=request_id,
            child_id=uuid.UUID(child_id),
            payload={
                "request_id": str(request_id),
                "municipality_id": str(municipality_id),
                "submitted_on": submitted_on.isoformat(),
                "decision_id": str(uuid.uuid4()),
                "outcome": outcome,
                "decided_on": decided_on.isoformat(),
                "child_id": child_id,
            },
        )


async def events(api: Api, kind: str) -> list[Event]:
    async with api.aut.db.reading() as session:
        rows = await session.exec(
            select(Event).where(Event.kind == kind).order_by(col(Event.occurred_at))
        )
        return list(rows.all())


async def notifications(api: Api, kind: str, channel: str = "in_app") -> list[Notification]:
    async with api.aut.db.reading() as session:
        rows = await session.exec(
            select(Notification).where(Notification.kind == kind, Notification.channel == channel)
        )
        return list(rows.all())


def by_key(pathway: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The first occurrence of each milestone, by key."""
    found: dict[str, dict[str, Any]] = {}
    for milestone in pathway["milestones"]:
        found.setdefault(milestone["key"], milestone)
    return found
