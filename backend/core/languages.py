"""Language codes (ISO 639-1 or 639-3) for preferred and interpreter languages.

Checked against the ISO 639 list that pycountry keeps current, so `zz` is refused while
every real language (Northern Sami `se`/`sme`, Dari `prs`, Tigrinya `ti`...) is accepted.
"""

import re

import pycountry

from backend.core.errors import Collector, ErrorCode

_CODE = re.compile(r"^[a-z]{2,3}$")
# "Undetermined", "no linguistic content", "multiple languages": not a language to speak.
_SPECIAL = "S"


def is_language(code: str) -> bool:
    key = "alpha_2" if len(code) == 2 else "alpha_3"
    language = pycountry.languages.get(**{key: code})
    return language is not None and getattr(language, "type", None) != _SPECIAL


def language_code(errors: Collector, field: str, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    code = value.strip().lower()
    if not _CODE.match(code) or not is_language(code):
        errors.add(ErrorCode.INVALID, field)
        return None
    return code
