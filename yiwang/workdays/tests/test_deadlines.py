"""Deadline arithmetic through the public API, on the calendar the migration seeds.

Every expected value was worked out by hand from the State Council notices
(国务院办公厅关于2025年／2026年部分节假日安排的通知), never with the code under test:

2025 国庆节、中秋节  10-01 (Wed) to 10-08 (Wed) off; 09-28 (Sun) and 10-11 (Sat) are workdays.
2026 元旦            01-01 (Thu) to 01-03 (Sat) off; 01-04 (Sun) is a workday.
2026 春节            02-15 (Sun) to 02-23 (Mon) off; 02-14 (Sat) and 02-28 (Sat) are workdays.

Conventions under test: the day of receipt never counts; a day deadline is 18:00 of the n-th
working day; office hours are 08:30–12:00 and 14:00–18:00 (7.5 h a day).
"""

import datetime as dt

import pytest

from yiwang.core.errors import ApplicationError
from yiwang.workdays import selectors as workdays

from .helpers import at

pytestmark = pytest.mark.django_db


# -- is_workday -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "date, expected",
    [
        (dt.date(2025, 9, 26), True),  # Friday
        (dt.date(2025, 9, 27), False),  # Saturday
        (dt.date(2025, 9, 28), True),  # Sunday, 国庆 make-up workday
        (dt.date(2025, 10, 1), False),  # 国庆节
        (dt.date(2025, 10, 6), False),  # Monday, 中秋节
        (dt.date(2025, 10, 8), False),  # Wednesday, last day off
        (dt.date(2025, 10, 9), True),
        (dt.date(2025, 10, 11), True),  # Saturday, make-up workday
        (dt.date(2025, 10, 12), False),  # Sunday
        (dt.date(2026, 1, 2), False),  # Friday, 元旦
        (dt.date(2026, 1, 4), True),  # Sunday, make-up workday
        (dt.date(2026, 2, 14), True),  # Saturday before 春节
        (dt.date(2026, 2, 23), False),  # Monday, last day of 春节
        (dt.date(2026, 2, 28), True),  # Saturday after 春节
    ],
)
def test_is_workday_follows_the_notices(date, expected):
    assert workdays.is_workday(date) is expected


def test_is_workday_reads_a_datetime_on_the_shanghai_clock():
    # given instants given in UTC: 15:30 UTC on 10-08 is 23:30 on the holiday in Shanghai, and
    # 16:30 UTC on 10-08 is already 00:30 on the working day 10-09 in Shanghai
    late_holiday = at(2025, 10, 8, 23, 30).astimezone(dt.UTC)
    early_workday = at(2025, 10, 9, 0, 30).astimezone(dt.UTC)
    # then
    assert workdays.is_workday(late_holiday) is False
    assert workdays.is_workday(early_workday) is True


def test_is_workday_refuses_a_year_without_a_calendar():
    # when
    with pytest.raises(ApplicationError) as err:
        workdays.is_workday(dt.date(2027, 3, 1))  # a Monday, but nobody has entered 2027
    # then
    assert err.value.code == "calendar_missing"
    assert "2027" in str(err.value.message)


def test_day_info_names_the_day_and_says_when_the_year_is_unknown():
    assert workdays.day_info(dt.date(2025, 10, 1)).name == "国庆节"
    assert workdays.day_info(dt.date(2026, 2, 14)).name == "调休上班（春节）"
    info = workdays.day_info(dt.date(2027, 3, 1))
    assert info.known is False and info.is_workday is True


# -- add_working_days -------------------------------------------------------------------------


def test_national_day_2025_plus_two_working_days():
    # given a case received on Tuesday 2025-09-30, the eve of an eight-day holiday
    # when
    result = workdays.add_working_days(at(2025, 9, 30, 10), 2)
    # then day 1 is Thursday 10-09, day 2 Friday 10-10
    assert result.due == at(2025, 10, 10, 18)
    assert result.missing_years == set()


def test_a_make_up_saturday_counts_as_a_working_day():
    # when
    result = workdays.add_working_days(at(2025, 9, 30, 10), 3)
    # then day 3 is Saturday 10-11, a 调休 workday
    assert result.due == at(2025, 10, 11, 18)


def test_a_make_up_sunday_is_the_first_working_day_after_a_friday():
    # when: received Friday 2025-09-26; Saturday rests, Sunday 09-28 works
    result = workdays.add_working_days(at(2025, 9, 26, 16), 1)
    # then
    assert result.due == at(2025, 9, 28, 18)


def test_the_hour_of_receipt_does_not_matter():
    # given the same working day, early and late
    early = workdays.add_working_days(at(2025, 10, 20, 0, 5), 2)  # Monday
    late = workdays.add_working_days(at(2025, 10, 20, 23, 55), 2)
    # then both are due Wednesday at the close of office hours
    assert early.due == late.due == at(2025, 10, 22, 18)


