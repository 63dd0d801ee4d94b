"""Opaque, time-ordered identifiers (UUID version 7)."""

import uuid

from uuid_utils.compat import uuid7


def new_id() -> uuid.UUID:
    return uuid7()
