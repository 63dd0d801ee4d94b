"""What Koordinat asks its Cedar policies, and the facts it asks about.

The rules themselves live in policies/koordinat.cedar, written for a jurist to read. This
module names the actions and turns a caller plus the records of one child into the facts
the policies decide on. Deny by default: any action the policies do not permit is refused.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache

from backend.authz import cedar
from backend.children.models import strictest
from backend.identity.actor import Actor


class Action(enum.Enum):
    VIEW_CHILD = "viewChild"
    UPDATE_CHILD = "updateChild"
    MANAGE_NETWORK = "manageNetwork"
    ASSIGN_COORDINATOR = "assignCoordinator"
    LOWER_ADDRESS_PROTECTION = "lowerAddressProtection"
    READ_CATEGORY = "readCategory"
    RECORD_CONSENT = "recordConsent"
    WITHDRAW_CONSENT = "withdrawConsent"
    SET_HEALTH_WITHHOLDING = "setHealthWithholding"
    READ_ACCESS_LOG = "readAccessLog"
    MANAGE_OWN_MEMBERSHIP = "manageOwnMembership"
    ADD_BARNEVERN_MEMBERSHIP = "addBarnevernMembership"
    REGISTER_CHILD = "registerChild"
    REGISTER_SERVICE = "registerService"
    VIEW_DIRECTORY = "viewDirectory"
    REVIEW_SECURITY = "reviewSecurity"
    # The coordinated plan (backend/plan): who writes which part (policies/koordinat.cedar).
    EDIT_PLAN = "editPlan"
    WRITE_PLAN_ITEM = "writePlanItem"
    UPDATE_FAMILY_SUMMARY = "updateFamilySummary"
    CONFIRM_PLAN = "confirmPlan"
    ADD_CHILD_VOICE = "addChildVoice"
    RECORD_DISAGREEMENT = "recordDisagreement"
    ANSWER_DISAGREEMENT = "answerDisagreement"
    RAISE_DISAGREEMENT = "raiseDisagreement"
    UPDATE_OWN_TASK = "updateOwnTask"
    # The coordinating unit's leader reads and answers a disagreement raised to them.
    HANDLE_RAISED_DISAGREEMENT = "handleRaisedDisagreement"


GLOBAL_ACTIONS = frozenset(
    {Action.REGISTER_CHILD, Action.REGISTER_SERVICE, Action.VIEW_DIRECTORY, Action.REVIEW_SECURITY}
)


class Category(enum.Enum):
    """What a piece of information is, for the field-level rules."""

    BASIC = "basic"
    IDENTITY = "identity"
    LOCATION = "location"
    CONTACT = "contact"
    HEALTH = "health"
    SCHOOL = "school"
    WELFARE = "welfare"
    FAMILY = "family"
    BARNEVERN = "barnevern"
    CONSENTS = "consents"


@dataclass(frozen=True)
class ChildFacts:
    """What the policies know about one caller and one child; hashable, so decisions cache."""

    child_id: uuid.UUID
    roles: frozenset[str]
    has_parental_responsibility: bool
    consented_categories: frozenset[str]
    child_age: int
    health_withheld_from_guardians: bool
    guardians_have_youth_health_consent: bool
    # The network's address protection (an AddressProtection value): the strictest of the
    # child's own and that of every person in the family part of the network.
    protection: str
    # The caller is staff of the coordinating unit (koordinerende enhet) of the child's kommune.
    in_coordinating_unit: bool
    # The services the caller represents in this network (for "own record").
    service_ids: frozenset[uuid.UUID]
    member_ids: frozenset[uuid.UUID]
    # Events up to this sequence number were recorded under `history_protection`.
    history_protection: str = "none"
    history_protected_seq: int = 0
    # The type of the service the caller works for ("" if none), and whether that service
    # is of the child's kommune: the kommune's barnevernstjeneste adds its own membership.
    employer_service_type: str = ""
    employer_in_childs_kommune: bool = False

    @property
    def address_protected(self) -> bool:
        return self.protection != "none"

    @property
    def strictly_confidential(self) -> bool:
        return self.protection == "strictly_confidential"

    def at_event(self, seq: int | None) -> ChildFacts:
        """The facts for rendering an event: one recorded under a protection since lowered
        keeps that protection (history never re-exposes what was protected)."""
        if seq is None or seq > self.history_protected_seq:
            return self
        level = strictest(self.protection, self.history_protection)
        return self if level == self.protection else replace(self, protection=level)

    @cached_property
    def decision_key(self) -> tuple[object, ...]:
        """Everything a decision depends on except the child's id (built once per facts)."""
        return (
            self.roles,
            self.has_parental_responsibility,
            self.consented_categories,
            self.child_age,
            self.health_withheld_from_guardians,
            self.guardians_have_youth_health_consent,
            self.protection,
            self.in_coordinating_unit,
        )

    @property
    def employer_key(self) -> tuple[str, bool]:
        """The facts about the caller's employer, for the actions decided on them."""
        return (self.employer_service_type, self.employer_in_childs_kommune)


