"""The loop end to end through the services, and its side paths."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from yiwang.cases.audit import verify_chain
from yiwang.cases.models import Card, Case, CaseEvent, Status
from yiwang.core import clock
from yiwang.core.errors import ApplicationError
from yiwang.notify.models import Outbox

from .conftest import act

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))


def test_a_complaint_runs_the_whole_loop_to_the_rating(people, make_case, settings):
    settings.VERIFY_ON_SITE = True
    p = people
    # given a resident's complaint with a point in 蓬江区
    case = make_case()
    assert case.status == Status.RECEIVED and case.grid_id == p["grid"].id and len(case.number) == 14
    # when it runs through the loop
    case = act(case, "accept", p["operator"], {"category": "C01"})
    case = act(case, "dispatch", p["dispatcher"])  # routing decides
    assert case.lead_unit.code and case.due_at > case.dispatched_at and case.response_due_at
    unit_handler = p["handler"]
    unit_handler.unit = case.lead_unit
    unit_handler.save()
    case = act(case, "sign", unit_handler)
    case = act(case, "reply", unit_handler, {"text": "已安排维修，路灯已恢复。"})
    # then the reply sends it for on-site verification in the grid
    assert case.status == Status.VERIFYING
    case = act(case, "verify", p["gridworker"], {"passed": True, "note": "现场查看已亮"})
    assert case.status == Status.CLOSED and case.closed_on_time is True
    case = act(case, "rate", p["resident"], {"satisfaction": "satisfied", "solved": True})
    assert case.status == Status.RATED
    actions = list(case.events.order_by("seq").values_list("action", flat=True))
    assert actions == ["create", "accept", "dispatch", "sign", "reply", "check", "verify", "rate"]
    # the requester heard at acceptance, dispatch, reply and closure
    kinds = list(Outbox.objects.filter(case=case).order_by("id").values_list("kind", flat=True))
    assert kinds == ["accepted", "dispatched", "replied", "closed"]
    assert verify_chain().ok


def test_routing_picks_the_most_specific_area(people, make_case):
    # 城市建设和市政管理 in a street (街道) goes to the street office, not the bureau
    case = make_case()
    case = act(case, "accept", people["operator"], {"category": _code("城乡建设", "城市建设和市政管理")})
    case = act(case, "dispatch", people["dispatcher"])
    assert case.lead_unit.code == case.town.code[:9]
    assert case.lead_unit.name.endswith("办事处")


def _code(l1, l2):
    from yiwang.routing.models import Category

    return Category.objects.get(level=2, name=l2, parent__name=l1).code


def test_failed_verification_sends_it_back_to_the_unit(drive, people):
    case = drive(Status.VERIFYING)
    case = act(case, "verify", people["gridworker"], {"passed": False, "note": "现场仍未修复"})
    assert case.status == Status.IN_PROGRESS and case.reopen_count == 1
    with pytest.raises(ApplicationError) as err:
        act(drive(Status.VERIFYING), "verify", people["gridworker"], {"passed": False})
    assert err.value.code == "reason_required"


def test_an_unsatisfied_unsolved_rating_reopens_once(drive, people):
    case = drive(Status.CLOSED)
    case = act(case, "rate", people["resident"], {"satisfaction": "unsatisfied", "solved": False})
    assert case.status == Status.IN_PROGRESS and case.reopen_count == 1
    assert list(case.events.order_by("-seq").values_list("action", flat=True)[:2]) == ["reopen", "rate"]


def test_reopen_by_the_dispatcher(drive, people):
    case = act(drive(Status.RATED), "reopen", people["dispatcher"], {"reason": "回访发现未解决"})
    assert case.status == Status.IN_PROGRESS and case.satisfaction == "" and case.reopen_count == 1


def test_merge_follows_the_parent_and_informs_each_requester(people, make_case, settings):
    settings.VERIFY_ON_SITE = False
    p = people
    parent = make_case(title="路灯坏了")
    child = make_case(title="同一盏路灯坏了")
    child = act(child, "merge", p["dispatcher"], {"into": parent.number})
    assert child.status == Status.MERGED and child.parent == parent
    parent = act(parent, "accept", p["operator"])
    parent = act(parent, "dispatch", p["dispatcher"], {"lead_unit": "JM.ZJJ"})
    parent = act(parent, "sign", p["handler"])
    parent = act(parent, "reply", p["handler"], {"text": "已修复"})
    # the child's requester hears about the parent's reply
    assert Outbox.objects.filter(case=child, kind="replied").exists()
    parent = act(parent, "close", p["dispatcher"])
    child.refresh_from_db()
    assert child.status == Status.CLOSED and child.reply_text == "已修复"
    assert child.events.order_by("-seq").first().payload == {"parent": parent.number}
    # a case cannot be merged into itself or into a merged case
    other = make_case()
    with pytest.raises(ApplicationError) as err:
        act(other, "merge", p["dispatcher"], {"into": other.number})
    assert err.value.code == "merge_invalid"


def test_return_and_redispatch(drive, people):
    case = drive(Status.RETURNED)
    assert case.return_count == 1
    case = act(case, "redispatch", people["dispatcher"], {"lead_unit": "JM.SHJ"})
    assert case.status == Status.DISPATCHED and case.lead_unit.code == "JM.SHJ"


def test_suspension_stops_the_clock(drive, people):
    # given a case dispatched on Monday 2026-03-02 with 15 working days
    clock.freeze(dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH))
    case = drive(Status.DISPATCHED)
    due_before = case.due_at
    # when it is suspended for one working week and resumed
    case = act(case, "suspend", people["dispatcher"], {"reason": "等待鉴定"})
    assert case.status == Status.SUSPENDED
    clock.freeze(dt.datetime(2026, 3, 9, 10, 0, tzinfo=SH))
    case = act(case, "resume", people["dispatcher"])
    # then it is back where it was, and the deadline moved by the 5 working days lost
    assert case.status == Status.DISPATCHED
    assert case.due_at.astimezone(SH).date() == dt.date(2026, 3, 30)
    assert due_before.astimezone(SH).date() == dt.date(2026, 3, 23)


def test_an_extension_is_requested_then_approved_or_denied(drive, people):
    clock.freeze(dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH))
    case = drive(Status.IN_PROGRESS)
    due = case.due_at
    case = act(case, "extend", people["handler"], {"days": 5, "reason": "需多部门协调"})
    assert case.extension_requested_days == 5 and case.due_at == due and case.status == Status.IN_PROGRESS
    with pytest.raises(ApplicationError):
        act(
            case, "extend", people["handler"], {"days": 3, "reason": "再申请"}
        )  # one pending request at a time
    case = act(case, "extend", people["dispatcher"], {"decision": "approve"})
    assert case.extension_requested_days is None and case.extension_count == 1
    assert case.due_at.astimezone(SH).date() == dt.date(2026, 3, 30)
    assert case.yellow_at > due  # the yellow-card moment moved with it
    case = act(case, "extend", people["handler"], {"days": 3, "reason": "仍需时间"})
    case = act(case, "extend", people["dispatcher"], {"decision": "deny"})
    assert case.extension_count == 1 and case.due_at.astimezone(SH).date() == dt.date(2026, 3, 30)


def test_supervision_cards(drive, people):
    case = act(
        drive(Status.IN_PROGRESS), "supervise", people["dispatcher"], {"card": "red", "note": "已超期"}
    )
    assert case.card == Card.RED and case.status == Status.IN_PROGRESS


def test_a_stale_version_is_told_the_case_changed(drive, people):
    case = drive(Status.DISPATCHED)
    stale = Case.objects.get(pk=case.pk)
    act(case, "sign", people["handler"])
    with pytest.raises(ApplicationError) as err:
        act(stale, "return", people["handler"], {"reason": "晚了一步"})
    assert err.value.code == "case_changed" and err.value.status_code == 409


def test_the_audit_trail_is_intact_and_tampering_is_detected(drive, people, capsys):
    case = drive(Status.RATED)
    drive(Status.CLOSED)
    call_command("verify_audit")
    assert "intact" in capsys.readouterr().out
    # when someone rewrites a reason directly in the database
    event = case.events.get(action="sign")
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET LOCAL session_replication_role = replica")  # bypass the append-only trigger
        cur.execute("UPDATE cases_caseevent SET reason = %s WHERE id = %s", ["改过的", event.id])
    # then verify-audit names that event
    with pytest.raises(CommandError) as err:
        call_command("verify_audit")
    assert f"#{event.global_seq}" in str(err.value) and err.value.returncode == 1


def test_a_deleted_event_is_detected(drive):
    case = drive(Status.IN_PROGRESS)
    drive(Status.DISPATCHED)
    victim = case.events.get(action="dispatch")
    Outbox.objects.filter(event=victim).update(event=None)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute("DELETE FROM cases_caseevent WHERE id = %s", [victim.id])
    report = verify_chain()
    assert not report.ok and report.broken_event == victim.global_seq + 1


def test_deleting_the_latest_event_is_detected(drive):
    case = drive(Status.DISPATCHED)
    last = CaseEvent.objects.order_by("-global_seq").first()
    Outbox.objects.filter(event=last).update(event=None)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute("DELETE FROM cases_caseevent WHERE id = %s", [last.id])
    report = verify_chain()
    assert not report.ok and report.broken_event == last.global_seq and case.events.count() == last.seq - 1


def test_a_move_committed_while_the_chain_is_walked_is_no_break(drive, people, monkeypatch):
    # given a trail, and a move by someone else that commits while the walk is under way (after it read
    # the head and the cases' lengths): the walk then meets events beyond what it set out to check
    from yiwang.cases import audit

    case = drive(Status.DISPATCHED)
    real, calls = audit.event_content, []

    def content_then_move(e, number):
        calls.append(1)
        if len(calls) == 1:
            act(case, "sign", people["handler"])
        return real(e, number)

    monkeypatch.setattr(audit, "event_content", content_then_move)
    # when the chain is verified, then that is no break
    report = verify_chain()
    monkeypatch.setattr(audit, "event_content", real)
    assert report.ok, report.problem
    assert verify_chain().ok


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgres_refuses_update_and_delete_of_events(drive):
    from django.db import DatabaseError, transaction

    case = drive(Status.ACCEPTED)
    event = CaseEvent.objects.filter(case=case).first()
    for sql in (
        "UPDATE cases_caseevent SET reason = 'x' WHERE id = %s",
        "DELETE FROM cases_caseevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cur:
                cur.execute(sql, [event.id])


def test_a_deadline_in_a_year_without_a_calendar_is_flagged_not_guessed(drive):
    # given a complaint dispatched on 2026-12-21, whose 15 working days run into 2027 (no calendar yet)
    clock.freeze(dt.datetime(2026, 12, 21, 10, 0, tzinfo=SH))
    case = drive(Status.DISPATCHED)
    # then the case carries a flag naming the year, and the admin list shows it
    assert "2027" in case.deadline_flag
    assert case.due_at is not None


def test_a_deadline_inside_known_years_is_not_flagged(drive):
    clock.freeze(dt.datetime(2026, 9, 28, 10, 0, tzinfo=SH))  # across National Day 2026
    case = drive(Status.DISPATCHED)
    assert case.deadline_flag == ""
    # 15 working days from Mon 2026-09-28: 9-29, 9-30, (10-01..10-07 holiday), 10-08, 10-09, the make-up
    # Saturday 10-10, then 10-12..16 and 10-19..23 -> due at the end of Friday 2026-10-23.
    assert case.due_at.astimezone(SH).date() == dt.date(2026, 10, 23)


def test_events_made_in_local_time_still_verify(drive):
    # given moves stamped in Beijing time (as the demo history and tests do)
    clock.freeze(dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH))
    drive(Status.RATED)
    # then the hashes match what reads back from the database (stored in UTC)
    assert verify_chain().ok


def test_an_unsatisfied_rating_of_an_answer_at_intake_does_not_reopen_it(drive, people):
    case = drive(Status.ANSWERED)
    case = act(case, "rate", people["resident"], {"satisfaction": "unsatisfied", "solved": False})
    assert case.status == Status.RATED and case.lead_unit is None
