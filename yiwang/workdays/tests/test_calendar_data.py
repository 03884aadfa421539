"""The stored calendar: seeding from chinese_calendar, admin entries, CSV import, the commands."""

import datetime as dt

import chinese_calendar
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from yiwang.core.errors import ApplicationError
from yiwang.workdays import selectors as workdays
from yiwang.workdays.library import library_days, library_years
from yiwang.workdays.models import CalendarDay, CalendarRevision, CalendarYear
from yiwang.workdays.services import calendar_seed_from_library, calendar_year_set
from yiwang.workdays.snapshot import current_calendar

pytestmark = pytest.mark.django_db


def _revision() -> int:
    return CalendarRevision.objects.get(pk=1).revision


def test_the_library_covers_a_contiguous_range_from_2004_to_at_least_2026():
    years = library_years()
    assert years.start == 2004 and years.stop - 1 >= 2026
    # the package itself knows nothing after its last year
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(dt.date(years.stop, 6, 1))


def test_a_fresh_database_has_every_library_year_from_the_migration():
    years = library_years()
    stored = CalendarYear.objects.filter(year__in=list(years))
    assert stored.count() == len(years)
    assert all(cy.complete and cy.source == CalendarYear.Source.LIBRARY for cy in stored)


def test_only_days_that_differ_from_the_plain_rule_are_stored():
    for day in CalendarDay.objects.all():
        assert day.is_workday == (day.date.weekday() >= 5), day


def test_the_stored_calendar_agrees_with_the_library_on_every_day_it_covers():
    # given the package is the reference transcription of the notices
    calendar = current_calendar()
    years = library_years()
    day, last = dt.date(years.start, 1, 1), dt.date(years.stop - 1, 12, 31)
    # then
    disagreements = []
    while day <= last:
        if calendar.is_workday(day) != chinese_calendar.is_workday(day):
            disagreements.append(day)
        day += dt.timedelta(days=1)
    assert disagreements == []


def test_a_new_year_arrangement_reaching_into_december_belongs_to_the_next_years_notice():
    # The 2019 notice: 2018-12-30 to 2019-01-01 off, Saturday 2018-12-29 worked.
    saturday = CalendarDay.objects.select_related("year").get(date=dt.date(2018, 12, 29))
    monday = CalendarDay.objects.select_related("year").get(date=dt.date(2018, 12, 31))
    assert (saturday.year.year, saturday.is_workday) == (2019, True)
    assert (monday.year.year, monday.is_workday, monday.name) == (2019, False, "元旦")


def test_holiday_names_are_chinese():
    names = {d.name for d in CalendarDay.objects.filter(year__year=2025)}
    assert {"元旦", "春节", "清明节", "劳动节", "端午节", "国庆节", "中秋节", "调休上班（国庆节）"} <= names


def test_seeding_again_changes_nothing():
    # given the migration already seeded
    before = _revision()
    # when
    summary = calendar_seed_from_library()
    # then
    assert summary.created == [] and summary.updated == []
    assert summary.unchanged == list(library_years())
    assert _revision() == before


def test_seeding_repairs_a_damaged_library_year():
    # given someone deleted a day of 2025 behind the services' back
    CalendarDay.objects.filter(date=dt.date(2025, 10, 8)).delete()
    # when
    summary = calendar_seed_from_library()
    # then
    assert summary.updated == [2025]
    assert CalendarDay.objects.filter(date=dt.date(2025, 10, 8), is_workday=False).exists()
    assert workdays.is_workday(dt.date(2025, 10, 8)) is False


def test_seeding_from_empty_creates_every_year():
    # given
    CalendarYear.objects.all().delete()
    # when
    summary = calendar_seed_from_library()
    # then
    assert summary.created == list(library_years())
    assert CalendarDay.objects.count() == len(library_days())


def test_an_admin_year_wins_over_the_library_unless_asked(admin_user):
    # given an admin corrected 2026 (a test entry: one fewer day off)
    rows = [(d.date, d.is_workday, d.name) for d in library_days() if d.notice_year == 2026]
    rows = [r for r in rows if r[0] != dt.date(2026, 10, 7)]
    calendar_year_set(year=2026, days=rows, acting_user=admin_user, note="本地调整")
    # when
    kept = calendar_seed_from_library()
    # then
    assert kept.kept_admin == [2026]
    assert workdays.is_workday(dt.date(2026, 10, 7)) is True
    # when asked to take the library's word
    replaced = calendar_seed_from_library(replace_admin_years=True)
    # then
    assert replaced.updated == [2026]
    assert CalendarYear.objects.get(year=2026).source == CalendarYear.Source.LIBRARY
    assert workdays.is_workday(dt.date(2026, 10, 7)) is False


