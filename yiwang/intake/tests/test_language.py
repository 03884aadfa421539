"""Traditional Chinese in, traditional Chinese out: the original kept, search on the simplified copy."""

import pytest

from yiwang.cases.models import Case

from .conftest import BODY, call

TRADITIONAL = "路燈壞了一個星期，晚上出門很不方便，請儘快維修。"


@pytest.mark.django_db
def test_a_traditional_request_is_searchable_and_answered_in_traditional(client, tokens, settings):
    settings.VERIFY_ON_SITE = False
    # given: a resident writing in traditional characters, language left out
    body = {**BODY, "title": "路燈不亮", "text": TRADITIONAL}
    created = call(client, "post", "/cases", tokens["resident"], body).json()
    number = created["number"]
    case = Case.objects.get(number=number)
    # then: the original is kept, the simplified copy feeds search, the language is detected
    assert case.text == TRADITIONAL and "路灯坏了" in case.text_normalized
    assert created["requester_language"] == "zh-hant"
    assert call(client, "get", "/cases?q=路灯坏了", tokens["operator"]).json()["count"] == 1
    # when: the unit replies in simplified characters
    for who, action, payload in [
        ("operator", "accept", {"category": "C01"}),
        ("dispatcher", "dispatch", {"lead_unit": "JM.ZJJ"}),
    ]:
        assert call(client, "post", f"/cases/{number}/{action}", tokens[who], payload).status_code == 200
    from yiwang.accounts.models import User
    from yiwang.cases.services import Actor, perform

    handler = User.objects.get(username="handler")
    case = perform(case=Case.objects.get(number=number), action="sign", actor=Actor.of(handler))
    perform(
        case=case, action="reply", actor=Actor.of(handler), payload={"text": "已修复路灯，感谢您的反映。"}
    )
    # then: the requester reads it in traditional, staff read it as written, ?lang overrides
    mine = call(client, "get", f"/cases/{number}", tokens["resident"]).json()
    assert mine["reply_text"] == "已修復路燈，感謝您的反映。"
    staff = call(client, "get", f"/cases/{number}", tokens["operator"]).json()
    assert staff["reply_text"] == "已修复路灯，感谢您的反映。"
    asked = call(client, "get", f"/cases/{number}?lang=zh-hant", tokens["operator"]).json()
    assert asked["reply_text"] == "已修復路燈，感謝您的反映。"
    listed = call(client, "get", "/cases", tokens["resident"]).json()["results"][0]
    assert listed["reply_text"] == "已修復路燈，感謝您的反映。"
