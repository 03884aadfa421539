"""The desks' tools of issue 16 through the pages (Django's test client): a past reply quoted as a draft
without its requester, the warning before an answer naming another case, verification photos as
thumbnails, bulk moves from the dispatcher's queue, and the unit desk's search and filters."""

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from yiwang.cases.models import Case, CaseEvent, Status
from yiwang.core import clock
from yiwang.intake.models import Attachment
from yiwang.web.models import BulkAction
from yiwang.web.reply_drafts import reply_draft

from .conftest import PHONE

pytestmark = pytest.mark.django_db

OLD_REPLY = (
    "李四先生：您好！您反映的“小区路灯不亮”问题已收悉（编号{number}）。经核查，幸福路12号门口路灯线路老化，"
    "已更换灯具并恢复照明。如有疑问请致电0750-3123456，或联系李先生本人电话13912345678。感谢您的支持。2026年11月3日"
)


def login(client, user):
    client.force_login(user)
    return client


def body(response) -> str:
    return response.content.decode()


@pytest.fixture
def past_reply(drive):
    """A closed case whose reply speaks to its requester 李四 (name, phone, house number, case number)."""
    old = drive("closed", title="小区路灯不亮")
    old.requester_name, old.requester_phone = "李四", "13912345678"
    old.address = "江门市蓬江区白沙街道幸福路12号"
    old.reply_text = OLD_REPLY.format(number=old.number)
    old.save(update_fields=["requester_name", "requester_phone", "address", "reply_text"])
    return old


# --------------------------------------------------------------------------- item 2: quoting a past reply
def test_the_draft_keeps_the_substance_and_drops_the_old_requester(past_reply):
    draft = reply_draft(past_reply)
    assert draft.startswith("经核查")  # salutation and the restated question are gone
    for leaked in ("李四", "李先生", "13912345678", "1391", past_reply.number, "小区路灯不亮", "12号", "2026年11月3日"):
        assert leaked not in draft, leaked
    assert "已更换灯具并恢复照明" in draft and "0750-3123456" in draft  # the department's line stays


def test_the_knowledge_base_offers_the_draft_not_the_old_reply(client, people, past_reply):
    # given an operator searching the knowledge base
    page = body(login(client, people["operator"]).get("/desk/knowledge/", {"q": "路灯", "target": "#id_answer_text"}))
    # then what is shown and quoted is the draft, tagged with the case it came from
    button = re.search(rf'<button[^>]*data-fill-case="{past_reply.number}"[^>]*>', page).group(0)
    assert "已更换灯具并恢复照明" in button
    for leaked in ("李四", "13912345678", "幸福路12号", "您好"):
        assert leaked not in page, leaked


def test_the_unit_desks_starting_point_is_the_draft(client, people, past_reply, drive):
    case = drive("in_progress")
    page = body(login(client, people["handler"]).get(f"/desk/unit/case/{case.number}/"))
    assert "以此为起点" in page and f'data-fill-case="{past_reply.number}"' in page
    assert "李四" not in page and "13912345678" not in page


def test_a_reply_naming_another_case_waits_for_confirmation(client, people, past_reply, drive):
    # given a handler replying with text that still names the old requester (pasted by hand)
    case = drive("in_progress")
    login(client, people["handler"])
    url = f"/desk/unit/case/{case.number}/reply/"
    data = {"reply-version": case.version, "reply-text": "李四您好，路灯已修复。", "reply-quoted": past_reply.number}
    # when it is sent
    first = client.post(url, data)
    # then nothing is sent: the page says which case it names (masked) and asks to confirm
    text = body(first)
    assert first.status_code == 200 and "发送前请核对" in text and past_reply.number in text
    assert "李*" in text and "已核对，确认发送" in text
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    # when the handler confirms these very references, it is sent
    signature = re.search(r'name="reply-confirm_references" value="(\w+)"', text).group(1)
    sent = client.post(url, {**data, "reply-confirm_references": signature})
    assert sent.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.VERIFYING


def test_an_answer_naming_another_cases_number_or_phone_warns_even_without_the_quote_field(client, people, past_reply, make_case):
    case = make_case(request_type="咨询")
    login(client, people["operator"])
    url = f"/desk/operator/case/{case.number}/answer/"
    r = client.post(url, {"answer-version": case.version, "answer-text": f"同 {past_reply.number} 的答复：已修复。"})
    assert "发送前请核对" in body(r) and Case.objects.get(pk=case.pk).status == Status.RECEIVED
    # the case's own requester named in its own answer is no warning
    ok = client.post(url, {"answer-version": case.version, "answer-text": f"张三您好，请拨打{PHONE}以外的热线。"})
    assert ok.status_code == 302


