import io

import pytest
from django.core.management import call_command

from yiwang.geo.models import Area
from yiwang.routing.models import Category, ResponsibilityRule, Unit
from yiwang.routing.selectors import route

pytestmark = pytest.mark.django_db


def cat(l1, l2=None):
    if l2 is None:
        return Category.objects.get(level=1, name=l1)
    return Category.objects.get(level=2, name=l2, parent__name=l1)


def test_the_most_specific_area_wins_then_the_district_then_the_city():
    street_grid = Area.objects.filter(level=5, code__startswith="440703002").first()  # 白沙街道
    village_grid = Area.objects.filter(level=5, code__startswith="440781", parent__parent__kind="镇").first()
    municipal = cat("城乡建设", "城市建设和市政管理")
    assert route(category=municipal, area=street_grid).lead_unit.code == "440703002"  # the street office
    assert route(category=municipal, area=village_grid).lead_unit.code == "440781"  # the district government
    # a level-3 category falls back to its level-1 rule at city level
    leaf = Category.objects.filter(level=3, parent__parent__name="环境保护").first()
    assert route(category=leaf, area=village_grid).lead_unit.code == "JM.SHJ"


def test_no_rule_means_the_dispatchers_queue():
    assert route(category=cat("纪检监察"), area=Area.objects.get(code="440703")) is None


def test_an_edited_rule_takes_effect_at_once():
    # given an admin adds a town-level rule for environmental cases in 棠下镇
    town = Area.objects.get(name="棠下镇")
    ResponsibilityRule.objects.create(category=cat("环境保护"), area=town, lead_unit=Unit.objects.get(code=town.code[:9]))
    grid = Area.objects.filter(level=5, code__startswith=town.code[:9]).first()
    # then its grids route there
    assert route(category=cat("环境保护", "环境污染"), area=grid).lead_unit.code == town.code[:9]


def test_the_dry_run_command():
    out = io.StringIO()
    call_command("route", cat("城乡建设", "城市建设和市政管理").code, "--lon", "113.08", "--lat", "22.60", stdout=out)
    assert "白沙街道办事处" in out.getvalue() and "rule #" in out.getvalue()
    out = io.StringIO()
    call_command("route", "纪检监察", "--area", "440703", stdout=out)
    assert "dispatcher's queue" in out.getvalue()
