"""Legal deadlines in Norwegian dates: weekends and public holidays move the last day."""

import datetime as dt

import pytest

from backend.core.deadlines import deadline_after, is_working_day, next_working_day, oslo_date


def test_four_weeks_ending_on_good_friday_move_past_easter_monday() -> None:
    # Told Friday 26 February 2027: four weeks end on Good Friday (26 March); Saturday, Easter
    # Sunday and Easter Monday follow, so the last day is Tuesday 30 March.
    assert deadline_after(dt.date(2027, 2, 26), weeks=4) == dt.date(2027, 3, 30)


def test_a_deadline_on_a_working_day_stays() -> None:
    assert deadline_after(dt.date(2027, 1, 4), weeks=4) == dt.date(2027, 2, 1)


def test_weekend_and_constitution_day() -> None:
    assert not is_working_day(dt.date(2027, 5, 17))  # 17 May, also Whit Monday in 2027
    assert next_working_day(dt.date(2027, 5, 15)) == dt.date(2027, 5, 18)


def test_the_oslo_date_of_a_moment_across_the_daylight_saving_change() -> None:
    # 23:30 UTC on Saturday 27 March 2027 is 00:30 on Sunday 28 March in Oslo (the clocks go
    # forward at 02:00 that night); four weeks from the Oslo date end on Sunday 25 April.
    told = oslo_date(dt.datetime(2027, 3, 27, 23, 30, tzinfo=dt.UTC))
    assert told == dt.date(2027, 3, 28)
    assert deadline_after(told, weeks=4) == dt.date(2027, 4, 26)


def test_a_negative_time_limit_is_refused() -> None:
    with pytest.raises(ValueError):
        deadline_after(dt.date(2027, 1, 4), days=-1)
