"""Column helpers shared by every domain's tables."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlmodel import Field

from backend.core.database import UTCDateTime, utcnow
from backend.core.ids import new_id


def id_field() -> Any:
    return Field(default_factory=new_id, primary_key=True)


def created_at_field() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def utc_field(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def fk(target: str, *, nullable: bool = False, index: bool = True) -> Any:
    return Field(default=None, foreign_key=target, nullable=nullable, index=index)


__all__ = ["created_at_field", "dt", "fk", "id_field", "utc_field", "uuid"]
