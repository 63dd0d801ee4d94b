"""The coordinating unit's leader's view of raised disagreements (backend/plan/leader.py)."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

import strawberry

from backend.api.common import UserError
from backend.api.context import Info
from backend.api.input_caps import FREE_TEXT, cap
from backend.api.writes import run_write
from backend.audit import purposes
from backend.consent.types import WHAT_IN_WORDS
from backend.plan import leader
from backend.plan.types import DisagreementStatus


@strawberry.enum(description="What a disagreement is about.")
class DisagreementAbout(enum.Enum):
    PLAN = "plan"
    MEASURE = "measure"
    EVALUATION = "evaluation"


@strawberry.type(
    description="A disagreement raised to the coordinating unit's leader (enhetsleder): "
    "what it is about, what was said, and the answer. The rest of the plan is not shown."
)
class RaisedDisagreement:
    id: strawberry.ID
    child_name: str
    about: DisagreementAbout
    about_title: str | None = strawberry.field(
        description="The measure's title (or the evaluated goal's or measure's)."
    )
    text: str
    raised_by_name: str | None
    recorded_at: dt.datetime
    raised_to_leader_at: dt.datetime
    status: DisagreementStatus
    answer: str | None
    answered_by_name: str | None
    answered_at: dt.datetime | None
    version: int

    @classmethod
    def of(cls, found: leader.RaisedRow) -> RaisedDisagreement:
        row = found.row
        return cls(
            id=strawberry.ID(str(row.id)),
            child_name=found.child_name,
            about=DisagreementAbout(found.about),
            about_title=found.about_title,
            text=row.text,
            raised_by_name=found.raised_by_name,
            recorded_at=row.raised_at,
            raised_to_leader_at=leader.raised_at(row),
            status=DisagreementStatus(row.status),
            answer=row.answer,
            answered_by_name=found.answered_by_name,
            answered_at=row.answered_at,
            version=row.version,
        )


async def _raised(info: Info, only: uuid.UUID | None = None) -> list[RaisedDisagreement]:
    gate = info.context.gate
    async with info.context.reads.session() as session:
        found, _ = await leader.raised_for_leader(session, info.context.actor, only)
    for item in found:
        gate.note_read(item.row.child_id, leader.READ_AS)
    return [RaisedDisagreement.of(item) for item in found]


@strawberry.type
class LeaderQuery:
    @strawberry.field(
        description="Disagreements raised to you as leader of your kommune's coordinating "
        "unit, newest first (at most 100); empty for everyone else."
    )
    async def raised_disagreements(self, info: Info) -> list[RaisedDisagreement]:
        return await _raised(info)


@strawberry.input(description="The leader's answer to a disagreement raised to them.")
class AnswerRaisedDisagreementInput:
    id: strawberry.ID
    version: int
    answer: str = strawberry.field(metadata=cap(length=FREE_TEXT))
    resolved: bool = strawberry.field(default=False, description="The matter is settled.")


@strawberry.type
class RaisedDisagreementPayload:
    disagreement: RaisedDisagreement | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class LeaderMutation:
    @strawberry.mutation(
        description="Answer a disagreement raised to you (the coordinating unit's leader)."
    )
    async def answer_raised_disagreement(
        self, info: Info, input: AnswerRaisedDisagreementInput
    ) -> RaisedDisagreementPayload:
        written, errors = await run_write(
            info,
            lambda s: leader.answer_raised(
                s,
                info.context.actor,
                disagreement_id=str(input.id),
                version=input.version,
                answer=input.answer,
                resolved=input.resolved,
            ),
        )
        if written is None:
            return RaisedDisagreementPayload(errors=errors)
        shown = await _raised(info, uuid.UUID(str(written)))
        return RaisedDisagreementPayload(disagreement=shown[0] if shown else None, errors=errors)


purposes.register(
    {
        "raisedDisagreements": purposes.Purpose.CASE_WORK,
        "answerRaisedDisagreement": purposes.Purpose.CASE_WORK,
    }
)
WHAT_IN_WORDS[leader.READ_AS] = (
    "en uenighet tatt videre til lederen for koordinerende enhet",
    "ei usemje teken vidare til leiaren for koordinerande eining",
    "a disagreement raised to the coordinating unit's leader",
)
