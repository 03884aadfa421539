"""A unit files its report on its page, a leader approves or returns it; every step is an audit row."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction

from yiwang.programmes.models import AppendOnly, Event, EventAction, Report, ReportStatus

from .conftest import at, png

pytestmark = pytest.mark.django_db


def file_report(client, task, period, value, notes="", files=()):
    data = {"value": value, "notes": notes}
    if files:
        data["attachments"] = list(files)
    return client.post(f"/programmes/task/{task.pk}/report/{period}/", data)


def test_a_unit_files_its_report_with_a_photo_and_a_pdf(client_for, users, task, frozen):
    # given the lead unit's handler on the day after the quarter
    frozen(at(2026, 7, 2))
    client = client_for(users["lead"])
    page = client.get("/programmes/mine/")
    assert page.status_code == 200
    assert f"/programmes/task/{task.pk}/report/2026-Q2/" in page.content.decode()
    # when they file the figure with a photo and a PDF
    photo = SimpleUploadedFile("site.png", png(), content_type="image/png")
    pdf = SimpleUploadedFile("minutes.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    response = file_report(client, task, "2026-Q2", "412", "已引进博士 412 名", [photo, pdf])
    # then the report waits for a leader, with both attachments, and the audit trail says who did it
    assert response.status_code == 302
    report = Report.objects.get(task=task, period="2026-Q2")
    assert (report.status, report.value, report.unit.code) == (ReportStatus.SUBMITTED, 412, "JM.RSJ")
    assert sorted(a.content_type for a in report.attachments.all()) == ["application/pdf", "image/png"]
    event = Event.objects.get(report=report)
    assert (event.action, event.actor, event.at) == (EventAction.SUBMITTED, users["lead"], at(2026, 7, 2))
    assert (event.actor_name, event.actor_role, event.actor_unit) == ("p_lead", "handler", "JM.RSJ")
    assert event.data["period"] == "2026-Q2" and event.data["late"] is False
    # and the leader downloads the photo; a unit outside the task cannot
    a = report.attachments.get(content_type="image/png")
    assert client_for(users["leader"]).get(f"/programmes/attachment/{a.pk}").status_code == 200
    assert client_for(users["other"]).get(f"/programmes/attachment/{a.pk}").status_code == 403


def test_attachments_must_be_images_or_pdf_and_small(client_for, users, task, frozen, settings):
    frozen(at(2026, 7, 2))
    client = client_for(users["lead"])
    script = SimpleUploadedFile("x.pdf", b"<script>alert(1)</script>", content_type="application/pdf")
    response = file_report(client, task, "2026-Q2", "10", files=[script])
    assert response.status_code == 400
    assert "附件只接受图片" in response.content.decode()
    settings.PROGRAMMES_ATTACHMENT_MAX_BYTES = 100
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * 200, content_type="application/pdf")
    response = file_report(client, task, "2026-Q2", "10", files=[big])
    assert response.status_code == 400
    assert "附件不能超过" in response.content.decode()
    assert not Report.objects.exists()


def test_a_unit_outside_the_task_cannot_file(client_for, users, task, frozen):
    frozen(at(2026, 7, 2))
    response = file_report(client_for(users["other"]), task, "2026-Q2", "10")
    assert response.status_code == 403
    assert not Report.objects.exists()


def test_a_bad_figure_or_period_is_refused_with_a_reason(client_for, users, task, frozen):
    frozen(at(2026, 7, 2))
    client = client_for(users["lead"])
    assert "请填写数字" in file_report(client, task, "2026-Q2", "很多").content.decode()
    assert client.get(f"/programmes/task/{task.pk}/report/2026-Q4/").status_code == 400  # not begun
    assert client.get(f"/programmes/task/{task.pk}/report/2026-07/").status_code == 400  # a month, not a quarter
    assert not Report.objects.exists()


def test_a_leader_approves_and_returns_with_a_reason(client_for, users, task, frozen):
    # given two reports, the lead unit's and the assisting unit's
    frozen(at(2026, 7, 3))
    file_report(client_for(users["lead"]), task, "2026-Q2", "400")
    file_report(client_for(users["assist"]), task, "2026-Q2", "40", "侨务渠道引进 40 名")
    lead_report = Report.objects.get(unit=users["lead"].unit)
    assist_report = Report.objects.get(unit=users["assist"].unit)
    leader = client_for(users["leader"])
    page = leader.get("/programmes/").content.decode()
    assert f'data-report="{lead_report.pk}"' in page and "侨务渠道引进 40 名" in page
    # when the leader approves one and returns the other, once without a reason
    frozen(at(2026, 7, 6, 9))
    assert leader.post(f"/programmes/report/{lead_report.pk}/approve").status_code == 302
    leader.post(f"/programmes/report/{assist_report.pk}/return", {"reason": ""})
    assert Report.objects.get(pk=assist_report.pk).status == ReportStatus.SUBMITTED
    leader.post(f"/programmes/report/{assist_report.pk}/return", {"reason": "请附引进名单"})
    # then
    lead_report.refresh_from_db()
    assist_report.refresh_from_db()
    assert (lead_report.status, lead_report.decided_by) == (ReportStatus.APPROVED, users["leader"])
    assert (assist_report.status, assist_report.return_reason) == (ReportStatus.RETURNED, "请附引进名单")
    actions = list(Event.objects.filter(task=task).values_list("action", "actor__username", "data__reason"))
    assert actions == [
        (EventAction.SUBMITTED, "p_lead", None), (EventAction.SUBMITTED, "p_assist", None),
        (EventAction.APPROVED, "p_leader", None), (EventAction.RETURNED, "p_leader", "请附引进名单"),
    ]
    # and the assisting unit sees the reason and files again; the approved report can no longer change
    assist = client_for(users["assist"])
    assert "请附引进名单" in assist.get("/programmes/mine/").content.decode()
    form = assist.get(f"/programmes/task/{task.pk}/report/2026-Q2/").content.decode()
    assert 'value="40"' in form and "请附引进名单" in form  # the returned figure to correct, and why
    file_report(assist, task, "2026-Q2", "36", "名单见附件")
    assist_report.refresh_from_db()
    assert (assist_report.status, assist_report.value, assist_report.return_reason) == (ReportStatus.SUBMITTED, 36, "")
    assert Event.objects.filter(report=assist_report, action=EventAction.SUBMITTED).count() == 2
    assert client_for(users["lead"]).get(f"/programmes/task/{task.pk}/report/2026-Q2/").status_code == 409


def test_only_leaders_decide(client_for, users, task, frozen):
    frozen(at(2026, 7, 3))
    file_report(client_for(users["lead"]), task, "2026-Q2", "400")
    report = Report.objects.get()
    for name in ("lead", "admin", "auditor"):
        response = client_for(users[name]).post(f"/programmes/report/{report.pk}/approve")
        assert response.status_code == 403, name
    assert Report.objects.get().status == ReportStatus.SUBMITTED


def test_the_audit_rows_are_append_only(client_for, users, task, frozen):
    frozen(at(2026, 7, 3))
    file_report(client_for(users["lead"]), task, "2026-Q2", "400")
    event = Event.objects.get()
    event.data = {"value": "999"}
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    assert Event.objects.get().data["value"] == "400.0000"
    if connection.vendor == "postgresql":  # and below the ORM, a trigger
        for statement in ("UPDATE programmes_event SET data = '{}'", "DELETE FROM programmes_event"):
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement)
        assert Event.objects.count() == 1


def test_pages_refuse_other_roles(client_for, users, task):
    for name in ("dispatcher", "resident"):
        assert client_for(users[name]).get("/programmes/").status_code == 403
    assert client_for(users["lead"]).get("/programmes/").status_code == 302  # to the unit's own page
    assert client_for(users["other"]).get(f"/programmes/task/{task.pk}/").status_code == 403
