"""The app under a real uvicorn server, for websocket tests (one per database backend)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from backend.app import create_app
from tests.conftest import AppUnderTest, make_settings
from tests.events.live import InProcessServer


@pytest.fixture(scope="session")
async def live_server(
    app_under_test: AppUnderTest, database_url: str
) -> AsyncIterator[InProcessServer]:
    # Its own app (and hub) on the same database the `world` fixture seeds.
    app = create_app(make_settings(database_url, events_recheck_seconds=1.0))
    server = InProcessServer(app)
    await server.start()
    yield server
    await server.stop()
