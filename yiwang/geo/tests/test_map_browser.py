"""The map page in a real browser: outlines drawn, a click shows the grid and its chain."""

import pytest

pytestmark = pytest.mark.browser


def test_the_map_shows_jiangmen_and_a_click_locates_the_grid(demo_server, page):
    # given the map page
    page.goto(f"{demo_server}/geo/map/")
    # then the outlines are drawn (Leaflet renders vector layers into a canvas) and approximations are marked
    page.wait_for_selector(".leaflet-container canvas, .leaflet-overlay-pane svg", timeout=20000)
    assert "示意边界" in page.inner_text("body")
    # when a resident types a point and asks
    page.fill("#lon", "113.08")
    page.fill("#lat", "22.60")
    page.click("#locate-form button[type=submit]")
    # then the chain down to a 15-digit grid code in 蓬江区 appears
    page.wait_for_selector("#result .grid-code", timeout=10000)
    chain = page.inner_text("#result")
    assert "江门市" in chain and "蓬江区" in chain
    assert page.inner_text("#result .grid-code").startswith("440703")


def test_clicking_the_map_locates_that_point(demo_server, page):
    page.goto(f"{demo_server}/geo/map/")
    page.wait_for_selector(".leaflet-container canvas, .leaflet-overlay-pane svg", timeout=20000)
    page.wait_for_timeout(500)
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#result li", timeout=10000)
    assert "江门市" in page.inner_text("#result")


def test_a_point_outside_the_city_says_so(demo_server, page):
    page.goto(f"{demo_server}/geo/map/")
    page.fill("#lon", "116.4")
    page.fill("#lat", "39.9")
    page.click("#locate-form button[type=submit]")
    page.wait_for_selector("#result .error", timeout=10000)
    assert "不在任何辖区" in page.inner_text("#result")
