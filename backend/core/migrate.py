"""Schema changes go through Alembic only, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import create_async_engine


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", "backend.core:migrations")
    config.set_main_option("sqlalchemy.url", url)
    return config


async def upgrade(url: str, revision: str = "heads") -> None:
    """Upgrade the database at `url` (works from inside a running event loop)."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:

            def _run(sync_connection: object) -> None:
                config = alembic_config(url)
                config.attributes["connection"] = sync_connection
                command.upgrade(config, revision)

            await connection.run_sync(_run)
    finally:
        await engine.dispose()


def upgrade_sync(url: str, revision: str = "heads") -> None:
    asyncio.run(upgrade(url, revision))
