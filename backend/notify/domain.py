"""The notify domain as the registry sees it: notifications, preferences, the person's feed."""

from backend.events.registry import Domain
from backend.notify.models import (
    DigestState,
    Notification,
    NotificationPreference,
    PersonFeedCounter,
)
from backend.notify.rules import apply_rules
from backend.notify.schema import NotifyMutation, NotifyQuery
from backend.notify.stream import FEED, NotifySubscription

DOMAIN = Domain(
    name="notify",
    tables=(Notification, NotificationPreference, DigestState, PersonFeedCounter),
    query=NotifyQuery,
    mutation=NotifyMutation,
    subscription=NotifySubscription,
    # Notification rows are part of the change: same transaction, never a second write later.
    listeners=(apply_rules,),
    person_feed=FEED,
)
