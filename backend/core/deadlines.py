"""Legal deadlines in Norwegian dates: a time limit that ends on a Saturday, Sunday or public
holiday moves to the next working day (forvaltningsloven § 30 and domstolloven § 149 read
together; the same rule the appeal deadline of pasient- og brukerrettighetsloven § 7-2 uses).

Dates, never times: a deadline is a day in Europe/Oslo, so a daylight-saving change between
the start and the end cannot move it. Public holidays come from the `holidays` package.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import holidays

from backend.core.clock import OSLO


@cache
def _norwegian_holidays(year: int) -> frozenset[dt.date]:
    # Sundays are days off anyway; only the named public holidays are taken from the list.
    return frozenset(holidays.country_holidays("NO", years=year, include_sundays=False))


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday and not a Norwegian public holiday."""
    return day.weekday() < 5 and day not in _norwegian_holidays(day.year)


def next_working_day(day: dt.date) -> dt.date:
    """`day` itself when it is a working day, otherwise the first working day after it."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def deadline_after(start: dt.date, *, days: int = 0, weeks: int = 0) -> dt.date:
    """The last day of a time limit of `days`/`weeks` counted from `start` (the day the
    person was told), moved past weekends and public holidays."""
    if days < 0 or weeks < 0:
        raise ValueError("a time limit cannot be negative")
    return next_working_day(start + dt.timedelta(days=days, weeks=weeks))


def oslo_date(moment: dt.datetime) -> dt.date:
    """The Norwegian calendar day of a moment (stored in UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(OSLO).date()
