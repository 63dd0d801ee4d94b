"""Fixtures for the consent tests: the live server of tests/events (websocket checks)."""

from tests.events.conftest import live_server

__all__ = ["live_server"]
