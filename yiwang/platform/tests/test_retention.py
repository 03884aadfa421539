"""`yiwang retention --years N`: personal data of long-finished cases goes, the statistics stay."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from yiwang.cases.models import Case, Status
from yiwang.core import clock
from yiwang.notify.models import Outbox
from yiwang.platform.retention import PURGED_MARK
from yiwang.security.models import RetentionPurge
from yiwang.security.tests.conftest import act

pytestmark = pytest.mark.django_db
OLD = dt.datetime(2021, 3, 2, 2, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2027, 3, 2, 2, 0, tzinfo=dt.UTC)


def run(*args) -> dict:
    out = io.StringIO()
    call_command("retention", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_old_finished_cases_lose_personal_data_and_keep_statistics(staff, new_case):
    # given, six years ago: one case answered at intake, one rejected, one left open
    clock.freeze(OLD)
    answered = act(new_case(), "answer", staff["operator"], {"text": "已电话答复张三明，问题已解决。"})
    rejected = act(new_case(), "reject", staff["operator"], {"reason": "不属于受理范围"})
    still_open = new_case()
    # and a case answered last month
    clock.freeze(NOW - dt.timedelta(days=30))
    recent = act(new_case(), "answer", staff["operator"], {"text": "已答复"})
    before = {c.pk: c for c in Case.objects.filter(pk__in=[answered.pk, rejected.pk])}
    Outbox.objects.create(case=answered, channel="sms", recipient="13812345678", kind="closed", body="张三明您好")
    # when retention runs with five years
    clock.freeze(NOW)
    summary = run("--years", "5")
    # then the two finished old cases are stripped
    assert summary["cases"] == 2 and summary["cutoff"].startswith("2022-03-02")
    for pk in (answered.pk, rejected.pk):
        case = Case.objects.get(pk=pk)
        assert (case.requester_name, case.requester_phone, case.requester_id_number) == ("", "", "")
        assert case.requester_user_id is None and case.lon is None and case.address == ""
        assert case.title == PURGED_MARK and case.text == PURGED_MARK and case.reply_text == ""
        # what the measures read is untouched
        old = before[pk]
        for name in ("number", "status", "request_type", "category_id", "grid_id", "town_id", "district_id",
                     "lead_unit_id", "received_at", "closed_at", "due_at", "satisfaction", "solved",
                     "closed_on_time", "channel", "requester_kind"):
            assert getattr(case, name) == getattr(old, name), name
    assert Outbox.objects.filter(case=answered).count() >= 2  # the answer's own SMS and ours
    assert set(Outbox.objects.filter(case=answered).values_list("recipient", "body")) == {("", "")}
    # the open and the recent case keep everything
    for pk in (still_open.pk, recent.pk):
        assert Case.objects.get(pk=pk).requester_phone == "13812345678"
    assert RetentionPurge.objects.count() == 2
    # and the audit trail is still intact
    call_command("verify_audit", stdout=io.StringIO())


def test_a_second_run_finds_nothing_and_dry_run_writes_nothing(staff, new_case):
    clock.freeze(OLD)
    act(new_case(), "answer", staff["operator"], {"text": "已答复"})
    clock.freeze(NOW)
    assert run("--years", "5", "--dry-run") == {**run_dry_expected(), "cases": 1}
    assert Case.objects.filter(requester_phone="").count() == 0
    assert run("--years", "5")["cases"] == 1
    assert run("--years", "5")["cases"] == 0


def run_dry_expected():
    return {"cutoff": "2022-03-02T02:00:00+00:00", "attachments": 0, "notifications": 1, "dry_run": True}


def test_statuses_counted_by_the_measures_survive(staff, new_case):
    clock.freeze(OLD)
    act(new_case(), "answer", staff["operator"], {"text": "已答复"})
    by_status = {s: Case.objects.filter(status=s).count() for s in Status.values}
    clock.freeze(NOW)
    run("--years", "5")
    assert by_status == {s: Case.objects.filter(status=s).count() for s in Status.values}
