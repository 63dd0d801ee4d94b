"""Who is calling (defined in backend.core.actor, which every layer may import)."""

from backend.core.actor import Actor, PersonKind

__all__ = ["Actor", "PersonKind"]
