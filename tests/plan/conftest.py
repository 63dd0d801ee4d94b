"""The live server of the event tests, for the plan's live delivery."""

from tests.events.conftest import live_server

__all__ = ["live_server"]
