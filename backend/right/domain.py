"""The right to a barnekoordinator (request, decision, appeal) as the registry sees it."""

from backend.events.registry import Domain
from backend.right import jobs, rules
from backend.right.models import TABLES
from backend.right.schema import RightMutation, RightQuery
from backend.right.types import Appeal, CoordinatorRequest, Decision

# Its events have no renderer: `Event.entity` is null for them (the request is read through
# its own fields, as the reader may read it).
DOMAIN = Domain(
    name="right",
    tables=TABLES,
    query=RightQuery,
    mutation=RightMutation,
    types=(CoordinatorRequest, Decision, Appeal),
    categorizers=rules.CATEGORIZERS,
    listeners=(rules.apply_rules,),
    # A decision soon due reminds the coordinating unit, a late one alerts it (once each).
    daily_jobs=(jobs.record_decisions_due,),
)
