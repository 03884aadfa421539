"""/api/v1/programmes by role: units report for their own tasks only, leaders read and decide, admins edit."""

import datetime as dt

import pytest
from django.test import Client

from yiwang.programmes.models import Event, EventAction, Indicator, Programme, Report, Task

from .conftest import at

pytestmark = pytest.mark.django_db
API = "/api/v1/programmes"


def post(client, path, body=None, **headers):
    return client.post(API + path, body or {}, content_type="application/json", **headers)


def test_who_reads_what(client_for, users, task):
    assert Client().get(API).status_code == 401
    for name in ("resident", "dispatcher"):
        r = client_for(users[name]).get(API)
        assert r.status_code == 403 and r.json()["code"] == "programmes_forbidden", name
    for name in ("leader", "auditor", "admin", "lead", "assist"):
        assert [p["code"] for p in client_for(users[name]).get(API).json()] == ["RC"], name
    assert client_for(users["other"]).get(API).json() == []  # a unit with no task sees no programme
    assert client_for(users["other"]).get(f"{API}/tasks").json() == []
    assert client_for(users["other"]).get(f"{API}/tasks/{task.pk}").status_code == 403
    # a unit reads only its own slots of a shared task
    slots = client_for(users["assist"]).get(f"{API}/tasks/{task.pk}").json()["slots"]
    assert slots and {s["unit"] for s in slots} == {"JM.QWJ"}


def test_units_report_for_their_own_tasks_only(client_for, users, task, frozen):
    frozen(at(2026, 7, 2))
    body = {"period": "2026-Q2", "value": 410, "notes": "进展顺利"}
    for name in ("other", "leader", "admin", "resident"):
        r = post(client_for(users[name]), f"/tasks/{task.pk}/reports", body)
        assert r.status_code == 403 and r.json()["code"] == "programmes_forbidden", name
    r = post(client_for(users["lead"]), f"/tasks/{task.pk}/reports", body)
    assert r.status_code == 201
    assert (r.json()["unit"], r.json()["status"], r.json()["on_time"]) == ("JM.RSJ", "submitted", True)
    assert Report.objects.count() == 1


def test_bad_input_gets_the_error_shape(client_for, users, task, frozen):
    frozen(at(2026, 7, 2))
    lead = client_for(users["lead"])
    r = post(lead, f"/tasks/{task.pk}/reports", {"period": "2026-06", "value": 1})
    assert r.status_code == 400 and r.json()["code"] == "period_invalid" and "period" in r.json()["fields"]
    r = post(lead, f"/tasks/{task.pk}/reports", {"period": "2026-Q2", "value": "abc"})
    assert r.status_code == 400 and r.json()["fields"]["value"]
    r = post(lead, f"/tasks/{task.pk}/reports", {"period": "2026-Q2"})
    assert r.status_code == 422 and r.json()["code"] == "validation_error" and "value" in r.json()["fields"]
    assert post(lead, "/tasks/999999/reports", {"period": "2026-Q2", "value": 1}).status_code == 404
    assert set(r.json()) == {"code", "message", "fields"}


