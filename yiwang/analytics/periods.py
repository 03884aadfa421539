"""Reporting periods: a month (YYYY-MM), an ISO week (YYYY-Www), a day (YYYY-MM-DD) or a year (YYYY).

Each is a half-open range of local dates [start, end), with the period before it of the same kind
(for month-over-month rankings) and a label.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from yiwang.core import clock
from yiwang.core.errors import ApplicationError

MONTH, WEEK, DAY, YEAR = "month", "week", "day", "year"
# Periods a query may name: wide enough for any history, narrow enough that the periods around one
# (last year's, the next day) are still dates (9999-12 made the day after overflow: a 500).
FIRST_YEAR, LAST_YEAR = 1900, 2999


@dataclass(frozen=True)
class Period:
    kind: str
    start: dt.date
    end: dt.date  # exclusive

    @property
    def code(self) -> str:
        if self.kind == MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind == DAY:
            return f"{self.start:%Y-%m-%d}"
        if self.kind == YEAR:
            return f"{self.start:%Y}"
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"

    def previous(self) -> Period:
        if self.kind == MONTH:
            return month_of(self.start - dt.timedelta(days=1))
        if self.kind == YEAR:
            return Period(YEAR, self.start.replace(year=self.start.year - 1), self.start)
        length = self.end - self.start
        return Period(self.kind, self.start - length, self.start)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day < self.end

    @property
    def incomplete(self) -> bool:
        """The period has not ended yet (不完整周期): it runs to today or beyond, so its figures are
        partial and a comparison with a whole period before it reads low."""
        return clock.today() < self.end

    @property
    def uses_months(self) -> bool:
        """Whole months: the month rollups answer it."""
        return self.kind in (MONTH, YEAR)


def month_of(day: dt.date) -> Period:
    start = day.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return Period(MONTH, start, end)


def last_months(period: Period, n: int) -> list[Period]:
    """The n months ending with the month `period` starts in, oldest first."""
    months = [month_of(period.start)]
    while len(months) < n:
        months.insert(0, months[0].previous())
    return months


_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{2})$"), MONTH),
    (re.compile(r"^(\d{4})-W(\d{2})$"), WEEK),
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), DAY),
    (re.compile(r"^(\d{4})$"), YEAR),
)


def parse_period(text: str | None) -> Period:
    """The period a query names; the current month when it names none."""
    if not text:
        return month_of(clock.today())
    text = text.strip()
    for pattern, kind in _PATTERNS:
        m = pattern.match(text)
        if not m:
            continue
        try:
            numbers = [int(g) for g in m.groups()]
            if not FIRST_YEAR <= numbers[0] <= LAST_YEAR:  # the period before or after must exist too
                raise ApplicationError(
                    "invalid_period",
                    _("统计期须在 %(a)d 年至 %(b)d 年之间") % {"a": FIRST_YEAR, "b": LAST_YEAR},
                    fields={"period": text},
                )
            if kind == MONTH:
                return month_of(dt.date(numbers[0], numbers[1], 1))
            if kind == DAY:
                day = dt.date(*numbers)
                return Period(DAY, day, day + dt.timedelta(days=1))
            if kind == YEAR:
                return Period(YEAR, dt.date(numbers[0], 1, 1), dt.date(numbers[0] + 1, 1, 1))
            start = dt.date.fromisocalendar(numbers[0], numbers[1], 1)
            return Period(WEEK, start, start + dt.timedelta(days=7))
        except (ValueError, OverflowError):
            break
    raise ApplicationError(
        "invalid_period",
        _("统计期须为 YYYY-MM（月）、YYYY-Www（周）、YYYY-MM-DD（日）或 YYYY（年）"),
        fields={"period": text},
    )
