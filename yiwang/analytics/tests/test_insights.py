"""Hot spots, early warnings, hot topics and the monthly report, through the real intake and pages."""

import datetime as dt
import io

import numpy as np
import pytest
from openpyxl import load_workbook

from yiwang.accounts.models import Role, User
from yiwang.analytics import services
from yiwang.analytics.early_warnings import BASELINE, WINDOW, detect, warnings_scan
from yiwang.analytics.models import Alert
from yiwang.analytics.topics import cluster_texts
from yiwang.geo.locate import locate
from yiwang.geo.models import Area
from yiwang.notify.models import Outbox

from .conftest import at

pytestmark = pytest.mark.django_db
OTHER_POINT = (113.03, 22.55)


@pytest.fixture
def leader_client(client, db):
    client.force_login(User.objects.create(username="t_leader_insights", role=Role.LEADER))
    return client


def test_hot_spots_by_grid_and_by_h3_cell(leader_client, new_case):
    # given three cases at one point and one elsewhere, in March 2025
    for day in (3, 4, 5):
        new_case(at(3, day), point=(113.08, 22.60))
    new_case(at(3, 6), point=OTHER_POINT, category_code="C02")
    services.intake_project()
    grid = locate(113.08, 22.60).grid
    # when
    by_grid = leader_client.get("/api/v1/measures/hotspots", {"period": "2025-03", "by": "grid"}).json()
    by_cell = leader_client.get(
        "/api/v1/measures/hotspots", {"period": "2025-03", "by": "h3", "resolution": 9}
    ).json()
    only_c02 = leader_client.get(
        "/api/v1/measures/hotspots", {"period": "2025-03", "by": "grid", "category": "C02"}
    ).json()
    # then
    assert (by_grid["total"], by_grid["located"]) == (4, 4)
    assert by_grid["cells"][0]["key"] == grid.code and by_grid["cells"][0]["count"] == 3
    assert by_grid["cells"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert [c["count"] for c in by_cell["cells"]] == [3, 1]
    assert by_cell["cells"][0]["geometry"]["type"] == "Polygon"
    assert [c["count"] for c in only_c02["cells"]] == [1]


def test_hot_spots_of_a_week_are_read_from_the_cases(leader_client, new_case):
    # given
    new_case(at(3, 4))
    new_case(at(3, 12))
    # when (no projection needed: a week is read from the cases themselves)
    body = leader_client.get("/api/v1/measures/hotspots", {"period": "2025-W10", "by": "h3"}).json()
    # then only the case of that week counts
    assert body["total"] == 1 and body["cells"][0]["count"] == 1


def test_detect_needs_a_rise_well_above_the_series_own_baseline():
    quiet = np.ones(BASELINE, dtype=int)  # one case a day: 7 a window
    assert detect(np.full(WINDOW, 1), quiet) is None
    assert detect(np.full(WINDOW, 2), quiet) is None  # 14 vs 7: twice, but not unlikely enough
    rise = detect(np.full(WINDOW, 4), quiet)
    assert rise is not None and rise.observed == 28 and rise.expected == pytest.approx(7)
    assert detect(np.array([0, 0, 0, 0, 1, 1, 2]), np.zeros(BASELINE, dtype=int)) is None  # too few
    assert detect(np.array([0, 0, 0, 1, 2, 3, 3]), np.zeros(BASELINE, dtype=int)) is not None


def test_a_rise_in_a_town_alerts_its_leader_with_the_cases_behind_it(new_case, leader_client):
    # given a leader of the town with a phone, a quiet baseline and then a burst of one category
    town = Area.objects.get(pk=locate(113.08, 22.60).grid.id).parent.parent
    User.objects.create(username="t_town_leader", role=Role.LEADER, area=town, phone="13900000001")
    day = dt.date(2025, 3, 28)
    for week in range(1, 9):
        new_case(at(3, 28) - dt.timedelta(days=7 * week + 3), category_code="C01")
    burst = [new_case(at(3, 26 + i % 3, 9 + i), category_code="C01") for i in range(9)]
    services.intake_project()
    # when
    alerts = warnings_scan(day=day)
    again = warnings_scan(day=day + dt.timedelta(days=1))
    # then one alert, for that town and category, listing the burst, sent to the town's leader
    assert len(alerts) == 1 and again == []
    alert = alerts[0]
    assert alert.area == town and alert.category.code == "C01" and alert.observed == 9
    assert sorted(alert.case_ids) == sorted(c.id for c in burst)
    assert alert.notified == ["t_town_leader"]
    sms = Outbox.objects.get(kind="alert")
    assert sms.recipient == "13900000001" and town.name in sms.body
    # and the cockpit's API lists it with the case numbers
    body = leader_client.get("/api/v1/measures/alerts", {"period": "2025-03"}).json()
    assert sorted(body["alerts"][0]["cases"]) == sorted(c.number for c in burst)
    assert Alert.objects.count() == 1


def test_clusters_group_repeats_and_keep_unrelated_messages_apart():
    titles = [
        "丽发新城小区附近搅拌站噪音扰民",
        "投诉丽发新城旁边搅拌站噪音污染",
        "丽发新城搅拌站彻夜施工噪音扰民",
        "伊景园滨河苑捆绑销售车位",
        "投诉伊景园滨河苑强制捆绑车位销售",
        "伊景园滨河苑捆绑车位违规销售",
        "咨询新生儿医保办理流程",
        "公交站台广告牌破损",
    ]
    texts = [
        "丽发新城小区旁边的搅拌站晚上施工，噪音很大，影响居民休息。",
        "丽发新城小区附近搅拌站噪音和灰尘严重，请环保部门处理。",
        "搅拌站在丽发新城小区附近彻夜施工，噪音扰民。",
        "伊景园滨河苑开发商捆绑销售车位，不买车位不给房。",
        "伊景园滨河苑强制业主购买车位，捆绑销售违法。",
        "伊景园滨河苑购房必须捆绑车位，请查处。",
        "新生儿出生后如何办理医保，需要哪些材料？",
        "公交站台的广告牌破损，存在安全隐患。",
    ]
    # when
    clusters = cluster_texts(titles, texts)
    # then
    groups = sorted(sorted(c.members) for c in clusters)
    assert groups == [[0, 1, 2], [3, 4, 5]]
    keywords = {w for c in clusters for w in c.keywords}
    assert {"搅拌站", "车位"} <= keywords


def test_topics_are_stored_per_area_and_served(leader_client, new_case):
    # given three repeats received in the last days
    for i in range(3):
        new_case(None, title="丽发新城搅拌站噪音扰民", text=f"丽发新城小区旁搅拌站夜间施工噪音大，第{i}次反映。")
    new_case(None, title="咨询医保", text="新生儿医保怎么办理")
    # when
    services.cockpit_refresh()
    body = leader_client.get("/api/v1/measures/topics").json()
    # then
    assert len(body["topics"]) == 1
    topic = body["topics"][0]
    assert topic["size"] == 3 and topic["recent"] == 3 and topic["trend"] == "rising"
    assert "搅拌站" in topic["keywords"] and len(topic["cases"]) == 3


def test_monthly_report_page_and_workbook(leader_client, march):
    # when
    page = leader_client.get("/cockpit/report/", {"period": "2025-03"})
    book = leader_client.get("/cockpit/report.xlsx", {"period": "2025-03"})
    # then
    assert page.status_code == 200
    text = page.content.decode()
    for heading in ("主要指标", "区域排名", "承办单位排名", "热点分布", "热点话题", "未诉先办预警"):
        assert heading in text
    assert book.status_code == 200
    wb = load_workbook(io.BytesIO(book.content))
    assert wb.sheetnames == ["指标", "区域排名", "承办单位排名", "热点", "热点话题", "预警", "定义"]
    values = [c for row in wb["指标"].iter_rows(values_only=True) for c in row]
    assert "综合得分" in values and "响应率" in values
    units = [row[3] for row in wb["承办单位排名"].iter_rows(min_row=2, values_only=True)]
    assert any(units)


def test_the_cockpit_shows_alerts_topics_and_the_hot_spot_map(leader_client, new_case):
    new_case(None)
    page = leader_client.get("/cockpit/")
    assert page.status_code == 200
    text = page.content.decode()
    for part in ('id="hotspot-map"', 'id="alerts"', 'id="topics"', "月度报告"):
        assert part in text


def test_the_demo_rise_shows_as_an_early_warning_on_the_cockpit(leader_client):
    from yiwang.analytics.demo import TOWN_CODE, load_demo_rise

    # given the demo's burst of noise complaints in 外海街道 over the last three days
    numbers = load_demo_rise()
    services.cockpit_refresh()
    # then the scan raises one warning for that town, listing those cases
    alert = Alert.objects.get(area__code=TOWN_CODE)
    assert alert.observed == len(numbers) == 12
    body = leader_client.get("/api/v1/measures/alerts").json()
    assert sorted(body["alerts"][0]["cases"]) == sorted(numbers)
    assert "外海街道" in leader_client.get("/cockpit/").content.decode()