def test_idempotency_key_on_submission(client_for, users, task, frozen):
    frozen(at(2026, 7, 2))
    lead = client_for(users["lead"])
    body = {"period": "2026-Q2", "value": 410}
    first = post(lead, f"/tasks/{task.pk}/reports", body, HTTP_IDEMPOTENCY_KEY="k-1")
    again = post(lead, f"/tasks/{task.pk}/reports", body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Event.objects.filter(action=EventAction.SUBMITTED).count() == 1
    other = post(lead, f"/tasks/{task.pk}/reports", {**body, "value": 411}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 409 and other.json()["code"] == "idempotency_conflict"


def test_leaders_approve_and_return(client_for, users, task, frozen):
    frozen(at(2026, 7, 2))
    first = post(client_for(users["lead"]), f"/tasks/{task.pk}/reports", {"period": "2026-Q2", "value": 410}).json()
    second = post(client_for(users["assist"]), f"/tasks/{task.pk}/reports", {"period": "2026-Q2", "value": 30}).json()
    for name in ("lead", "admin", "auditor"):
        r = post(client_for(users[name]), f"/reports/{first['id']}/approve")
        assert r.status_code == 403, name
    leader = client_for(users["leader"])
    assert [r["id"] for r in leader.get(f"{API}/reports/pending").json()] == [first["id"], second["id"]]
    assert post(leader, f"/reports/{first['id']}/approve").json()["status"] == "approved"
    r = post(leader, f"/reports/{first['id']}/approve")
    assert r.status_code == 409 and r.json()["code"] == "report_state"
    r = post(leader, f"/reports/{second['id']}/return", {"reason": " "})
    assert r.status_code == 400 and "reason" in r.json()["fields"]
    r = post(leader, f"/reports/{second['id']}/return", {"reason": "请补充佐证材料"})
    assert (r.json()["status"], r.json()["return_reason"]) == ("returned", "请补充佐证材料")
    r = post(client_for(users["lead"]), f"/tasks/{task.pk}/reports", {"period": "2026-Q2", "value": 420})
    assert r.status_code == 409 and r.json()["code"] == "report_state"  # approved: no more changes


def test_only_admins_edit_programmes_and_indicators(client_for, users, task):
    programme = {"code": "QD", "name": "侨都赋能行动", "source": "江门市规划"}
    indicator = {"code": "QD-XM", "name": "侨资项目", "measure_unit": "个", "baseline": 0, "baseline_date": "2025-01-01",
                 "target": 50, "target_date": "2027-12-31"}
    for name in ("leader", "lead", "auditor"):
        assert post(client_for(users[name]), "", programme).status_code == 403, name
        assert client_for(users[name]).patch(f"{API}/RC", {"name": "x"}, content_type="application/json").status_code == 403
        assert post(client_for(users[name]), "/RC/indicators", indicator).status_code == 403
    admin = client_for(users["admin"])
    r = post(admin, "", programme)
    assert r.status_code == 201 and r.json()["code"] == "QD"
    r = post(admin, "/QD/indicators", indicator)
    assert r.status_code == 201 and r.json()["indicators"][0]["target"] == 50
    r = admin.patch(f"{API}/indicators/QD-XM", {"target": 60, "name_en": "Overseas Chinese projects"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["indicators"][0]["target"] == 60
    # an "up" indicator whose target is below its baseline is refused, with the field named
    r = admin.patch(f"{API}/indicators/QD-XM", {"target": -1}, content_type="application/json")
    assert r.status_code == 400 and "target" in r.json()["fields"]
    assert Indicator.objects.get(code="QD-XM").target == 60
    assert post(admin, "", programme).status_code == 400  # the code exists
    actions = list(Event.objects.filter(programme__code="QD").values_list("action", "actor__username"))
    assert actions == [(EventAction.PROGRAMME_SAVED, "p_admin"), (EventAction.INDICATOR_SAVED, "p_admin"),
                       (EventAction.INDICATOR_SAVED, "p_admin")]
    assert Event.objects.filter(programme__code="QD").last().data["changes"]["target"] == ["50.0000", "60.0000"]
    assert Programme.objects.filter(code="QD").exists()


def test_a_unit_sees_the_same_progress_as_a_leader_but_only_its_own_tasks(client_for, users, units, task, frozen):
    # given a second task on the indicator, led by 住建局, and the first task's approved figure
    second = Task.objects.create(indicator=task.indicator, title="住建系统人才", lead_unit=units["JM.ZJJ"],
                                 starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2026, 12, 31))
    frozen(at(2026, 7, 2))
    r = post(client_for(users["lead"]), f"/tasks/{task.pk}/reports", {"period": "2026-Q2", "value": 700}).json()
    post(client_for(users["leader"]), f"/reports/{r['id']}/approve")
    # when the 住建局 handler reads the programme
    body = client_for(users["other"]).get(f"{API}/RC").json()
    indicator = body["indicators"][0]
    # then the progress is the indicator's, the tasks only its own
    assert indicator["progress"]["value"] == 700 and indicator["tasks"] == [second.pk]
    assert client_for(users["leader"]).get(f"{API}/RC").json()["indicators"][0]["progress"]["value"] == 700
