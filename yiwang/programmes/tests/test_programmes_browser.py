"""The leader's programmes page in a real browser on the demo server (CSP on: any refused inline
script or style, any JavaScript error or failed request fails the test; yiwang/core/testing/browser.py)."""

import pytest
from playwright.sync_api import expect

from yiwang.core.testing.browser import ARTIFACTS, login

pytestmark = pytest.mark.browser


def test_the_leader_follows_the_six_programmes_and_approves_a_report(demo_server, page):
    base = demo_server
    login(page, base, "leader")
    page.wait_for_url(lambda url: "/accounts/login" not in url)
    page.click("nav a[href='/programmes/']")
    expect(page.locator("h1")).to_contain_text("六大行动督查督办")
    expect(page.locator("section[data-programme]")).to_have_count(6)
    for name in ("科技引领行动", "工业振兴行动", "园区再造行动", "港澳融合行动", "侨都赋能行动", "人才倍增行动"):
        expect(page.locator("section[data-programme] h2", has_text=name)).to_be_visible()
    row = page.locator("tr[data-indicator='RC-BS']")
    expect(row.locator("meter")).to_be_visible()
    expect(row).to_contain_text("江门市规划")
    expect(page.locator("[data-totals] .card-red")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "programmes-leader.png"), full_page=True)
    # approve the first report waiting
    pending = page.locator("#pending li[data-report]").first
    report = pending.get_attribute("data-report")
    with page.expect_navigation():
        pending.locator("button", has_text="通过").click()
    expect(page.locator(".msg-success")).to_contain_text("已通过")
    expect(page.locator(f"#pending li[data-report='{report}']")).to_have_count(0)
    # the printable quarter
    page.goto(f"{base}/programmes/print/?quarter=2025-Q4")
    expect(page.locator("h1")).to_contain_text("2025-Q4")
    page.emulate_media(media="print")
    expect(page.locator("header.topbar")).to_be_hidden()
