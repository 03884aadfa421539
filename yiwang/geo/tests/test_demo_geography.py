import pytest
import shapely

from yiwang.geo.locate import locate
from yiwang.geo.models import Area, Level

pytestmark = pytest.mark.django_db


def test_the_demo_has_the_real_districts_and_towns():
    assert Area.objects.filter(level=Level.DISTRICT).count() == 7
    assert Area.objects.filter(level=Level.TOWN).count() == 82
    assert not Area.objects.filter(level=Level.DISTRICT, approximate=True).exists()
    assert Area.objects.get(code="440703002000").name == "白沙街道"


def test_the_demo_has_between_3000_and_6000_grids_with_15_digit_codes():
    grids = Area.objects.filter(level=Level.GRID).select_related("parent")
    assert 3000 <= grids.count() <= 6000
    for grid in grids[:500]:
        assert len(grid.code) == 15 and grid.code[:12] == grid.parent.code and grid.approximate


def test_grids_are_finer_in_the_urban_districts():
    def grids_per_km2(district_code):
        district = Area.objects.get(code=district_code)
        n = Area.objects.filter(level=Level.GRID, code__startswith=district_code).count()
        return n / district.shape.area

    assert grids_per_km2("440703") > 3 * grids_per_km2("440781")  # 蓬江 vs 台山


def test_every_grid_locates_to_itself():
    for grid in Area.objects.filter(level=Level.GRID).order_by("?")[:200]:
        p = grid.shape.representative_point()
        assert locate(p.x, p.y).grid.code == grid.code


def test_towns_tile_their_district():
    district = Area.objects.get(code="440705")
    towns = shapely.union_all([t.shape for t in Area.objects.filter(parent=district)])
    assert abs(towns.area - district.shape.area) / district.shape.area < 0.001
