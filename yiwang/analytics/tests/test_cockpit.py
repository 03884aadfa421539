"""The /cockpit/ page and its XLSX exports: who may see them, what they show, that the files open."""

import io

import openpyxl
import pytest

from yiwang.accounts.models import Role, User

pytestmark = pytest.mark.django_db


def login(client, role):
    client.force_login(User.objects.create(username=f"t_{role}_cockpit", role=role))
    return client


@pytest.mark.parametrize("role", [Role.LEADER, Role.ADMIN, Role.AUDITOR, Role.DISPATCHER])
def test_the_cockpit_renders_tiles_rankings_trend_and_weights(client, march, role):
    # given
    login(client, role)
    # when
    response = client.get("/cockpit/", {"period": "2025-03"})
    # then
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("综合得分", "响应率", "解决率", "满意率", "按时办结率", "退单率", "重办率", "平均办理时长"):
        assert text in html
    assert "响应率 30%" in html and "解决率 35%" in html  # the weights, beside the score
    assert "江门市住房和城乡建设局" in html and "95.00" in html  # the top-ranked unit
    assert 'id="trend-data"' in html and "vendor/echarts/echarts.min.js" in html
    assert "analytics/cockpit.js" in html
    assert march["A"].district.name in html  # the district list, with its drill-down link
    assert f"area={march['A'].district.code}" in html


def test_drill_down_from_district_to_town_to_community_to_grid(client, march):
    login(client, Role.LEADER)
    a = march["A"]
    for area, child in ((a.district, a.town), (a.town, a.community), (a.community, a.grid)):
        html = client.get("/cockpit/", {"period": "2025-03", "area": area.code}).content.decode()
        assert area.name in html and child.name in html


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.HANDLER, Role.GRIDWORKER, Role.OPERATOR])
def test_other_roles_get_403(client, db, role):
    login(client, role)
    assert client.get("/cockpit/").status_code == 403
    assert client.get("/cockpit/export/units.xlsx").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get("/cockpit/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("kind", ["units", "areas"])
def test_each_list_exports_as_xlsx_that_opens(client, march, kind):
    # given
    login(client, Role.LEADER)
    # when
    response = client.get(f"/cockpit/export/{kind}.xlsx", {"period": "2025-03"})
    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["指标"]
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert "响应率×30%" in values[1][0]
    header = next(r for r in values if r[0] == "排名")
    assert "综合得分" in header and "按时办结率" in header
    names = [r[3] for r in values[values.index(header) + 1 :]]
    if kind == "units":
        assert names[:2] == ["江门市住房和城乡建设局", "江门市生态环境局"]
        zjj = values[values.index(header) + 1]
        assert zjj[header.index("综合得分")] == 95.0
        assert zjj[header.index("响应率")] == pytest.approx(5 / 6)
    else:
        assert march["A"].district.name in names
    assert names[-1] == "全市"
    assert "定义" in book.sheetnames


def test_a_bad_period_shows_a_message_not_a_crash(client, db):
    login(client, Role.LEADER)
    response = client.get("/cockpit/", {"period": "2025-99"})
    assert response.status_code == 400 and "统计期" in response.content.decode()
