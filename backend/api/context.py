"""The per-request context: database, settings, caller, language and loaders."""

from __future__ import annotations

from dataclasses import dataclass, field

from strawberry.types import Info as StrawberryInfo

from backend.api.loaders import Loaders
from backend.core.database import Database
from backend.core.settings import Settings
from backend.identity.actor import Actor


@dataclass
class Context:
    db: Database
    settings: Settings
    actor: Actor | None
    language: str
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.db, self.actor)


Info = StrawberryInfo[Context, None]
