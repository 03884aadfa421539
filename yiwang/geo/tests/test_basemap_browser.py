"""The shared base map (yiwang/static/yiwang/basemap.js) in a real browser, without a tile server: land
distinct from the sea, area names as labels for the zoom, grid lines only when zoomed in, the
place-name search in Chinese and pinyin, the note that no tile layer is set, and a click in the sea
answered with a message. On the area map, the resident's place picker and the cockpit's hot spot map;
screenshots at 1366x900 in var/screenshots/."""

import io
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from yiwang.core.testing.browser import login

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"
VIEWPORT = {"width": 1366, "height": 900}
LAND = (22.2, 112.75)  # lat, lon: inland 台山, far from any line or label
SEA = (22.0, 113.35)  # the sea east of 台山 and 新会, outside the city outline
BAISHA = (22.61607, 113.05796)  # a point inside 白沙街道 (its label point, /geo/labels.json)
LAND_RGB = (246, 243, 234)  # STYLE.land.fillColor in basemap.js
SEA_RGB = (183, 211, 230)  # .leaflet-container.basemap in site.css


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def open_map(page, url: str, selector: str = "#map"):
    page.set_viewport_size(VIEWPORT)
    page.goto(url)
    page.wait_for_selector(f"{selector}[data-basemap-ready]", timeout=20000)
    return page.locator(selector)


def container_point(page, selector: str, latlng) -> tuple[float, float]:
    """Where (lat, lon) is on the page, by the map's own projection."""
    x, y = page.evaluate(
        "([sel, ll]) => { const m = document.querySelector(sel).basemap; const p = m.latLngToContainerPoint(ll);"
        " const r = m.getContainer().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }",
        [selector, list(latlng)],
    )
    return x, y


def pixel(page, x: float, y: float) -> tuple[int, int, int]:
    image = Image.open(io.BytesIO(page.screenshot(clip={"x": x - 1, "y": y - 1, "width": 3, "height": 3})))
    return image.convert("RGB").getpixel((1, 1))


def close(rgb, expected, tolerance=12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(rgb, expected, strict=True))


def zoom(page, selector: str) -> int:
    return page.evaluate("sel => document.querySelector(sel).basemap.getZoom()", selector)


def test_the_area_map_draws_land_sea_labels_and_grids_by_zoom_without_tiles(demo_server, page):
    # given the area map with no tile server configured (the demo's default)
    the_map = open_map(page, f"{demo_server}/geo/map/")
    # then it says so on the map
    expect(the_map.locator(".basemap-note")).to_be_visible()
    expect(the_map.locator(".basemap-note")).to_contain_text("未配置底图")
    # and the land is drawn in its own colour over the sea's
    assert close(pixel(page, *container_point(page, "#map", LAND)), LAND_RGB)
    assert close(pixel(page, *container_point(page, "#map", SEA)), SEA_RGB)
    # the city-wide view names the districts, not yet the towns, and draws no grid lines
    expect(the_map.locator(".basemap-label-2", has_text="台山市")).to_be_visible()
    assert the_map.locator(".basemap-label-2").count() == 7
    assert the_map.locator(".basemap-label-3").count() == 0
    assert the_map.get_attribute("data-grid-lines") == "0"
    screenshot(page, "basemap-geo-map")

    # when the reader zooms in on a town with the + button
    the_map.locator(".leaflet-control-zoom-in").click()
    expect(the_map.locator(".basemap-label-3").first).to_be_visible()
    # then town names replace district names, and labels do not overlap
    boxes = [b for b in (el.bounding_box() for el in the_map.locator(".basemap-label").all()) if b]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not (
                a["x"] < b["x"] + b["width"] - 1
                and b["x"] < a["x"] + a["width"] - 1
                and a["y"] < b["y"] + b["height"] - 1
                and b["y"] < a["y"] + a["height"] - 1
            )

    # when they search for a street by its name and choose it
    search = the_map.locator(".basemap-search input")
    search.fill("白沙街道")
    the_map.locator(".basemap-results button", has_text="白沙街道").click()
    # then the map flies there, close enough for grid lines and community names
    expect(the_map.locator(".basemap-label-4").first).to_be_visible(timeout=10000)
    # (the first request for grids builds the server's cache: allow for a slow machine)
    expect(the_map).not_to_have_attribute("data-grid-lines", "0", timeout=30000)
    assert zoom(page, "#map") >= 13
    screenshot(page, "basemap-geo-map-zoomed")
    # and zooming out again drops the grid lines
    the_map.locator(".leaflet-control-zoom-out").click()
    expect(the_map).to_have_attribute("data-grid-lines", "0")
    expect(the_map.locator(".basemap-label-4")).to_have_count(0)


