"""What a leader reads on the cockpit and in the monthly report: hexagons named by their place, a
month in progress marked as an incomplete period, the definitions sheet in one language, times in
local time, and a map whose colours come with a legend."""

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from yiwang.accounts.models import Role, User
from yiwang.analytics import services
from yiwang.analytics.models import Projection
from yiwang.core import clock
from yiwang.geo.locate import locate
from yiwang.geo.models import Level

from .conftest import TZ, at

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u3400-\u9fff]")
FULL_WIDTH = re.compile(r"[（），。：；！？、“”]")


@pytest.fixture
def leader_client(client, db):
    client.force_login(User.objects.create(username="t_leader_reading", role=Role.LEADER))
    return client


def test_a_hexagon_is_named_by_the_town_and_community_its_centre_is_in(leader_client, new_case):
    # given cases at one point in March 2025
    for day in (3, 4):
        new_case(at(3, day), point=(113.08, 22.60))
    services.intake_project()
    # when the hot spots are read by hexagon
    body = leader_client.get("/api/v1/measures/hotspots", {"period": "2025-03", "by": "h3", "resolution": 9}).json()
    # then the hexagon is named by its place, not by its coordinates
    cell = body["cells"][0]
    lon, lat = cell["center"]
    found = locate(lon, lat)
    assert cell["name"] == f"{found.at(Level.TOWN).name} {found.at(Level.COMMUNITY).name}"
    assert not re.search(r"\d+\.\d{3}", cell["name"])


def test_the_monthly_reports_hexagons_are_named_too(leader_client, new_case):
    new_case(at(3, 3), point=(113.08, 22.60))
    services.intake_project()
    town = locate(113.08, 22.60).at(Level.TOWN).name
    page = leader_client.get("/cockpit/report/", {"period": "2025-03"}).content.decode()
    cells = page[page.index("H3 8") :]
    assert town in cells[: cells.index("</table>")]
    book = load_workbook(io.BytesIO(leader_client.get("/cockpit/report.xlsx", {"period": "2025-03"}).content))
    hot = book["热点"]
    assert hot.cell(row=2, column=6).value == "地点" and town in hot.cell(row=3, column=6).value


def test_a_month_in_progress_is_marked_as_an_incomplete_period(leader_client):
    # given today is 10 March 2025 (local)
    clock.freeze(dt.datetime(2025, 3, 10, 9, 0, tzinfo=TZ))
    # when the leader compares March with February, and February with January
    now = leader_client.get("/cockpit/", {"period": "2025-03"}).content.decode()
    before = leader_client.get("/cockpit/", {"period": "2025-02"}).content.decode()
    api = leader_client.get("/api/v1/measures/rankings", {"period": "2025-03", "group": "unit"}).json()
    past = leader_client.get("/api/v1/measures/rankings", {"period": "2025-02", "group": "unit"}).json()
    report = leader_client.get("/cockpit/report/", {"period": "2025-03"}).content.decode()
    book = load_workbook(io.BytesIO(leader_client.get("/cockpit/report.xlsx", {"period": "2025-03"}).content))
    # then March says it is incomplete, everywhere it is compared; February does not
    assert now.count("data-incomplete") >= 3 and "不完整周期" in now  # the status line and both rankings
    assert "data-incomplete" not in before
    assert api["incomplete"] is True and past["incomplete"] is False
    assert "不完整周期" in report
    first_sheet = " ".join(str(c.value) for row in book["指标"].iter_rows(max_row=6) for c in row if c.value)
    assert "不完整周期" in first_sheet


def test_incomplete_period_in_english(leader_client):
    clock.freeze(dt.datetime(2025, 3, 10, 9, 0, tzinfo=TZ))
    page = leader_client.get("/cockpit/", {"period": "2025-03"}, headers={"accept-language": "en"}).content.decode()
    assert "Incomplete period" in page


@pytest.mark.parametrize("url", ["/cockpit/report.xlsx", "/cockpit/export/units.xlsx"])
def test_the_definitions_sheet_is_in_one_language(leader_client, url):
    for language in ("en", "zh-hans"):
        # when the workbook is downloaded in that language
        response = leader_client.get(url, {"period": "2025-03"}, headers={"accept-language": language})
        book = load_workbook(io.BytesIO(response.content))
        sheet = book[book.sheetnames[-1]]
        rows = [[str(c.value or "") for c in row] for row in sheet.iter_rows()]
        assert len(rows) >= 12  # the header and every measure
        text = " ".join(" ".join(r) for r in rows)
        if language == "en":
            # then no Chinese at all, and ASCII punctuation only
            assert not CJK.search(text), [r for r in rows if CJK.search(" ".join(r))]
            assert not FULL_WIDTH.search(text)
        else:
            # then every name and definition is Chinese, with no code names left in English
            for name, definition in rows:
                assert CJK.search(name) and CJK.search(definition), (name, definition)
            assert not re.search(r"\b[a-z]+_[a-z]+\b", text)  # response_rate and the like
            assert "dispatches" not in text


def test_the_workbooks_data_time_is_local(leader_client, new_case, march):
    # given events projected; the last one at a known UTC instant
    services.measures_refresh_for_read()
    state = Projection.objects.get(name="measures")
    state.last_event_at = dt.datetime(2025, 3, 31, 20, 30, tzinfo=dt.UTC)  # 1 April 04:30 in Jiangmen
    state.save(update_fields=["last_event_at"])
    # when the leader downloads the list and the report
    for url in ("/cockpit/export/units.xlsx", "/cockpit/report.xlsx"):
        book = load_workbook(io.BytesIO(leader_client.get(url, {"period": "2025-03"}).content))
        head = " ".join(str(c.value) for row in book["指标"].iter_rows(max_row=6) for c in row if c.value)
        # then the time is Jiangmen's wall clock, not UTC
        assert "2025-04-01 04:30" in head, head
        assert "+00:00" not in head and "2025-03-31 20:30" not in head


def test_the_hot_spot_map_comes_with_a_legend_and_readable_cells(leader_client):
    # the page hands the map its legend's title and the words it shows (no English left in the script)
    page = leader_client.get("/cockpit/", {"period": "2025-03"}, headers={"accept-language": "en"}).content.decode()
    assert 'data-legend-title="Cases received"' in page
    assert 'data-failed="The hot spots could not be loaded.' in page
