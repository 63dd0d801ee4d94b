"""The database's tables: SQLModel's metadata, complete once `backend.domains.install()` ran.

Every table is declared by the domain it belongs to (`Domain.tables`, events' own in
`backend.events.registry.EVENT_TABLES`); installing the domains imports them all, and a test
keeps this metadata and the registered tables the same (for Alembic, tests and bench).
"""

from sqlmodel import SQLModel

metadata = SQLModel.metadata

__all__ = ["metadata"]