@pytest.mark.parametrize("query", ["棠下", "tangxia"])
def test_searching_a_town_in_chinese_or_pinyin_flies_the_map_there(demo_server, page, query):
    the_map = open_map(page, f"{demo_server}/geo/map/")
    the_map.locator(".basemap-search input").fill(query)
    the_map.locator(".basemap-search input").press("Enter")
    # the first match is chosen: the map centres on 棠下镇 and shows its name
    expect(the_map).to_have_attribute("data-searched", "440703101000")
    expect(the_map.locator(".basemap-label-3", has_text="棠下镇")).to_be_visible(timeout=10000)
    lat, lon = page.evaluate(
        "() => { const c = document.getElementById('map').basemap.getCenter(); return [c.lat, c.lng]; }"
    )
    assert 112.91 < lon < 113.02 and 22.54 < lat < 22.66  # 棠下镇's bounds


def test_an_unknown_place_name_says_so(demo_server, page):
    the_map = open_map(page, f"{demo_server}/geo/map/")
    the_map.locator(".basemap-search input").fill("火星")
    expect(the_map.locator(".basemap-results")).to_contain_text("没有找到这个地名")


def test_a_click_in_the_sea_says_it_is_outside_the_city(demo_server, page):
    the_map = open_map(page, f"{demo_server}/geo/map/")
    page.mouse.click(*container_point(page, "#map", SEA))
    expect(the_map.locator(".basemap-message")).to_be_visible()
    expect(the_map.locator(".basemap-message")).to_contain_text("江门市域之外")
    # nothing was looked up for the sea; a click on land clears the message and locates
    assert page.inner_text("#result") == ""
    page.mouse.click(*container_point(page, "#map", LAND))
    expect(the_map.locator(".basemap-message")).to_be_hidden()
    page.wait_for_selector("#result li", timeout=10000)


def test_the_place_picker_refuses_the_sea_and_places_a_point_on_land(demo_server, page):
    # given a resident on the submit form
    login(page, demo_server, "resident")
    the_map = open_map(page, f"{demo_server}/portal/submit/", "[data-place-map]")
    expect(the_map.locator(".basemap-note")).to_contain_text("未配置底图")
    expect(the_map.locator(".basemap-label").first).to_be_visible()
    the_map.scroll_into_view_if_needed()
    # when they click in the sea
    page.mouse.click(*container_point(page, "[data-place-map]", SEA))
    # then they are told why, and no point is taken
    expect(the_map.locator(".basemap-message")).to_contain_text("江门市域之外")
    assert page.input_value("input[name=lon]") == ""
    # when they search their town and click on land there
    the_map.locator(".basemap-search input").fill("baisha")
    the_map.locator(".basemap-results button", has_text="白沙街道").click()
    expect(the_map).to_have_attribute("data-searched", "440703002000")
    expect(the_map.locator(".basemap-label-3", has_text="白沙街道")).to_be_visible(timeout=10000)
    page.mouse.click(*container_point(page, "[data-place-map]", BAISHA))
    # then the point is taken and its area shown
    expect(page.locator("[data-place-chain]")).to_contain_text("白沙街道")
    assert page.input_value("input[name=lon]") != ""
    the_map.evaluate("el => el.scrollIntoView({block: 'center'})")
    screenshot(page, "basemap-portal-submit")


def test_the_cockpit_hot_spots_sit_on_the_base_map(demo_server, page):
    login(page, demo_server, "leader")
    page.set_viewport_size(VIEWPORT)
    page.goto(f"{demo_server}/cockpit/")
    the_map = page.locator("#hotspot-map")
    page.wait_for_selector("#hotspot-map[data-basemap-ready]", timeout=20000)
    the_map.scroll_into_view_if_needed()
    expect(the_map.locator(".basemap-note")).to_contain_text("未配置底图")
    expect(the_map.locator(".basemap-label-2").first).to_be_visible()
    the_map.evaluate("el => el.scrollIntoView({block: 'center'})")
    assert close(pixel(page, *container_point(page, "#hotspot-map", SEA)), SEA_RGB)
    screenshot(page, "basemap-cockpit-hotspots")


def test_an_english_reader_sees_pinyin_place_names(demo_server, page):
    page.set_viewport_size(VIEWPORT)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": demo_server}])
    the_map = open_map(page, f"{demo_server}/geo/map/")
    expect(the_map.locator(".basemap-label-2", has_text="Taishan City")).to_be_visible()
    expect(the_map.locator(".basemap-note")).to_contain_text("No base map tiles configured")
