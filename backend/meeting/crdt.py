"""Referatet som delt dokument: the minutes as one Yjs document, kept as its updates.

The browser edits the minutes with Yjs (`ydoc.getText("general")` and, per agenda item,
`ydoc.getText("item:<agendaItemId>:discussion")` and `...:decisions`); the server speaks the
same format through pycrdt (Yrs). Every accepted update is a `MinutesUpdate` row (Yjs update
encoding v1) numbered in commit order under the `Minutes` row's lock, so the document is
always "every row applied in `seq` order": a restart or a dropped connection loses nothing,
and any process can catch up by reading the rows after the last one it has seen.

`append_update` is the document's one write path (the live channel calls it for every
update a writer sends): authorized as `writeMinutes` on the meeting, open minutes only,
capped in size. Updates carry no event of their own: the rows are the record (who, when),
and closing the minutes (a frozen `MinutesVersion`) is the change the network hears of.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from pycrdt import Doc, Text, get_state, merge_updates
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.identity.actor import Actor
from backend.meeting.access import MeetingAction, decide, meeting_facts
from backend.meeting.models import Meeting, MeetingStatus, Minutes, MinutesState, MinutesUpdate

log = logging.getLogger("koordinat.meeting.crdt")

# One update as a client sends it, and the whole document (the stored updates together):
# over either, the update is refused.
MAX_UPDATE_BYTES = 64 * 1024
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024

GENERAL = "general"
DISCUSSION = "discussion"
DECISIONS = "decisions"
ITEM_PARTS = (DISCUSSION, DECISIONS)
# The encoding of an update that changes nothing.
EMPTY_UPDATE = b"\x00\x00"


def item_text_name(agenda_item_id: uuid.UUID | str, part: str) -> str:
    """The Y text of one part ("discussion" or "decisions") of one agenda item."""
    return f"item:{agenda_item_id}:{part}"


def is_valid_update(update: bytes) -> bool:
    """Whether `update` decodes as a Yjs update (v1): a row that does not would break the
    document for everyone who loads it."""
    if not update or len(update) > MAX_UPDATE_BYTES:
        return False
    try:
        get_state(update)
        Doc().apply_update(update)
    except Exception:
        return False
    return True


def merge(updates: Iterable[bytes]) -> bytes:
    """The updates as one; an update Yrs refuses is left out (and logged) so that one bad
    row cannot make the whole document unreadable."""
    rows = list(updates)
    if not rows:
        return EMPTY_UPDATE
    try:
        return merge_updates(*rows)
    except Exception:
        log.warning("minutes updates did not merge; applying them one by one")
    doc: Doc = Doc()
    for number, update in enumerate(rows):
        try:
            doc.apply_update(update)
        except Exception:
            log.warning("skipping an unreadable minutes update (#%d of %d)", number, len(rows))
    return doc.get_update()


async def document_state(session: AsyncSession, meeting_id: uuid.UUID) -> bytes:
    """The whole document: every accepted update of the meeting's minutes, merged."""
    rows = await session.exec(
        select(MinutesUpdate.data)
        .where(MinutesUpdate.meeting_id == meeting_id)
        .order_by(col(MinutesUpdate.seq))
    )
    return merge(rows.all())


def read_texts(state: bytes, agenda_item_ids: Iterable[uuid.UUID | str]) -> dict[str, Any]:
    """The texts of a document state, in `MinutesVersion.content`'s shape."""
    doc: Doc = Doc()
    if state and state != EMPTY_UPDATE:
        doc.apply_update(state)

    def text(name: str) -> str:
        try:
            return str(doc.get(name, type=Text))
        except Exception:
            # A root of another type under that name (not written by our web app).
            return ""

    return {
        GENERAL: text(GENERAL),
        "items": {
            str(item): {part: text(item_text_name(item, part)) for part in ITEM_PARTS}
            for item in agenda_item_ids
        },
    }


async def snapshot(
    session: AsyncSession, meeting_id: uuid.UUID, agenda_item_ids: Iterable[uuid.UUID | str]
) -> dict[str, Any]:
    """The minutes' text now, as `MinutesVersion.content` keeps it:
    {"general": str, "items": {agenda item id: {"discussion": str, "decisions": str}}}."""
    return read_texts(await document_state(session, meeting_id), agenda_item_ids)


