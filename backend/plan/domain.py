"""The coordinated plan (individuell plan) as the registry sees it."""

from backend.events.registry import Domain
from backend.plan import jobs, rules
from backend.plan.models import TABLES
from backend.plan.schema import PlanMutation
from backend.plan.types import ChildVoice, Disagreement, Evaluation, Goal, Measure, Need, Plan, Task

DOMAIN = Domain(
    name="plan",
    tables=TABLES,
    mutation=PlanMutation,
    types=(Plan, Need, Goal, Measure, Evaluation, Task, ChildVoice, Disagreement),
    renderers=rules.RENDERERS,
    categorizers=rules.CATEGORIZERS,
    listeners=(rules.apply_rules,),
    # Overdue evaluations and tasks remind the responsible person, once per due date.
    daily_jobs=(jobs.record_overdue,),
)