def test_a_case_received_on_a_rest_day_counts_from_the_next_working_day():
    # when received Saturday 2025-10-18
    result = workdays.add_working_days(at(2025, 10, 18, 11), 2)
    # then Monday is day 1, Tuesday day 2
    assert result.due == at(2025, 10, 21, 18)


def test_a_case_received_during_a_holiday_waits_for_the_holiday_to_end():
    # when received on 国庆节 itself
    result = workdays.add_working_days(at(2025, 10, 3, 9), 1)
    # then
    assert result.due == at(2025, 10, 9, 18)


def test_spring_festival_2026():
    # given received Thursday 2026-02-12
    # then day 1 Fri 02-13, day 2 Sat 02-14 (make-up), day 3 Tue 02-24 after nine days off
    assert workdays.add_working_days(at(2026, 2, 12, 9), 2).due == at(2026, 2, 14, 18)
    assert workdays.add_working_days(at(2026, 2, 12, 9), 3).due == at(2026, 2, 24, 18)


def test_spring_festival_2026_ten_working_days():
    # when received Friday 2026-02-13
    result = workdays.add_working_days(at(2026, 2, 13, 15), 10)
    # then 02-14(1) 02-24(2) 02-25(3) 02-26(4) 02-27(5) 02-28 Sat(6) 03-02(7) 03-03(8) 03-04(9) 03-05(10)
    assert result.due == at(2026, 3, 5, 18)
    assert not result.estimated


def test_year_boundary_2025_into_2026_with_new_year():
    # when received Wednesday 2025-12-31
    result = workdays.add_working_days(at(2025, 12, 31, 10), 10)
    # then 01-01..03 off; 01-04 Sun(1) 01-05(2) 01-06(3) 01-07(4) 01-08(5) 01-09(6) 01-12(7) 01-13(8)
    # 01-14(9) 01-15(10)
    assert result.due == at(2026, 1, 15, 18)
    assert result.missing_years == set()


def test_the_due_is_an_aware_shanghai_datetime_even_from_utc_input():
    # given 2025-09-30 10:00 Shanghai expressed in UTC
    start = at(2025, 9, 30, 10).astimezone(dt.UTC)
    # when
    due = workdays.add_working_days(start, 2).due
    # then
    assert due.utcoffset() == dt.timedelta(hours=8)
    assert due == at(2025, 10, 10, 18)


def test_a_deadline_into_a_year_nobody_entered_is_flagged_not_silently_computed():
    # given 2027 has no calendar; received Wednesday 2026-12-30
    # when
    result = workdays.add_working_days(at(2026, 12, 30, 10), 5)
    # then a plain-weekday estimate (12-31, 01-01 Fri, 01-04, 01-05, 01-06), flagged
    assert result.due == at(2027, 1, 6, 18)
    assert result.missing_years == {2027}
    assert result.estimated


def test_a_deadline_that_stays_in_known_years_is_not_flagged_by_a_missing_later_year():
    result = workdays.add_working_days(at(2026, 12, 1, 10), 5)
    assert result.due == at(2026, 12, 8, 18)
    assert result.missing_years == set()


def test_once_an_admin_enters_2027_the_deadline_is_computed(admin_user):
    # given a flagged estimate
    assert workdays.add_working_days(at(2026, 12, 30, 10), 5).missing_years == {2027}
    # when an admin enters a 2027 arrangement (a test arrangement: 元旦 on Friday 01-01, then the weekend)
    from yiwang.workdays.services import calendar_year_set

    calendar_year_set(year=2027, days=[(dt.date(2027, 1, 1), False, "元旦")], acting_user=admin_user)
    # then 12-31(1) 01-04(2) 01-05(3) 01-06(4) 01-07(5), no longer flagged
    result = workdays.add_working_days(at(2026, 12, 30, 10), 5)
    assert result.due == at(2027, 1, 7, 18)
    assert result.missing_years == set()
    assert workdays.is_workday(dt.date(2027, 1, 1)) is False


def test_a_draft_year_is_used_for_the_estimate_but_still_flagged(admin_user):
    from yiwang.workdays.services import calendar_year_set

    # given 2027 entered as an incomplete draft
    calendar_year_set(
        year=2027, days=[(dt.date(2027, 1, 1), False, "元旦")], acting_user=admin_user, complete=False
    )
    # when
    result = workdays.add_working_days(at(2026, 12, 30, 10), 5)
    # then the draft's holiday is used, and the year stays flagged
    assert result.due == at(2027, 1, 7, 18)
    assert result.missing_years == {2027}
    with pytest.raises(ApplicationError):
        workdays.is_workday(dt.date(2027, 1, 1))


