"""The main screens at a desktop size (1366x900) and a phone's (390x844), in a real browser on the
demo: the resident's portal (home, submit, a case), the grid worker's pages and the cockpit. Each
screen is saved to var/screenshots/ (look at them), fits its width (no sideways scrolling) and runs
without a console error (the page fixture fails the test on any, yiwang/core/testing/browser.py).
Also, in English: a form sent empty answers with the page's own English errors, never a browser
bubble in another language, and the language menu names each language in itself."""

import datetime as dt
import re
from pathlib import Path

import pytest

from yiwang.core import clock
from yiwang.core.testing.browser import login

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
POINT = ("113.08", "22.60")  # in the demo grid worker's grid


def check(page, name: str, size: str) -> None:
    """Screenshot the page and check it fits the window's width."""
    page.wait_for_load_state("networkidle")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{size}.png"), full_page=True)
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth,"
        " [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right >"
        " window.innerWidth + 1 && getComputedStyle(e).position !== 'fixed' && !e.closest('.table-wrap,"
        " .leaflet-container, pre')).slice(0, 5).map(e => e.tagName + '.' + e.className)]"
    )
    scroll, inner, wide = widths
    assert scroll <= inner, f"{name} at {size}: {scroll}px wide in a {inner}px window; too wide: {wide}"


def visit(page, base: str, username: str, paths: dict[str, str], size: str) -> None:
    """Sign in afresh as `username`, then open and check each named page."""
    page.context.clear_cookies()
    login(page, base, username)
    page.wait_for_load_state()
    for name, path in paths.items():
        page.goto(base + path)
        check(page, name, size)


def last_month() -> str:
    first = clock.today().replace(day=1)
    return f"{first - dt.timedelta(days=1):%Y-%m}"


def submit_a_case(page, base: str) -> str:
    page.goto(f"{base}/portal/submit/")
    page.select_option("#id_request_type", "投诉")
    page.fill("#id_title", "小区门口路灯不亮")
    page.fill("#id_text", "白沙街道某小区门口的路灯连续一周不亮，夜间出行不便，请尽快维修。")
    page.click("details.coords > summary")
    page.fill("input[name=lon]", POINT[0])
    page.fill("input[name=lat]", POINT[1])
    page.dispatch_event("input[name=lat]", "change")
    page.click("form.card button[type=submit]")
    page.wait_for_selector("#case-number")
    return page.inner_text("#case-number").strip()


@pytest.mark.parametrize("size", list(SIZES))
def test_the_main_screens_fit_and_run_clean(demo_server, page, size):
    base = demo_server
    page.set_viewport_size(SIZES[size])
    # the resident's portal: home and the form, then the case they submit
    visit(page, base, "resident", {"portal-home": "/portal/", "portal-submit": "/portal/submit/"}, size)
    # the photo picker speaks the page's language, not the browser's ("Choose Files")
    assert page.inner_text("label.file-choose") == "选择文件" and page.inner_text(".file-chosen") == "未选择文件"
    number = submit_a_case(page, base)
    page.goto(f"{base}/portal/case/{number}/")
    check(page, "portal-case", size)
    # the grid worker's pages: tasks, a patrol report, the case in their grid
    grid = {"grid-tasks": "/desk/grid/", "grid-report": "/desk/grid/report/", "grid-case": f"/desk/grid/case/{number}/"}
    visit(page, base, "gridworker", grid, size)
    # the leader's cockpit, its map and legend
    visit(page, base, "leader", {}, size)
    page.goto(f"{base}/cockpit/?period={last_month()}")  # a whole month of the demo's 90 days of cases
    page.wait_for_selector("#hotspot-map .leaflet-interactive, #hotspot-map canvas")
    page.select_option("#hotspot-form select[name=by]", "h3")
    page.wait_for_selector("[data-legend] .swatch")
    check(page, "cockpit", size)
    legend = page.inner_text("[data-legend]")
    assert "受理件数" in legend and re.search(r"\d", legend)
    assert page.locator("#hotspot-list li").count() > 0
    first = page.inner_text("#hotspot-list li:first-child")
    assert not re.search(r"\d+\.\d{4}", first), first  # a hexagon named by its place, not its coordinates


def test_an_empty_form_in_english_answers_in_english(demo_server, page):
    base = demo_server
    page.goto(f"{base}/portal/submit/")
    # the language menu names each language in itself, in a Chinese page and in an English one
    assert page.locator("#lang-select option").all_inner_texts() == ["简体中文", "繁體中文", "English"]
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#lang-select option").all_inner_texts() == ["简体中文", "繁體中文", "English"]
    assert page.inner_text("label.file-choose") == "Choose files"
    # when the form is sent empty
    page.click("form.card button[type=submit]")
    page.wait_for_selector(".form-errors")
    # then the page's own English errors answer, and the browser kept its bubbles to itself
    errors = page.inner_text("main")
    assert "This field is required" in errors or "required" in errors.lower(), errors[:500]
    assert not re.search(r"[\u3400-\u9fff]", page.inner_text(".form-errors"))
