"""The working-time ruler: handling times in office hours on working days, computed inside SQL.

R(t) = office seconds on working days from the ruler's first day up to the instant t, so the working
time between two instants is R(b) - R(a), exactly what yiwang.workdays' working_time_between counts
(same calendar snapshot, same office hours), to the second. One row per local day:
`before` (office seconds of the working days before it) and `is_workday`; the rest of R(t) is the
office time of t's own day up to t's time of day, a sum of clamped differences over WORK_HOURS.

The ruler is rebuilt whenever the calendar's revision or the office hours change, and extended as
events reach new days. Rollups projected before an admin enters a year's holidays keep the
handling times estimated with the plain rule; `yiwang measures_project --rebuild` recounts them.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from yiwang.workdays.arithmetic import US
from yiwang.workdays.snapshot import current_calendar, current_schedule

from .models import Projection, WorkRuler

_ONE_DAY = dt.timedelta(days=1)
EPOCH = dt.date(1970, 1, 1)


def schedule_signature() -> str:
    schedule = current_schedule()
    return f"{schedule.tz.key}|" + ",".join(f"{b // US}-{e // US}" for b, e in schedule.periods)


def office_periods() -> list[tuple[int, int]]:
    """Office periods of a working day, in seconds after local midnight."""
    return [(b // US, e // US) for b, e in current_schedule().periods]


def _rows(first: dt.date, last: dt.date, before: int):
    calendar = current_calendar()
    day_seconds = sum(e - b for b, e in office_periods())
    day = first
    while day <= last:
        work = calendar.day_info(day).is_workday
        yield WorkRuler(day=day, day_number=(day - EPOCH).days, is_workday=work, before=before)
        if work:
            before += day_seconds
        day += _ONE_DAY


def ensure_ruler(state: Projection, *, first: dt.date, last: dt.date) -> None:
    """Make the ruler cover first..last (whole rebuild when the calendar or office hours changed).

    Runs inside the projector's transaction with `state` locked, so two processes never write it
    at once. `state` is saved by the caller.
    """
    revision = current_calendar().revision or 0
    signature = schedule_signature()
    fresh = (
        state.ruler_first is None
        or state.ruler_revision != revision
        or state.ruler_schedule != signature
        or first < state.ruler_first
    )
    if fresh:
        first = min(first, state.ruler_first or first)
        last = max(last, state.ruler_last or last)
        WorkRuler.objects.all().delete()
        WorkRuler.objects.bulk_create(_rows(first, last, 0), batch_size=2000)
        state.ruler_first, state.ruler_last = first, last
        state.ruler_revision, state.ruler_schedule = revision, signature
        return
    if last <= state.ruler_last:
        return
    tail = WorkRuler.objects.get(day=state.ruler_last)
    day_seconds = sum(e - b for b, e in office_periods())
    start_before = tail.before + (day_seconds if tail.is_workday else 0)
    WorkRuler.objects.bulk_create(_rows(state.ruler_last + _ONE_DAY, last, start_before), batch_size=2000)
    state.ruler_last = last


def _in_day(ms: str, dialect) -> str:
    tod = dialect.seconds_of_day(ms)
    return " + ".join(
        dialect.greatest("0", dialect.least(tod, str(e)) + f" - {b}") for b, e in office_periods()
    )


def ruler_table() -> str:
    return connection.ops.quote_name(WorkRuler._meta.db_table)


def ruler_value(alias: str, ms: str, dialect) -> str:
    """R(t) for the instant t = `ms` (epoch milliseconds), given the ruler row `alias` joined on
    its local day number; whole seconds."""
    return f"({alias}.before + CASE WHEN {alias}.is_workday THEN {_in_day(ms, dialect)} ELSE 0 END)"


def ruler_sql(ms: str, dialect) -> str:
    """R(t) as a scalar subquery, for the few rows that need it without a join."""
    return (
        f"(SELECT {ruler_value('r', ms, dialect)} FROM {ruler_table()} r "
        f"WHERE r.day_number = {dialect.day_number(ms)})"
    )
