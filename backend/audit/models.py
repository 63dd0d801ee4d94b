"""Audit trail of changes: who did what, to which record, when."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlmodel import JSON, Column, Field, SQLModel

from backend.core.models import created_at_field, id_field


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"

    id: uuid.UUID = id_field()
    at: dt.datetime = created_at_field()
    actor_person_id: uuid.UUID | None = Field(default=None, foreign_key="person.id", index=True)
    action: str = Field(max_length=64)
    entity_type: str = Field(max_length=32)
    entity_id: uuid.UUID
    child_id: uuid.UUID | None = Field(default=None, foreign_key="child.id", index=True)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
