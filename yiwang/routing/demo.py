"""Demo units and the category tree.

Units: the real municipal bureaus of Jiangmen (names as the city government lists them), each
district's government and command centre, and each town's or street's office. Categories: the
three-level tree of ../shared/data/messages/taxonomy.csv (TipDM 2020 contest data).

English names come from data/i18n/ (see its README): category_names_en.csv (one row per node of the
tree) and unit_names_en.csv (one row per unit below, by code). Re-running a loader on an existing
database updates those names in place.
"""

from __future__ import annotations

import csv
from pathlib import Path

from django.conf import settings
from django.db import transaction

from yiwang.geo.models import Area, Level

from .models import Category, Unit

CITY_CODE = "440700"
BUREAUS = [
    ("JM.ZJJ", "江门市住房和城乡建设局"),
    ("JM.SHJ", "江门市生态环境局"),
    ("JM.JTJ", "江门市交通运输局"),
    ("JM.JYJ", "江门市教育局"),
    ("JM.RSJ", "江门市人力资源和社会保障局"),
    ("JM.SWJ", "江门市商务局"),
    ("JM.WJJ", "江门市卫生健康局"),
    ("JM.CGJ", "江门市城市管理和综合执法局"),
    ("JM.GAJ", "江门市公安局"),
    ("JM.QWJ", "江门市人民政府侨务办公室"),
    ("JM.SFJ", "江门市司法局"),
    ("JM.SJJ", "江门市市场监督管理局"),
    ("JM.SLJ", "江门市水利局"),
    ("JM.WGLT", "江门市文化广电旅游体育局"),
    ("JM.ZRJ", "江门市自然资源局"),
    ("JM.MZJ", "江门市民政局"),
    ("JM.YJJ", "江门市应急管理局"),
    ("JM.NYJ", "江门市农业农村局"),
    ("JM.YBJ", "江门市医疗保障局"),
    ("JM.FGJ", "江门市发展和改革局"),
    ("JM.GXJ", "江门市工业和信息化局"),
    ("JM.GJJ", "江门市住房公积金管理中心"),
]

# A unit whose area has no English name in unit_names_en.csv keeps the Chinese place name in front of
# the English kind of office (no pinyin library in the dependencies to transliterate it).
TOWN_SUFFIX_EN = {"街道": " Subdistrict Office", "镇": " Town People's Government"}
OTHER_TOWN_SUFFIX_EN = " Administrative Committee"


def _i18n_dir() -> Path:
    return Path(settings.DATA_DIR) / "i18n"


def unit_names_en(path: Path | None = None) -> dict[str, str]:
    """{unit code: English name} from data/i18n/unit_names_en.csv (empty when the file is absent)."""
    path = path or _i18n_dir() / "unit_names_en.csv"
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as fh:
        return {row["code"]: row["en"].strip() for row in csv.DictReader(fh) if row.get("en", "").strip()}