@pytest.mark.parametrize("n", [0, -1, 1.5, True, "2"])
def test_the_number_of_working_days_must_be_a_positive_integer(n):
    with pytest.raises(ApplicationError) as err:
        workdays.add_working_days(at(2025, 10, 20, 9), n)
    assert err.value.code == "invalid_working_days"


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        workdays.add_working_days(dt.datetime(2025, 10, 20, 9), 2)  # noqa: DTZ001


# -- add_working_hours (urgent categories) ----------------------------------------------------


@pytest.mark.parametrize(
    "start, hours, due",
    [
        # Friday 17:00 + 2 h: one hour on Friday, one on Monday morning
        (at(2025, 10, 17, 17), 2, at(2025, 10, 20, 9, 30)),
        # across lunch: 11:00–12:00 and 14:00–15:00
        (at(2025, 10, 20, 11), 2, at(2025, 10, 20, 15)),
        # a result that ends a period stays there
        (at(2025, 10, 20, 11), 1, at(2025, 10, 20, 12)),
        # received during lunch: the clock starts at 14:00
        (at(2025, 10, 20, 12, 30), 1.5, at(2025, 10, 20, 15, 30)),
        # received at night: the clock starts at 08:30 the next working day
        (at(2025, 10, 20, 20), 1, at(2025, 10, 21, 9, 30)),
        # the eve of 国庆: one hour on 09-30, three more after the holiday on 10-09
        (at(2025, 9, 30, 17), 4, at(2025, 10, 9, 11, 30)),
        # Friday 17:00 before the make-up Sunday 09-28
        (at(2025, 9, 26, 17), 2, at(2025, 9, 28, 9, 30)),
        # exactly two working days from the close of Monday: the close of Wednesday
        (at(2025, 10, 20, 18), 15, at(2025, 10, 22, 18)),
        # Friday before 春节 2026: 02-13 17–18, then Sat 02-14 is a workday
        (at(2026, 2, 13, 17), 8.5, at(2026, 2, 14, 18)),
        (at(2026, 2, 13, 17), 9.5, at(2026, 2, 24, 9, 30)),
    ],
)
def test_add_working_hours(start, hours, due):
    assert workdays.add_working_hours(start, hours).due == due


def test_zero_working_hours_is_the_start_itself():
    start = at(2025, 10, 18, 10)
    assert workdays.add_working_hours(start, 0).due == start


def test_working_hours_into_an_unentered_year_are_flagged():
    # when Thursday 2026-12-31 17:00 + 2 h reaches into 2027
    result = workdays.add_working_hours(at(2026, 12, 31, 17), 2)
    # then estimated with Friday 2027-01-01 treated as a plain weekday, flagged
    assert result.due == at(2027, 1, 1, 9, 30)
    assert result.missing_years == {2027}


# -- measuring, suspension and extension ------------------------------------------------------


def test_working_time_between_skips_nights_lunches_and_holidays():
    # when from 09-30 08:30 to 10-09 12:00
    elapsed = workdays.working_time_between(at(2025, 9, 30, 8, 30), at(2025, 10, 9, 12))
    # then a full 7.5 h day on 09-30 and 3.5 h on 10-09
    assert elapsed.duration == dt.timedelta(hours=11)
    assert elapsed.missing_years == set()


def test_working_time_between_takes_pauses_out_once_even_when_they_overlap():
    # given Monday 2025-10-20 08:30 to Wednesday 10-22 18:00 is three full days (22.5 h)
    start, end = at(2025, 10, 20, 8, 30), at(2025, 10, 22, 18)
    pauses = [
        (at(2025, 10, 21, 8, 0), at(2025, 10, 21, 12, 0)),  # 3.5 h of office time
        (at(2025, 10, 21, 10, 0), at(2025, 10, 21, 15, 0)),  # overlaps; adds 14:00–15:00
        (at(2025, 10, 18, 0, 0), at(2025, 10, 20, 9, 30)),  # starts before `start`; 1 h inside
    ]
    # when
    elapsed = workdays.working_time_between(start, end, pauses)
    # then 22.5 − 3.5 − 1 − 1
    assert elapsed.duration == dt.timedelta(hours=17)


def test_working_days_between_is_the_inverse_of_add_working_days():
    start = at(2025, 9, 30, 10)
    assert workdays.working_days_between(start, at(2025, 10, 10, 18)).days == 2
    assert workdays.working_days_between(start, at(2025, 10, 11, 9)).days == 3
    assert workdays.working_days_between(at(2025, 10, 11, 9), start).days == -3


