"""What the moves write to the outbox: in their own transaction, in the recipient's language, to whom."""

import pytest
from django.core import mail
from django.db import transaction

from yiwang.accounts.models import Role, User
from yiwang.cases.models import Status
from yiwang.cases.services import Actor, perform
from yiwang.cases.tests.conftest import act
from yiwang.geo.models import Area
from yiwang.notify.delivery import deliver_pending
from yiwang.notify.models import Kind, Outbox
from yiwang.notify.selectors import supervising_dispatchers
from yiwang.routing.models import Unit

pytestmark = pytest.mark.django_db


def test_a_rolled_back_move_leaves_no_message(people, make_case):
    # given a received case whose requester left a phone number
    case = make_case()
    # when the acceptance runs, and its transaction is then rolled back
    with pytest.raises(RuntimeError), transaction.atomic():
        act(case, "accept", people["operator"])
        assert Outbox.objects.filter(case=case, kind=Kind.ACCEPTED).exists()  # written inside it
        raise RuntimeError("the request failed after the move")
    # then neither the move nor its message exists
    case.refresh_from_db()
    assert case.status == Status.RECEIVED
    assert not Outbox.objects.filter(case=case).exists()


def test_the_message_is_written_with_its_event_and_delivered_after_commit(
    people, make_case, django_capture_on_commit_callbacks
):
    # given a received case
    case = make_case()
    # when it is accepted and the transaction commits
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        case = act(case, "accept", people["operator"])
    # then one SMS was written for the acceptance event and sent right after commit
    row = Outbox.objects.get(case=case)
    assert row.event == case.events.get(action="accept")
    assert (row.channel, row.recipient, row.kind) == ("sms", "13800138000", Kind.ACCEPTED)
    assert len(callbacks) == 1
    row.refresh_from_db()
    assert row.state == Outbox.State.SENT and row.attempts == 1
    assert list(row.attempt_log.values_list("ok", flat=True)) == [True]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", "已转交承办单位办理"),
        ("zh-hant", "已轉交承辦單位辦理"),
        ("en", "has been passed to the responsible unit"),
    ],
)
def test_the_requester_hears_in_their_language(people, make_case, language, expected):
    # given a case from a requester writing in `language`
    case = make_case(requester_language=language)
    # when it is accepted and dispatched
    case = act(case, "accept", people["operator"])
    case = act(case, "dispatch", people["dispatcher"], {"lead_unit": "JM.ZJJ"})
    # then the dispatch notice is in that language and carries the case number
    row = Outbox.objects.get(case=case, kind=Kind.DISPATCHED)
    assert expected in row.body and case.number in row.body and row.language == language


def test_a_reply_reaches_a_traditional_chinese_requester_in_traditional_characters(people, make_case, settings):
    settings.VERIFY_ON_SITE = False
    # given a case from a requester writing in traditional Chinese, handled by a unit writing simplified
    case = make_case(requester_language="zh-hant")
    case = act(case, "accept", people["operator"])
    case = act(case, "dispatch", people["dispatcher"], {"lead_unit": "JM.ZJJ"})
    case = act(case, "sign", people["handler"])
    act(case, "reply", people["handler"], {"text": "已修复路灯"})
    # then the notice and the reply in it are in traditional characters
    row = Outbox.objects.get(case=case, kind=Kind.REPLIED)
    assert "已修復路燈" in row.body and "已修复路灯" not in row.body


def test_a_rejection_gives_the_reason(people, make_case):
    case = make_case(requester_language="en")
    act(case, "reject", people["operator"], {"reason": "不属于受理范围"})
    row = Outbox.objects.get(case=case)
    assert row.kind == Kind.REJECTED and row.body.endswith("Reason: 不属于受理范围")


def test_the_requester_is_told_of_a_reopening(drive, people):
    # given a closed case
    case = drive(Status.CLOSED)
    # when the dispatcher reopens it
    act(case, "reopen", people["dispatcher"], {"reason": "回访发现未解决"})
    # then the requester hears it goes back to the unit
    assert Outbox.objects.filter(case=case, kind=Kind.REOPENED).count() == 1