def test_a_confirmation_does_not_cover_a_text_that_names_something_else(client, people, past_reply, drive):
    case = drive("in_progress")
    login(client, people["handler"])
    url = f"/desk/unit/case/{case.number}/reply/"
    base = {"reply-version": case.version, "reply-quoted": past_reply.number}
    first = body(client.post(url, {**base, "reply-text": "李四您好。"}))
    signature = re.search(r'name="reply-confirm_references" value="(\w+)"', first).group(1)
    # the text now also carries the old requester's phone: asked again
    again = client.post(url, {**base, "reply-text": "李四您好，电话 139-1234-5678。", "reply-confirm_references": signature})
    assert again.status_code == 200 and "诉求人的电话（139****5678）" in body(again)


def test_the_hotline_desk_warns_before_answering_a_call_with_another_callers_name(client, people, past_reply):
    login(client, people["operator"])
    form = {
        "requester_phone": "13700001111", "requester_name": "王五", "requester_kind": "resident",
        "requester_language": "zh-hans", "request_type": "咨询", "title": "路灯", "text": "路灯坏了怎么报修？",
        "answer_text": "李四先生您好，已修复。", "quoted": past_reply.number, "intent": "answer",
    }
    before = Case.objects.count()
    r = client.post("/desk/operator/", form)
    assert r.status_code == 200 and "发送前请核对" in body(r) and Case.objects.count() == before
    signature = re.search(r'name="confirm_references" value="(\w+)"', body(r)).group(1)
    assert client.post("/desk/operator/", {**form, "confirm_references": signature}).status_code == 302
    assert Case.objects.count() == before + 1


