"""The per-request context: database, settings, caller, language and loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from strawberry.types import Info as StrawberryInfo

from backend.api.loaders import Loaders
from backend.authz.access import Gate
from backend.core.database import Database, Reads
from backend.core.settings import Settings
from backend.identity.actor import Actor

if TYPE_CHECKING:
    from backend.events.hub import LiveHub


@dataclass
class Context:
    db: Database
    settings: Settings
    actor: Actor | None
    language: str
    # "http" or "websocket": recorded in the access log.
    via: str = "http"
    # The process's live-update hub (subscriptions, commit hints); None outside the app.
    live: LiveHub | None = None
    # The operation's reads: shared by the loaders and the gate (one read transaction for a
    # query, see FlushAccessLog).
    reads: Reads = field(init=False)
    loaders: Loaders = field(init=False)
    gate: Gate = field(init=False)

    def __post_init__(self) -> None:
        self.reads = Reads(self.db)
        self.loaders = Loaders(self.db, self.actor, self.reads)
        self.gate = Gate(self.db, self.actor, self.via, self.reads)


Info = StrawberryInfo[Context, None]