def test_a_merged_requester_hears_the_closure_once_with_their_own_number(people, make_case, settings):
    settings.VERIFY_ON_SITE = False
    p = people
    # given a case merged into a parent that runs to its reply
    parent = make_case(title="路灯坏了")
    child = make_case(title="同一盏路灯坏了")
    child = act(child, "merge", p["dispatcher"], {"into": parent.number})
    parent = act(parent, "accept", p["operator"])
    parent = act(parent, "dispatch", p["dispatcher"], {"lead_unit": "JM.ZJJ"})
    parent = act(parent, "sign", p["handler"])
    parent = act(parent, "reply", p["handler"], {"text": "已修复"})
    # when the parent is closed
    act(parent, "close", p["dispatcher"])
    # then the child's requester heard each step under the child's own number, and the closure once
    kinds = list(Outbox.objects.filter(case=child).order_by("pk").values_list("kind", flat=True))
    assert kinds == [Kind.MERGED, Kind.ACCEPTED, Kind.DISPATCHED, Kind.REPLIED, Kind.CLOSED]
    replied = Outbox.objects.get(case=child, kind=Kind.REPLIED)
    assert child.number in replied.body and "已修复" in replied.body


def test_no_message_without_a_phone(people, make_case):
    case = make_case(requester_kind="anonymous")
    act(case, "accept", people["operator"])
    assert not Outbox.objects.filter(case=case).exists()


# --------------------------------------------------------------------------- escalation
def _district_of(case):
    return Area.objects.get(pk=case.district_id)


def test_a_red_card_escalates_to_the_nearest_dispatchers_by_sms_and_email(drive, people):
    # given a dispatched case, a city dispatcher and a district dispatcher with phone and email
    case = drive(Status.DISPATCHED)
    city = people["dispatcher"]
    city.phone = "13900000001"
    city.save()
    district = User.objects.create(
        username="t_district_dispatcher",
        role=Role.DISPATCHER,
        area=_district_of(case),
        phone="13900000002",
        email="dispatch@example.org",
        language="en",
    )
    # when the system gives it a red card with escalation
    case = perform(
        case=case, action="supervise", actor=Actor.system(), payload={"card": "red", "escalate": True}
    )
    # then the district dispatcher (the nearest) hears, by SMS and email, in their language
    rows = Outbox.objects.filter(case=case, kind=Kind.ESCALATION).order_by("channel")
    assert [(r.channel, r.recipient, r.user_id) for r in rows] == [
        ("email", "dispatch@example.org", district.pk),
        ("sms", "13900000002", district.pk),
    ]
    assert rows[0].subject == f"[Red card] Case {case.number} is overdue"
    assert case.number in rows[1].body and "status: Dispatched" in rows[1].body
    # and the email goes out through Django's email backend
    deliver_pending()
    assert [m.to for m in mail.outbox] == [["dispatch@example.org"]]
    assert mail.outbox[0].subject == rows[0].subject


def test_a_yellow_card_or_a_red_card_without_escalation_tells_no_dispatcher(drive, people):
    people["dispatcher"].phone = "13900000001"
    people["dispatcher"].save()
    case = drive(Status.DISPATCHED)
    case = perform(case=case, action="supervise", actor=Actor.system(), payload={"card": "yellow"})
    case = perform(case=case, action="supervise", actor=Actor.system(), payload={"card": "red"})
    assert not Outbox.objects.filter(kind=Kind.ESCALATION).exists()


def test_without_dispatchers_the_command_centre_hears(drive, people):
    # given no dispatcher at all, and a member of the district's command centre
    case = drive(Status.DISPATCHED)
    User.objects.filter(role=Role.DISPATCHER).update(is_active=False)
    centre = Unit.objects.get(code=f"CC.{_district_of(case).code}")
    member = User.objects.create(username="t_cc", role=Role.OPERATOR, unit=centre, phone="13900000003")
    # then the escalation goes to the command centre's members
    assert supervising_dispatchers(case=case) == [member]
