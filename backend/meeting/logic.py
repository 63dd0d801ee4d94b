"""The meetings' rules that need no database: times in Europe/Oslo, the place as everyone
may be told it, and the checks of a meeting's times and links."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from backend.core.clock import OSLO
from backend.core.errors import Collector, ErrorCode
from backend.core.i18n import Text, pick
from backend.meeting.inputs import FURTHEST_AHEAD, LONGEST

# What a protected place is called in every feed, invitation, e-mail and event.
AGREED_PLACE: Text = ("Avtalt sted", "Avtalt stad", "Agreed place")
TOO_FAR_AHEAD: Text = (
    "Et møte kan planlegges høyst to år fram i tid.",
    "Eit møte kan planleggjast høgst to år fram i tid.",
    "A meeting can be scheduled at most two years ahead.",
)
TOO_LONG_MEETING: Text = (
    "Et møte kan vare høyst 12 timer.",
    "Eit møte kan vare høgst 12 timar.",
    "A meeting can last at most 12 hours.",
)
NOT_HTTPS: Text = (
    "Møtelenken må være en https-adresse.",
    "Møtelenkja må vere ei https-adresse.",
    "The meeting link must be an https address.",
)


def local_iso(moment: dt.datetime) -> str:
    """Europe/Oslo wall time with its offset, e.g. "2027-03-28T10:00:00+02:00"."""
    return moment.astimezone(OSLO).isoformat(timespec="seconds")


def local_text(moment: dt.datetime) -> str:
    """A time as a person reads it in a message: "28.03.2027 10:00" (Europe/Oslo)."""
    return moment.astimezone(OSLO).strftime("%d.%m.%Y %H:%M")


def place_label(place: str | None, protected: bool, language: str) -> str | None:
    """The place, or "agreed place" when it is protected (the place itself never)."""
    if protected:
        return pick(AGREED_PLACE, language)
    return place


def as_utc(moment: dt.datetime) -> dt.datetime | None:
    """A time with an offset, in UTC; a time without one is refused (None)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return None
    return moment.astimezone(dt.UTC)


def check_times(
    errors: Collector,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    now: dt.datetime,
    *,
    start_field: str = "startsAt",
    end_field: str = "endsAt",
) -> None:
    """A meeting starts in the future, within two years, ends after it starts, and lasts at
    most 12 hours. Times without an offset are refused (which Oslo hour would it be?)."""
    if starts_at is None or ends_at is None:
        return
    if starts_at <= now:
        errors.add(ErrorCode.MEETING_IN_PAST, start_field)
    elif starts_at - now > FURTHEST_AHEAD:
        errors.add(ErrorCode.INVALID_DATE, start_field, TOO_FAR_AHEAD)
    if ends_at <= starts_at:
        errors.add(ErrorCode.ENDS_BEFORE_START, end_field)
    elif ends_at - starts_at > LONGEST:
        errors.add(ErrorCode.INVALID, end_field, TOO_LONG_MEETING)


def valid_video_url(value: str) -> bool:
    """An https address with a host (nothing else is a meeting link)."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.hostname) and not any(c.isspace() for c in value)


def clean(value: str | None) -> str | None:
    """Text as stored: trimmed, and empty is nothing."""
    if value is None:
        return None
    value = value.strip()
    return value or None