def category_names_en(path: Path | None = None) -> dict[tuple[str, ...], str]:
    """{(level1[, level2[, level3]]): English name} from data/i18n/category_names_en.csv."""
    path = path or _i18n_dir() / "category_names_en.csv"
    if not path.exists():
        return {}
    out = {}
    with open(path, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            key = tuple(row[c] for c in ("level1", "level2", "level3") if row.get(c))
            if key and row.get("en", "").strip():
                out[key] = row["en"].strip()
    return out


def _unit(code: str, english: dict[str, str], fallback_en: str, **defaults) -> None:
    Unit.objects.update_or_create(code=code, defaults={**defaults, "name_en": english.get(code, fallback_en)})


@transaction.atomic
def load_units() -> int:
    city = Area.objects.get(code=CITY_CODE)
    english = unit_names_en()
    n = 0
    for code, name in BUREAUS:
        _unit(code, english, "", name=name, kind=Unit.Kind.BUREAU, area=city)
        n += 1
    _unit(
        f"CC.{CITY_CODE}",
        english,
        "",
        name="江门市12345政务服务便民热线指挥中心",
        kind=Unit.Kind.COMMAND,
        area=city,
    )
    for district in Area.objects.filter(level=Level.DISTRICT):
        _unit(
            district.code,
            english,
            f"{district.name} People's Government",
            name=f"{district.name}人民政府",
            kind=Unit.Kind.DISTRICT,
            area=district,
        )
        _unit(
            f"CC.{district.code}",
            english,
            f"{district.name} Social Governance Command Centre",
            name=f"{district.name}社会治理指挥中心",
            kind=Unit.Kind.COMMAND,
            area=district,
        )
        n += 2
    for town in Area.objects.filter(level=Level.TOWN):
        suffix = "办事处" if town.kind == "街道" else ("人民政府" if town.kind == "镇" else "管理委员会")
        place = town.name.removesuffix(town.kind) if town.kind in TOWN_SUFFIX_EN else town.name
        _unit(
            town.code[:9],
            english,
            place + TOWN_SUFFIX_EN.get(town.kind, OTHER_TOWN_SUFFIX_EN),
            name=f"{town.name}{suffix}",
            kind=Unit.Kind.TOWN,
            area=town,
        )
        n += 1
    return n


@transaction.atomic
def load_categories(path: Path | None = None) -> int:
    """Build the three-level tree. Codes: L1 'C01', L2 'C01.02', L3 'C01.02.003'."""
    path = path or Path(settings.DATA_DIR) / "messages" / "taxonomy.csv"
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    nodes: dict[tuple, Category] = {
        c_key: c
        for c_key, c in (
            (tuple(c.path.split(" / ")), c) for c in Category.objects.select_related("parent__parent")
        )
    }
    counters: dict[tuple, int] = {}
    english = category_names_en()

    def node(names: tuple, level: int, parent: Category | None) -> Category:
        if names in nodes:
            found = nodes[names]
            if names in english and found.name_en != english[names]:  # fill in, on an older database
                found.name_en = english[names]
                found.save(update_fields=["name_en"])
            return found
        counters[names[:-1]] = counters.get(names[:-1], Category.objects.filter(parent=parent).count()) + 1
        seq = counters[names[:-1]]
        code = f"C{seq:02d}" if parent is None else f"{parent.code}.{seq:0{2 if level == 2 else 3}d}"
        nodes[names] = Category.objects.create(
            code=code, name=names[-1], name_en=english.get(names, ""), level=level, parent=parent
        )
        return nodes[names]

    for row in rows:
        l1 = node((row["level1"],), 1, None)
        l2 = node((row["level1"], row["level2"]), 2, l1)
        if row.get("level3"):
            node((row["level1"], row["level2"], row["level3"]), 3, l2)
    return len(nodes)


# (level-1 name, level-2 name or None) -> (lead unit code, assisting unit codes), at city level.
CITY_RULES = [
    ("城乡建设", None, "JM.ZJJ", ["JM.ZRJ"]),
    ("城乡建设", "安全生产", "JM.YJJ", ["JM.ZJJ"]),
    ("城乡建设", "城乡规划", "JM.ZRJ", []),
    ("城乡建设", "住房保障与房地产", "JM.ZJJ", ["JM.GJJ"]),
    ("党务政务", "港澳台侨", "JM.QWJ", []),
    ("国土资源", None, "JM.ZRJ", []),
    ("环境保护", None, "JM.SHJ", []),
    ("交通运输", None, "JM.JTJ", []),
    ("经济管理", None, "JM.FGJ", []),
    ("经济管理", "安全生产", "JM.YJJ", []),
    ("科技与信息产业", None, "JM.GXJ", []),
    ("民政", None, "JM.MZJ", []),
    ("农村农业", None, "JM.NYJ", []),
    ("农村农业", "水利水电", "JM.SLJ", []),
    ("商贸旅游", None, "JM.SWJ", []),
    ("商贸旅游", "旅游管理", "JM.WGLT", []),
    ("商贸旅游", "市场监管", "JM.SJJ", []),
    ("商贸旅游", "质监检验检疫", "JM.SJJ", []),
    ("卫生计生", None, "JM.WJJ", []),
    ("卫生计生", "食品药品监管", "JM.SJJ", ["JM.WJJ"]),
    ("政法", None, "JM.GAJ", []),
    ("政法", "法律服务", "JM.SFJ", []),
    ("政法", "法制建设", "JM.SFJ", []),
    ("政法", "行政复议", "JM.SFJ", []),
    ("政法", "仲裁与调解", "JM.SFJ", []),
    ("教育文体", None, "JM.JYJ", []),
    ("教育文体", "体育", "JM.WGLT", []),
    ("教育文体", "文化", "JM.WGLT", []),
    ("教育文体", "文物管理", "JM.WGLT", []),
    ("劳动和社会保障", None, "JM.RSJ", []),
    ("劳动和社会保障", "城镇居民社会保险", "JM.RSJ", ["JM.YBJ"]),
]
# Handled where it happens: municipal management and village building go to the district government
# (city urban-management bureau assisting), and in the central streets to the street office.
LOCAL_CATEGORIES = [
    ("城乡建设", "城市建设和市政管理"),
    ("城乡建设", "村镇建设"),
    ("民政", "基层选举和社区建设"),
]


@transaction.atomic
def load_rules() -> int:
    from .models import ResponsibilityRule

    cats = {
        tuple(c.path.split(" / ")): c for c in Category.objects.filter(level__lte=2).select_related("parent")
    }
    units = {u.code: u for u in Unit.objects.all()}
    city = Area.objects.get(code=CITY_CODE)
    n = 0

    def rule(category, area, lead, assisting, note):
        nonlocal n
        obj, _ = ResponsibilityRule.objects.update_or_create(
            category=category, area=area, defaults={"lead_unit": units[lead], "note": note}
        )
        obj.assisting_units.set([units[c] for c in assisting])
        n += 1

    for l1, l2, lead, assisting in CITY_RULES:
        category = cats.get((l1,) if l2 is None else (l1, l2))
        if category is not None:
            rule(category, city, lead, assisting, "市级部门三定职责（演示）")
    for district in Area.objects.filter(level=Level.DISTRICT):
        for path in LOCAL_CATEGORIES:
            if path in cats:
                rule(
                    cats[path],
                    district,
                    district.code,
                    ["JM.CGJ"] if path[1] == "城市建设和市政管理" else [],
                    "属地管理（演示）",
                )
    for town in Area.objects.filter(level=Level.TOWN, kind="街道"):
        path = ("城乡建设", "城市建设和市政管理")
        if path in cats:
            rule(cats[path], town, town.code[:9], [], "街道属地管理（演示）")
    return n
