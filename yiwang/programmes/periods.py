"""Reporting periods (2026-11, 2026-Q4) and their deadlines in working days (yiwang.workdays).

A period's report is due at the end of the `due_working_days`-th working day after the period's last
day (workdays.add_working_days: that day itself never counts). The yellow card comes when the same
share of that time is used as for a case (cases.deadlines.DEFAULT_YELLOW_FRACTION, 0.8): whole
working days when there are enough of them, else a share of the span — exactly as a case's.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.cases.deadlines import DEFAULT_YELLOW_FRACTION
from yiwang.core.errors import ApplicationError
from yiwang.workdays import selectors as workdays

from . import error_codes as codes
from .models import Frequency

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True)
class Period:
    key: str
    start: dt.date
    end: dt.date

    @property
    def frequency(self) -> str:
        return Frequency.QUARTERLY if "Q" in self.key else Frequency.MONTHLY


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def parse_period(key: str) -> Period:
    key = (key or "").strip().upper()
    if m := MONTH.match(key):
        y, mo = int(m[1]), int(m[2])
        return Period(f"{y}-{mo:02d}", dt.date(y, mo, 1), _month_end(y, mo))
    if m := QUARTER.match(key):
        y, q = int(m[1]), int(m[2])
        return Period(f"{y}-Q{q}", dt.date(y, 3 * q - 2, 1), _month_end(y, 3 * q))
    raise ApplicationError(
        codes.PERIOD_INVALID, _("报送期格式应为 2026-11（月）或 2026-Q4（季度）。"), fields={"period": key}
    )


def period_of(frequency: str, day: dt.date) -> Period:
    if frequency == Frequency.MONTHLY:
        return parse_period(f"{day.year}-{day.month:02d}")
    return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")


def periods_between(frequency: str, first: dt.date, last: dt.date) -> list[Period]:
    """Every period of `frequency` that overlaps first..last, in order."""
    out: list[Period] = []
    p = period_of(frequency, first)
    while p.start <= last:
        out.append(p)
        p = period_of(frequency, p.end + dt.timedelta(days=1))
    return out


def _noon(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


@dataclass(frozen=True)
class PeriodDeadline:
    due_at: dt.datetime
    yellow_at: dt.datetime
    estimated: bool  # a year crossed had no working-day calendar


def deadline(period: Period, working_days: int) -> PeriodDeadline:
    start = _noon(period.end)
    due = workdays.add_working_days(start, working_days)
    yellow_days = int(working_days * DEFAULT_YELLOW_FRACTION)
    if yellow_days >= 1:
        yellow = workdays.add_working_days(start, yellow_days)
        missing = due.missing_years | yellow.missing_years
        return PeriodDeadline(due.due, yellow.due, bool(missing))
    return PeriodDeadline(due.due, start + (due.due - start) * DEFAULT_YELLOW_FRACTION, due.estimated)
