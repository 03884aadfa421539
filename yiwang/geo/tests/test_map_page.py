import pytest

pytestmark = pytest.mark.django_db


def test_the_map_page_serves_leaflet_from_us_and_marks_approximations(client):
    response = client.get("/geo/map/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "/static/vendor/leaflet/leaflet.js" in body
    assert "示意边界" in body
    assert "//unpkg" not in body and "cdn" not in body.lower()


def test_outlines_per_level(client):
    for level, n in (("district", 7), ("town", 82)):
        data = client.get(f"/geo/areas.geojson?level={level}").json()
        assert len(data["features"]) == n
    grids = client.get("/geo/areas.geojson?level=grid").json()["features"]
    assert len(grids) >= 3000 and all(f["properties"]["approximate"] for f in grids)
    assert client.get("/geo/areas.geojson?level=planet").status_code == 400


def test_clicking_a_point_returns_its_chain(client):
    data = client.get("/geo/locate?lon=113.08&lat=22.60").json()
    assert [a["name"] for a in data["chain"]][:2] == ["江门市", "蓬江区"]
    assert len(data["grid_code"]) == 15
    outside = client.get("/geo/locate?lon=116.4&lat=39.9").json()
    assert outside["found"] is False and outside["code"] == "outside_all_areas"
    bad = client.get("/geo/locate?lon=x&lat=1")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_coordinates"


def test_every_map_page_stands_on_the_one_base_map_with_its_settings(client, settings):
    # given no tile server (the demo's default): the base map is told so, with the note to show
    body = client.get("/geo/map/").content.decode()
    assert "/static/yiwang/basemap.js" in body and 'data-tiles=""' in body
    assert "未配置底图" in body and "江门市域之外" in body
    assert 'data-search="/geo/search"' in body and 'data-land="/geo/areas.geojson?level=city"' in body
    # when a tile server is configured, the same attributes carry it
    settings.MAP_TILE_URL = "https://tiles.example.cn/{z}/{x}/{y}.png"
    body = client.get("/geo/map/").content.decode()
    assert 'data-tiles="https://tiles.example.cn/{z}/{x}/{y}.png"' in body
    # and the resident's picker reads the same settings
    picker = client.get("/portal/submit/").content.decode()
    assert (
        "/static/yiwang/basemap.js" in picker and "data-place-map" in picker and "data-msg-no-tiles" in picker
    )
