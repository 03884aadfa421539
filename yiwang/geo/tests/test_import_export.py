import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from yiwang.geo.locate import get_index
from yiwang.geo.models import Area
from yiwang.geo.services import AreaImportError, area_import, records_from_geojson

pytestmark = pytest.mark.django_db

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[113.0, 22.5], [113.01, 22.5], [113.01, 22.51], [113.0, 22.51], [113.0, 22.5]]],
}
BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[113.0, 22.5], [113.01, 22.51], [113.01, 22.5], [113.0, 22.51], [113.0, 22.5]]],
}


def feature(code, name, level, parent, geometry=SQUARE):
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {"code": code, "name": name, "level": level, "parent_code": parent},
    }


def fc(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def test_a_bad_file_lists_every_problem_and_imports_nothing():
    # given a file with one good feature and one of each kind of bad feature
    before = Area.objects.count()
    data = fc(
        feature("440703002901", "新社区", "community", "440703002000"),  # good
        feature("440703002902", "坏几何", "community", "440703002000", BOWTIE),  # invalid geometry
        feature("440703999903", "无上级", "community", "440703999000"),  # unknown parent
        feature("440703002901", "重复", "community", "440703002000"),  # duplicate code
        feature("440703002904", "层级错", "grid", "440703002000"),  # wrong level (grid under a town)
    )
    # when
    with pytest.raises(AreaImportError) as err:
        area_import(records=records_from_geojson(data))
    # then every problem is named, and nothing was written
    text = "\n".join(map(str, err.value.problems))
    assert "几何无效" in text and "Self-intersection" in text
    assert "上级编码 440703999000 不存在" in text
    assert "编码重复" in text
    assert "层级错误" in text
    assert len(err.value.problems) >= 4
    assert Area.objects.count() == before
    assert not Area.objects.filter(code="440703002901").exists()


def test_a_good_file_imports_and_the_new_grid_is_located():
    # given a new community with one grid, in a spot far from the real ones' codes
    community = feature("440703002990", "测试社区", "community", "440703002000")
    grid = feature("440703002990001", "测试网格", "grid", "440703002990")
    # when
    counts = area_import(records=records_from_geojson(fc(community, grid)))
    # then
    assert counts == {"created": 2, "updated": 0}
    assert Area.objects.get(code="440703002990001").parent.code == "440703002990"
    assert "440703002990001" in {ref.code for ref in get_index().refs.values()}


def test_reimporting_updates_in_place():
    area_import(
        records=records_from_geojson(fc(feature("440703002990", "测试社区", "community", "440703002000")))
    )
    counts = area_import(
        records=records_from_geojson(fc(feature("440703002990", "改名社区", "community", "440703002000")))
    )
    assert counts == {"created": 0, "updated": 1}
    assert Area.objects.get(code="440703002990").name == "改名社区"


def test_the_import_command_reports_problems_and_fails(tmp_path, capsys):
    path = tmp_path / "bad.geojson"
    path.write_text(
        json.dumps(fc(feature("4407030029", "短编码", "community", "440703002000"))), encoding="utf-8"
    )
    with pytest.raises(CommandError):
        call_command("geo_import", str(path))
    assert "编码长度" in capsys.readouterr().err


def test_the_import_command_refuses_a_file_that_is_not_geojson(tmp_path):
    path = tmp_path / "x.geojson"
    path.write_text("not json", encoding="utf-8")
    with pytest.raises(CommandError, match="GeoJSON"):
        call_command("geo_import", str(path))


def test_the_township_csv_imports_towns(tmp_path):
    path = tmp_path / "towns.csv"
    path.write_text(
        "code,code12,name,type,areaCode\n440703888,440703888000,新设街道,街道,440703\n", encoding="utf-8"
    )
    call_command("geo_import", str(path))
    town = Area.objects.get(code="440703888000")
    assert town.parent.code == "440703" and town.level == 3 and town.kind == "街道"


def test_export_round_trips(tmp_path):
    out = tmp_path / "districts.geojson"
    call_command("geo_export", "--level", "district", "-o", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    assert {f["properties"]["name"] for f in data["features"]} == {
        "蓬江区",
        "江海区",
        "新会区",
        "台山市",
        "开平市",
        "鹤山市",
        "恩平市",
    }
    assert all(f["properties"]["parent_code"] == "440700" for f in data["features"])
    # the exported file imports again unchanged
    counts = area_import(records=records_from_geojson(data))
    assert counts == {"created": 0, "updated": 7}
