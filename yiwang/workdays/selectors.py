"""Reads of the working-day calendar: the deadline arithmetic other apps call, and listings.

Every function works on this process's in-memory snapshot (snapshot.py): no query per day, and at
most one cheap revision check every few seconds. Conventions are written down in arithmetic.py.

How the cases app uses it:
    due at dispatch            add_working_days(dispatched_at, 10).due  (or add_working_hours for urgent)
    yellow / red card          deadline_progress(start=..., due=..., paused_intervals=...).fraction_used
    after a suspension         shift_for_pause(due, suspended_at, resumed_at).due
    after an approved extension extend_due(due, n).due
and stores `missing_years` (non-empty = estimated; flag the case and recompute once the year is in).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet

from yiwang.core import clock

from .arithmetic import DayInfo, DeadlineProgress, DeadlineResult, WorkingDays, WorkingTime
from .models import CalendarDay, CalendarYear
from .snapshot import current_calendar, current_schedule

Pauses = Iterable[tuple[dt.datetime, dt.datetime | None]]


def is_workday(date: dt.date) -> bool:
    """Whether people work that day in China; raises ApplicationError("calendar_missing") for a year not entered."""
    if isinstance(date, dt.datetime):
        date = current_schedule().local(date)[0]
    return current_calendar().is_workday(date)


def day_info(date: dt.date) -> DayInfo:
    """The day's kind and holiday name, with `known` False when its year is not entered (never raises)."""
    return current_calendar().day_info(date)


def add_working_days(start: dt.datetime, n: int) -> DeadlineResult:
    """WORKDAY_END (18:00) of the n-th working day after the local day of `start` (that day never counts)."""
    return current_calendar().add_working_days(start, n, current_schedule())


def add_working_time(start: dt.datetime, duration: dt.timedelta) -> DeadlineResult:
    """The earliest instant with `duration` of office-hours time on working days after `start`."""
    return current_calendar().add_working_time(start, duration, current_schedule())


def add_working_hours(start: dt.datetime, hours: float) -> DeadlineResult:
    """add_working_time with a number of hours (urgent categories)."""
    return add_working_time(start, dt.timedelta(hours=float(hours)))


def extend_due(due: dt.datetime, n: int) -> DeadlineResult:
    """An approved extension: the same time of day on the n-th working day after the due date."""
    return current_calendar().extend_due(due, n, current_schedule())


def shift_for_pause(due: dt.datetime, paused_from: dt.datetime, paused_to: dt.datetime) -> DeadlineResult:
    """A suspension: `due` moved later by the office-hours time between paused_from and paused_to."""
    return current_calendar().shift_for_pause(due, paused_from, paused_to, current_schedule())


def working_time_between(start: dt.datetime, end: dt.datetime, paused_intervals: Pauses = ()) -> WorkingTime:
    """Office-hours time on working days between two instants, pauses (merged, clipped) taken out."""
    return current_calendar().working_time_between(start, end, paused_intervals, current_schedule())


def working_days_between(start: dt.datetime, end: dt.datetime) -> WorkingDays:
    """Working days after start's date up to and including end's date (inverse of add_working_days)."""
    return current_calendar().working_days_between(start, end, current_schedule())


def deadline_progress(
    *, start: dt.datetime, due: dt.datetime, now: dt.datetime | None = None, paused_intervals: Pauses = ()
) -> DeadlineProgress:
    """Share of the allowed office time used by `now` (project clock by default), pauses taken out."""
    return current_calendar().deadline_progress(
        start=start,
        due=due,
        now=now if now is not None else clock.now(),
        paused_intervals=paused_intervals,
        schedule=current_schedule(),
    )


def calendar_missing_years(*, first_year: int, last_year: int) -> list[int]:
    """Years in the range without a complete calendar: what an admin must enter next."""
    calendar = current_calendar()
    return [y for y in range(first_year, last_year + 1) if not calendar.is_known(y)]


def calendar_year_list() -> QuerySet[CalendarYear]:
    return CalendarYear.objects.annotate(
        holidays=Count("days", filter=Q(days__is_workday=False)),
        make_up_workdays=Count("days", filter=Q(days__is_workday=True)),
    ).order_by("-year")


def calendar_day_list(*, year: int) -> QuerySet[CalendarDay]:
    """The rows a year's notice added (holidays on weekdays, make-up workdays on weekends)."""
    return CalendarDay.objects.filter(year__year=year).order_by("date")
