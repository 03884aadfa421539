"""Nearby open reports on the submit page, "same problem", merging from the suggestion, and the map on
the requester's case page, in a real browser on the demo server (issue 16, items 3 and 8).
Screenshots at 1366x900 and 390x844 go to var/screenshots/."""

from pathlib import Path

import pytest

from .test_workbench_browser import PHONE_VIEWPORT, expect_message, switch_user

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"
DESKTOP = {"width": 1366, "height": 900}


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def open_demo_case(page, base: str) -> dict:
    """An open demo case the public feed publishes (reviewed), with its rounded point."""
    requests = page.request.get(f"{base}/open311/v2/requests.json?status=open").json()
    return next(r for r in requests if r.get("lat") is not None)


def fill_request(page, title: str, text: str) -> None:
    page.select_option("#id_request_type", "投诉")
    page.fill("#id_title", title)
    page.fill("#id_text", text)


def test_nearby_reports_same_problem_merge_and_the_case_map(demo_server, page):
    base = demo_server
    page.set_viewport_size(DESKTOP)
    demo = open_demo_case(page, base)
    number = demo["service_request_id"]
    # 1. a visitor writes a report and picks their place with the device's position, by a demo case
    page.context.grant_permissions(["geolocation"], origin=base)
    page.context.set_geolocation({"latitude": demo["lat"], "longitude": demo["long"], "accuracy": 10})
    page.goto(f"{base}/portal/submit/")
    fill_request(page, "路边井盖缺失", "人行道上的井盖不见了，晚上很危险，请尽快处理。")
    page.click("[data-place-gps]")
    # then: the open reports around it are listed, the demo case among them, masked, with a plain status
    item = page.locator(f"[data-nearby-item]:has-text('{number}')")
    item.wait_for()
    nearby = page.locator("[data-nearby]")
    assert nearby.locator("[data-nearby-item]").count() <= 5
    assert "附近 300 米内" in nearby.inner_text() and "相距约" in item.inner_text()
    shot(page, "portal-submit-nearby-1366x900")
    page.set_viewport_size(PHONE_VIEWPORT)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"] + 1
    nearby.scroll_into_view_if_needed()
    shot(page, "portal-submit-nearby-390x844")
    page.set_viewport_size(DESKTOP)

    # 2. it is their problem too: one click, recorded, and the form is still there (no case filed)
    item.locator("[data-nearby-same]").click()
    done = item.locator("[data-same-done]")
    done.wait_for()
    assert "已记录" in done.inner_text() and "目前共" in done.inner_text()
    assert page.url.rstrip("/").endswith("/portal/submit") and page.input_value("#id_title") == "路边井盖缺失"
    shot(page, "portal-submit-same-problem-1366x900")

    # 3. they submit anyway; the case page shows its place on a small map
    page.fill("#id_requester_phone", "13912340016")
    page.click("form.card button[type=submit]")
    page.wait_for_selector("#case-number")
    first = page.inner_text("#case-number").strip()
    page.goto(f"{base}/portal/case/{first}/")
    page.wait_for_selector(".minimap.leaflet-container canvas")  # the point (and outline) drawn on a canvas
    page.wait_for_load_state("networkidle")  # the community's outline fetched
    assert page.get_attribute(".minimap", "data-grid").startswith("/desk/area/")
    assert "网格 " not in page.inner_text("main")
    shot(page, "portal-case-map-1366x900")
    page.set_viewport_size(PHONE_VIEWPORT)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"] + 1
    shot(page, "portal-case-map-390x844")
    page.set_viewport_size(DESKTOP)

    # 4. another visitor files the same thing at the same spot; the dispatcher merges it from the suggestion
    page.context.clear_cookies()
    page.goto(f"{base}/portal/submit/")
    fill_request(page, "井盖不见了", "人行道的井盖丢了，有人差点踩空。")  # other words: found by the same spot
    page.click("[data-place-gps]")
    item.wait_for()  # the reviewed demo case again; the first visitor's new one is not reviewed yet
    page.fill("#id_requester_phone", "13912340017")
    page.click("form.card button[type=submit]")
    page.wait_for_selector("#case-number")
    second = page.inner_text("#case-number").strip()
    switch_user(page, base, "dispatcher")
    page.goto(f"{base}/desk/dispatch/case/{second}/")
    suggestion = page.locator(f"section[aria-labelledby=dup-h] li:has-text('{first}')")
    assert "同一地点、同一时段" in suggestion.inner_text()
    suggestion.locator("button[type=submit]").click()
    expect_message(page, "已并案")
    # and the demo case's page tells the dispatcher one visitor said it was their problem too
    page.goto(f"{base}/desk/dispatch/case/{number}/")
    assert "另有 1 位群众在门户提交前表示遇到同一问题" in page.inner_text("body")
