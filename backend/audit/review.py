"""The kommune's security review (sikkerhetsgjennomgang): refused probes by people outside a
child's network, for the staff of the kommune's coordinating unit (koordinerende enhet).

The family is told in neutral words that someone outside the network tried and that the
kommune has been told; this is where the kommune is told. The reviewer is not in the child's
network: they see who tried, when, what was refused and how, and only an opaque id of the
child, never its name or data. Reading who probed whom is sensitive too, so every read of
the review is itself audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid
from collections.abc import Sequence

import strawberry
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.api.common import PageInfo, encode_cursor, page_args
from backend.api.context import Info
from backend.audit import purposes
from backend.audit import service as audit
from backend.audit.access_log import AccessLogEntry
from backend.audit.purposes import Purpose
from backend.authz.access import coordinating_unit_of
from backend.authz.policy import Action, decide_globally
from backend.children.models import Child
from backend.consent.types import in_words
from backend.identity.actor import Actor


async def reviewer_municipality(session: AsyncSession, actor: Actor | None) -> uuid.UUID | None:
    """The kommune whose refused probes the caller reviews, or None (the policies decide)."""
    if actor is None:
        return None
    municipality_id = await coordinating_unit_of(session, actor)
    if not decide_globally(
        actor, Action.REVIEW_SECURITY, in_coordinating_unit=municipality_id is not None
    ):
        return None
    return municipality_id


async def refused_probes(
    session: AsyncSession, municipality_id: uuid.UUID, *, after: uuid.UUID | None, limit: int
) -> Sequence[AccessLogEntry]:
    """Outsider refusals about children of the kommune, newest first. A probe at an id that
    is no child has no kommune, and so is in no kommune's review."""
    child_ids = select(Child.id).where(Child.municipality_id == municipality_id)
    query = select(AccessLogEntry).where(
        col(AccessLogEntry.outsider).is_(True), col(AccessLogEntry.child_id).in_(child_ids)
    )
    if after is not None:
        query = query.where(col(AccessLogEntry.id) < after)
    rows = await session.exec(query.order_by(col(AccessLogEntry.id).desc()).limit(limit))
    return rows.all()


def child_ref(child_id: uuid.UUID, secret: str) -> str:
    """A stable reference to the child for the review: the same child gives the same reference
    (probes can be grouped), but it is not the child's id, so the reviewer, who is not in the
    child's network, cannot use it to ask for the child or link it to other answers."""
    digest = hmac.new(secret.encode(), b"security-review:" + child_id.bytes, hashlib.sha256)
    return digest.hexdigest()[:20]


@strawberry.type(
    description="A refused probe by someone outside the child's network: who tried and when, "
    "never the child's information."
)
class SecurityReviewEntry:
    id: strawberry.ID
    at: dt.datetime
    child_ref: strawberry.ID = strawberry.field(
        description="An opaque id of the child the probe was about (no name, no data)."
    )
    who: str = strawberry.field(description="The name of the person who tried.")
    who_person_id: strawberry.ID | None
    organisation: str | None
    roles: list[str] = strawberry.field(
        description="Their roles in the child's network (empty: that is what makes it a probe)."
    )
    refused: list[str] = strawberry.field(description="What was asked for, in plain words.")
    purpose: str = strawberry.field(description="Why, in plain words (see purposeCode).")
    purpose_code: Purpose = strawberry.field(
        description="The purpose of the refused request; USE where the purpose itself would "
        "tell a category of the child's information."
    )
    via: str

    @classmethod
    def of(cls, row: AccessLogEntry, language: str, secret: str) -> SecurityReviewEntry:
        purpose = purposes.stored(row.purpose)
        if row.purpose_category is not None:
            # The reviewer reads no category of the child's: a purpose that tells one is plain use.
            purpose = Purpose.USE
        return cls(
            id=strawberry.ID(str(row.id)),
            at=row.at,
            child_ref=strawberry.ID(child_ref(row.child_id, secret)),
            who=row.actor_name,
            who_person_id=strawberry.ID(str(row.actor_person_id)) if row.actor_person_id else None,
            organisation=row.organisation,
            roles=list(row.roles),
            refused=[in_words(w, language) for w in row.refused],
            purpose=purposes.label(purpose, language),
            purpose_code=purpose,
            via=row.via,
        )


@strawberry.type
class SecurityReviewEdge:
    cursor: str
    node: SecurityReviewEntry


@strawberry.type
class SecurityReviewConnection:
    edges: list[SecurityReviewEdge]
    page_info: PageInfo


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="Refused probes by people outside a child's network, about your kommune's "
        "children, newest first. Cursor-paginated. Staff of the coordinating unit only; empty "
        "for others. Every read is audited."
    )
    async def security_review(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> SecurityReviewConnection:
        limit, after_id = page_args(first, after, info.context.language)
        actor = info.context.actor
        async with info.context.db.reading() as session:
            municipality_id = await reviewer_municipality(session, actor)
            rows = (
                await refused_probes(session, municipality_id, after=after_id, limit=limit + 1)
                if municipality_id is not None
                else []
            )
        if municipality_id is None:
            return SecurityReviewConnection(
                edges=[], page_info=PageInfo(has_next_page=False, end_cursor=None)
            )
        shown = rows[:limit]
        # The read is recorded before the answer leaves; if it cannot be, no answer leaves.
        async with info.context.db.writing() as session:
            audit.record(
                session,
                actor,
                action="security_review.read",
                entity_type="municipality",
                entity_id=municipality_id,
                child_id=None,
                detail={"entries": [str(r.id) for r in shown], "after": after},
            )
        secret = info.context.settings.effective_secret_key()
        edges = [
            SecurityReviewEdge(
                cursor=encode_cursor(r.id),
                node=SecurityReviewEntry.of(r, info.context.language, secret),
            )
            for r in shown
        ]
        return SecurityReviewConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(rows) > limit, end_cursor=edges[-1].cursor if edges else None
            ),
        )


# Why the access log says this was read (see backend.audit.purposes).
purposes.register({"securityReview": Purpose.SECURITY_REVIEW})
