"""The workbench pages through Django's test client: role guards, every desk's moves, form errors."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from yiwang.cases.models import Case, Status
from yiwang.core import clock
from yiwang.core.errors import ApplicationError
from yiwang.notify.models import Outbox
from yiwang.web.models import CoHandlingRequest
from yiwang.web.selectors import APPEAL_MARK, SELF_FIX_MARK
from yiwang.web.services import accept_and_dispatch

from .conftest import PHONE, act

pytestmark = pytest.mark.django_db

DESKS = ["/desk/operator/", "/desk/dispatch/", "/desk/unit/", "/desk/grid/"]


def login(client, user):
    client.force_login(user)
    return client


def body(response) -> str:
    return response.content.decode()


# --------------------------------------------------------------------------- guards and home
@pytest.mark.parametrize("url", DESKS)
def test_a_resident_cannot_open_a_staff_desk(client, people, url):
    response = login(client, people["resident"]).get(url)
    assert response.status_code == 403
    assert "无权访问" in body(response)


@pytest.mark.parametrize("url", DESKS)
def test_a_visitor_is_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "role,allowed",
    [
        ("operator", "/desk/operator/"),
        ("dispatcher", "/desk/dispatch/"),
        ("handler", "/desk/unit/"),
        ("gridworker", "/desk/grid/"),
    ],
)
def test_each_role_opens_only_its_own_desk(client, people, role, allowed):
    login(client, people[role])
    for url in DESKS:
        assert client.get(url).status_code == (200 if url == allowed else 403), url


def test_an_admin_opens_every_desk(client, people):
    login(client, people["admin"])
    for url in DESKS:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    "role,target",
    [
        ("resident", "/portal/"),
        ("operator", "/desk/operator/"),
        ("dispatcher", "/desk/dispatch/"),
        ("handler", "/desk/unit/"),
        ("gridworker", "/desk/grid/"),
    ],
)
def test_the_home_page_sends_each_role_to_its_workbench(client, people, role, target):
    response = login(client, people[role]).get("/")
    assert response.status_code == 302 and response["Location"] == target


def test_the_leader_starts_on_the_cockpit(client, people):
    response = login(client, people["leader"]).get("/")
    assert response.status_code == 302 and response["Location"] == "/cockpit/"
    cockpit = client.get("/cockpit/")
    assert cockpit.status_code == 200 and 'href="/cockpit/"' in body(cockpit)  # and the nav leads back


def test_the_sign_in_page_and_the_anonymous_home_render(client):
    assert "登录一网" in body(client.get("/accounts/login/"))
    home = body(client.get("/"))
    assert "/portal/submit/" in home and "/portal/follow/" in home


def test_the_admin_wears_the_platform_theme(client, people):
    response = login(client, people["admin"]).get("/admin/")
    assert response.status_code == 200
    text = body(response)
    assert "一网 管理后台" in text and "web/admin.css" in text


def test_a_unit_sees_only_its_own_cases(client, people, drive):
    case = drive("dispatched")
    assert login(client, people["other_handler"]).get(f"/desk/unit/case/{case.number}/").status_code == 404
    assert login(client, people["handler"]).get(f"/desk/unit/case/{case.number}/").status_code == 200


def test_a_grid_outline_is_public_like_the_grid_map_and_carries_no_personal_data(client, people):
    # given the public map's grid layer, which lists every grid's outline
    code = people["grid"].code
    layer = client.get("/geo/areas.geojson?level=grid").json()
    assert code in {f["properties"]["code"] for f in layer["features"]}
    # when anyone (a visitor, a resident, staff) asks for that one grid's outline
    url = reverse("web:area_geojson", args=[code])
    for who in (None, people["resident"], people["dispatcher"]):
        if who is not None:
            login(client, who)
        response = client.get(url)
        # then they get it, with the same kind of properties as the layer: code, name (and the stored
        # name_zh), approximate
        assert response.status_code == 200
        feature = response.json()
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
        assert set(feature["properties"]) == {"code", "name", "name_zh", "approximate"}


# --------------------------------------------------------------------------- resident portal
def test_a_visitor_submits_and_gets_a_case_number(client, people):
    # given the submit form filled in by a visitor with a map pick
    response = client.post(
        "/portal/submit/",
        {
            "request_type": "投诉",
            "title": "路边垃圾无人清理",
            "text": "白沙街道某路口垃圾堆放三天无人清理，气味很大。",
            "lon": "113.08",
            "lat": "22.60",
            "placement": "map",
            "requester_phone": PHONE,
            "requester_kind": "resident",
        },
    )
    # then a case exists with its number, and this browser may read it at once
    assert response.status_code == 302
    case = Case.objects.get(title="路边垃圾无人清理")
    assert response["Location"] == f"/portal/submitted/{case.number}/"
    assert case.channel == "web" and case.placement == "map" and case.grid_id == people["grid"].id
    assert case.requester_user is None
    page = client.get(response["Location"])
    assert case.number in body(page)
    assert client.get(f"/portal/case/{case.number}/").status_code == 200


def test_submit_errors_show_next_to_the_fields_and_keep_what_was_typed(client, db):
    response = client.post(
        "/portal/submit/",
        {"request_type": "投诉", "title": "", "text": "噪音扰民严重", "requester_kind": "resident"},
    )
    assert response.status_code == 200
    text = body(response)
    assert "噪音扰民严重" in text  # kept
    assert text.count('class="field has-error"') >= 2  # the title and the phone
    assert not Case.objects.exists()


def test_a_service_refusal_is_shown_on_the_portal_form(client, db):
    # a text the form accepts but the service refuses (fewer than 5 characters)
    response = client.post(
        "/portal/submit/",
        {
            "request_type": "投诉",
            "title": "太吵",
            "text": "太吵了",
            "requester_phone": PHONE,
            "requester_kind": "resident",
        },
    )
    assert response.status_code == 200
    assert "提交的内容有误" in body(response) and "太吵了" in body(response)


def test_a_signed_in_resident_submits_and_sees_it_among_my_cases(client, people):
    login(client, people["resident"])
    response = client.post(
        "/portal/submit/",
        {
            "request_type": "求助",
            "title": "楼道灯坏了",
            "text": "三单元楼道灯坏了一个月",
            "requester_kind": "resident",
        },
    )
    case = Case.objects.get(title="楼道灯坏了")
    assert response.status_code == 302 and case.requester_user == people["resident"]
    assert "楼道灯坏了" in body(client.get("/portal/mine/"))


def test_staff_on_the_portal_are_sent_to_their_desk(client, people):
    response = login(client, people["operator"]).get("/portal/submit/")
    assert response.status_code == 200 and "/desk/operator/" in body(response)
    assert '<form method="post" enctype' not in body(response)


def test_following_a_case_by_number_and_phone_with_a_code(client, make_case, settings):
    case = make_case()
    # when the visitor asks for a code
    response = client.post("/portal/follow/", {"number": case.number, "phone": PHONE})
    # then an SMS is written through the notify outbox, and the demo shows its code
    sms = Outbox.objects.get(case=case, kind="verification_code")
    assert sms.channel == "sms" and sms.recipient == PHONE
    code = response.context["demo_code"]
    assert code and code in sms.body and code in body(response)
    # a wrong code is refused next to the field
    wrong = client.post("/portal/follow/code/", {"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 200 and "验证码不正确" in body(wrong)
    # the right one opens the case
    ok = client.post("/portal/follow/code/", {"code": code})
    assert ok.status_code == 302 and ok["Location"] == f"/portal/case/{case.number}/"
    page = client.get(ok["Location"])
    assert page.status_code == 200 and "办理进度" in body(page)


def test_a_wrong_phone_gets_the_same_answer_and_no_sms(client, make_case):
    case = make_case()
    response = client.post("/portal/follow/", {"number": case.number, "phone": "13900000000"})
    assert response.status_code == 200 and "验证码已发送" in body(response)
    assert response.context["demo_code"] is None
    assert not Outbox.objects.filter(kind="verification_code").exists()
    assert client.post("/portal/follow/code/", {"code": "123456"}).status_code == 200


def test_a_stranger_cannot_read_a_case(client, make_case, people):
    case = make_case()
    assert client.get(f"/portal/case/{case.number}/").status_code == 404
    assert login(client, people["resident2"]).get(f"/portal/case/{case.number}/").status_code == 404


def test_the_requester_sees_no_category_until_the_case_is_accepted(client, people, make_case, trained):
    case = make_case(title="工厂夜间排放废气", text="附近的化工厂每天夜里排放刺鼻废气，空气污染严重，请环保部门查处。")
    assert case.status == Status.RECEIVED and case.category is not None  # the classifier's guess
    login(client, people["resident"])
    page = body(client.get(f"/portal/case/{case.number}/"))
    assert "case-category" not in page and case.category.name not in page
    act(case, "accept", people["operator"], {})
    page = body(client.get(f"/portal/case/{case.number}/"))
    assert re.search(r'<span class="case-category">[^<]*' + case.category.name, page)


def test_the_requester_sees_the_current_step_in_plain_words_and_the_expected_reply_date(client, people, drive):
    case = drive("in_progress")
    login(client, people["resident"])
    page = body(client.get(f"/portal/case/{case.number}/"))
    steps = re.findall(r'<li class="step step-(\w+)"[^>]*><strong>([^<]+)</strong>', page)
    assert steps == [("done", "已收到"), ("done", "已受理"), ("current", "办理中"), ("todo", "已答复"), ("todo", "已办结")]
    assert re.search(r'aria-current="step"><strong>办理中</strong><span class="step-words">负责的单位正在办理。', page)
    due = case.due_at.astimezone(dt.timezone(dt.timedelta(hours=8)))  # Jiangmen time
    assert f"预计 {due:%Y-%m-%d} 前答复您" in page
    closed = drive("closed")
    page = body(client.get(f"/portal/case/{closed.number}/"))
    assert re.search(r'<li class="step step-current" aria-current="step"><strong>已办结</strong>', page)
    assert "前答复您" not in page


def test_the_requester_rates_a_closed_case(client, people, drive):
    case = drive("closed")
    assert case.status == Status.CLOSED
    login(client, people["resident"])
    page = client.get(f"/portal/case/{case.number}/")
    assert "请您评价" in body(page) and "已安排维修" in body(page)
    # a rating without its answers is refused on the form
    missing = client.post(f"/portal/case/{case.number}/rate/", {"rate-version": case.version})
    assert missing.status_code == 200 and "errorlist" in body(missing)
    response = client.post(
        f"/portal/case/{case.number}/rate/",
        {"rate-version": case.version, "rate-satisfaction": "satisfied", "rate-solved": "yes"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.RATED and case.satisfaction == "satisfied" and case.solved is True


def test_a_visitor_who_followed_by_sms_code_rates_the_case(client, drive):
    case = drive("closed")
    # given a visitor without an account who proved the phone with the code
    code = client.post("/portal/follow/", {"number": case.number, "phone": PHONE}).context["demo_code"]
    assert client.post("/portal/follow/code/", {"code": code}).status_code == 302
    # when they rate it on the case page
    assert "请您评价" in body(client.get(f"/portal/case/{case.number}/"))
    response = client.post(
        f"/portal/case/{case.number}/rate/",
        {"rate-version": case.version, "rate-satisfaction": "basically_satisfied", "rate-solved": "yes"},
    )
    # then the rating is the requester's, on the audit trail without an account
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.RATED and case.satisfaction == "basically_satisfied"
    event = case.events.get(action="rate")
    assert event.actor_id is None and event.actor_role == "resident"


def test_a_visitor_without_the_code_cannot_rate(client, drive):
    case = drive("closed")
    response = client.post(
        f"/portal/case/{case.number}/rate/",
        {"rate-version": case.version, "rate-satisfaction": "satisfied", "rate-solved": "yes"},
    )
    assert response.status_code in (403, 404)
    case.refresh_from_db()
    assert case.status == Status.CLOSED


def test_an_appeal_reopens_the_case_once(client, people, drive):
    case = drive("closed")
    login(client, people["resident"])
    short = client.post(f"/portal/case/{case.number}/appeal/", {"appeal-reason": "不行"})
    assert short.status_code == 200 and "申诉理由" in body(short)
    response = client.post(f"/portal/case/{case.number}/appeal/", {"appeal-reason": "路灯又坏了，根本没修好"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS and case.reopen_count == 1
    event = case.events.get(action="reopen")
    assert event.reason.startswith(APPEAL_MARK) and event.actor_role == "system"
    # handled again and closed again: no second appeal
    case = act(case, "reply", people["handler"], {"text": "已更换灯具"})
    case = act(case, "verify", people["gridworker"], {"passed": True})
    page = client.get(f"/portal/case/{case.number}/")
    assert "本件已申诉过一次" in body(page)
    again = client.post(f"/portal/case/{case.number}/appeal/", {"appeal-reason": "还是不亮，再申诉一次"})
    assert again.status_code == 200 and "只能申诉一次" in body(again)


# --------------------------------------------------------------------------- operator
def test_the_operator_registers_a_call_and_it_is_accepted(client, people):
    login(client, people["operator"])
    response = client.post(
        "/desk/operator/",
        {
            "intent": "register",
            "requester_phone": "13912345678",
            "requester_name": "李四",
            "requester_kind": "overseas_chinese",
            "requester_language": "zh-hant",
            "request_type": "求助",
            "title": "侨房漏水",
            "text": "台山市台城街道侨房屋顶漏水，请求协助维修。",
            "address": "台山市台城街道",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get(title="侨房漏水")
    assert case.channel == "hotline" and case.status == Status.ACCEPTED
    assert case.requester_kind == "overseas_chinese" and case.requester_language == "zh-hant"
    assert case.number in body(client.get(response["Location"]))


def test_the_operator_answers_an_enquiry_at_once(client, people):
    login(client, people["operator"])
    response = client.post(
        "/desk/operator/",
        {
            "intent": "answer",
            "requester_phone": "13912345678",
            "requester_kind": "resident",
            "requester_language": "zh-hans",
            "request_type": "咨询",
            "title": "社保转移",
            "text": "请问社保关系如何从外省转入江门？",
            "answer_text": "可通过国家社会保险公共服务平台申请转移。",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get(title="社保转移")
    assert case.status == Status.ANSWERED and "公共服务平台" in case.reply_text


def test_an_answer_without_text_is_refused_and_nothing_is_created(client, people):
    login(client, people["operator"])
    data = {
        "intent": "answer",
        "requester_kind": "resident",
        "requester_language": "zh-hans",
        "request_type": "咨询",
        "title": "社保转移",
        "text": "请问社保关系如何从外省转入江门？",
        "answer_text": "   ",
    }
    # blank answer text means "register": accepted, not answered
    client.post("/desk/operator/", data)
    assert Case.objects.get(title="社保转移").status == Status.ACCEPTED


def test_caller_lookup_and_knowledge_base(client, people, drive):
    closed = drive("closed", title="路灯维修咨询")
    login(client, people["operator"])
    caller = client.get("/desk/operator/caller/", {"requester_phone": PHONE}, HTTP_HX_REQUEST="true")
    assert caller.status_code == 200 and closed.number in body(caller)
    none = client.get("/desk/operator/caller/", {"requester_phone": "13000000000"})
    assert "没有历史诉求" in body(none)
    kb = client.get("/desk/knowledge/", {"q": "路灯", "target": "#id_answer_text"})
    assert kb.status_code == 200 and "已安排维修" in body(kb) and "引用此答复" in body(kb)


# --------------------------------------------------------------------------- dispatcher
def test_the_dispatcher_queues_count_and_list(client, people, drive, make_case):
    new = make_case(title="新来的一件")
    dispatched = drive("dispatched", title="已派遣的一件")
    login(client, people["dispatcher"])
    page = client.get("/desk/dispatch/")
    assert new.number in body(page) and dispatched.number not in body(page)
    low = client.get("/desk/dispatch/?queue=low", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="queue")
    assert new.number in body(low) and "<html" not in body(low)


def test_a_refused_move_keeps_the_form_and_says_why(client, people, make_case):
    case = make_case()
    login(client, people["dispatcher"])
    response = client.post(
        f"/desk/dispatch/case/{case.number}/reject/", {"reject-version": case.version, "reject-reason": ""}
    )
    assert response.status_code == 200
    text = body(response)
    assert "不予受理须说明理由" in text and 'id="move-reject" open' in text
    case.refresh_from_db()
    assert case.status == Status.RECEIVED


def test_the_dispatcher_accepts_and_dispatches_and_sees_the_new_status(client, people, make_case):
    case = make_case()
    login(client, people["dispatcher"])
    page = client.get(f"/desk/dispatch/case/{case.number}/")
    assert page.status_code == 200 and "分类建议" in body(page)
    r = client.post(
        f"/desk/dispatch/case/{case.number}/accept/",
        {"accept-version": case.version, "accept-category": "C01"},
    )
    assert r.status_code == 302
    case.refresh_from_db()
    page = client.get(r["Location"])
    assert "已受理" in body(page) and "权责清单建议" in body(page)
    r = client.post(
        f"/desk/dispatch/case/{case.number}/dispatch/",
        {
            "dispatch-version": case.version,
            "dispatch-lead_unit": "JM.ZJJ",
            "dispatch-assisting_units": ["JM.SHJ"],
        },
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.lead_unit.code == "JM.ZJJ"
    assert [u.code for u in case.assisting_units.all()] == ["JM.SHJ"]
    assert "已派遣" in body(client.get(r["Location"]))


def test_a_stale_page_is_told_the_case_changed(client, people, make_case):
    case = make_case()
    stale = case.version
    act(case, "accept", people["operator"])
    login(client, people["dispatcher"])
    response = client.post(
        f"/desk/dispatch/case/{case.number}/dispatch/",
        {"dispatch-version": stale, "dispatch-lead_unit": "JM.ZJJ"},
    )
    assert response.status_code == 200 and "已被他人更新" in body(response)


def test_a_return_is_ruled_on_by_redispatch(client, people, drive):
    case = drive("in_progress")
    case = act(case, "return", people["handler"], {"reason": "不属于本单位职责"})
    login(client, people["dispatcher"])
    queue = client.get("/desk/dispatch/?queue=returned")
    assert case.number in body(queue)
    page = client.get(f"/desk/dispatch/case/{case.number}/")
    assert "不属于本单位职责" in body(page)
    r = client.post(
        f"/desk/dispatch/case/{case.number}/redispatch/",
        {"redispatch-version": case.version, "redispatch-lead_unit": "JM.SHJ"},
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.lead_unit.code == "JM.SHJ"


def test_the_dispatch_forms_can_correct_the_category(client, people, drive):
    # given an accepted case (category C01, whose unit is the housing bureau) on the dispatch console
    from yiwang.routing.models import Category

    case = drive("accepted")
    environment = Category.objects.get(level=1, name="环境保护")
    login(client, people["dispatcher"])
    page = body(client.get(f"/desk/dispatch/case/{case.number}/"))
    assert 'name="dispatch-category"' in page and f'value="{environment.code}"' in page
    # when the dispatcher dispatches it as 环境保护, the unit left to the responsibility list
    r = client.post(
        f"/desk/dispatch/case/{case.number}/dispatch/",
        {"dispatch-version": case.version, "dispatch-category": environment.code, "dispatch-lead_unit": ""},
    )
    # then it goes to the unit for 环境保护, and the timeline says the category changed
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.category == environment and case.category_confidence == 1.0
    assert case.lead_unit.code == "JM.SHJ"
    event = case.events.get(action="dispatch")
    assert (event.payload["previous_category"], event.payload["category"]) == ("C01", environment.code)
    assert f"分类：{environment.path}" in body(client.get(f"/desk/dispatch/case/{case.number}/"))


def test_a_redispatch_refuses_an_unknown_category_next_to_the_field(client, people, drive):
    # given a case returned by its unit
    case = drive("in_progress")
    case = act(case, "return", people["handler"], {"reason": "不属于本单位职责"})
    login(client, people["dispatcher"])
    # when the redispatch names a category that does not exist
    r = client.post(
        f"/desk/dispatch/case/{case.number}/redispatch/",
        {"redispatch-version": case.version, "redispatch-category": "C99", "redispatch-lead_unit": "JM.SHJ"},
    )
    # then the form comes back with the error on the category field, and the case is as it was
    assert r.status_code == 200
    assert re.search(r'<div class="field has-error">\s*<label for="id_redispatch-category"', body(r))
    assert "C99" in body(r)
    before = (case.status, case.category_id, case.lead_unit_id, case.version)
    case.refresh_from_db()
    assert (case.status, case.category_id, case.lead_unit_id, case.version) == before


def test_a_redispatch_without_a_category_keeps_it(client, people, drive):
    case = drive("in_progress")
    case = act(case, "return", people["handler"], {"reason": "不属于本单位职责"})
    before = (case.category_id, case.category_confidence)
    login(client, people["dispatcher"])
    r = client.post(
        f"/desk/dispatch/case/{case.number}/redispatch/",
        {"redispatch-version": case.version, "redispatch-category": "", "redispatch-lead_unit": "JM.ZJJ"},
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert (case.category_id, case.category_confidence) == before and case.category.code == "C01"
    assert case.status == Status.DISPATCHED and case.lead_unit.code == "JM.ZJJ"  # kept: the return refused


def test_a_returned_case_is_sent_on_to_a_unit_the_dispatcher_picks(client, people, drive):
    case = drive("in_progress")  # at JM.ZJJ
    case = act(case, "return", people["handler"], {"reason": "不属于本单位职责"})
    login(client, people["dispatcher"])
    page = body(client.get(f"/desk/dispatch/case/{case.number}/"))
    select = re.search(r'<select name="redispatch-lead_unit".*?</select>', page, re.S).group(0)
    assert "selected" not in select.replace('<option value="" selected>', "")  # nothing chosen for them
    assert re.search(r'<option value="JM.ZJJ">[^<]*（退回单位）</option>', select)
    left_out = client.post(f"/desk/dispatch/case/{case.number}/redispatch/",
                           {"redispatch-version": case.version, "redispatch-lead_unit": ""})
    # the same category: the list would pick the unit that returned it
    assert left_out.status_code == 200 and "分类不变时，权责清单会再次选中退回的单位" in body(left_out)
    case.refresh_from_db()
    assert case.status == Status.RETURNED
    client.post(f"/desk/dispatch/case/{case.number}/redispatch/",
                {"redispatch-version": case.version, "redispatch-lead_unit": "JM.SHJ"})
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.lead_unit.code == "JM.SHJ"
    assert "category" not in case.events.order_by("-seq").first().payload


def test_a_dispatcher_accepts_and_dispatches_a_new_case_in_one_step(client, people, make_case):
    case = make_case()
    login(client, people["dispatcher"])
    page = body(client.get(f"/desk/dispatch/case/{case.number}/"))
    assert "受理并派遣" in page and 'name="quick-lead_unit"' in page
    # a unit that does not exist: refused on the form, and the case is not left accepted either
    bad = client.post(f"/desk/dispatch/case/{case.number}/accept-dispatch/",
                      {"quick-version": case.version, "quick-category": "C01", "quick-lead_unit": "JM.NOPE"})
    assert bad.status_code == 200 and "errorlist" in body(bad)
    case.refresh_from_db()
    assert case.status == Status.RECEIVED and not case.events.filter(action="accept").exists()
    # a dispatch the loop refuses after the acceptance went through: nothing of the step stays
    with pytest.raises(ApplicationError):
        accept_and_dispatch(case=case, user=people["dispatcher"], accept={"category": "C01"},
                            dispatch={"lead_unit": "JM.NOPE"})
    case.refresh_from_db()
    assert case.status == Status.RECEIVED and not case.events.filter(action="accept").exists()
    ok = client.post(f"/desk/dispatch/case/{case.number}/accept-dispatch/",
                     {"quick-version": case.version, "quick-category": "C01", "quick-lead_unit": "JM.SHJ"})
    assert ok.status_code == 302 and ok["Location"] == "/desk/dispatch/"
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.lead_unit.code == "JM.SHJ" and case.category.code == "C01"
    assert list(case.events.order_by("seq").values_list("action", flat=True)) == ["create", "accept", "dispatch"]
    # once accepted, the one-step form is gone
    assert "quick-lead_unit" not in body(client.get(f"/desk/dispatch/case/{case.number}/"))


def test_an_extension_request_is_decided_by_the_dispatcher(client, people, drive):
    case = drive("in_progress")
    due = case.due_at
    login(client, people["handler"])
    bad = client.post(
        f"/desk/unit/case/{case.number}/extend/", {"extend-version": case.version, "extend-days": ""}
    )
    assert bad.status_code == 200 and "延期天数" in body(bad)
    ok = client.post(
        f"/desk/unit/case/{case.number}/extend/",
        {"extend-version": case.version, "extend-days": "5", "extend-reason": "需等待材料到货"},
    )
    assert ok.status_code == 302
    case.refresh_from_db()
    login(client, people["dispatcher"])
    assert case.number in body(client.get("/desk/dispatch/?queue=extension"))
    r = client.post(
        f"/desk/dispatch/case/{case.number}/extend/",
        {"extend-version": case.version, "extend-decision": "approve"},
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.due_at > due and case.extension_requested_days is None


def timeline_steps(page: str) -> list[str]:
    return re.findall(r'<span class="what">([^<]*)</span>', page)


def test_an_extension_request_is_not_shown_as_an_extension_until_approved(client, people, drive):
    case = drive("in_progress")
    login(client, people["handler"])
    client.post(f"/desk/unit/case/{case.number}/extend/",
                {"extend-version": case.version, "extend-days": "5", "extend-reason": "需等待材料到货"})
    case.refresh_from_db()
    page = body(client.get(f"/desk/unit/case/{case.number}/"))
    assert timeline_steps(page)[-1] == "申请延期" and "已延期" not in page
    login(client, people["dispatcher"])
    page = body(client.get(f"/desk/dispatch/case/{case.number}/"))
    # the decision has no default: a dispatcher who only presses the button has decided nothing
    select = re.search(r'<select name="extend-decision".*?</select>', page, re.S).group(0)
    assert re.search(r'<option value="" selected>', select) and 'value="approve" selected' not in select
    undecided = client.post(f"/desk/dispatch/case/{case.number}/extend/", {"extend-version": case.version})
    assert undecided.status_code == 200 and "这个字段是必填项" in body(undecided)
    case.refresh_from_db()
    assert case.extension_requested_days == 5 and case.extension_count == 0
    client.post(f"/desk/dispatch/case/{case.number}/extend/",
                {"extend-version": case.version, "extend-decision": "approve"})
    page = body(client.get(f"/desk/dispatch/case/{case.number}/"))
    assert timeline_steps(page)[-2:] == ["申请延期", "批准延期"] and "已延期 1 次" in page


def test_an_overdue_case_cannot_ask_for_an_extension(client, people, drive):
    case = drive("in_progress")
    Case.objects.filter(pk=case.pk).update(due_at=clock.now() - dt.timedelta(hours=2))
    case.refresh_from_db()
    login(client, people["handler"])
    r = client.post(f"/desk/unit/case/{case.number}/extend/",
                    {"extend-version": case.version, "extend-days": "5", "extend-reason": "需等待材料到货"})
    assert r.status_code in (200, 409) and "已超过办理时限，不能再申请延期" in body(r)
    case.refresh_from_db()
    assert case.extension_requested_days is None


# --------------------------------------------------------------------------- unit
def test_the_unit_desk_lists_overdue_first(client, people, drive):
    later = drive("dispatched", title="较晚到期")
    overdue = drive("dispatched", title="已经超时")
    Case.objects.filter(pk=overdue.pk).update(due_at=clock.now() - dt.timedelta(days=1))
    Case.objects.filter(pk=later.pk).update(due_at=clock.now() + dt.timedelta(days=5))
    text = body(login(client, people["handler"]).get("/desk/unit/"))
    assert text.index(overdue.number) < text.index(later.number)
    assert "已超时" in text


def test_the_unit_signs_and_replies_from_a_past_reply(client, people, drive):
    drive("closed", title="路灯不亮已修")  # a past reply in the same category
    case = drive("dispatched")
    login(client, people["handler"])
    assert (
        client.post(f"/desk/unit/case/{case.number}/sign/", {"sign-version": case.version}).status_code == 302
    )
    case.refresh_from_db()
    page = body(client.get(f"/desk/unit/case/{case.number}/"))
    assert "同类诉求的以往答复" in page and "以此为起点" in page
    empty = client.post(
        f"/desk/unit/case/{case.number}/reply/", {"reply-version": case.version, "reply-text": ""}
    )
    assert "请填写答复内容" in body(empty)
    r = client.post(
        f"/desk/unit/case/{case.number}/reply/", {"reply-version": case.version, "reply-text": "已修复"}
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.VERIFYING


def test_co_handling_is_asked_by_the_unit_and_granted_by_the_dispatcher(client, people, drive):
    case = drive("in_progress")
    login(client, people["handler"])
    missing = client.post(f"/desk/unit/case/{case.number}/cohandling/", {"assist-reason": ""})
    assert missing.status_code == 200 and "请选择至少一个协办单位" in body(missing)
    r = client.post(
        f"/desk/unit/case/{case.number}/cohandling/",
        {"assist-units": ["JM.SHJ"], "assist-reason": "涉及绿化迁移"},
    )
    assert r.status_code == 302
    request = CoHandlingRequest.objects.get(case=case)
    login(client, people["dispatcher"])
    assert case.number in body(client.get("/desk/dispatch/?queue=assist"))
    r = client.post(
        f"/desk/dispatch/case/{case.number}/cohandling/", {"request_id": request.pk, "decision": "approve"}
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert [u.code for u in case.assisting_units.all()] == ["JM.SHJ"] and case.lead_unit.code == "JM.ZJJ"
    assert case.events.filter(action="redispatch", reason__contains="涉及绿化迁移").exists()


# --------------------------------------------------------------------------- grid worker
def test_a_patrol_report_and_a_verification(client, people, drive):
    case = drive("verifying")
    login(client, people["gridworker"])
    tasks = body(client.get("/desk/grid/"))
    assert case.number in tasks
    missing = client.post(
        f"/desk/grid/case/{case.number}/verify/", {"verify-version": case.version, "verify-passed": "no"}
    )
    assert missing.status_code == 200 and "核查不通过须说明原因" in body(missing)
    r = client.post(
        f"/desk/grid/case/{case.number}/verify/",
        {"verify-version": case.version, "verify-passed": "yes", "verify-note": "现场已亮"},
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    r = client.post(
        "/desk/grid/report/",
        {
            "title": "井盖缺失",
            "request_type": "求助",
            "text": "人行道井盖缺失，有安全隐患。",
            "lon": "113.08",
            "lat": "22.60",
            "placement": "gps",
        },
    )
    assert r.status_code == 302
    report = Case.objects.get(title="井盖缺失")
    assert report.channel == "patrol" and report.placement == "gps" and report.status == Status.RECEIVED
    assert report.number in body(client.get("/desk/grid/"))


def test_a_patrol_report_needs_a_place(client, people):
    login(client, people["gridworker"])
    r = client.post(
        "/desk/grid/report/",
        {"title": "井盖缺失", "request_type": "求助", "text": "人行道井盖缺失，有安全隐患。"},
    )
    assert r.status_code == 200 and "请定位" in body(r)


def test_a_fix_on_the_spot_is_confirmed_by_the_dispatcher(client, people):
    login(client, people["gridworker"])
    r = client.post(
        "/desk/grid/report/",
        {
            "title": "小广告",
            "request_type": "求助",
            "text": "电线杆上贴满小广告。",
            "lon": "113.08",
            "lat": "22.60",
            "placement": "gps",
            "fixed": "on",
            "fix_note": "已当场清除",
        },
    )
    assert r.status_code == 302
    case = Case.objects.get(title="小广告")
    assert case.status == Status.ACCEPTED
    assert case.events.get(action="accept").reason == f"{SELF_FIX_MARK}已当场清除"
    login(client, people["dispatcher"])
    assert case.number in body(client.get("/desk/dispatch/?queue=selffix"))
    assert case.number not in body(client.get("/desk/dispatch/?queue=new"))
    page = body(client.get(f"/desk/dispatch/case/{case.number}/"))
    assert "网格员已现场自行处置" in page and "已当场清除" in page
    r = client.post(
        f"/desk/dispatch/case/{case.number}/answer/",
        {"answer-version": case.version, "answer-text": "已当场清除"},
    )
    case.refresh_from_db()
    assert case.status == Status.ANSWERED


def test_a_fix_on_the_spot_is_not_dispatched_by_the_platform(client, people, settings, trained):
    settings.AUTO_DISPATCH_THRESHOLD = 0.0  # any guess of the classifier would be accepted and dispatched
    login(client, people["gridworker"])
    report = {"request_type": "求助", "lon": "113.08", "lat": "22.60", "placement": "gps",
              "title": "工厂夜间排放废气", "text": "附近的化工厂每天夜里排放刺鼻废气，空气污染严重，请环保部门查处。"}
    assert client.post("/desk/grid/report/", report).status_code == 302
    routed = Case.objects.get(title="工厂夜间排放废气")
    assert routed.status == Status.DISPATCHED and routed.lead_unit_id  # an ordinary report is routed
    fixed = {**report, "title": "工厂废气已制止", "fixed": "on", "fix_note": "已当场劝停排放并拍照留存"}
    assert client.post("/desk/grid/report/", fixed).status_code == 302
    case = Case.objects.get(title="工厂废气已制止")
    assert case.status == Status.ACCEPTED and case.lead_unit_id is None
    assert not case.events.filter(action="dispatch").exists()
    login(client, people["dispatcher"])
    assert case.number in body(client.get("/desk/dispatch/?queue=selffix"))


def test_likely_duplicates_are_shown_and_merged(client, people, make_case):
    first = make_case(title="小区门口路灯不亮", text="白沙街道某小区门口路灯连续一周不亮，夜间出行不便。")
    second = make_case(
        title="小区门口路灯坏了", text="白沙街道某小区门口路灯连续一周不亮，晚上出行很不方便。"
    )
    login(client, people["dispatcher"])
    page = body(client.get(f"/desk/dispatch/case/{second.number}/"))
    assert "疑似重复件" in page and first.number in page
    r = client.post(
        f"/desk/dispatch/case/{second.number}/merge/",
        {"merge-version": second.version, "merge-into": first.number},
    )
    assert r.status_code == 302
    second.refresh_from_db()
    assert second.status == Status.MERGED and second.parent == first
