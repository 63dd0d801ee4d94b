"""The operation documents in graphql/operations: what the web UI sends (the allow-list)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from backend.core.settings import PROJECT_ROOT

OPERATIONS_DIR = PROJECT_ROOT / "graphql" / "operations"
_FRAGMENT_DEF = re.compile(r"^fragment (\w+) on ", re.MULTILINE)
_SPREAD = re.compile(r"\.\.\.(\w+)")


@cache
def _fragments() -> dict[str, str]:
    text = (OPERATIONS_DIR / "fragments.graphql").read_text()
    parts = re.split(r"(?=^fragment )", text, flags=re.MULTILINE)
    found: dict[str, str] = {}
    for part in parts:
        match = _FRAGMENT_DEF.match(part)
        if match:
            found[match.group(1)] = part.strip() + "\n"
    return found


def document(name: str) -> str:
    """The named operation with every fragment it uses (transitively) appended."""
    body = (OPERATIONS_DIR / f"{name}.graphql").read_text()
    fragments = _fragments()
    needed: list[str] = []
    pending = _SPREAD.findall(body)
    while pending:
        fragment = pending.pop()
        if fragment not in needed and fragment in fragments:
            needed.append(fragment)
            pending.extend(_SPREAD.findall(fragments[fragment]))
    return body + "\n" + "".join(fragments[f] for f in sorted(needed))


def operation_names() -> list[str]:
    return sorted(p.stem for p in Path(OPERATIONS_DIR).glob("*.graphql") if p.stem != "fragments")
