"""Category and unit names in the reader's language, and the demo loaders that fill the English ones."""

import csv
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from yiwang.routing import names
from yiwang.routing.demo import category_names_en, load_categories, load_units, unit_names_en
from yiwang.routing.models import Category, Unit

pytestmark = pytest.mark.django_db


def taxonomy_paths() -> set[tuple[str, ...]]:
    with open(Path(settings.DATA_DIR) / "messages" / "taxonomy.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    paths = set()
    for r in rows:
        paths |= {(r["level1"],), (r["level1"], r["level2"])}
        if r["level3"]:
            paths.add((r["level1"], r["level2"], r["level3"]))
    return paths


def test_each_language_reads_its_own_name():
    # given the demo's first category (城乡建设) and bureau, as the loader left them
    category = Category.objects.get(level=1, name="城乡建设")
    unit = Unit.objects.get(code="JM.ZJJ")
    # then
    for language, category_name, unit_name in (
        ("zh-hans", "城乡建设", "江门市住房和城乡建设局"),
        ("zh-hant", "城鄉建設", "江門市住房和城鄉建設局"),  # OpenCC s2t
        ("en", "Urban and rural construction", "Jiangmen Housing and Urban-Rural Development Bureau"),
    ):
        with translation.override(language):
            assert category.display_name == category_name
            assert unit.display_name == unit_name
            assert names.display_name(category) == category_name
        assert names.display_name(unit, language) == unit_name


def test_a_path_reads_in_the_reader_language():
    leaf = Category.objects.get(level=3, name="噪音污染", parent__name="环境污染")
    with translation.override("en"):
        assert leaf.display_path == "Environmental protection / Environmental pollution / Noise pollution"
    with translation.override("zh-hant"):
        assert leaf.display_path == "環境保護 / 環境污染 / 噪音污染"
    assert leaf.display_path == leaf.path == "环境保护 / 环境污染 / 噪音污染"  # zh-hans: as stored


def test_without_an_english_name_english_falls_back_to_the_chinese_one():
    category = Category.objects.get(level=1, name="城乡建设")
    category.name_en = ""
    category.save(update_fields=["name_en"])
    with translation.override("en"):
        assert category.display_name == "城乡建设"
        assert names.label_name("城乡建设") == "城乡建设"


def test_a_traditional_override_wins_over_the_conversion():
    unit = Unit.objects.get(code="JM.QWJ")
    unit.name_zh_hant = "江門市人民政府僑務辦公室（測試）"
    with translation.override("zh-hant"):
        assert unit.display_name == "江門市人民政府僑務辦公室（測試）"
    unit.name_zh_hant = ""
    with translation.override("zh-hant"):
        assert unit.display_name == "江門市人民政府僑務辦公室"


def test_classifier_labels_map_to_their_category_in_one_query(django_assert_num_queries):
    with translation.override("en"), django_assert_num_queries(1):
        shown = names.label_names(["环境保护", "交通运输", "旧模型的标签"])
    assert shown == {
        "环境保护": "Environmental protection",
        "交通运输": "Transport",
        "旧模型的标签": "旧模型的标签",  # a label with no category stays as it is
    }


def test_the_template_filters():
    template = Template(
        "{% load routing_names %}{{ c|display_name }}|{{ leaf|display_path }}|{{ u|display_name }}"
        "|{{ label|category_label }}"
    )
    context = Context(
        {
            "c": Category.objects.get(level=1, name="交通运输"),
            "leaf": Category.objects.get(level=2, name="出租车管理", parent__name="交通运输"),
            "u": Unit.objects.get(code="JM.JTJ"),
            "label": "卫生计生",
        }
    )
    with translation.override("en"):
        assert template.render(context) == (
            "Transport|Transport / Taxi management|Jiangmen Transport Bureau|Health and family planning"
        )


# --------------------------------------------------------------------------- the demo loaders
def test_the_file_names_every_node_of_the_taxonomy():
    assert set(category_names_en()) == taxonomy_paths()


def test_the_loader_filled_an_english_name_for_every_category_and_unit():
    assert Category.objects.count() == len(taxonomy_paths())
    assert not Category.objects.filter(name_en="").exists()
    assert not Unit.objects.filter(name_en="").exists()
    english = unit_names_en()
    assert english and all(Unit.objects.get(code=code).name_en == en for code, en in english.items())
    assert Unit.objects.get(code="440703").name_en == "Pengjiang District People's Government"
    assert Unit.objects.get(code="440703002").name_en == "Baisha Subdistrict Office"
    assert Unit.objects.get(code="440781103").name_en == "Baisha Town People's Government"


def test_reloading_fills_missing_names_in_place_without_duplicates():
    # given a database loaded before the English names existed
    Category.objects.update(name_en="")
    Unit.objects.update(name_en="")
    categories, units = Category.objects.count(), Unit.objects.count()
    codes = dict(Category.objects.values_list("id", "code"))
    # when the loaders run again
    load_units()
    load_categories()
    # then every name is back, on the same rows
    assert Category.objects.count() == categories and Unit.objects.count() == units
    assert dict(Category.objects.values_list("id", "code")) == codes
    assert not Category.objects.filter(name_en="").exists()
    assert not Unit.objects.filter(name_en="").exists()
    assert Category.objects.get(level=1, name="劳动和社会保障").name_en == "Labour and social security"


def test_a_unit_missing_from_the_file_keeps_the_chinese_place_name(settings, tmp_path):
    # given no unit file at all
    settings.DATA_DIR = tmp_path
    (tmp_path / "messages").mkdir()
    # when
    load_units()
    # then towns read "<Chinese place> <English kind of office>"
    assert Unit.objects.get(code="440703002").name_en == "白沙 Subdistrict Office"
    assert Unit.objects.get(code="440703101").name_en == "棠下 Town People's Government"
    assert Unit.objects.get(code="440703").name_en == "蓬江区 People's Government"
    assert Unit.objects.get(code="JM.ZJJ").name_en == ""  # a bureau: English falls back to Chinese