# Actions decided on the caller's employer as well (`ChildFacts.employer_key`). Cedar gets
# those facts for these actions only, so every other decision depends on `decision_key`
# alone: what the caches, and live renders shared by readers with the same view, key on.
EMPLOYER_ACTIONS = frozenset({Action.ADD_BARNEVERN_MEMBERSHIP})
NO_EMPLOYER: tuple[str, bool] = ("", False)


def decide_on_child(
    actor: Actor,
    action: Action,
    facts: ChildFacts,
    category: Category = Category.BASIC,
    own: bool = False,
) -> bool:
    return _decide_on_facts(
        actor.kind.value,
        actor.municipality_id is not None,
        action,
        facts.decision_key,
        category,
        own,
        facts.employer_key if action in EMPLOYER_ACTIONS else NO_EMPLOYER,
    )


@lru_cache(maxsize=8192)
def _decide_on_facts(
    kind: str,
    employed_by_kommune: bool,
    action: Action,
    decision_key: tuple[object, ...],
    category: Category,
    own: bool,
    employer: tuple[str, bool] = NO_EMPLOYER,
) -> bool:
    """Decisions depend only on these facts (the policies never name a person or a child),
    so equal facts share one Cedar evaluation within the process."""
    (
        roles,
        has_parental_responsibility,
        consented,
        child_age,
        withheld,
        youth_consent,
        protection,
        in_coordinating_unit,
    ) = decision_key
    employer_service_type, employer_in_childs_kommune = employer
    context = {
        "roles": sorted(roles),  # type: ignore[call-overload]
        "hasParentalResponsibility": has_parental_responsibility,
        "isOwnRecord": own,
        "consentedCategories": sorted(consented),  # type: ignore[call-overload]
        "childAge": child_age,
        "healthWithheldFromGuardians": withheld,
        "guardiansHaveYouthHealthConsent": youth_consent,
        "addressProtected": protection != "none",
        "strictlyConfidential": protection == "strictly_confidential",
        "inChildsCoordinatingUnit": in_coordinating_unit,
        "employerInChildsKommune": employer_in_childs_kommune,
        "category": category.value,
    }
    return cedar.decide(
        principal_id="caller",
        principal_kind=kind,
        employed_by_kommune=employed_by_kommune,
        action=action.value,
        resource_kind="Child",
        resource_id="child",
        context=context,
        employer_service_type=employer_service_type,
    )


def decide_globally(actor: Actor, action: Action, *, in_coordinating_unit: bool = False) -> bool:
    """A question not about one child; `in_coordinating_unit` as `coordinating_unit_of` found."""
    if action not in GLOBAL_ACTIONS:
        return False
    return cedar.decide(
        principal_id=str(actor.person_id),
        principal_kind=actor.kind.value,
        employed_by_kommune=actor.municipality_id is not None,
        action=action.value,
        resource_kind="Application",
        resource_id="koordinat",
        in_coordinating_unit=in_coordinating_unit,
    )
