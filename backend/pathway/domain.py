"""The pathway (pakkeforløp), transitions and signals as the registry sees it."""

from backend.events.registry import Domain
from backend.pathway import jobs, rules, service
from backend.pathway.models import TABLES
from backend.pathway.schema import PathwayMutation, PathwayQuery
from backend.pathway.types import Milestone, Signal, Transition, TransitionItem

DOMAIN = Domain(
    name="pathway",
    tables=TABLES,
    query=PathwayQuery,
    mutation=PathwayMutation,
    types=(Milestone, Transition, TransitionItem, Signal),
    renderers=rules.RENDERERS,
    categorizers=rules.CATEGORIZERS,
    # A granted request starts the pathway; a plan and its evaluations meet milestones;
    # then the notification rules (both in the writer's transaction).
    listeners=(service.on_change, rules.apply_rules),
    # Milestones due soon remind the coordinator; missed ones alert the coordinating unit.
    daily_jobs=(jobs.record_due,),
)
