"""Why someone read a child's data (tjenstlig behov), for the access log.

The purpose is never what the client names its operation: that text is the caller's own and
would let anyone write "ordered by the parents" into a family's log. Staff choose a purpose
from a fixed list (the GraphQL request's `extensions.purpose`, e.g. `{"purpose":
"MEETING_PREPARATION"}`); otherwise the server derives it from what was asked for: each
domain registers its root fields (queries, mutations, subscriptions) with a purpose, and,
where the purpose itself tells something (a child's own health choice), the category a
reader needs to see it.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from backend.authz.policy import Category
from backend.core.database import Database
from backend.core.i18n import Text, pick
from backend.identity.actor import Actor
from graphql import (
    FieldNode,
    GraphQLObjectType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    value_from_ast_untyped,
)


class Purpose(enum.Enum):
    """Purposes in the access log. The first five are chosen by staff; the rest derived."""

    FOLLOW_UP = "FOLLOW_UP"
    MEETING_PREPARATION = "MEETING_PREPARATION"
    PLAN_WORK = "PLAN_WORK"
    CASE_WORK = "CASE_WORK"
    EMERGENCY = "EMERGENCY"
    CHILD_WORKSPACE = "CHILD_WORKSPACE"
    CASELOAD = "CASELOAD"
    CHILD_DETAILS = "CHILD_DETAILS"
    NETWORK_WORK = "NETWORK_WORK"
    CONSENT = "CONSENT"
    OWN_CHOICES = "OWN_CHOICES"
    NOTIFICATIONS = "NOTIFICATIONS"
    LIVE_UPDATES = "LIVE_UPDATES"
    USE = "USE"
    SECURITY_REVIEW = "SECURITY_REVIEW"
    # A network meeting (its agenda, invitations, minutes), read by those taking part.
    MEETING = "MEETING"
    # Shown, never stored: a refusal for someone outside the network, in neutral words.
    OUTSIDER_REFUSED = "OUTSIDER_REFUSED"


CHOSEN_BY_STAFF = frozenset(
    {
        Purpose.FOLLOW_UP,
        Purpose.MEETING_PREPARATION,
        Purpose.PLAN_WORK,
        Purpose.CASE_WORK,
        Purpose.EMERGENCY,
    }
)

LABELS: dict[Purpose, Text] = {
    Purpose.FOLLOW_UP: ("Oppfølging av barnet", "Oppfølging av barnet", "Following up the child"),
    Purpose.MEETING_PREPARATION: (
        "Forberedelse til møte",
        "Førebuing til møte",
        "Preparing a meeting",
    ),
    Purpose.PLAN_WORK: ("Arbeid med planen", "Arbeid med planen", "Work on the plan"),
    Purpose.CASE_WORK: ("Saksbehandling", "Sakshandsaming", "Case work"),
    Purpose.EMERGENCY: ("Akutt situasjon", "Akutt situasjon", "Emergency"),
    Purpose.CHILD_WORKSPACE: (
        "Arbeid i barnets nettverk",
        "Arbeid i nettverket til barnet",
        "Work in the child's network",
    ),
    Purpose.CASELOAD: (
        "Oversikt over egne barn",
        "Oversikt over eigne born",
        "Overview of one's children",
    ),
    Purpose.CHILD_DETAILS: (
        "Registrering av barnets opplysninger",
        "Registrering av opplysningane til barnet",
        "Recording the child's details",
    ),
    Purpose.NETWORK_WORK: ("Arbeid med nettverket", "Arbeid med nettverket", "Work on the network"),
    Purpose.CONSENT: ("Samtykke", "Samtykke", "Consent"),
    Purpose.OWN_CHOICES: (
        "Barnets egne valg",
        "Barnet sine eigne val",
        "The child's own choices",
    ),
    Purpose.NOTIFICATIONS: ("Varsler", "Varsel", "Notifications"),
    Purpose.LIVE_UPDATES: (
        "Følger endringer direkte",
        "Følgjer endringar direkte",
        "Following changes live",
    ),
    Purpose.USE: ("Bruk av Koordinat", "Bruk av Koordinat", "Use of Koordinat"),
    Purpose.SECURITY_REVIEW: (
        "Kommunens sikkerhetsgjennomgang",
        "Sikkerheitsgjennomgangen til kommunen",
        "The kommune's security review",
    ),
    Purpose.MEETING: ("Møte i nettverket", "Møte i nettverket", "A network meeting"),
    Purpose.OUTSIDER_REFUSED: (
        "Noen utenfor nettverket prøvde å åpne barnets opplysninger; forsøket ble stoppet "
        "og ligger i kommunens sikkerhetsgjennomgang",
        "Nokon utanfor nettverket prøvde å opne opplysningane til barnet; forsøket vart "
        "stoppa og ligg i tryggleiksgjennomgangen til kommunen",
        "Someone outside the network tried to open the child's data; it was stopped and is "
        "in the kommune's security review",
    ),
}

# Who looked, for a refusal of someone outside the network (never their name).
OUTSIDER: Text = (
    "Noen utenfor nettverket",
    "Nokon utanfor nettverket",
    "Someone outside the network",
)


def label(purpose: Purpose, language: str) -> str:
    return pick(LABELS[purpose], language)


def stored(value: str) -> Purpose:
    """A logged purpose as shown: anything not on the list (rows written before the list,
    when the client's operation name was stored) reads as plain use."""
    try:
        purpose = Purpose(value)
    except ValueError:
        return Purpose.USE
    return Purpose.USE if purpose is Purpose.OUTSIDER_REFUSED else purpose


# What a root field's arguments (as sent: plain JSON values, enum values by name) tell
# about the category of its purpose (None: nothing).
CategoryOf = Callable[[Mapping[str, Any], Database], Awaitable[Category | None]]


@dataclass(frozen=True)
class FieldPurpose:
    purpose: Purpose
    # A fixed category a reader needs to see the purpose, or one read from the arguments.
    category: Category | None = None
    category_of: CategoryOf | None = None


@dataclass(frozen=True)
class LoggedPurpose:
    """The purpose written to a log row, and the category a reader needs to see it."""

    purpose: Purpose
    category: Category | None = None


ROOT_FIELDS: dict[str, FieldPurpose] = {}


def register(fields: Mapping[str, Purpose | FieldPurpose]) -> None:
    """A domain names the purpose of each of its root fields (in the GraphQL spelling)."""
    for name, value in fields.items():
        if name in ROOT_FIELDS:
            raise ValueError(f"root field {name!r} has a purpose already")
        ROOT_FIELDS[name] = value if isinstance(value, FieldPurpose) else FieldPurpose(value)


def for_root_field(name: str) -> LoggedPurpose:
    """A purpose for a root field named by the server itself (a live stream)."""
    found = ROOT_FIELDS.get(name)
    return LoggedPurpose(found.purpose, found.category) if found else LoggedPurpose(Purpose.USE)


def chosen(extensions: Mapping[str, Any] | None, actor: Actor | None) -> Purpose | None:
    """The purpose staff chose for this request; other callers' choices are not theirs to
    make (a guardian reads as a guardian), and values off the list are not purposes."""
    if actor is None or not actor.is_staff or not extensions:
        return None
    value = extensions.get("purpose")
    try:
        purpose = Purpose(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return purpose if purpose in CHOSEN_BY_STAFF else None


def _root_fields(selection: SelectionSetNode) -> list[FieldNode]:
    found: list[FieldNode] = []
    for node in selection.selections:
        if isinstance(node, FieldNode):
            found.append(node)
        elif isinstance(node, InlineFragmentNode):
            found.extend(_root_fields(node.selection_set))
    return found


async def derive(
    operation: OperationDefinitionNode | None,
    root_type: GraphQLObjectType | None,
    variables: Mapping[str, Any] | None,
    db: Database,
) -> LoggedPurpose:
    """The purpose of the first registered root field asked for, with its category."""
    if operation is None or root_type is None:
        return LoggedPurpose(Purpose.USE)
    for node in _root_fields(operation.selection_set):
        found = ROOT_FIELDS.get(node.name.value)
        field = root_type.fields.get(node.name.value)
        if found is None or field is None:
            continue
        category = found.category
        if found.category_of is not None:
            # The arguments as sent (variables substituted); validation has passed already.
            arguments = {
                a.name.value: value_from_ast_untyped(a.value, dict(variables or {}))
                for a in node.arguments or ()
            }
            category = await found.category_of(arguments, db)
        return LoggedPurpose(found.purpose, category)
    return LoggedPurpose(Purpose.USE)


async def purpose_of(execution_context: Any) -> LoggedPurpose:
    """The purpose of one executed GraphQL operation, for its access-log rows: chosen by
    staff, or derived from its root fields. The client's operation name plays no part."""
    context = execution_context.context
    actor = getattr(context, "actor", None)
    operation = _operation(execution_context)
    derived = await derive(
        operation,
        _root_type(execution_context, operation),
        execution_context.variables,
        context.db,
    )
    picked = chosen(execution_context.operation_extensions, actor)
    if picked is not None:
        # The derived category still holds: a chosen purpose does not unhide a choice.
        return LoggedPurpose(picked, derived.category)
    return derived


def _operation(execution_context: Any) -> OperationDefinitionNode | None:
    document = execution_context.graphql_document
    if document is None:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    name = execution_context.operation_name
    for operation in operations:
        if name is None or (operation.name is not None and operation.name.value == name):
            return operation
    return None


def _root_type(
    execution_context: Any, operation: OperationDefinitionNode | None
) -> GraphQLObjectType | None:
    if operation is None:
        return None
    schema = execution_context.schema._schema
    return schema.get_root_type(operation.operation)
