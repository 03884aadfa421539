"""The workbench in a real browser on the demo server: the whole loop through the pages, the resident's
pages in three languages and on a phone, the hotline desk's look-ups, a patrol report with GPS.
Any JavaScript error or failed request fails a test (yiwang/core/testing/browser.py); each step
leaves a screenshot in test-artifacts/."""

import re
import struct
import zlib

import pytest
from playwright.sync_api import expect

from yiwang.core.testing.browser import ARTIFACTS

pytestmark = pytest.mark.browser

POINT = ("113.08", "22.60")  # in the demo grid worker's grid (白沙街道, 蓬江区)
PHONE_VIEWPORT = {"width": 390, "height": 844}


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"workbench-{name}.png"), full_page=True)


def switch_user(page, base: str, username: str) -> None:
    """Sign out (drop the cookies) and sign in as `username`; ends on that role's workbench."""
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "yiwang-demo")
    with page.expect_navigation():
        page.click("form[action='/accounts/login/'] button[type=submit]")


def expect_message(page, text: str) -> str:
    page.wait_for_selector(".msg-success")
    message = page.inner_text(".messages")
    assert text in message, message
    return message


def png(width: int = 64, height: int = 48) -> bytes:
    """A small valid PNG (a red square), made here so the test needs no image file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xb8\x32\x2a" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def fill_place(page, lon: str, lat: str) -> None:
    page.click("details.coords > summary")
    page.fill("input[name=lon]", lon)
    page.fill("input[name=lat]", lat)
    page.dispatch_event("input[name=lat]", "change")


def test_the_whole_loop_through_the_pages(demo_server, page):
    base = demo_server
    # 1. a resident submits a complaint with a place
    switch_user(page, base, "resident")
    assert page.url.rstrip("/").endswith("/portal")
    page.click("a.tile[href='/portal/submit/']")
    page.select_option("#id_request_type", "投诉")
    page.fill("#id_title", "小区门口路灯不亮")
    page.fill("#id_text", "白沙街道某小区门口的路灯连续一周不亮，夜间出行不便，请尽快维修。")
    fill_place(page, *POINT)
    page.wait_for_selector(".leaflet-container")
    # Locator assertions poll from outside the page: a string predicate would be
    # evaluated with eval() inside it, which the CSP (no 'unsafe-eval') refuses.
    expect(page.locator("[data-place-chain]")).to_contain_text("蓬江区")
    shot(page, "01-resident-submit")
    page.click("form.card button[type=submit]")
    page.wait_for_selector("#case-number")
    number = page.inner_text("#case-number").strip()
    assert re.fullmatch(r"\d{14}", number)
    shot(page, "02-resident-number")

    # 2. the dispatcher accepts it with a category and dispatches it to the city housing bureau
    switch_user(page, base, "dispatcher")
    assert "/desk/dispatch/" in page.url
    page.fill("#queue-q", number)
    page.click("form.search button[type=submit]")
    page.wait_for_selector(f"#queue a:has-text('{number}')")
    shot(page, "03-dispatch-queue")
    page.click(f"#queue a:has-text('{number}')")
    page.wait_for_selector("#move-accept[open]")
    page.select_option("#id_accept-category", "C01")
    page.click("#move-accept button[type=submit]")
    expect_message(page, "已受理")
    page.wait_for_selector("#move-dispatch[open]")
    assert "权责清单建议" in page.inner_text("body")
    page.select_option("#id_dispatch-lead_unit", "JM.ZJJ")
    page.wait_for_selector(".minimap.leaflet-container")
    shot(page, "04-dispatch-case")
    page.click("#move-dispatch button[type=submit]")
    expect_message(page, "已派遣")

    # 3. the unit signs for it and replies
    switch_user(page, base, "handler")
    assert "/desk/unit/" in page.url
    page.goto(f"{base}/desk/unit/case/{number}/")
    page.click("#move-sign button[type=submit]")
    expect_message(page, "处置中")
    page.fill("#id_reply-text", "已安排维修人员更换灯具，路灯已恢复照明。")
    shot(page, "05-unit-reply")
    page.click("#move-reply button[type=submit]")
    expect_message(page, "待核查")

    # 4. the grid worker verifies on site, on a phone
    page.set_viewport_size(PHONE_VIEWPORT)
    switch_user(page, base, "gridworker")
    assert "/desk/grid/" in page.url
    assert "小区门口路灯不亮" in page.inner_text("#verify-h + ul")
    shot(page, "06-grid-tasks")
    page.goto(f"{base}/desk/grid/case/{number}/")
    page.check("input[name=verify-passed][value=yes]")
    page.fill("#id_verify-note", "现场查看，路灯已亮。")
    shot(page, "07-grid-verify")
    page.click("#move-verify button[type=submit]")
    expect_message(page, "已办结")

    # 5. the resident reads the reply and rates it
    page.set_viewport_size({"width": 1280, "height": 900})
    switch_user(page, base, "resident")
    page.goto(f"{base}/portal/case/{number}/")
    assert "路灯已恢复照明" in page.inner_text("#reply")
    page.check("input[name=rate-satisfaction][value=satisfied]")
    page.check("input[name=rate-solved][value=yes]")
    page.click("form[action$='/rate/'] button[type=submit]")
    expect_message(page, "已评价")
    timeline = page.inner_text(".timeline")
    for step in ("登记", "受理", "派遣", "签收", "反馈", "核查", "评价"):
        assert step in timeline
    shot(page, "08-resident-rated")


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant", "en"])
def test_the_resident_pages_in_each_language_on_a_phone(demo_server, page, language):
    page.set_viewport_size(PHONE_VIEWPORT)
    page.goto(f"{demo_server}/portal/")
    if page.locator("#lang-select").input_value() != language:
        with page.expect_navigation():  # choosing a language submits the form; the page comes back in it
            page.select_option("#lang-select", language)
    for path in ("/portal/", "/portal/submit/", "/portal/follow/"):
        page.goto(f"{demo_server}{path}")
        assert page.get_attribute("html", "lang") == language
        assert page.locator("#lang-select").input_value() == language
        # nothing wider than the phone's screen
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"] + 1
    page.goto(f"{demo_server}/portal/submit/")
    page.wait_for_selector(".leaflet-container")
    shot(page, f"portal-submit-{language}")


def test_a_visitor_follows_a_case_with_the_sms_code(demo_server, page):
    page.set_viewport_size(PHONE_VIEWPORT)
    base = demo_server
    # a visitor without an account submits with an address only
    page.goto(f"{base}/portal/submit/")
    page.select_option("#id_request_type", "求助")
    page.fill("#id_title", "公园长椅损坏")
    page.fill("#id_text", "东湖公园北门附近的长椅断裂，老人坐下容易受伤。")
    page.fill("#id_address", "江门市蓬江区白沙街道东湖公园")
    page.fill("#id_requester_phone", "13912340001")
    if page.locator("#id_photos").count():  # photos, when the intake app stores attachments
        page.set_input_files(
            "#id_photos", files=[{"name": "bench.png", "mimeType": "image/png", "buffer": png()}]
        )
    page.click("form.card button[type=submit]")
    page.wait_for_selector("#case-number")
    number = page.inner_text("#case-number").strip()
    # later, in another browser, they follow it by number and phone
    page.context.clear_cookies()
    page.goto(f"{base}/portal/follow/")
    page.fill("#id_number", number)
    page.fill("#id_phone", "13912340001")
    page.click("form.card button[type=submit]")
    code = page.inner_text("#demo-code").strip()
    assert re.fullmatch(r"\d{6}", code)
    shot(page, "portal-follow-code")
    page.fill("#id_code", code)
    page.click("form.card button[type=submit]")
    page.wait_for_selector(".timeline")
    assert number in page.inner_text("body") and "公园长椅损坏" in page.inner_text("h1")
    if page.locator(".photos img").count():
        assert page.evaluate("document.querySelector('.photos img').naturalWidth") == 64
    shot(page, "portal-follow-case")


def test_the_hotline_desk_looks_up_the_caller_and_answers_from_past_replies(demo_server, page):
    base = demo_server
    switch_user(page, base, "operator")
    assert "/desk/operator/" in page.url
    # an enquiry answered at once becomes a past reply
    page.fill("#id_requester_phone", "13912340002")
    page.fill("#id_title", "居住证办理咨询")
    page.fill("#id_text", "请问外地户籍在江门办理居住证需要什么材料？")
    page.fill("#id_answer_text", "携带身份证、居住地址证明到社区警务室或派出所申领居住证。")
    page.click("button[name=intent][value=answer]")
    expect_message(page, "直接办结")
    # the same caller rings again: their earlier case shows up as the number is typed (htmx)
    page.fill("#id_requester_phone", "13912340002")
    page.wait_for_selector("#caller li a.title")
    assert "居住证办理咨询" in page.inner_text("#caller")
    # the knowledge base finds the earlier reply and copies it into the answer
    page.fill("#kb-q", "居住证")
    page.click("#kb-h ~ form button[type=submit]")
    mine = page.locator("#kb li", has_text="居住证办理咨询")
    mine.locator("[data-fill-target]").click()
    assert "社区警务室" in page.input_value("#id_answer_text")
    shot(page, "operator-desk")


def test_a_grid_worker_reports_from_patrol_with_gps_and_fixes_it(demo_server, page):
    page.set_viewport_size(PHONE_VIEWPORT)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"longitude": 113.0801, "latitude": 22.6001, "accuracy": 8})
    switch_user(page, demo_server, "gridworker")
    page.click("a:has-text('巡查上报')")
    page.fill("#id_title", "电线杆小广告")
    page.fill("#id_text", "白沙街道某路口电线杆上贴满小广告。")
    page.click("[data-place-gps]")
    expect(page.locator("input[name=lon]")).not_to_have_value("")
    page.check("#id_fixed")
    page.fill("#id_fix_note", "已当场清除小广告。")
    shot(page, "grid-patrol")
    page.click("form.card button[type=submit]:has-text('上报')")
    expect_message(page, "等待指挥中心确认办结")
    # the dispatcher, at a desk, finds it among the fixes to confirm
    page.set_viewport_size({"width": 1280, "height": 900})
    switch_user(page, demo_server, "dispatcher")
    page.click("[data-queue=selffix]")
    page.wait_for_selector("[data-queue=selffix][aria-current=page]")  # htmx swapped the queue in
    assert "电线杆小广告" in page.inner_text("#queue")
    assert "queue=selffix" in page.url
    shot(page, "dispatch-selffix")


def test_a_resident_is_refused_a_staff_desk(demo_server, page):
    switch_user(page, demo_server, "resident")
    # Asked through the page's own session; navigating to a 403 would log a console error.
    for desk in ("operator", "dispatch", "unit", "grid"):
        response = page.request.get(f"{demo_server}/desk/{desk}/")
        assert response.status == 403, desk
        assert "无权访问" in response.text()


def test_the_admin_wears_the_platform_colours(demo_server, page):
    switch_user(page, demo_server, "admin")
    page.goto(f"{demo_server}/admin/")
    assert "一网 管理后台" in page.inner_text("#site-name")
    header = page.evaluate("getComputedStyle(document.querySelector('#header')).backgroundColor")
    assert header == "rgb(184, 50, 42)"
    shot(page, "admin")


def test_a_dispatcher_finds_the_unit_by_typing_and_accepts_and_dispatches_in_one_step(demo_server, page):
    switch_user(page, demo_server, "dispatcher")
    page.goto(f"{demo_server}/desk/dispatch/?queue=new")
    link = page.locator("#queue tr:has(.st-received) td:nth-child(2) a").first  # a case nobody accepted yet
    number = link.inner_text().strip()
    link.click()
    page.wait_for_selector("#quick-h")
    picker = page.locator("#id_quick-lead_unit")
    page.fill("input.select-filter[aria-controls='id_quick-lead_unit']", "生态")
    shown = picker.locator("option:not([hidden])").all_inner_texts()
    assert shown and all("生态" in text for text in shown if text and not text.startswith("（")), shown
    assert picker.locator("option[value='JM.ZJJ']").get_attribute("hidden") is not None  # 住建局 filtered out
    picker.select_option("JM.SHJ")
    page.select_option("#id_quick-category", "C01")
    shot(page, "dispatch-one-step")
    page.click("section.quick button[type=submit]")
    assert number in expect_message(page, "已受理并派遣给江门市生态环境局")


def _portal_junk(page, base: str, title: str, phone: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/portal/submit/")
    page.select_option("#id_request_type", "建议")
    page.fill("#id_title", title)
    page.fill("#id_text", "加微信领取优惠券，点击链接立即领取，名额有限。")
    page.fill("#id_address", "江门市蓬江区白沙街道")
    page.fill("#id_requester_phone", phone)
    page.click("form.card button[type=submit]")
    page.wait_for_selector("#case-number")


def test_the_desks_tools_quote_a_draft_show_photos_act_in_bulk_and_filter(demo_server, page):
    """Issue 16: a past reply is quoted as a draft without its requester and an answer naming another
    case waits for confirmation; a verification's photo is a thumbnail that opens large; junk is
    rejected in bulk with per-case results; the unit desk filters by deadline and finds a number."""
    base = demo_server
    # 1. an operator answers an enquiry; the reply speaks to the caller by name and number
    switch_user(page, base, "operator")
    page.fill("#id_requester_phone", "13912340003")
    page.fill("#id_requester_name", "陈大文")
    page.fill("#id_title", "犬只登记咨询")
    page.fill("#id_text", "请问在蓬江区给宠物犬办理登记需要什么材料？")
    page.fill("#id_answer_text", "陈大文先生您好！您咨询的“宠物犬办理登记”已收悉。携带犬只免疫证明和身份证到所在街道的犬只登记点办理，"
              "可致电0750-3123456咨询，我们会回电13912340003告知。")
    page.click("button[name=intent][value=answer]")
    old = re.search(r"\d{14}", expect_message(page, "直接办结")).group(0)
    # another caller: the knowledge base offers that reply's substance, without 陈大文 or his phone
    page.fill("#id_requester_phone", "13912340004")
    page.fill("#id_requester_name", "林小姐")
    page.fill("#id_title", "犬只登记")
    page.fill("#id_text", "犬只登记要带什么？")
    page.fill("#kb-q", "犬只")
    page.click("#kb-h ~ form button[type=submit]")
    page.locator("#kb li", has_text="犬只登记咨询").locator("[data-fill-target]").click()
    draft = page.input_value("#id_answer_text")
    assert draft.startswith("携带犬只免疫证明") and "0750-3123456" in draft, draft
    assert "陈大文" not in draft and "陈先生" not in draft and "13912340003" not in draft and old not in draft
    # the operator types the old caller's name back in: the page asks before sending
    page.fill("#id_answer_text", draft + "（同陈大文的情况）")
    page.click("button[name=intent][value=answer]")
    warning = page.locator("[data-references]")
    expect(warning).to_contain_text(old)
    expect(warning).to_contain_text("陈*文")
    shot(page, "desk-tools-1-warning")
    page.check("[data-references] input[type=checkbox]")
    page.click("button[name=intent][value=answer]")
    expect_message(page, "直接办结")

    # 2. a grid worker verifies with a photo: a thumbnail on the timeline that opens large
    page.set_viewport_size(PHONE_VIEWPORT)
    switch_user(page, base, "gridworker")
    page.locator("#verify-h + ul a").first.click()
    number = page.url.rstrip("/").rsplit("/", 1)[1]
    page.check("input[name=verify-passed][value=yes]")
    page.fill("#id_verify-note", "现场已处理完毕。")
    page.set_input_files("#verify-photos", files=[{"name": "site.png", "mimeType": "image/png", "buffer": png(96, 72)}])
    page.click("#move-verify button[type=submit]")
    expect_message(page, "已办结")
    page.goto(f"{base}/desk/grid/case/{number}/")
    thumb = page.locator(".timeline .photos img").first
    expect(thumb).to_be_visible()
    thumb.scroll_into_view_if_needed()  # a lazy image loads once seen
    loaded = (
        "new Promise(done => { const i = document.querySelector('.timeline .photos img');"
        " if (i.complete && i.naturalWidth) done(i.naturalWidth); else i.addEventListener('load', () => done(i.naturalWidth)); })"
    )
    assert page.evaluate(loaded) == 96
    assert "/media/" not in page.inner_text(".timeline")  # no address in the note
    shot(page, "desk-tools-2-thumbnail")
    thumb.click()
    expect(page.locator("dialog.photo-viewer img")).to_be_visible()
    assert page.locator("dialog.photo-viewer img").bounding_box()["width"] > 300  # larger than the thumbnail
    page.screenshot(path=str(ARTIFACTS / "workbench-desk-tools-3-photo-large.png"))  # the screen, not the page
    page.keyboard.press("Escape")
    page.set_viewport_size({"width": 1280, "height": 900})

    # 3. two junk submissions, rejected in one go from the dispatcher's queue
    for i, phone in enumerate(("13912340005", "13912340006")):
        _portal_junk(page, base, f"领取优惠券广告{i}", phone)
    switch_user(page, base, "dispatcher")
    page.fill("#queue-q", "领取优惠券广告")
    page.click("form.search button[type=submit]")
    expect(page.locator("#queue tbody tr")).to_have_count(2)
    page.check("input[data-check-all]")
    page.select_option("#id_action", "reject")
    page.fill("#id_reason", "无效诉求：广告")
    shot(page, "desk-tools-4-bulk")
    page.click("[data-bulk-submit]")
    expect(page.locator("#bulk-summary")).to_contain_text("已办理 2 件，未办理 0 件")
    expect(page.locator("#bulk-results tr[data-ok=yes]")).to_have_count(2)
    shot(page, "desk-tools-5-bulk-result")

    # 4. the handler narrows the desk to overdue cases, then finds one by its number
    switch_user(page, base, "handler")
    page.select_option("#id_deadline", "overdue")
    page.click("#unit-filters button[type=submit]")
    assert "deadline=overdue" in page.url
    rows = page.locator("#todo-h ~ table tbody tr")
    assert rows.count() >= 1
    for text in rows.all_inner_texts():
        assert "已超时" in text or "没有符合条件" in text, text
    shot(page, "desk-tools-6-unit-overdue")
    found = page.locator("#todo-h ~ table tbody tr td:nth-child(2) a").first
    if found.count():
        wanted = found.inner_text().strip()
        page.fill("#id_q", wanted)
        page.click("#unit-filters button[type=submit]")
        expect(page.locator("#todo-h ~ table tbody tr")).to_have_count(1)
        expect(page.locator("#todo-h ~ table tbody")).to_contain_text(wanted)
