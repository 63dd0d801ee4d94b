"""Meetings (ansvarsgruppemøter) as the registry sees them: the meeting, its agenda,
invitations, the minutes written together, action items, and the calendar feed."""

from backend.events.registry import Domain
from backend.meeting import calendar, minutes_socket, rules
from backend.meeting.models import TABLES
from backend.meeting.schema import MeetingMutation, MeetingQuery
from backend.meeting.types import Meeting

DOMAIN = Domain(
    name="meeting",
    tables=TABLES,
    query=MeetingQuery,
    mutation=MeetingMutation,
    types=(Meeting,),
    renderers=rules.RENDERERS,
    categorizers=rules.CATEGORIZERS,
    # The notification rules, in the writer's transaction.
    listeners=(rules.apply_rules,),
    # The calendar feed and the live minutes.
    routes=(*calendar.ROUTES, *minutes_socket.ROUTES),
    # Invitations, changes and cancellations carry the meeting as an .ics.
    email_attachments=calendar.EMAIL_ATTACHMENTS,
)
