"""Import of indicators and reports from XLSX on the admins' page: every row checked, per-row errors
in the reader's language, nothing half-imported."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from yiwang.programmes.models import Event, EventAction, Indicator, Programme, Report, ReportStatus, Task

from .conftest import at, xlsx

pytestmark = pytest.mark.django_db

HEADER = ["专项行动编码", "专项行动名称", "指标编码", "指标名称", "计量单位", "基数", "基数日期", "目标值", "目标日期", "方向",
          "来源", "牵头单位编码", "协办单位编码", "报送周期", "报送时限(工作日)"]


def upload(client, kind, content, **extra):
    f = SimpleUploadedFile("data.xlsx", content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return client.post("/programmes/import/", {"kind": kind, "file": f}, **extra)


def test_indicators_and_their_tasks_are_imported(client_for, users):
    rows = [HEADER,
            ["KJ", "科技引领行动", "KJ-TD", "国际科学家团队", "个", 0, dt.date(2021, 1, 1), 10, "2025-12-31", "越大越好",
             "江门市规划", "JM.FGJ", "JM.RSJ、JM.GXJ", "按季", 15],
            ["KJ", "", "KJ-NH", "研发投入强度下降(示例)", "%", 3.5, "2021-01-01", 2.5, "2025-12-31", "down", "", "JM.GXJ", "", "monthly", ""]]
    response = upload(client_for(users["admin"]), "indicators", xlsx(rows))
    assert response.status_code == 302
    assert Programme.objects.get(code="KJ").name == "科技引领行动"
    td = Indicator.objects.get(code="KJ-TD")
    assert (td.target, td.target_date, td.direction, td.source) == (10, dt.date(2025, 12, 31), "up", "江门市规划")
    task = Task.objects.get(indicator=td)
    assert (task.lead_unit.code, task.frequency, task.due_working_days) == ("JM.FGJ", "quarterly", 15)
    assert sorted(u.code for u in task.assisting_units.all()) == ["JM.GXJ", "JM.RSJ"]
    assert Task.objects.get(indicator__code="KJ-NH").frequency == "monthly"
    assert Event.objects.filter(action=EventAction.IMPORTED).count() == 2


def test_a_file_with_a_bad_row_is_refused_whole_with_each_rows_errors(client_for, users):
    rows = [HEADER,
            ["KJ", "科技引领行动", "KJ-TD", "国际科学家团队", "个", 0, "2021-01-01", 10, "2025-12-31", "up", "", "JM.FGJ", "", "", ""],
            ["KJ", "", "KJ-TD", "重复", "个", 0, "2021-01-01", 10, "2025-12-31", "up", "", "JM.FGJ", "", "", ""],
            ["KJ", "", "KJ-X", "坏行", "个", "很多", "2021-13-01", 10, "2025-12-31", "sideways", "", "JM.NOPE", "", "yearly", ""],
            ["KJ", "", "KJ-Y", "目标低于基数", "个", 10, "2021-01-01", 5, "2025-12-31", "up", "", "JM.FGJ", "", "", ""]]
    response = upload(client_for(users["admin"]), "indicators", xlsx(rows))
    assert response.status_code == 400
    page = response.content.decode()
    assert "未导入任何一行" in page
    for text in ("与第 2 行的指标编码重复", "请填写数字", "日期格式应为", "方向应为", "找不到单位编码 JM.NOPE", "报送周期应为",
                 "目标值应大于基数"):
        assert text in page, text
    assert '<td class="num">4</td><td>基数</td>' in page  # the row and the column
    assert not Programme.objects.filter(code="KJ").exists() and not Indicator.objects.exists()


def test_row_errors_in_english(client_for, users):
    # the Chinese template's headings are read whatever the reader's language; errors come in theirs
    call_command("compilemessages_yiwang", verbosity=0)
    rows = [HEADER, ["KJ", "科技", "KJ-X", "x", "个", "lots", "2021-01-01", 10, "2025-12-31", "up", "", "JM.FGJ", "", "", ""]]
    response = upload(client_for(users["admin"]), "indicators", xlsx(rows), HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert "Please enter a number." in page and "<td>Baseline</td>" in page and "nothing was imported" in page
    # and an English template is read too
    english = ["Programme code", "Programme name", "Indicator code", "Indicator name", "Unit of measure", "Baseline",
               "Baseline date", "Target", "Target date", "Direction", "Source", "Lead unit code"]
    rows = [english, ["KJ", "科技引领行动", "KJ-TD", "国际科学家团队", "个", 0, "2021-01-01", 10, "2025-12-31", "up", "", "JM.FGJ"]]
    assert upload(client_for(users["admin"]), "indicators", xlsx(rows)).status_code == 302
    assert Indicator.objects.filter(code="KJ-TD").exists()


def test_reports_are_imported_for_a_leader_to_approve(client_for, users, task, frozen):
    frozen(at(2026, 7, 3))
    rows = [["指标编码", "报送单位编码", "报送期", "数值", "进展情况"],
            ["RC-BS", "JM.RSJ", "2026-Q1", 300, "一季度"],
            ["RC-BS", "JM.QWJ", "2026-Q1", 20, "'=1+1 是表格里的文字"]]  # as our export escapes it
    assert upload(client_for(users["admin"]), "reports", xlsx(rows)).status_code == 302
    reports = {r.unit.code: r for r in Report.objects.select_related("unit")}
    assert (reports["JM.RSJ"].value, reports["JM.RSJ"].status) == (300, ReportStatus.SUBMITTED)
    assert reports["JM.QWJ"].notes == "=1+1 是表格里的文字"


def test_report_rows_are_checked_against_the_tasks(client_for, users, task, frozen):
    frozen(at(2026, 7, 3))
    rows = [["指标编码", "报送单位编码", "报送期", "数值"],
            ["RC-BS", "JM.RSJ", "2026-Q1", 300],
            ["RC-BS", "JM.ZJJ", "2026-Q1", 5],
            ["RC-BS", "JM.RSJ", "2026-03", 5],
            ["RC-BS", "JM.RSJ", "2026-Q1", 301],
            ["RC-NONE", "JM.RSJ", "2026-Q1", 1],
            ["RC-BS", "JM.RSJ", "2027-Q1", 1]]
    response = upload(client_for(users["admin"]), "reports", xlsx(rows))
    page = response.content.decode()
    assert response.status_code == 400
    for text in ("不是这项指标任务的牵头或协办单位", "按季报送", "与第 2 行重复", "找不到指标编码 RC-NONE", "不在任务的起止日期内"):
        assert text in page, text
    assert not Report.objects.exists()  # the good first row was not written either


def test_only_admins_import_and_a_non_xlsx_file_is_refused(client_for, users):
    assert upload(client_for(users["leader"]), "indicators", xlsx([HEADER])).status_code == 403
    response = upload(client_for(users["admin"]), "indicators", b"not a spreadsheet")
    assert response.status_code == 400 and "XLSX" in response.content.decode()
    response = upload(client_for(users["admin"]), "indicators", xlsx([["名称", "其他"]]))
    assert "缺少必需的列" in response.content.decode()
