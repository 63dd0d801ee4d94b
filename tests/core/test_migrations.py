"""The schema comes from Alembic migrations only, and they match the models."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from backend.core.migrate import alembic_config, upgrade
from backend.core.tables import metadata


async def test_migrated_database_matches_the_models(database_url: str) -> None:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:

            def diff(sync_connection: Any) -> list[Any]:
                context = MigrationContext.configure(sync_connection, opts={"compare_type": True})
                return list(compare_metadata(context, metadata))

            differences = await connection.run_sync(diff)
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    finally:
        await engine.dispose()
    assert differences == []
    assert set(metadata.tables) | {"alembic_version"} == tables


async def test_upgrade_is_idempotent(database_url: str) -> None:
    await upgrade(database_url)
    await upgrade(database_url)
    heads = set(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
            current = {row[0] for row in rows}
    finally:
        await engine.dispose()
    assert current == heads and len(heads) == 1  # one line of migrations, fully applied