def seed_update(texts: Mapping[str, Any]) -> bytes:
    """An update that writes these texts into an empty document (demo data and tests).

    `texts` is `snapshot`'s shape ({"general": ..., "items": {id: {"discussion": ...,
    "decisions": ...}}}), or Y text names mapped to their text ({"general": ...,
    "item:<id>:decisions": ...}), or both.
    """
    doc: Doc = Doc()
    flat: dict[str, str] = {}
    for name, value in texts.items():
        if name == "items" and isinstance(value, Mapping):
            for item, parts in value.items():
                for part in ITEM_PARTS:
                    if parts.get(part):
                        flat[item_text_name(item, part)] = str(parts[part])
        elif isinstance(value, str):
            flat[name] = value
    with doc.transaction():
        for name, value in flat.items():
            doc.get(name, type=Text).insert(0, value)
    return doc.get_update()


# --- the write path


@dataclass(frozen=True, slots=True)
class Appended:
    """An accepted update: its number in the document."""

    seq: int


class Refused(Exception):
    """An update that is not stored; `reason` is for the server's log (nothing of the text).

    `too_large`: the update or the document is over its cap (the writer may write, but not
    this); otherwise the caller may not write (now), or it was no update at all."""

    def __init__(self, reason: str, *, too_large: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.too_large = too_large


async def _lock_minutes(session: AsyncSession, meeting: Meeting) -> Minutes:
    """The meeting's minutes row, locked for this transaction (made when it is missing)."""
    locked = select(Minutes).where(Minutes.meeting_id == meeting.id).with_for_update()
    minutes = (await session.exec(locked)).first()
    if minutes is not None:
        return minutes
    try:
        async with session.begin_nested():
            session.add(Minutes(meeting_id=meeting.id, child_id=meeting.child_id))
    except IntegrityError:
        pass  # another writer made it first: take theirs
    minutes = (await session.exec(locked.execution_options(populate_existing=True))).first()
    assert minutes is not None
    return minutes


async def append_update(
    session: AsyncSession,
    actor: Actor,
    meeting_id: uuid.UUID,
    update: bytes,
    *,
    known: tuple[int, int] | None = None,
) -> Appended:
    """Store one update of the minutes as the next `MinutesUpdate` (in the caller's
    transaction, which must be a write session), or raise `Refused`.

    Authorized as writeMinutes on the meeting under the `Minutes` row's lock (so a close
    and an update cannot interleave), on open minutes of a meeting that is not cancelled,
    within the size caps. `known` is (seq, bytes): the caller already knows the size of the
    rows up to seq, so only the newer rows are summed.
    """
    if len(update) > MAX_UPDATE_BYTES:
        raise Refused("update too large", too_large=True)
    if update == EMPTY_UPDATE or not is_valid_update(update):
        raise Refused("not a document update")
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None:
        raise Refused("no such meeting")
    minutes = await _lock_minutes(session, meeting)
    await session.refresh(meeting)  # read again under the lock
    if minutes.state != MinutesState.OPEN.value:
        raise Refused("minutes closed")
    if meeting.status == MeetingStatus.CANCELLED.value:
        raise Refused("meeting cancelled")
    facts = await meeting_facts(session, actor, meeting)
    if not decide(actor, MeetingAction.WRITE_MINUTES, facts):
        raise Refused("not allowed")
    after, size = known if known is not None and known[0] <= minutes.head_seq else (0, 0)
    rows = MinutesUpdate.__table__.c  # type: ignore[attr-defined]
    newer = (
        await session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(sa.func.length(rows.data)), 0)).where(
                rows.meeting_id == meeting_id, rows.seq > after
            )
        )
    ).scalar_one()
    if size + int(newer) + len(update) > MAX_DOCUMENT_BYTES:
        raise Refused("document too large", too_large=True)
    seq = minutes.head_seq + 1
    session.add(
        MinutesUpdate(
            meeting_id=meeting_id,
            child_id=meeting.child_id,
            seq=seq,
            data=update,
            person_id=actor.person_id,
        )
    )
    minutes.head_seq = seq
    session.add(minutes)
    await session.flush()
    return Appended(seq=seq)
