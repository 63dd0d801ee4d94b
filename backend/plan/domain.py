"""The coordinated plan (individuell plan) as the registry sees it."""

from backend.events.registry import Domain
from backend.plan import jobs, rules
from backend.plan.leader_schema import LeaderQuery, RaisedDisagreement
from backend.plan.models import TABLES
from backend.plan.schema import PlanMutation
from backend.plan.types import ChildVoice, Disagreement, Evaluation, Goal, Measure, Need, Plan, Task

DOMAIN = Domain(
    name="plan",
    # What this domain shows changes with child events or rows the read cache checks.
    cache_checked=True,
    tables=TABLES,
    query=LeaderQuery,
    mutation=PlanMutation,
    types=(
        Plan,
        Need,
        Goal,
        Measure,
        Evaluation,
        Task,
        ChildVoice,
        Disagreement,
        RaisedDisagreement,
    ),
    renderers=rules.RENDERERS,
    categorizers=rules.CATEGORIZERS,
    listeners=(rules.apply_rules,),
    # Overdue evaluations and tasks remind the responsible person, once per due date.
    daily_jobs=(jobs.record_overdue,),
)
