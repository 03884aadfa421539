"""The leaders' page, the XLSX export (no formula injection) and the printable quarterly page."""

import io
import re

import pytest
from openpyxl import load_workbook

from .conftest import at

pytestmark = pytest.mark.django_db


def approved(client_for, users, task, period, value, notes=""):
    client_for(users["lead"]).post(f"/programmes/task/{task.pk}/report/{period}/", {"value": value, "notes": notes})
    report = task.reports.get(period=period, unit=users["lead"].unit)
    client_for(users["leader"]).post(f"/programmes/report/{report.pk}/approve")


def no_inline_code(html: str) -> None:
    assert not re.search(r"\sstyle\s*=", html), "inline style"
    assert not re.search(r"<style", html), "style element"
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline handler"


def test_the_leaders_page_shows_progress_status_and_cards(client_for, users, task, frozen):
    frozen(at(2026, 7, 3))
    approved(client_for, users, task, "2026-Q1", 600)
    approved(client_for, users, task, "2026-Q2", 700)
    frozen(at(2026, 7, 20))
    html = client_for(users["leader"]).get("/programmes/").content.decode()
    no_inline_code(html)
    row = html[html.index('data-indicator="RC-BS"'):]
    row = row[: row.index("</tr>")]
    assert 'value="70"' in row and "70.0%" in row  # the bar and the share
    assert "计划进度 74.8%" in row and 'data-status="behind"' in row and "进度滞后" in row and "向好" in row
    assert "红牌" in row  # the assisting unit filed nothing


def test_every_page_keeps_to_the_csp(client_for, users, task, frozen):
    frozen(at(2026, 7, 3))
    lead = client_for(users["lead"])
    for path in ("/programmes/mine/", f"/programmes/task/{task.pk}/", f"/programmes/task/{task.pk}/report/2026-Q2/"):
        r = lead.get(path)
        assert r.status_code == 200, path
        no_inline_code(r.content.decode())
    admin = client_for(users["admin"])
    for path in ("/programmes/", "/programmes/import/", "/programmes/print/?quarter=2026-Q2"):
        r = admin.get(path)
        assert r.status_code == 200, path
        no_inline_code(r.content.decode())


def test_the_export_escapes_formulas(client_for, users, task, frozen):
    frozen(at(2026, 7, 3))
    approved(client_for, users, task, "2026-Q2", 700, notes='=HYPERLINK("http://evil.example","点我")')
    task.title = "@SUM(A1:A9)"
    task.save()
    r = client_for(users["leader"]).get("/programmes/export.xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.content))
    sheet = wb.worksheets[1]
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "'=HYPERLINK(\"http://evil.example\",\"点我\")" in values and "'@SUM(A1:A9)" in values
    assert all(c.data_type != "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)
    first = wb.worksheets[0]
    header = [c.value for c in first[1]]
    row = [c.value for c in first[2]]
    assert row[header.index("最新审核值")] == 700 and row[header.index("状态")] == "进度滞后"


def test_the_printable_quarter_uses_values_up_to_its_end(client_for, users, task, frozen):
    frozen(at(2026, 7, 3))
    approved(client_for, users, task, "2026-Q1", 600)
    approved(client_for, users, task, "2026-Q2", 700)
    leader = client_for(users["leader"])
    html = leader.get("/programmes/print/?quarter=2026-Q1").content.decode()
    assert "2026-Q1" in html and ">600<" in html and ">700<" not in html
    assert "programmes/programmes.css" in html  # its @media print rules
    html = leader.get("/programmes/print/?quarter=2026-Q2").content.decode()
    assert ">700<" in html
    assert leader.get("/programmes/print/?quarter=2026-05").status_code == 400


def test_the_cockpit_links_to_the_programmes_for_those_who_may_read_them(client_for, users):
    assert "data-programmes" in client_for(users["leader"]).get("/cockpit/").content.decode()
    assert "data-programmes" not in client_for(users["dispatcher"]).get("/cockpit/").content.decode()
