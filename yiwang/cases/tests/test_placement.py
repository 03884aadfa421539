"""Placing a case without a point: whole-word names, the forms people write, ambiguity, confidence."""

import pytest

from yiwang.cases.models import Case
from yiwang.cases.placement import find_place, place_case
from yiwang.geo.models import Area, Level

pytestmark = pytest.mark.django_db


def named(text):
    found = find_place(text)
    return (Area.objects.get(pk=found.area_id).name, found.confidence) if found else (None, None)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("江门市蓬江区白沙街道某小区门口路灯不亮", "白沙街道"),
        ("台山白沙镇圩镇的排水沟堵了", "白沙镇"),  # the other 白沙, told apart by its district
        ("新会的一条路坑坑洼洼", "新会区"),  # 新会 without 区
        ("住在开平，想问问社保", "开平市"),  # 开平 without 市
        ("台山台城的路灯", "台城街道"),
        ("新会古井的鱼塘", "古井镇"),  # an everyday word with its district named
        ("江門市臺山市台城街道", "台城街道"),  # traditional characters
        ("Pothole near the market in Taishan", "台山市"),  # an extra name from settings
        ("新会区 会城 街道", "会城街道"),  # spaces typed between the parts
    ],
)
def test_names_in_the_forms_people_write(text, name):
    assert named(text)[0] == name


@pytest.mark.parametrize(
    "text",
    [
        "白沙公园的路灯坏了",  # 白沙: a street of 蓬江 and a town of 台山
        "新会员办卡被多收费",  # 新会 is not a word here
        "村口有一口古井被填了",  # 古井: an everyday word, no district named
        "鹤山村的村道坏了",  # a village named after 鹤山, elsewhere
        "新会路上有个坑",  # a road named after 新会
        "江门市的公交车太挤",  # the city only
        "从新会到台山的班车取消了",  # two districts, once each: the dispatcher decides
        "工业园区的厂房噪音很大",  # a generic special-zone name
    ],
)
def test_nothing_is_placed_on_a_guess(text):
    assert named(text)[0] is None


def test_deeper_and_supported_names_are_more_certain():
    town = Area.objects.get(level=Level.TOWN, name="白沙街道")
    community = Area.objects.filter(parent=town).order_by("code").first()
    district_only = named("蓬江区的路灯")
    town_only = named("白沙街道的路灯")
    full = named(f"江门市蓬江区白沙街道{community.name}的路灯")
    assert full[0] == community.name
    assert district_only[1] < town_only[1] < full[1] <= 0.95
    alone = named(f"{community.name}的路灯")  # a community named alone may be another city's
    assert alone[1] is None or alone[1] < town_only[1]


def test_an_address_is_refined_by_the_text_and_a_community_gets_its_grid():
    town = Area.objects.get(level=Level.TOWN, name="白沙街道")
    community = Area.objects.filter(parent=town).order_by("code").first()
    case = Case(title="路灯不亮", text=f"{community.name}门口的路灯坏了", address="江门市蓬江区")
    place_case(case)
    assert case.placement == "address" and case.community_id == community.id and case.grid_id is not None
    unplaced = Case(title="路灯不亮", text="门口的路灯坏了", address="不知道哪里")
    place_case(unplaced)
    assert unplaced.placement == "none" and unplaced.district_id is None


def test_a_rebuilt_area_index_places_the_same():
    # given: the word list built once, then the areas' index rebuilt (another process changed areas)
    from yiwang.geo.locate import AreaIndex, get_index

    assert named("新会会城")[0] == "会城街道"
    rows = list(
        Area.objects.values_list("id", "code", "name", "level", "parent_id", "approximate", "geometry")
    )
    rebuilt = AreaIndex(rows)
    # then: names are judged by jieba's own frequencies again, not by the ones added before
    found = find_place("新会会城", index=rebuilt)
    assert found is not None and rebuilt.refs[found.area_id].name == "会城街道"
    assert find_place("新会会城", index=get_index()) is not None
