"""Language codes (ISO 639-1 or 639-3) for preferred and interpreter languages."""

import re

from backend.core.errors import Collector, ErrorCode

_CODE = re.compile(r"^[a-z]{2,3}$")


def language_code(errors: Collector, field: str, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    code = value.strip().lower()
    if not _CODE.match(code):
        errors.add(ErrorCode.INVALID, field)
        return None
    return code
