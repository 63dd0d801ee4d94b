"""The outbox: one row per change, numbered per child in commit order."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from backend.core.models import created_at_field, id_field


class ChildEventCounter(SQLModel, table=True):
    """Last sequence number handed out for a child's events.

    Taking the next number updates this row, which holds its lock until commit: a later
    transaction for the same child waits, so sequence order is commit order and a reader
    following `seq > cursor` can never skip a late commit.
    """

    __tablename__ = "child_event_counter"

    child_id: uuid.UUID = Field(foreign_key="child.id", primary_key=True)
    last_seq: int = Field(default=0)
    # Retention: events with seq <= pruned_seq may have been deleted. A cursor below it
    # cannot be resumed exactly, so a subscriber gets "resync required" instead of a gap.
    pruned_seq: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Event(SQLModel, table=True):
    __tablename__ = "event"
    __table_args__ = (sa.UniqueConstraint("child_id", "seq", name="uq_event_child_seq"),)

    id: uuid.UUID = id_field()
    child_id: uuid.UUID | None = Field(default=None, foreign_key="child.id", nullable=True)
    seq: int | None = Field(default=None)
    kind: str = Field(max_length=64)
    entity_type: str = Field(max_length=32)
    entity_id: uuid.UUID
    actor_person_id: uuid.UUID | None = Field(default=None, foreign_key="person.id")
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    occurred_at: dt.datetime = created_at_field()
