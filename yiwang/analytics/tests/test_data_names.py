"""The cockpit, its exports and its API read unit and category names in the reader's language; the
API's stored names and codes stay as they are."""

import datetime as dt
import io

import openpyxl
import pytest

from yiwang.accounts.models import Role, User
from yiwang.analytics.models import Alert
from yiwang.core import clock
from yiwang.routing.models import Category

pytestmark = pytest.mark.django_db

ZJJ_EN = "Jiangmen Housing and Urban-Rural Development Bureau"
SHJ_EN = "Jiangmen Ecology and Environment Bureau"


@pytest.fixture
def leader(client, db):
    client.force_login(User.objects.create(username="t_leader_names", role=Role.LEADER))
    return client


def cells(sheet) -> list:
    return [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]


def test_the_english_cockpit_ranks_units_by_their_english_names(leader, march):
    html = leader.get("/cockpit/", {"period": "2025-03"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ZJJ_EN in html and SHJ_EN in html
    assert "江门市住房和城乡建设局" not in html
    assert ">Urban and rural construction</option>" in html  # the category filter


def test_the_traditional_cockpit_converts_unit_names(leader, march):
    html = leader.get("/cockpit/", {"period": "2025-03"}, HTTP_ACCEPT_LANGUAGE="zh-hant").content.decode()
    assert "江門市住房和城鄉建設局" in html and "江门市住房和城乡建设局" not in html


def test_the_english_units_export_has_english_names_and_the_same_codes(leader, march):
    # when
    response = leader.get("/cockpit/export/units.xlsx", {"period": "2025-03"}, HTTP_ACCEPT_LANGUAGE="en")
    # then
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = [r for r in sheet.iter_rows(values_only=True) if r[2] in ("JM.ZJJ", "JM.SHJ")]
    assert [(r[2], r[3]) for r in rows] == [("JM.ZJJ", ZJJ_EN), ("JM.SHJ", SHJ_EN)]
    assert "江门市住房和城乡建设局" not in cells(sheet)


def test_the_english_monthly_report_workbook_has_english_unit_and_category_names(leader, march):
    # given an early warning on 城乡建设 in March
    Alert.objects.create(
        area=march["A"].town,
        category=Category.objects.get(code="C01"),
        day=dt.date(2025, 3, 28),
        window_start=dt.date(2025, 3, 22),
        observed=9,
        expected=1.0,
        p_value=0.001,
        created_at=clock.now(),
    )
    # when
    response = leader.get("/cockpit/report.xlsx", {"period": "2025-03"}, HTTP_ACCEPT_LANGUAGE="en")
    # then
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    units = book.worksheets[2]  # the unit ranking
    assert ZJJ_EN in cells(units) and "江门市住房和城乡建设局" not in cells(units)
    alerts = book.worksheets[5]
    assert "Urban and rural construction" in cells(alerts) and "城乡建设" not in cells(alerts)


def test_the_api_adds_display_names_and_keeps_the_stored_ones(leader, march):
    body = leader.get(
        "/api/v1/measures", {"period": "2025-03", "group": "unit"}, HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    zjj = next(r for r in body["rows"] if r["code"] == "JM.ZJJ")
    assert zjj["name"] == "江门市住房和城乡建设局"  # what other systems parse: unchanged
    assert zjj["display_name"] == ZJJ_EN
