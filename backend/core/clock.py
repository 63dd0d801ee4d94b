"""Dates as the family and the kommune see them: in Norwegian time."""

import datetime as dt
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")


def today() -> dt.date:
    return dt.datetime.now(OSLO).date()