def test_a_suspension_gives_back_the_working_time_lost():
    # given due Friday 2025-10-24 18:00; suspended Tue 10-21 10:00 to Wed 10-22 10:00
    # lost: Tue 10–12 (2 h) + 14–18 (4 h) + Wed 08:30–10:00 (1.5 h) = one working day of 7.5 h
    # when
    result = workdays.shift_for_pause(at(2025, 10, 24, 18), at(2025, 10, 21, 10), at(2025, 10, 22, 10))
    # then
    assert result.due == at(2025, 10, 27, 18)


def test_a_suspension_over_a_weekend_changes_nothing():
    due = at(2025, 10, 24, 18)
    assert workdays.shift_for_pause(due, at(2025, 10, 18, 9), at(2025, 10, 19, 20)).due == due


def test_a_suspension_across_national_day():
    # given due 2025-10-10 18:00; suspended 09-30 16:00 to 10-09 12:00
    # lost: 09-30 16–18 (2 h) + 10-09 08:30–12:00 (3.5 h) = 5.5 h
    # when
    result = workdays.shift_for_pause(at(2025, 10, 10, 18), at(2025, 9, 30, 16), at(2025, 10, 9, 12))
    # then the make-up Saturday 10-11: 08:30–12:00 (3.5 h) and 14:00–16:00 (2 h)
    assert result.due == at(2025, 10, 11, 16)


def test_an_extension_moves_the_due_by_working_days_keeping_the_time_of_day():
    # an ordinary due: the close of the n-th next working day
    assert workdays.extend_due(at(2025, 9, 30, 18), 2).due == at(2025, 10, 10, 18)
    # a due shifted by a suspension to Saturday 10-11 16:00: the next working day is Monday 10-13
    assert workdays.extend_due(at(2025, 10, 11, 16), 1).due == at(2025, 10, 13, 16)


def test_an_extension_into_an_unentered_year_is_flagged():
    result = workdays.extend_due(at(2026, 12, 31, 18), 1)
    assert result.due == at(2027, 1, 1, 18)
    assert result.missing_years == {2027}


def test_deadline_progress_for_the_yellow_card():
    # given dispatched Monday 2025-10-20 09:00 with 2 working days: due Wednesday 18:00
    start = at(2025, 10, 20, 9)
    due = workdays.add_working_days(start, 2).due
    # when checked Tuesday at noon
    progress = workdays.deadline_progress(start=start, due=due, now=at(2025, 10, 21, 12))
    # then allowed: Monday 7 h (09–12, 14–18) + Tuesday 7.5 + Wednesday 7.5 = 22 h;
    # used: Monday 7 h + Tuesday 08:30–12:00 3.5 h = 10.5 h
    assert progress.allowed == dt.timedelta(hours=22)
    assert progress.used == dt.timedelta(hours=10.5)
    assert progress.remaining == dt.timedelta(hours=11.5)
    assert progress.fraction_used == pytest.approx(10.5 / 22)
    assert not progress.overdue


def test_deadline_progress_past_the_due_and_with_an_open_suspension():
    start, due = at(2025, 10, 20, 9), at(2025, 10, 22, 18)
    # overdue by Thursday 10:30: two office hours past the due
    late = workdays.deadline_progress(start=start, due=due, now=at(2025, 10, 23, 10, 30))
    assert late.overdue and late.remaining == -dt.timedelta(hours=2)
    assert late.fraction_used == pytest.approx(24 / 22)
    # suspended since Tuesday 08:00 and still suspended: the clock stopped then
    paused = workdays.deadline_progress(
        start=start, due=due, now=at(2025, 10, 21, 16), paused_intervals=[(at(2025, 10, 21, 8), None)]
    )
    assert paused.used == dt.timedelta(hours=7)


def test_deadline_progress_reads_the_project_clock_by_default():
    from yiwang.core import clock

    clock.freeze(at(2025, 10, 21, 12))
    progress = workdays.deadline_progress(start=at(2025, 10, 20, 9), due=at(2025, 10, 22, 18))
    assert progress.used == dt.timedelta(hours=10.5)


def test_office_hours_and_the_due_hour_are_settings(settings):
    # given an office that closes at 17:30 and a day deadline at 17:30
    settings.WORK_HOURS = "08:30-12:00,14:00-17:30"
    settings.WORKDAY_END = "17:30"
    # then
    assert workdays.add_working_days(at(2025, 9, 30, 10), 2).due == at(2025, 10, 10, 17, 30)
    assert workdays.add_working_hours(at(2025, 10, 17, 17), 1).due == at(2025, 10, 20, 9)


def test_calendar_missing_years_lists_what_an_admin_must_enter():
    assert workdays.calendar_missing_years(first_year=2025, last_year=2028) == [2027, 2028]
