"""Overdue reports get yellow and red cards as cases do; each unit's on-time rate.

Q2 2026 ends on Tuesday 30 June. Ten working days later is Tuesday 14 July (18:00, the due time);
the yellow card comes after 8 of them (cases' 0.8), on Friday 10 July at 18:00.
"""

import pytest

from yiwang.programmes.models import Report

from .conftest import at

pytestmark = pytest.mark.django_db


def slot(client, task, period, unit):
    body = client.get(f"/api/v1/programmes/tasks/{task.pk}").json()
    return next(s for s in body["slots"] if s["period"] == period and s["unit"] == unit)


def test_cards_follow_the_deadline_in_working_days(client_for, users, task, frozen):
    leader = client_for(users["leader"])
    frozen(at(2026, 7, 10, 17, 59))
    s = slot(leader, task, "2026-Q2", "JM.RSJ")
    assert s["due_at"].startswith("2026-07-14T18:00") and s["yellow_at"].startswith("2026-07-10T18:00")
    assert s["card"] is None
    frozen(at(2026, 7, 10, 18, 0))
    assert slot(leader, task, "2026-Q2", "JM.RSJ")["card"] == "yellow"
    frozen(at(2026, 7, 14, 18, 1))
    assert slot(leader, task, "2026-Q2", "JM.RSJ")["card"] == "red"
    # the programme's page counts the cards of both units of the task
    page = leader.get("/programmes/").content.decode()
    assert "红牌" in page
    body = leader.get("/api/v1/programmes/RC").json()
    assert body["indicators"][0]["cards"]["red"] >= 2  # Q2 of both units, and every earlier quarter


def test_a_filed_report_clears_the_card_and_a_return_brings_it_back(client_for, users, task, frozen):
    frozen(at(2026, 7, 13))
    lead = client_for(users["lead"])
    lead.post(f"/programmes/task/{task.pk}/report/2026-Q2/", {"value": "420"})
    leader = client_for(users["leader"])
    assert slot(leader, task, "2026-Q2", "JM.RSJ")["card"] is None
    assert slot(leader, task, "2026-Q2", "JM.QWJ")["card"] == "yellow"
    frozen(at(2026, 7, 15))
    report = Report.objects.get(unit=users["lead"].unit, period="2026-Q2")
    leader.post(f"/programmes/report/{report.pk}/return", {"reason": "数字与统计局口径不一致"})
    assert slot(leader, task, "2026-Q2", "JM.RSJ")["card"] == "red"
    assert 'data-card="red"' in client_for(users["lead"]).get("/programmes/mine/").content.decode()


def test_on_time_rate_per_unit(client_for, users, task, frozen):
    # given: the lead unit files 2026-Q1 on time (due 2026-04-15) and 2026-Q2 late; the assisting unit files nothing
    lead = client_for(users["lead"])
    frozen(at(2026, 4, 10))
    lead.post(f"/programmes/task/{task.pk}/report/2026-Q1/", {"value": "300"})
    frozen(at(2026, 7, 20))
    lead.post(f"/programmes/task/{task.pk}/report/2026-Q2/", {"value": "420"})
    # when the leader reads the units' rates
    rates = {r["unit"]: r for r in client_for(users["leader"]).get("/api/v1/programmes/units").json()}
    # then: six quarters have passed their deadline (2025-Q1 .. 2026-Q2), the lead unit filed one on time
    assert (rates["JM.RSJ"]["due"], rates["JM.RSJ"]["on_time"], rates["JM.RSJ"]["late"], rates["JM.RSJ"]["missing"]) == (6, 1, 1, 4)
    assert rates["JM.RSJ"]["rate"] == pytest.approx(1 / 6)
    assert (rates["JM.QWJ"]["due"], rates["JM.QWJ"]["on_time"], rates["JM.QWJ"]["rate"]) == (6, 0, 0.0)
    late = Report.objects.get(period="2026-Q2")
    assert late.on_time is False


def test_a_period_not_yet_over_has_no_card(client_for, users, task, frozen):
    frozen(at(2026, 9, 29))
    s = slot(client_for(users["leader"]), task, "2026-Q3", "JM.RSJ")
    assert (s["ended"], s["card"]) == (False, None)
