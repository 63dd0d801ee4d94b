"""Mutations for consent and the child's own choices; reads hang off Child."""

from __future__ import annotations

import strawberry

from backend.api.context import Info
from backend.api.writes import run_write
from backend.children.types import ChildPayload, child_for
from backend.consent import service
from backend.consent.types import (
    Consent,
    ConsentPayload,
    RecordConsentInput,
    SetHealthWithholdingInput,
    WithdrawConsentInput,
)


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
