"""Personal data in the cases API (issue 15): the requester reads the public timeline only; leaders and
auditors read free text with the personal data typed into it masked."""

import json

import pytest
from django.test import Client

from yiwang.accounts.models import Role, User
from yiwang.cases.services import Actor, perform

pytestmark = pytest.mark.django_db

TEXT = "路灯不亮一周了，请打我电话138-0013-8000，我住幸福路12号。"
NOTE = "已电话联系诉求人13900139000，住3栋502"


@pytest.fixture
def case(people, make_case, settings):
    settings.AUTO_DISPATCH_THRESHOLD = 1.1
    case = make_case(text=TEXT)
    case = perform(case=case, action="accept", actor=Actor.of(people["dispatcher"]), payload={"category": "C01"})
    case = perform(case=case, action="dispatch", actor=Actor.of(people["dispatcher"]), payload={"lead_unit": "JM.ZJJ"})
    return perform(
        case=case, action="supervise", actor=Actor.of(people["dispatcher"]), payload={"card": "yellow", "note": NOTE}
    )


def read(user, path):
    client = Client()
    client.force_login(user)
    response = client.get(f"/api/v1{path}")
    assert response.status_code == 200, response.content
    return response.json()


def test_the_requester_reads_the_public_timeline_only(people, case):
    # when the resident who filed the case reads its timeline
    events = read(people["resident"], f"/cases/{case.number}/events")
    body = json.dumps(events, ensure_ascii=False)
    # then they see the steps and their times, never who at the centre acted or the staff's notes
    assert [e["action"] for e in events] == ["create", "accept", "dispatch"]
    assert all(e["created_at"] and e["to_status"] for e in events)
    assert "t_dispatcher" not in body and "dispatcher" not in body
    assert "13900139000" not in body and "诉求人" not in body
    assert all(e["payload"] == {} and e["actor"] == "" for e in events)
    # while the dispatcher reads the whole trail
    staff = read(people["dispatcher"], f"/cases/{case.number}/events")
    assert staff[-1]["action"] == "supervise" and staff[-1]["actor"] == "t_dispatcher"


def test_a_refusal_reason_is_public(people, make_case):
    case = make_case()
    perform(case=case, action="reject", actor=Actor.of(people["operator"]), payload={"reason": "不属于受理范围"})
    events = read(people["resident"], f"/cases/{case.number}/events")
    assert events[-1]["action"] == "reject" and events[-1]["reason"] == "不属于受理范围"


@pytest.mark.parametrize("role", ["leader", "auditor"])
def test_leaders_and_auditors_read_free_text_masked(people, case, role):
    # given a reader who oversees, not works, the case
    user = people["leader"] if role == "leader" else User.objects.create(username="t_auditor", role=Role.AUDITOR)
    # when they read the case, the list and the trail
    one = read(user, f"/cases/{case.number}")
    listed = read(user, f"/cases?q={case.number}")["results"]
    trail = read(user, f"/cases/{case.number}/events")
    # then the phone and the door typed into the text and the note are masked
    body = json.dumps([one, listed, trail], ensure_ascii=False)
    for leak in ("138-0013-8000", "13900139000", "12号", "3栋502"):
        assert leak not in body
    assert one["text"] == "路灯不亮一周了，请打我电话138****8000，我住幸福路**号。"
    assert trail[-1]["reason"] == "已电话联系诉求人139****9000，住*栋***"
    # and the staff who work the case still read it as written
    assert read(people["dispatcher"], f"/cases/{case.number}")["text"] == TEXT
