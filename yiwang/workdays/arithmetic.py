"""Working-day arithmetic over an in-memory snapshot of the calendar. Pure: no database, no settings.

Conventions (Guangdong 12345 practice; the hours are settings, see snapshot.py):

- Local time. Every date and hour is read on the wall clock of WORKDAY_TIME_ZONE (Asia/Shanghai,
  UTC+8 all year, no daylight saving since 1991). Inputs must be aware datetimes; outputs are aware
  datetimes in that zone.
- Working day: a day of a known year that the calendar marks as a workday (Mon–Fri unless a
  holiday, Sat/Sun only when a 调休 make-up workday).
- Day deadlines, `add_working_days(start, n)`: the day of receipt never counts, whatever the hour
  and whether or not it is a working day; day 1 is the first working day after it. The deadline is
  the n-th working day at WORKDAY_END (18:00, the close of office hours). So a case received on a
  Monday at 09:00 or at 23:00 with 2 working days is due on Wednesday at 18:00, and one received on
  Saturday is due on Tuesday at 18:00.
- Working time: office hours (WORK_HOURS, 08:30–12:00 and 14:00–18:00) on working days. A full
  working day is 7.5 working hours.
- Hour deadlines, `add_working_time(start, d)`: the earliest instant t with working time between
  start and t equal to d: the clock runs only in office hours. Friday 17:00 + 2 h is Monday 09:30;
  a result that ends a period stays at the period's end (11:00 + 1 h is 12:00, not 14:00).
- Extension by n working days, `extend_due(due, n)`: the same time of day on the n-th working day
  after the due date. For an ordinary due (18:00) that is the end of the n-th next working day.
- Suspension, `shift_for_pause(due, paused_from, paused_to)`: the due moves later by the working
  time (office hours) that lies inside the pause, so the unit gets back exactly what it lost.
- Progress (yellow card): the fraction of the allowed working time used, both measured in office
  hours with pauses taken out.

Unknown years never raise in the arithmetic: days in a year that has no complete calendar are
estimated with the plain rule (plus any rows already entered for it) and the year is reported in
`missing_years`, so the caller can flag the case. Only `is_workday` raises, because it has no way to
say "estimated".
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from yiwang.core.errors import ApplicationError

US = 1_000_000  # microseconds per second: working time is counted in whole microseconds
DAY_US = 86_400 * US
_ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class WorkSchedule:
    """Office hours and the hour of a day deadline, in microseconds after local midnight."""

    periods: tuple[tuple[int, int], ...]  # sorted, disjoint, non-empty
    day_end: int
    tz: ZoneInfo

    def __post_init__(self) -> None:
        if not self.periods:
            raise ValueError("WORK_HOURS needs at least one period")
        last_end = 0
        for begin, end in self.periods:
            if not (last_end <= begin < end <= DAY_US):
                raise ValueError("WORK_HOURS periods must be sorted, disjoint and within one day")
            last_end = end
        if not (0 <= self.day_end < DAY_US):
            raise ValueError("WORKDAY_END must be a time of day")

    @property
    def day_length(self) -> int:
        return sum(end - begin for begin, end in self.periods)

    def overlap(self, t0: int, t1: int) -> int:
        """Office time between two times of one day."""
        return sum(max(0, min(end, t1) - max(begin, t0)) for begin, end in self.periods)

    def local(self, moment: dt.datetime) -> tuple[dt.date, int]:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("working-day arithmetic only takes aware datetimes")
        loc = moment.astimezone(self.tz)
        return loc.date(), ((loc.hour * 60 + loc.minute) * 60 + loc.second) * US + loc.microsecond

    def at(self, day: dt.date, offset: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), tzinfo=self.tz) + dt.timedelta(microseconds=offset)


@dataclass(frozen=True)
class DeadlineResult:
    """A deadline; `missing_years` non-empty means it is an estimate (a year had no calendar)."""

    due: dt.datetime
    missing_years: frozenset[int] = frozenset()

    @property
    def estimated(self) -> bool:
        return bool(self.missing_years)


@dataclass(frozen=True)
class WorkingTime:
    """Office-hours time between two instants, pauses taken out."""

    duration: dt.timedelta
    missing_years: frozenset[int] = frozenset()

    @property
    def seconds(self) -> float:
        return self.duration.total_seconds()


@dataclass(frozen=True)
class WorkingDays:
    """Signed count of working days after one instant's date up to and including another's."""

    days: int
    missing_years: frozenset[int] = frozenset()


@dataclass(frozen=True)
class DeadlineProgress:
    """How much of the allowed working time a case has used (yellow card / red card)."""

    allowed: dt.timedelta  # office time from start to due, pauses taken out
    used: dt.timedelta  # office time from start to now, pauses taken out
    remaining: dt.timedelta  # office time from now to due; negative once overdue
    fraction_used: float  # used / allowed; above 1 once overdue
    overdue: bool
    missing_years: frozenset[int] = frozenset()


@dataclass(frozen=True)
class DayInfo:
    date: dt.date
    is_workday: bool  # per the calendar, or the plain rule when the year is not known
    name: str  # 春节, 调休上班（国庆节）…; empty on ordinary days
    known: bool  # False: the year has no complete calendar and is_workday is only the plain rule


def calendar_missing_error(year: int) -> ApplicationError:
    return ApplicationError(
        "calendar_missing",
        _("%(year)d 年的节假日安排尚未录入，无法判断工作日。请管理员在“工作日历”中录入该年安排。")
        % {"year": year},
        fields={"year": year},
    )


class WorkCalendar:
    """An immutable snapshot of the calendar: which years are known and the days that differ.

    Per-year tables (a flag and a running count of working days per day) are built lazily, so
    counting and stepping over working days costs a bisect per year, not a loop per day.
    """

    def __init__(
        self,
        *,
        known_years: Iterable[int],
        days: Iterable[tuple[dt.date, bool, str]] = (),
        revision: int | None = None,
    ):
        self.known_years = frozenset(known_years)
        self.revision = revision
        self.overrides: dict[dt.date, bool] = {}
        self.names: dict[dt.date, str] = {}
        for date, is_workday, name in days:
            self.overrides[date] = bool(is_workday)
            if name:
                self.names[date] = name
        self._tables: dict[int, list[int]] = {}

    # -- days -------------------------------------------------------------------------------

    def is_known(self, year: int) -> bool:
        return year in self.known_years

    def _work(self, date: dt.date) -> bool:
        flag = self.overrides.get(date)
        return date.weekday() < 5 if flag is None else flag

    def is_workday(self, date: dt.date) -> bool:
        """Raises calendar_missing for a year without a complete calendar."""
        if date.year not in self.known_years:
            raise calendar_missing_error(date.year)
        return self._work(date)

    def day_info(self, date: dt.date) -> DayInfo:
        return DayInfo(date, self._work(date), self.names.get(date, ""), date.year in self.known_years)

    def missing_between(self, first: dt.date, last: dt.date) -> frozenset[int]:
        """Unknown years among the days first..last (inclusive)."""
        if first > last:
            return frozenset()
        return frozenset(y for y in range(first.year, last.year + 1) if y not in self.known_years)

    def _cumulative(self, year: int) -> list[int]:
        # cum[i] = working days among the first i days of the year; len = days in year + 1.
        cum = self._tables.get(year)
        if cum is None:
            day = dt.date(year, 1, 1)
            size = (dt.date(year + 1, 1, 1) - day).days if year < dt.MAXYEAR else 365
            cum = [0] * (size + 1)
            weekday = day.weekday()
            running = 0
            for i in range(size):
                flag = self.overrides.get(day)
                if flag if flag is not None else (weekday < 5):
                    running += 1
                cum[i + 1] = running
                day += _ONE_DAY
                weekday = (weekday + 1) % 7
            self._tables[year] = cum  # idempotent, so a race between threads is harmless
        return cum

    def count_workdays(self, first: dt.date, last: dt.date) -> int:
        """Working days among first..last (inclusive); 0 when first > last."""
        total = 0
        for year in range(first.year, last.year + 1):
            cum = self._cumulative(year)
            jan1 = dt.date(year, 1, 1)
            lo = (first - jan1).days if year == first.year else 0
            hi = (last - jan1).days + 1 if year == last.year else len(cum) - 1
            total += cum[hi] - cum[lo]
        return max(total, 0)

    def nth_workday_after(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day strictly after `day` (n >= 1)."""
        if n < 1:
            raise ValueError("n must be at least 1")
        year, idx = day.year, day.timetuple().tm_yday  # index of the day after `day`
        while True:
            cum = self._cumulative(year)
            size = len(cum) - 1
            if idx < size:
                available = cum[size] - cum[idx]
                if n <= available:
                    k = bisect.bisect_left(cum, cum[idx] + n, idx)
                    return dt.date(year, 1, 1) + dt.timedelta(days=k - 1)
                n -= available
            year, idx = year + 1, 0

    # -- deadlines --------------------------------------------------------------------------

    def add_working_days(self, start: dt.datetime, n: int, schedule: WorkSchedule) -> DeadlineResult:
        _check_days(n)
        received, _t = schedule.local(start)
        target = self.nth_workday_after(received, n)
        return DeadlineResult(
            schedule.at(target, schedule.day_end), self.missing_between(received + _ONE_DAY, target)
        )

    def extend_due(self, due: dt.datetime, n: int, schedule: WorkSchedule) -> DeadlineResult:
        _check_days(n)
        day, offset = schedule.local(due)
        target = self.nth_workday_after(day, n)
        return DeadlineResult(schedule.at(target, offset), self.missing_between(day + _ONE_DAY, target))

    def add_working_time(
        self, start: dt.datetime, duration: dt.timedelta, schedule: WorkSchedule
    ) -> DeadlineResult:
        remaining = _microseconds(duration)
        if remaining < 0:
            raise ValueError("working time to add must not be negative")
        if remaining == 0:
            return DeadlineResult(start)
        day, offset = schedule.local(start)
        missing: set[int] = set()
        today = [(max(begin, offset), end) for begin, end in schedule.periods if end > offset]
        if today:
            if day.year not in self.known_years:
                missing.add(day.year)
            if self._work(day):
                for begin, end in today:
                    if remaining <= end - begin:
                        return DeadlineResult(schedule.at(day, begin + remaining), frozenset(missing))
                    remaining -= end - begin
        # Skip whole working days, then spend the rest (0 < rest <= one day) on the next one.
        whole, rest = divmod(remaining, schedule.day_length)
        if rest == 0:
            whole, rest = whole - 1, schedule.day_length
        target = self.nth_workday_after(day, whole + 1)
        missing |= self.missing_between(day + _ONE_DAY, target)
        for begin, end in schedule.periods:
            if rest <= end - begin:
                return DeadlineResult(schedule.at(target, begin + rest), frozenset(missing))
            rest -= end - begin
        raise AssertionError("unreachable: rest never exceeds one working day")

    def shift_for_pause(
        self,
        due: dt.datetime,
        paused_from: dt.datetime,
        paused_to: dt.datetime,
        schedule: WorkSchedule,
    ) -> DeadlineResult:
        lost = self.working_time_between(paused_from, paused_to, (), schedule)
        moved = self.add_working_time(due, lost.duration, schedule)
        return DeadlineResult(moved.due, moved.missing_years | lost.missing_years)

    # -- measuring --------------------------------------------------------------------------

    def _office_time(self, a: dt.datetime, b: dt.datetime, schedule: WorkSchedule) -> tuple[int, set[int]]:
        if b <= a:
            return 0, set()
        da, ta = schedule.local(a)
        db, tb = schedule.local(b)
        missing: set[int] = set()
        if da == db:
            possible = schedule.overlap(ta, tb)
            if possible and da.year not in self.known_years:
                missing.add(da.year)
            return (possible if self._work(da) else 0), missing
        total = 0
        for day, possible in ((da, schedule.overlap(ta, DAY_US)), (db, schedule.overlap(0, tb))):
            if possible:
                if day.year not in self.known_years:
                    missing.add(day.year)
                if self._work(day):
                    total += possible
        first, last = da + _ONE_DAY, db - _ONE_DAY
        if first <= last:
            total += self.count_workdays(first, last) * schedule.day_length
            missing |= self.missing_between(first, last)
        return total, missing

    def working_time_between(
        self,
        start: dt.datetime,
        end: dt.datetime,
        paused_intervals: Iterable[tuple[dt.datetime, dt.datetime | None]],
        schedule: WorkSchedule,
    ) -> WorkingTime:
        total, missing = self._office_time(start, end, schedule)
        for p_from, p_to in _merge_pauses(paused_intervals, start, end):
            lost, lost_missing = self._office_time(p_from, p_to, schedule)
            total -= lost
            missing |= lost_missing
        return WorkingTime(dt.timedelta(microseconds=total), frozenset(missing))

    def working_days_between(
        self, start: dt.datetime, end: dt.datetime, schedule: WorkSchedule
    ) -> WorkingDays:
        """Working days D with date(start) < D <= date(end); negative when end's date is earlier.

        The inverse of add_working_days: working_days_between(s, add_working_days(s, n).due) == n.
        Read as "which working day of the deadline are we on".
        """
        ds, _ts = schedule.local(start)
        de, _te = schedule.local(end)
        sign = 1
        if de < ds:
            ds, de, sign = de, ds, -1
        first = ds + _ONE_DAY
        days = self.count_workdays(first, de) if first <= de else 0
        return WorkingDays(sign * days, self.missing_between(first, de))

    def deadline_progress(
        self,
        *,
        start: dt.datetime,
        due: dt.datetime,
        now: dt.datetime,
        paused_intervals: Iterable[tuple[dt.datetime, dt.datetime | None]],
        schedule: WorkSchedule,
    ) -> DeadlineProgress:
        pauses = list(paused_intervals)
        allowed = self.working_time_between(start, due, pauses, schedule)
        used = self.working_time_between(start, now, pauses, schedule)
        if now <= due:
            left = self.working_time_between(now, due, pauses, schedule)
            remaining, extra = left.duration, left.missing_years
        else:
            over = self.working_time_between(due, now, pauses, schedule)
            remaining, extra = -over.duration, over.missing_years
        if allowed.duration:
            fraction = used.duration / allowed.duration
        else:
            fraction = 1.0 if now >= due else 0.0
        return DeadlineProgress(
            allowed=allowed.duration,
            used=used.duration,
            remaining=remaining,
            fraction_used=fraction,
            overdue=now > due,
            missing_years=allowed.missing_years | used.missing_years | extra,
        )


def _check_days(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ApplicationError("invalid_working_days", _("工作日数必须是正整数。"), fields={"n": n})


def _microseconds(duration: dt.timedelta) -> int:
    return (duration.days * 86_400 + duration.seconds) * US + duration.microseconds


def _merge_pauses(
    intervals: Iterable[tuple[dt.datetime, dt.datetime | None]], start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Pauses clipped to [start, end] and merged, so overlapping pauses are not counted twice.

    A pause without an end (still suspended) runs to `end`.
    """
    clipped = []
    for p_from, p_to in intervals:
        if p_from is None:
            raise ValueError("a pause needs a start")
        lo, hi = max(p_from, start), min(p_to or end, end)
        if lo < hi:
            clipped.append((lo, hi))
    clipped.sort()
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for lo, hi in clipped:
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged
