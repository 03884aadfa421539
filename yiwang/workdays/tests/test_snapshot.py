"""The in-process snapshot: loaded once, no query per day, reloaded when another process writes."""

import datetime as dt

import pytest
from django.db.models import F

from yiwang.workdays import selectors as workdays
from yiwang.workdays.models import CalendarDay, CalendarRevision, CalendarYear
from yiwang.workdays.snapshot import current_calendar

from .helpers import at

pytestmark = pytest.mark.django_db


def test_deadline_arithmetic_does_not_query_per_day(settings, django_assert_num_queries):
    # given a warm snapshot and the default check interval
    settings.WORKDAY_CALENDAR_CHECK_SECONDS = 60
    workdays.add_working_days(at(2025, 1, 2, 9), 1)
    # when a year's worth of working days is counted, then not one query is made
    with django_assert_num_queries(0):
        assert workdays.add_working_days(at(2004, 1, 2, 9), 5000).due.year == 2024
        workdays.working_time_between(at(2004, 1, 1), at(2026, 12, 31))
        workdays.add_working_hours(at(2025, 9, 30, 17), 400)


def test_a_due_check_costs_one_revision_query_at_most(settings, django_assert_num_queries):
    # given every call checks the shared revision
    settings.WORKDAY_CALENDAR_CHECK_SECONDS = 0
    workdays.add_working_days(at(2025, 1, 2, 9), 1)
    # then a long deadline is one cheap query, whatever n is
    with django_assert_num_queries(1):
        workdays.add_working_days(at(2025, 1, 2, 9), 200)


def _write_as_another_process():
    """Enter 2027 the way another process would: rows and a revision bump, no local invalidation."""
    year = CalendarYear.objects.create(year=2027, source=CalendarYear.Source.ADMIN, complete=True)
    CalendarDay.objects.create(year=year, date=dt.date(2027, 1, 1), is_workday=False, name="元旦")
    CalendarRevision.objects.filter(pk=1).update(revision=F("revision") + 1)


def test_another_process_s_edit_is_seen_after_the_check_interval(settings):
    # given this process has a snapshot and checks every 60 s
    settings.WORKDAY_CALENDAR_CHECK_SECONDS = 60
    before = current_calendar()
    assert not before.is_known(2027)
    # when another process enters 2027
    _write_as_another_process()
    # then within the interval this process keeps its snapshot (no query per call) ...
    assert current_calendar() is before
    # ... and at the next check it loads the new one
    settings.WORKDAY_CALENDAR_CHECK_SECONDS = 0
    after = current_calendar()
    assert after is not before and after.is_known(2027)
    assert workdays.is_workday(dt.date(2027, 1, 1)) is False


def test_an_unchanged_revision_keeps_the_snapshot(settings):
    settings.WORKDAY_CALENDAR_CHECK_SECONDS = 0
    assert current_calendar() is current_calendar()
