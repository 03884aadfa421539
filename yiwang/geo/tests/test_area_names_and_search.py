"""Area names in the reader's language and the place-name search behind the map's search box."""

import pytest

from yiwang.geo.models import Area, Level
from yiwang.geo.names import english_place_name, pinyin
from yiwang.geo.services import AreaRecord, area_import

pytestmark = pytest.mark.django_db


def test_english_names_are_pinyin_with_the_kind_of_area_in_english():
    assert pinyin("江门") == "Jiangmen"
    assert pinyin("大鳌") == "Da'ao"  # a vowel-initial syllable after another takes an apostrophe
    assert english_place_name("棠下镇") == "Tangxia Town"
    assert english_place_name("白沙街道") == "Baisha Subdistrict"
    assert english_place_name("环市街道") == "Huanshi Subdistrict"  # only the last suffix is a kind
    assert english_place_name("龙凤村") == "Longfeng Village"
    assert english_place_name("东兴社区第2网格") == "Dongxing Community Grid 2"


def test_the_demo_areas_carry_checked_and_computed_english_names():
    # the hand-checked names win over pinyin (都斛 is Duhu, not Douhu; 礼乐 is Lile)
    assert Area.objects.get(code="440781107000").name_en == "Duhu Town"
    assert Area.objects.get(name="礼乐街道").name_en == "Lile Subdistrict"
    assert Area.objects.get(code="440781").name_en == "Taishan City"
    # generated communities and grids get pinyin at import
    assert not Area.objects.filter(level__gte=Level.COMMUNITY, name_en="").exists()


def test_an_import_keeps_a_given_english_name_and_computes_a_missing_one():
    # given a town imported from a file with an English name and one without
    area_import(
        records=[
            AreaRecord("row 1", "440703101000", "棠下镇", Level.TOWN, "440703", "镇", name_en="Tongxia Town"),
            AreaRecord("row 2", "440703102000", "荷塘镇", Level.TOWN, "440703", "镇"),
        ]
    )
    assert Area.objects.get(code="440703101000").name_en == "Tongxia Town"
    # a re-import without English names keeps the one given while the Chinese name stays
    area_import(records=[AreaRecord("row 1", "440703101000", "棠下镇", Level.TOWN, "440703", "镇")])
    assert Area.objects.get(code="440703101000").name_en == "Tongxia Town"
    # and renaming recomputes it
    area_import(records=[AreaRecord("row 1", "440703101000", "棠上镇", Level.TOWN, "440703", "镇")])
    assert Area.objects.get(code="440703101000").name_en == "Tangshang Town"


@pytest.mark.parametrize(
    ("language", "town", "district"),
    [
        ("zh-hans", "棠下镇", "蓬江区"),
        ("zh-hant", "棠下鎮", "蓬江區"),
        ("en", "Tangxia Town", "Pengjiang District"),
    ],
)
def test_outlines_labels_and_locate_name_areas_in_the_readers_language(client, language, town, district):
    # when a reader in that language asks for the map's layers
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    towns = client.get("/geo/areas.geojson?level=town", **headers).json()["features"]
    labels = client.get("/geo/labels.json?level=town", **headers).json()["labels"]
    chain = client.get("/geo/locate?lon=112.99461&lat=22.6006", **headers).json()["chain"]
    # then every name is in it, and the stored name is beside it
    tangxia = next(f["properties"] for f in towns if f["properties"]["code"] == "440703101000")
    assert tangxia["name"] == town and tangxia["name_zh"] == "棠下镇"
    assert ["440703101000", town] == next(r for r in labels if r[0] == "440703101000")[:2]
    assert [a["name"] for a in chain][1:3] == [district, town]


@pytest.mark.parametrize("query", ["棠下", "棠下镇", "棠下鎮", "tangxia", "Tangxia Town", "TANGXIA"])
def test_the_search_finds_a_town_in_chinese_traditional_and_pinyin(client, query):
    response = client.get("/geo/search", {"q": query})
    assert response.status_code == 200
    first = response.json()["results"][0]
    assert first["code"] == "440703101000" and first["name"] == "棠下镇" and first["parent_name"] == "蓬江区"
    # with the point for its label and the bounds the map flies to, around that point
    x0, y0, x1, y1 = first["bounds"]
    assert x0 < first["lon"] < x1 and y0 < first["lat"] < y1
    assert 112.8 < x0 < x1 < 113.2 and 22.4 < y0 < y1 < 22.8


def test_search_results_rank_exact_names_and_bigger_areas_first_and_speak_english(client):
    # 沙 is in many names: towns before communities, at most the limit
    results = client.get("/geo/search", {"q": "沙", "limit": 5}).json()["results"]
    assert len(results) == 5 and [r["level"] for r in results] == sorted(r["level"] for r in results)
    # an English reader gets English names and the same areas
    english = client.get("/geo/search", {"q": "baisha"}, HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    assert {"Baisha Subdistrict", "Baisha Town"} <= {r["name"] for r in english}
    assert next(r for r in english if r["name"] == "Baisha Town")["parent_name"] == "Taishan City"
    # a community is found too, named with its town
    community = Area.objects.filter(level=Level.COMMUNITY).select_related("parent").first()
    found = client.get("/geo/search", {"q": community.name}).json()["results"]
    assert any(r["code"] == community.code and r["parent_name"] == community.parent.name for r in found)


def test_the_search_explains_bad_input_in_the_readers_language(client):
    empty = client.get("/geo/search", {"q": "  "})
    assert empty.status_code == 400 and empty.json()["code"] == "query_required"
    assert "地名" in empty.json()["message"]
    english = client.get("/geo/search", {"q": ""}, HTTP_ACCEPT_LANGUAGE="en").json()["message"]
    assert "place name" in english.lower()
    assert client.get("/geo/search", {"q": "x" * 51}).json()["code"] == "query_too_long"
    assert client.get("/geo/search", {"q": "沙", "limit": "many"}).json()["code"] == "invalid_limit"
    assert client.get("/geo/search", {"q": "不存在的地方"}).json()["results"] == []


def test_grid_outlines_come_for_the_view_only(client):
    everything = client.get("/geo/areas.geojson?level=grid").json()["features"]
    view = client.get("/geo/areas.geojson?level=grid&bbox=113.05,22.58,113.09,22.62").json()["features"]
    assert 0 < len(view) < len(everything) / 20
    assert "440703002015004" in {f["properties"]["code"] for f in view}  # the grid at 113.08, 22.60
    # the base map's grid lines need no names: lines=1 sends the code alone, the same shapes
    lines = client.get("/geo/areas.geojson?level=grid&bbox=113.05,22.58,113.09,22.62&lines=1").json()[
        "features"
    ]
    assert [f["properties"] for f in lines] == [{"code": f["properties"]["code"]} for f in view]
    assert [f["geometry"] for f in lines] == [f["geometry"] for f in view]
    for bad in ("1,2,3", "113.1,22.6,113.0,22.7", "a,b,c,d", "nan,1,2,3"):
        response = client.get(f"/geo/areas.geojson?level=grid&bbox={bad}")
        assert response.status_code == 400 and response.json()["code"] == "invalid_bbox"
    assert client.get("/geo/labels.json?level=grid").status_code == 400
