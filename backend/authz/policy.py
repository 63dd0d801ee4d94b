"""Who may do what, as plain policy functions over the caller and their roles in a network.

Deny by default: an action not listed here is refused. These rules are the foundation's;
the Cedar policies in policies/ take over as the single source of decisions.
"""

from __future__ import annotations

import enum

from backend.identity.actor import Actor
from backend.network.models import NetworkRole


class Action(enum.Enum):
    VIEW_CHILD = "view_child"
    REGISTER_CHILD = "register_child"
    UPDATE_CHILD = "update_child"
    MANAGE_NETWORK = "manage_network"
    ASSIGN_COORDINATOR = "assign_coordinator"
    REGISTER_SERVICE = "register_service"
    VIEW_DIRECTORY = "view_directory"


# Actions on one child, by the caller's active roles in that child's network.
_CHILD_RULES: dict[Action, frozenset[NetworkRole]] = {
    Action.VIEW_CHILD: frozenset(NetworkRole),
    Action.UPDATE_CHILD: frozenset({NetworkRole.COORDINATOR}),
    Action.MANAGE_NETWORK: frozenset({NetworkRole.COORDINATOR}),
    Action.ASSIGN_COORDINATOR: frozenset({NetworkRole.COORDINATOR}),
}


def allowed_on_child(action: Action, roles: frozenset[NetworkRole]) -> bool:
    permitted = _CHILD_RULES.get(action, frozenset())
    return bool(roles & permitted)


def allowed_globally(actor: Actor, action: Action) -> bool:
    """Actions that are not about one child: staff of a kommune register children and services."""
    if action in (Action.REGISTER_CHILD, Action.REGISTER_SERVICE):
        return actor.is_staff and actor.municipality_id is not None
    if action is Action.VIEW_DIRECTORY:
        return actor.is_staff
    return False
