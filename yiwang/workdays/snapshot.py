"""This process's copy of the calendar, and the office hours from settings.

Each process holds one WorkCalendar snapshot, loaded with two small queries. It is reloaded when
the shared CalendarRevision counter moves, checked at most every WORKDAY_CALENDAR_CHECK_SECONDS,
so an admin's edit in one process reaches the web servers and task workers within seconds without
assuming a single process (the scheme of geo's GeoRevision).

Settings (all optional):
    WORKDAY_TIME_ZONE = "Asia/Shanghai"        the wall clock deadlines are read on
    WORK_HOURS = (("08:30", "12:00"), ("14:00", "18:00"))   office hours on a working day;
                                                 also accepted as "08:30-12:00,14:00-18:00"
    WORKDAY_END = "18:00"                        the hour a day deadline falls due
    WORKDAY_CALENDAR_CHECK_SECONDS = 2           how often to look at the shared revision
"""

from __future__ import annotations

import functools
import threading
import time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import F

from .arithmetic import US, WorkCalendar, WorkSchedule
from .models import CalendarDay, CalendarRevision, CalendarYear

DEFAULT_TIME_ZONE = "Asia/Shanghai"
DEFAULT_WORK_HOURS = (("08:30", "12:00"), ("14:00", "18:00"))
DEFAULT_WORKDAY_END = "18:00"


def parse_clock(text: str, *, allow_midnight_end: bool = False) -> int:
    """'08:30' or '08:30:00' -> microseconds after midnight ('24:00' only as a period's end)."""
    try:
        parts = [int(p) for p in str(text).strip().split(":")]
        if len(parts) == 2:
            parts.append(0)
        hour, minute, second = parts
    except ValueError:
        raise ImproperlyConfigured(f"not a time of day: {text!r} (use HH:MM)") from None
    if allow_midnight_end and (hour, minute, second) == (24, 0, 0):
        return 86_400 * US
    if not (0 <= hour < 24 and 0 <= minute < 60 and 0 <= second < 60):
        raise ImproperlyConfigured(f"not a time of day: {text!r} (use HH:MM)")
    return ((hour * 60 + minute) * 60 + second) * US


@functools.lru_cache(maxsize=8)
def _schedule(tz_name: str, work_hours: tuple, day_end: str) -> WorkSchedule:
    periods = tuple(
        (parse_clock(begin), parse_clock(end, allow_midnight_end=True)) for begin, end in work_hours
    )
    try:
        return WorkSchedule(periods=periods, day_end=parse_clock(day_end), tz=ZoneInfo(tz_name))
    except ValueError as exc:
        raise ImproperlyConfigured(str(exc)) from None


def current_schedule() -> WorkSchedule:
    hours = getattr(settings, "WORK_HOURS", DEFAULT_WORK_HOURS)
    if isinstance(hours, str):  # "08:30-12:00,14:00-18:00", e.g. from the environment
        hours = [p.split("-") for p in hours.split(",") if p.strip()]
    return _schedule(
        getattr(settings, "WORKDAY_TIME_ZONE", DEFAULT_TIME_ZONE),
        tuple((str(b).strip(), str(e).strip()) for b, e in hours),
        str(getattr(settings, "WORKDAY_END", DEFAULT_WORKDAY_END)),
    )


_lock = threading.Lock()
_calendar: WorkCalendar | None = None
_checked_at = 0.0


def _current_revision() -> int:
    return CalendarRevision.objects.filter(pk=1).values_list("revision", flat=True).first() or 0


def load_calendar() -> WorkCalendar:
    """Read the whole calendar (a few hundred rows) into a snapshot."""
    # The revision is read first: a write landing in between makes the next check reload again,
    # never labels old rows with a new revision.
    revision = _current_revision()
    known = CalendarYear.objects.filter(complete=True).values_list("year", flat=True)
    days = CalendarDay.objects.values_list("date", "is_workday", "name")
    return WorkCalendar(known_years=list(known), days=list(days), revision=revision)


def current_calendar() -> WorkCalendar:
    global _calendar, _checked_at
    now = time.monotonic()
    check_every = float(getattr(settings, "WORKDAY_CALENDAR_CHECK_SECONDS", 2))
    calendar = _calendar
    if calendar is not None and now - _checked_at < check_every:
        return calendar
    with _lock:
        revision = _current_revision()
        _checked_at = now
        if _calendar is None or _calendar.revision != revision:
            _calendar = load_calendar()
        return _calendar


def bump_revision() -> None:
    """Tell every process the calendar changed. Call inside the writing transaction."""
    updated = CalendarRevision.objects.filter(pk=1).update(revision=F("revision") + 1)
    if not updated:
        CalendarRevision.objects.get_or_create(pk=1, defaults={"revision": 1})
    transaction.on_commit(invalidate)
    invalidate()


def invalidate() -> None:
    """Drop this process's snapshot; the next read loads a fresh one."""
    global _calendar, _checked_at
    with _lock:
        _calendar = None
        _checked_at = 0.0
