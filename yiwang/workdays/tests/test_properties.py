"""The fast engine against a slow, obviously-correct oracle: the chinese_calendar package itself,
stepped one day (or one office period) at a time. No database."""

import datetime as dt

from chinese_calendar import is_workday as oracle_is_workday
from hypothesis import given, settings
from hypothesis import strategies as st

from yiwang.workdays.arithmetic import US, WorkCalendar, WorkSchedule
from yiwang.workdays.library import library_days, library_years

from .helpers import SHANGHAI, at

CALENDAR = WorkCalendar(
    known_years=library_years(), days=[(d.date, d.is_workday, d.name) for d in library_days()]
)
PERIODS = ((8 * 60 + 30, 12 * 60), (14 * 60, 18 * 60))  # minutes
SCHEDULE = WorkSchedule(
    periods=tuple((a * 60 * US, b * 60 * US) for a, b in PERIODS), day_end=18 * 3600 * US, tz=SHANGHAI
)
LAST = dt.date(library_years().stop - 1, 12, 31)

moments = st.builds(
    lambda day, minute: at(day.year, day.month, day.day) + dt.timedelta(minutes=minute),
    st.dates(dt.date(2004, 1, 1), LAST - dt.timedelta(days=120)),
    st.integers(0, 24 * 60 - 1),
)


def oracle_add_days(start: dt.datetime, n: int) -> dt.datetime:
    day = start.astimezone(SHANGHAI).date()
    while n:
        day += dt.timedelta(days=1)
        n -= oracle_is_workday(day)
    return at(day.year, day.month, day.day, 18)


def oracle_office_minutes(a: dt.datetime, b: dt.datetime) -> int:
    total, day = 0, a.date()
    while day <= b.date():
        if oracle_is_workday(day):
            for p0, p1 in PERIODS:
                lo = max(at(day.year, day.month, day.day) + dt.timedelta(minutes=p0), a)
                hi = min(at(day.year, day.month, day.day) + dt.timedelta(minutes=p1), b)
                total += max(0, int((hi - lo).total_seconds() // 60))
        day += dt.timedelta(days=1)
    return total


@settings(max_examples=300, deadline=None)
@given(moments, st.integers(1, 60))
def test_add_working_days_matches_a_day_by_day_walk(start, n):
    result = CALENDAR.add_working_days(start, n, SCHEDULE)
    assert result.due == oracle_add_days(start, n)
    assert result.missing_years == frozenset()


@settings(max_examples=300, deadline=None)
@given(moments, st.integers(0, 60 * 24 * 30))
def test_working_time_matches_a_period_by_period_walk(start, minutes):
    end = start + dt.timedelta(minutes=minutes)
    measured = CALENDAR.working_time_between(start, end, (), SCHEDULE).duration
    assert measured == dt.timedelta(minutes=oracle_office_minutes(start, end))


@settings(max_examples=300, deadline=None)
@given(moments, st.integers(1, 60 * 7 * 20))
def test_add_working_time_is_the_earliest_instant_with_that_much_office_time(start, minutes):
    due = CALENDAR.add_working_time(start, dt.timedelta(minutes=minutes), SCHEDULE).due
    assert oracle_office_minutes(start, due) == minutes
    assert oracle_office_minutes(start, due - dt.timedelta(minutes=1)) == minutes - 1


@settings(max_examples=200, deadline=None)
@given(moments, st.integers(1, 40))
def test_extend_then_count_round_trips(start, n):
    due = CALENDAR.add_working_days(start, n, SCHEDULE).due
    assert CALENDAR.working_days_between(start, due, SCHEDULE).days == n