# --------------------------------------------------------------------------- item 5: photos as thumbnails
def _jpeg(name="site.jpg"):
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 160, 90)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def test_a_verifications_photos_show_as_thumbnails_not_as_a_path(client, people, drive, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    case = drive("verifying")
    login(client, people["gridworker"])
    # when the grid worker verifies with two photos
    r = client.post(
        f"/desk/grid/case/{case.number}/verify/",
        {"verify-version": case.version, "verify-passed": "yes", "verify-note": "现场已亮", "verify-photos": [_jpeg(), _jpeg("b.jpg")]},
    )
    assert r.status_code == 302
    # then the event names the photos by token, its note stays words only
    event = CaseEvent.objects.get(case=case, action="verify")
    tokens = set(Attachment.objects.filter(case=case).values_list("token", flat=True))
    assert set(event.payload["photos"]) == tokens and len(tokens) == 2
    assert event.reason == "现场已亮"
    # and the case page shows them as images linking to themselves, on the timeline
    page = body(client.get(f"/desk/grid/case/{case.number}/"))
    timeline = page[page.index('class="timeline"'):]
    thumbs = re.findall(r'<a href="(/media/attachments/[^"]+)" data-photo[^>]*><img src="([^"]+)"', timeline)
    assert len(thumbs) == 2 and all(a == b for a, b in thumbs)
    assert "现场照片:" not in timeline
    # and the photos are served to whoever reads the case
    assert client.get(thumbs[0][0]).status_code == 200


def test_an_older_note_with_photo_addresses_shows_thumbnails_too(client, people, drive, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    case = drive("verifying")
    from yiwang.web.services import photos_upload

    entry = photos_upload(files=[_jpeg()], user=people["gridworker"], case=case)[0]
    from yiwang.cases.services import Actor, perform

    perform(case=case, action="verify", actor=Actor.of(people["gridworker"]),
            payload={"passed": True, "note": f"现场已亮\n现场照片: {entry['url']}"})
    page = body(login(client, people["dispatcher"]).get(f"/desk/dispatch/case/{case.number}/"))
    timeline = page[page.index('class="timeline"'):]
    assert f'<img src="{entry["url"]}"' in timeline and "现场照片:" not in timeline


def test_a_token_of_another_cases_photo_shows_nothing(client, people, drive, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    other = drive("verifying")
    from yiwang.web.services import photos_upload

    foreign = photos_upload(files=[_jpeg()], user=people["gridworker"], case=other)[0]
    case = drive("verifying")
    from yiwang.cases.services import Actor, perform

    perform(case=case, action="verify", actor=Actor.of(people["gridworker"]), payload={"passed": True, "photos": [foreign["token"]]})
    page = body(login(client, people["dispatcher"]).get(f"/desk/dispatch/case/{case.number}/"))
    assert foreign["url"] not in page


# --------------------------------------------------------------------------- item 7: bulk moves
def _queue_form(client):
    page = body(client.get("/desk/dispatch/?queue=new"))
    return page, re.search(r'name="key" value="([^"]+)"', page).group(1)


def test_bulk_reject_moves_each_case_on_its_own_and_reports_each(client, people, make_case, drive):
    junk = [make_case(title=f"广告{i}", text="加微信领取优惠券，点击链接。") for i in range(3)]
    accepted = drive("accepted", title="已受理的件")  # 不予受理 only from 待受理: refused, says why
    login(client, people["dispatcher"])
    page, key = _queue_form(client)
    assert 'name="cases"' in page and "批量处理勾选的诉求件" in page
    picks = [f"{c.number}@{c.version}" for c in [*junk, accepted]]
    form = {"key": key, "queue": "new", "action": "reject", "reason": "无效诉求：广告", "cases": picks}
    # when the dispatcher rejects the ticked cases with one reason
    r = client.post("/desk/dispatch/bulk/", form)
    assert r.status_code == 302 and r["Location"] == f"/desk/dispatch/bulk/{key}/"
    # then each junk case is rejected through its own move and event, the other one is refused
    for c in junk:
        c.refresh_from_db()
        assert c.status == Status.REJECTED
        assert c.events.filter(action="reject", reason="无效诉求：广告", actor=people["dispatcher"]).count() == 1
    assert Case.objects.get(pk=accepted.pk).status == Status.ACCEPTED
    result = body(client.get(r["Location"]))
    assert "已办理 3 件，未办理 1 件" in result
    row = re.search(rf'<tr data-number="{accepted.number}" data-ok="no">.*?</tr>', result, re.S).group(0)
    assert "未办理" in row
    # when the same submission is sent again (a double click, a reload)
    again = client.post("/desk/dispatch/bulk/", form, follow=True)
    # then nothing runs twice: one event each, the first results shown
    assert "没有重复执行" in body(again)
    for c in junk:
        assert c.events.filter(action="reject").count() == 1
    assert BulkAction.objects.count() == 1


def test_bulk_merge_sends_several_into_one(client, people, make_case):
    main, *copies = [make_case(title="同一处路灯不亮") for _ in range(3)]
    login(client, people["dispatcher"])
    _page, key = _queue_form(client)
    r = client.post("/desk/dispatch/bulk/", {
        "key": key, "action": "merge", "into": main.number, "cases": [f"{c.number}@{c.version}" for c in (main, *copies)],
    })
    assert r.status_code == 302
    for c in copies:
        c.refresh_from_db()
        assert c.status == Status.MERGED and c.parent_id == main.pk
    assert Case.objects.get(pk=main.pk).status == Status.RECEIVED  # the main case itself is kept
    assert "主件，保留" in body(client.get(r["Location"]))


def test_bulk_refuses_per_case_what_the_dispatcher_may_not_touch(client, people, make_case):
    from yiwang.accounts.models import Role, User
    from yiwang.geo.models import Area

    # given a dispatcher of another district, and a case changed since the queue was shown
    outsider = User.objects.create(username="w_far", role=Role.DISPATCHER, area=Area.objects.get(code="440781"))
    mine = make_case(title="另一区看不到的件")
    login(client, outsider)
    _page, key = _queue_form(client)
    r = client.post("/desk/dispatch/bulk/", {"key": key, "action": "reject", "reason": "广告", "cases": [f"{mine.number}@{mine.version}"]})
    assert "不在您的职责范围" in body(client.get(r["Location"]))
    assert Case.objects.get(pk=mine.pk).status == Status.RECEIVED
    login(client, people["dispatcher"])
    _page, key = _queue_form(client)
    stale = client.post("/desk/dispatch/bulk/", {"key": key, "action": "reject", "reason": "广告", "cases": [f"{mine.number}@{mine.version - 1 or 99}"]})
    assert Case.objects.get(pk=mine.pk).status == Status.RECEIVED
    assert 'data-ok="no"' in body(client.get(stale["Location"]))


def test_a_bulk_form_without_a_reason_or_a_pick_is_shown_again_with_the_error(client, people, make_case):
    case = make_case()
    login(client, people["dispatcher"])
    _page, key = _queue_form(client)
    r = client.post("/desk/dispatch/bulk/", {"key": key, "queue": "new", "action": "reject", "cases": [f"{case.number}@{case.version}"]})
    assert r.status_code == 200 and "不予受理须说明理由" in body(r)
    assert re.search(rf'value="{case.number}@\d+"[^>]*checked', body(r))  # still ticked
    none = client.post("/desk/dispatch/bulk/", {"key": key, "action": "reject", "reason": "广告"})
    assert none.status_code == 200 and "请先勾选要处理的诉求件" in body(none)
    assert not BulkAction.objects.exists()


def test_a_bulk_result_is_only_for_whoever_made_it(client, people, make_case):
    case = make_case()
    login(client, people["dispatcher"])
    _page, key = _queue_form(client)
    client.post("/desk/dispatch/bulk/", {"key": key, "action": "reject", "reason": "广告", "cases": [f"{case.number}@{case.version}"]})
    assert login(client, people["admin"]).get(f"/desk/dispatch/bulk/{key}/").status_code == 404


# --------------------------------------------------------------------------- item 7: the unit desk
def test_the_unit_desk_searches_and_filters_and_pages_keep_the_filters(client, people, drive):
    now = clock.now()
    late = drive("dispatched", title="人行道井盖缺失")
    Case.objects.filter(pk=late.pk).update(due_at=now - dt.timedelta(hours=2), yellow_at=now - dt.timedelta(days=1))
    soon = drive("in_progress", title="路灯闪烁")
    Case.objects.filter(pk=soon.pk).update(due_at=now + dt.timedelta(hours=5), yellow_at=now - dt.timedelta(hours=1))
    calm = drive("in_progress", title="垃圾桶破损")
    Case.objects.filter(pk=calm.pk).update(due_at=now + dt.timedelta(days=9), yellow_at=now + dt.timedelta(days=7))
    done = drive("closed", title="已经办结的井盖")
    login(client, people["handler"])

    def numbers(**params):
        page = body(client.get("/desk/unit/", params))
        todo = page[page.index('id="todo-h"'):page.index('id="wait-h"')]
        return {n for n in (late.number, soon.number, calm.number, done.number) if n in todo}

    assert numbers() == {late.number, soon.number, calm.number}  # the to-do list, as before
    assert numbers(q=late.number) == {late.number}
    assert numbers(q="井盖") == {late.number}
    assert numbers(q="井盖", status="all") == {late.number, done.number}
    assert numbers(status="finished") == {done.number}
    assert numbers(status=Status.IN_PROGRESS) == {soon.number, calm.number}
    assert numbers(deadline="overdue") == {late.number}
    assert numbers(deadline="soon") == {soon.number}
    assert numbers(deadline="ontime") == {calm.number}
    assert numbers(category="C01") == {late.number, soon.number, calm.number}  # drive() files under C01
    assert numbers(category="C02") == set()
    assert numbers(q="白沙") == {late.number, soon.number, calm.number}  # the place: the town's name


def test_the_unit_desks_pages_keep_the_filters(client, people, drive, monkeypatch):
    from yiwang.web.views import desks

    monkeypatch.setattr(desks, "UNIT_PAGE_SIZE", 2)
    cases = [drive("dispatched", title=f"井盖{i}") for i in range(3)]
    drive("dispatched", title="路灯")
    login(client, people["handler"])
    first = body(client.get("/desk/unit/", {"q": "井盖", "deadline": ""}))
    assert "第 1 / 2 页" in first
    link = re.search(r'href="([^"]*page=2[^"]*)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "q=%E4%BA%95%E7%9B%96" in link  # the search goes along
    second = body(client.get("/desk/unit/" + link))
    assert "第 2 / 2 页" in second and sum(c.number in second for c in cases) == 1 and "路灯" not in second.split('id="todo-h"')[1].split('id="wait-h"')[0]


def test_a_bad_filter_value_is_an_error_not_a_crash(client, people, drive):
    kept = drive("dispatched", title="井盖松动")
    other = drive("dispatched", title="路灯")
    r = login(client, people["handler"]).get("/desk/unit/", {"status": "nonsense", "page": "x", "q": "井盖"})
    assert r.status_code == 200 and "选择一个有效的选项" in body(r)
    todo = body(r).split('id="todo-h"')[1].split('id="wait-h"')[0]
    assert kept.number in todo and other.number not in todo  # the valid filter still applies


def test_the_warning_and_the_filters_speak_the_readers_language(client, people, past_reply, drive, settings):
    case = drive("in_progress")
    login(client, people["handler"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    r = client.post(f"/desk/unit/case/{case.number}/reply/", {
        "reply-version": case.version, "reply-text": "李四您好。", "reply-quoted": past_reply.number})
    text = body(r)
    assert "Check before sending" in text and f"the name of the requester of case {past_reply.number} (李*)" in text
    assert "Checked, send it" in text
    desk = body(client.get("/desk/unit/", {"deadline": "overdue"}))
    assert "Overdue" in desk and "Number, title, text or place" in desk and "No case matches." in desk