def test_calendar_year_set_records_the_admin_and_replaces_the_rows(admin_user):
    # given
    calendar_year_set(
        year=2027,
        days=[(dt.date(2027, 1, 1), False, "元旦"), (dt.date(2027, 2, 8), False, "春节")],
        acting_user=admin_user,
    )
    # when entered again with different rows
    calendar_year = calendar_year_set(
        year=2027, days=[(dt.date(2027, 1, 1), False, "元旦")], acting_user=admin_user
    )
    # then
    assert calendar_year.source == CalendarYear.Source.ADMIN
    assert calendar_year.updated_by == admin_user
    assert list(calendar_year.days.values_list("date", flat=True)) == [dt.date(2027, 1, 1)]
    assert workdays.is_workday(dt.date(2027, 2, 8)) is True


def test_calendar_year_set_drops_rows_that_restate_the_plain_rule(admin_user):
    # when the whole holiday is typed in, weekend days included
    calendar_year_set(
        year=2027,
        days=[
            (dt.date(2027, 1, 1), False, "元旦"),  # Friday: stored
            (dt.date(2027, 1, 2), False, "元旦"),  # Saturday: rests anyway
            (dt.date(2027, 1, 3), False, "元旦"),  # Sunday: rests anyway
            (dt.date(2027, 1, 4), True, ""),  # Monday: works anyway
        ],
        acting_user=admin_user,
    )
    # then
    assert list(CalendarDay.objects.filter(year__year=2027).values_list("date", flat=True)) == [
        dt.date(2027, 1, 1)
    ]


def test_calendar_year_set_refuses_bad_rows_and_writes_nothing(admin_user):
    before = _revision()
    with pytest.raises(ApplicationError) as err:
        calendar_year_set(
            year=2027,
            days=[
                (dt.date(2027, 1, 1), False, "元旦"),
                (dt.date(2027, 1, 1), False, "元旦"),  # twice
                (dt.date(2025, 10, 9), False, "错年"),  # not in the 2027 notice
                ("2027-05-03", False, "劳动节"),  # not a date
            ],
            acting_user=admin_user,
        )
    assert err.value.code == "calendar_days_invalid"
    assert "2025-10-09" in err.value.fields["problems"]
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert _revision() == before


def test_a_day_cannot_belong_to_two_notices(admin_user):
    # given a (test) 2025 entry holding Tuesday 2025-12-30
    calendar_year_set(year=2025, days=[(dt.date(2025, 12, 30), False, "测试")], acting_user=admin_user)
    # when the 2026 notice is entered with the same December day for its New Year
    with pytest.raises(ApplicationError) as err:
        calendar_year_set(year=2026, days=[(dt.date(2025, 12, 30), False, "元旦")], acting_user=admin_user)
    # then
    assert err.value.code == "calendar_day_conflict"
    assert CalendarYear.objects.get(year=2026).source == CalendarYear.Source.LIBRARY  # rolled back


def test_every_write_bumps_the_shared_revision(admin_user):
    before = _revision()
    calendar_year_set(year=2027, days=[], acting_user=admin_user)
    assert _revision() == before + 1


def test_the_seed_command(capsys):
    # when
    call_command("workdays_seed")
    # then
    out = capsys.readouterr().out
    assert f"covers 2004-{library_years().stop - 1}" in out
    assert "created 0, updated 0" in out


def test_the_csv_import_command_enters_a_year(tmp_path, admin_user, capsys):
    # given a test arrangement for 2027 as an admin would type it from the notice
    path = tmp_path / "2027.csv"
    path.write_text(
        "date,is_workday,name\n"
        "2027-01-01,0,元旦\n"
        "2027-01-02,放假,元旦\n"  # a Saturday: ignored
        "2027/02/06,1,调休上班（春节）\n"  # a Saturday make-up workday, slashes accepted
        "2027-02-08,休,春节\n"
        "\n",
        encoding="utf-8",
    )
    # when
    call_command("workdays_import", str(path), "--user", admin_user.username, "--note", "测试")
    # then
    assert "2027: 2 weekday holidays, 1 weekend workdays" in capsys.readouterr().out
    assert workdays.is_workday(dt.date(2027, 2, 6)) is True
    assert workdays.is_workday(dt.date(2027, 2, 8)) is False
    assert CalendarYear.objects.get(year=2027).updated_by == admin_user


def test_the_csv_import_command_can_store_a_draft(tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text("date,is_workday,name\n2027-01-01,0,元旦\n", encoding="utf-8")
    call_command("workdays_import", str(path), "--draft")
    assert workdays.add_working_days(
        dt.datetime(2026, 12, 30, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))), 5
    ).missing_years == {2027}


def test_the_csv_import_command_reports_every_bad_row_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("date,is_workday\n2027-13-01,0\n2027-01-01,maybe\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("workdays_import", str(path))
    err = capsys.readouterr().err
    assert "第 2 行" in err and "第 3 行" in err
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_the_csv_import_command_needs_the_columns(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("day,off\n2027-01-01,1\n", encoding="utf-8")
    with pytest.raises(CommandError, match="is_workday"):
        call_command("workdays_import", str(path))
