"""The one place that knows every domain: each folder's `domain.py`, registered in order.

Every entry point (app factory, CLI, jobs worker, Alembic, tests, bench) calls `install()`
before it needs tables, the schema or the change listeners. `core/` and `events/` never import
this module (nor any domain); they ask `backend.events.registry`.

Adding a domain: one import line and one entry in `DOMAINS`, in the marked spot below.
"""

from __future__ import annotations

from backend.audit.domain import DOMAIN as audit
from backend.catalogue.domain import DOMAIN as catalogue
from backend.children.domain import DOMAIN as children
from backend.consent.domain import DOMAIN as consent
from backend.events import registry
from backend.events.registry import Domain
from backend.identity.domain import DOMAIN as identity
from backend.meeting.domain import DOMAIN as meeting
from backend.network.domain import DOMAIN as network
from backend.notify.domain import DOMAIN as notify

# --- New domains: import their DOMAIN here ... ---
from backend.pathway.domain import DOMAIN as pathway
from backend.plan.domain import DOMAIN as plan
from backend.right.domain import DOMAIN as right

# Registration order is the order of the schema's fields and of the change listeners.
DOMAINS: tuple[Domain, ...] = (
    identity,
    audit,
    children,
    network,
    consent,
    notify,
    # --- ... and add them here, after the existing ones. ---
    plan,
    catalogue,
    right,
    pathway,
    meeting,
)

_installed = False


def install() -> None:
    """Register every domain once (calling it again does nothing)."""
    global _installed
    if _installed:
        return
    for domain in DOMAINS:
        registry.register(domain)
    _installed = True
