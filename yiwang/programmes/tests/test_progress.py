"""Progress arithmetic as a leader reads it (docs/measures.md, "Programmes' tracking").

The test task's indicator goes from 0 on 2025-01-01 to 1000 on 2026-12-31: 729 days. Q2 2026 ends on
2026-06-30, day 545, so the linear plan there is 545/729 = 74.76 % (747.6 of 1000).
"""

import datetime as dt
from decimal import Decimal

import pytest

from yiwang.programmes.models import Direction, Frequency, Indicator, Task
from yiwang.programmes.progress import indicator_progress

from .conftest import at

pytestmark = pytest.mark.django_db


def approved(client_for, users, task, period, value):
    r = client_for(users["lead"]).post(f"/api/v1/programmes/tasks/{task.pk}/reports", {"period": period, "value": value},
                                       content_type="application/json")
    assert r.status_code == 201, r.json()
    r = client_for(users["leader"]).post(f"/api/v1/programmes/reports/{r.json()['id']}/approve")
    assert r.status_code == 200, r.json()


def progress_of(client_for, users, code):
    body = client_for(users["leader"]).get("/api/v1/programmes").json()
    return next(i for p in body for i in p["indicators"] if i["code"] == code)["progress"]


def test_behind_then_on_track_against_the_linear_plan(client_for, users, task, frozen):
    frozen(at(2026, 7, 3))
    assert progress_of(client_for, users, "RC-BS")["status"] == "no_data"
    approved(client_for, users, task, "2026-Q1", 600)
    approved(client_for, users, task, "2026-Q2", 700)
    p = progress_of(client_for, users, "RC-BS")
    assert (p["value"], p["period"], p["as_of"]) == (700, "2026-Q2", "2026-06-30")
    assert p["share"] == pytest.approx(0.7)
    assert p["planned"] == pytest.approx(545 / 729)
    assert p["planned_value"] == pytest.approx(1000 * 545 / 729, abs=0.01)
    assert (p["status"], p["previous"], p["change"], p["trend"]) == ("behind", 600, 100, "better")


def test_on_track_when_the_value_reaches_the_plan(client_for, users, task, frozen):
    frozen(at(2026, 7, 3))
    approved(client_for, users, task, "2026-Q2", 760)
    p = progress_of(client_for, users, "RC-BS")
    assert (p["status"], p["trend"]) == ("on_track", None)


def test_achieved_and_a_falling_value_is_worse(client_for, users, task, frozen):
    frozen(at(2026, 7, 3))
    approved(client_for, users, task, "2026-Q1", 1020)
    approved(client_for, users, task, "2026-Q2", 1005)
    p = progress_of(client_for, users, "RC-BS")
    assert (p["status"], p["trend"], p["change"]) == ("achieved", "worse", -15)


def test_only_approved_reports_of_the_lead_unit_count(client_for, users, task, frozen):
    frozen(at(2026, 7, 3))
    approved(client_for, users, task, "2026-Q1", 600)
    client_for(users["lead"]).post(f"/api/v1/programmes/tasks/{task.pk}/reports", {"period": "2026-Q2", "value": 900},
                                   content_type="application/json")
    r = client_for(users["assist"]).post(f"/api/v1/programmes/tasks/{task.pk}/reports", {"period": "2026-Q2", "value": 50},
                                         content_type="application/json")
    client_for(users["leader"]).post(f"/api/v1/programmes/reports/{r.json()['id']}/approve")
    p = progress_of(client_for, users, "RC-BS")
    assert (p["value"], p["period"]) == (600, "2026-Q1")


def test_direction_down(client_for, users, units, task, frozen):
    # given energy use per unit of GDP, to fall from 0.50 to 0.40 over the same span
    ind = Indicator.objects.create(
        programme=task.indicator.programme, code="GY-NH", name="单位工业增加值能耗", measure_unit="吨标煤/万元",
        baseline=Decimal("0.50"), baseline_date=dt.date(2025, 1, 1), target=Decimal("0.40"),
        target_date=dt.date(2026, 12, 31), direction=Direction.DOWN,
    )
    down = Task.objects.create(indicator=ind, title="降低能耗", lead_unit=units["JM.RSJ"], frequency=Frequency.QUARTERLY,
                               due_working_days=10, starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2026, 12, 31))
    frozen(at(2026, 7, 3))
    # when it reaches 0.45 by Q1 (half the way) and 0.42 by Q2 (80 %)
    approved(client_for, users, down, "2026-Q1", "0.45")
    p = progress_of(client_for, users, "GY-NH")
    planned_q1 = (dt.date(2026, 3, 31) - dt.date(2025, 1, 1)).days / 729
    assert (p["share"], p["planned"], p["status"]) == (pytest.approx(0.5), pytest.approx(planned_q1), "behind")
    approved(client_for, users, down, "2026-Q2", "0.42")
    p = progress_of(client_for, users, "GY-NH")
    # then falling is better, and 80 % of the way beats the plan's 74.76 %
    assert (p["share"], p["status"], p["trend"]) == (pytest.approx(0.8), "on_track", "better")


def test_the_arithmetic_at_its_edges():
    # a value that moved away from the target is below 0; the plan is clipped to 0..1
    kw = {"baseline": Decimal(10), "target": Decimal(20), "baseline_date": dt.date(2025, 1, 1), "target_date": dt.date(2025, 12, 31),
          "direction": Direction.UP}
    p = indicator_progress(**kw, approved=[(dt.date(2024, 12, 31), "2024-Q4", Decimal(8))])
    assert (p.share, p.planned, p.status, p.bar) == (pytest.approx(-0.2), 0.0, "behind", 0)
    p = indicator_progress(**kw, approved=[(dt.date(2026, 3, 31), "2026-Q1", Decimal(19))])
    assert (p.planned, p.status, p.bar) == (1.0, "behind", 90)
