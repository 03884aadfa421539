"""Exports never carry a live formula (issue 15): text people typed that starts like one stays text."""

import io

import pytest
from openpyxl import load_workbook

from yiwang.accounts.models import Role, User
from yiwang.analytics import services
from yiwang.core.spreadsheets import csv_row

pytestmark = pytest.mark.django_db
FORMULA = '=HYPERLINK("http://evil.example","丽发新城搅拌站噪音扰民")'


def test_a_title_typed_as_a_formula_stays_text_in_the_monthly_report(client, new_case):
    # given a hot topic whose representative case title was typed as a formula
    for i in range(3):
        new_case(None, title=FORMULA, text=f"丽发新城小区旁搅拌站夜间施工噪音大，第{i}次反映。")
    services.cockpit_refresh()
    client.force_login(User.objects.create(username="t_leader_formula", role=Role.LEADER))
    # when a leader downloads the monthly report
    response = client.get("/cockpit/report.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    # then the title is there as text, and no cell of any sheet is a formula
    cells = [c for ws in book for row in ws.iter_rows() for c in row if c.value is not None]
    titles = [c for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert titles and all(c.data_type == "s" and c.value == FORMULA for c in titles)
    assert not [c.coordinate for c in cells if c.data_type == "f"]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_cells_that_start_like_a_formula_get_an_apostrophe(start):
    assert csv_row([f"{start}SUM(A1:A9)", "路灯", 12, None]) == [f"'{start}SUM(A1:A9)", "路灯", 12, None]
