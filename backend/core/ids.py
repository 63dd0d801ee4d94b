"""Opaque, time-ordered identifiers (UUID version 7)."""

import uuid

from uuid_utils.compat import uuid7

from backend.core.errors import ErrorCode, UserError, UserErrors


def new_id() -> uuid.UUID:
    return uuid7()


def parse_id(value: object, field: str) -> uuid.UUID:
    """Parse an opaque id; anything malformed reads as 'not found' (on that field)."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise UserErrors([UserError(ErrorCode.NOT_FOUND, field)]) from None
