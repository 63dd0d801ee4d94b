"""Mutations for consent and the child's own choices; reads hang off Child."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import strawberry

from backend.api.context import Info
from backend.api.writes import run_write
from backend.audit import purposes
from backend.authz.policy import Category
from backend.children.types import ChildPayload, child_for
from backend.consent import service
from backend.consent.models import Consent as ConsentRow
from backend.consent.models import InformationCategory
from backend.consent.types import (
    Consent,
    ConsentPayload,
    RecordConsentInput,
    SetHealthWithholdingInput,
    WithdrawConsentInput,
)
from backend.core.database import Database


@strawberry.type
class ConsentMutation:
    @strawberry.mutation(
        description="Record a consent that a service may see a category of information, for a "
        "period (guardians with parental responsibility; from 16 the young person)."
    )
    async def record_consent(self, info: Info, input: RecordConsentInput) -> ConsentPayload:
        row, errors = await run_write(
            info, lambda s: service.record_consent(s, info.context.actor, input)
        )
        return ConsentPayload(consent=Consent.from_row(row) if row else None, errors=errors)

    @strawberry.mutation(description="Withdraw a consent; the effect is immediate.")
    async def withdraw_consent(self, info: Info, input: WithdrawConsentInput) -> ConsentPayload:
        row, errors = await run_write(
            info, lambda s: service.withdraw_consent(s, info.context.actor, input)
        )
        return ConsentPayload(consent=Consent.from_row(row) if row else None, errors=errors)

    @strawberry.mutation(
        description="The child (12-15) asks that health information be withheld from the "
        "guardians, or lifts that."
    )
    async def set_health_withholding(
        self, info: Info, input: SetHealthWithholdingInput
    ) -> ChildPayload:
        row, errors = await run_write(
            info, lambda s: service.set_health_withholding(s, info.context.actor, input)
        )
        return ChildPayload(child=await child_for(info, row), errors=errors)


async def _consent_category(arguments: Mapping[str, Any], _: Database) -> Category | None:
    given = arguments.get("input")
    name = given.get("category") if isinstance(given, dict) else None
    try:
        return Category(InformationCategory[str(name)].value)
    except KeyError:
        return None


async def _withdrawn_category(arguments: Mapping[str, Any], db: Database) -> Category | None:
    given = arguments.get("input")
    try:
        consent_id = uuid.UUID(str(given.get("id") if isinstance(given, dict) else ""))
    except ValueError:
        return None
    async with db.reading() as session:
        row = await session.get(ConsentRow, consent_id)
    return Category(row.category) if row is not None else None


# Why the access log says these were read (see backend.audit.purposes). A consent names its
# category, and the child's own choice is health information: a reader who may not read
# that category does not see the purpose either.
purposes.register(
    {
        "recordConsent": purposes.FieldPurpose(
            purposes.Purpose.CONSENT, category_of=_consent_category
        ),
        "withdrawConsent": purposes.FieldPurpose(
            purposes.Purpose.CONSENT, category_of=_withdrawn_category
        ),
        "setHealthWithholding": purposes.FieldPurpose(
            purposes.Purpose.OWN_CHOICES, category=Category.HEALTH
        ),
    }
)
