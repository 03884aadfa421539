"""Admins enter later years in the Django admin: a year with its days inline."""

import datetime as dt

import pytest

from yiwang.workdays import selectors as workdays
from yiwang.workdays.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/workdays/calendaryear/add/"


def _form(year, days, *, complete=True):
    data = {
        "year": str(year),
        "note": "测试安排",
        "days-TOTAL_FORMS": str(len(days)),
        "days-INITIAL_FORMS": "0",
        "days-MIN_NUM_FORMS": "0",
        "days-MAX_NUM_FORMS": "1000",
    }
    if complete:
        data["complete"] = "on"
    for i, (date, is_workday, name) in enumerate(days):
        data[f"days-{i}-date"] = date
        data[f"days-{i}-name"] = name
        if is_workday:
            data[f"days-{i}-is_workday"] = "on"
    return data


def test_an_admin_enters_2027_and_deadlines_use_it_at_once(admin_client, admin_user):
    # given 2027 is unknown
    assert workdays.day_info(dt.date(2027, 1, 1)).known is False
    # when a (test) 2027 arrangement is entered in the admin
    response = admin_client.post(
        ADD_URL,
        _form(2027, [("2027-01-01", False, "元旦"), ("2027-02-06", True, "调休上班（春节）")]),
    )
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    year = CalendarYear.objects.get(year=2027)
    assert (year.source, year.complete, year.updated_by) == (CalendarYear.Source.ADMIN, True, admin_user)
    assert year.days.count() == 2
    assert workdays.is_workday(dt.date(2027, 1, 1)) is False
    assert workdays.is_workday(dt.date(2027, 2, 6)) is True


def test_the_admin_refuses_a_day_that_restates_the_plain_rule(admin_client):
    # when Saturday 2027-01-02 is entered as a holiday
    response = admin_client.post(ADD_URL, _form(2027, [("2027-01-02", False, "元旦")]))
    # then the form comes back with the reason, nothing is saved
    assert response.status_code == 200
    assert "本来就休息" in response.content.decode()
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_the_admin_refuses_a_day_outside_the_notice_year(admin_client):
    response = admin_client.post(ADD_URL, _form(2027, [("2025-06-03", False, "错年")]))
    assert response.status_code == 200
    assert "不属于 2027 年的通知" in response.content.decode()
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_the_year_list_shows_the_counts(admin_client):
    response = admin_client.get("/admin/workdays/calendaryear/")
    assert response.status_code == 200
    assert "2026" in response.content.decode()


def test_editing_a_library_year_in_the_admin_makes_it_admin_owned(admin_client):
    # given the seeded 2026
    year = CalendarYear.objects.get(year=2026)
    days = list(year.days.order_by("date"))
    data = _form(2026, [])
    data["days-TOTAL_FORMS"] = data["days-INITIAL_FORMS"] = str(len(days))
    for i, day in enumerate(days):
        data.update(
            {
                f"days-{i}-id": str(day.pk),
                f"days-{i}-year": str(year.pk),
                f"days-{i}-date": day.date.isoformat(),
                f"days-{i}-name": day.name,
            }
        )
        if day.is_workday:
            data[f"days-{i}-is_workday"] = "on"
    # when one day is deleted (a test correction)
    gone = days[0]
    data["days-0-DELETE"] = "on"
    response = admin_client.post(f"/admin/workdays/calendaryear/{year.pk}/change/", data)
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    year.refresh_from_db()
    assert year.source == CalendarYear.Source.ADMIN
    assert not CalendarDay.objects.filter(pk=gone.pk).exists()
    assert workdays.is_workday(gone.date) is (gone.date.weekday() < 5)
