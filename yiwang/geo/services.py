"""Writes to the area tree. An import is validated whole before anything is written."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import shapely
from django.db import transaction
from django.utils.translation import gettext as _
from tqdm import tqdm

from yiwang.core.errors import ApplicationError

from .locate import bump_revision
from .models import CODE_LENGTHS, Area, Level
from .names import english_place_name

LEVEL_NAMES = {
    "city": Level.CITY,
    "district": Level.DISTRICT,
    "town": Level.TOWN,
    "street": Level.TOWN,
    "community": Level.COMMUNITY,
    "village": Level.COMMUNITY,
    "grid": Level.GRID,
}
# How many leading digits of the parent's code a child's code repeats.
PARENT_PREFIX = {Level.CITY: 4, Level.DISTRICT: 6, Level.TOWN: 9, Level.COMMUNITY: 12}


@dataclass
class AreaRecord:
    """One area as read from a file, before validation."""

    position: str  # "feature 12" / "row 7": where in the file, for the error report
    code: str
    name: str
    level: int | None
    parent_code: str | None
    kind: str = ""
    geometry: object | None = None  # a shapely geometry or None
    approximate: bool = False
    name_en: str = ""  # empty: pinyin computed at import (geo/names.py)
    name_zh_hant: str = ""  # empty: OpenCC s2t when shown


@dataclass
class ImportProblem:
    position: str
    code: str
    problem: str

    def __str__(self) -> str:
        return f"{self.position} [{self.code or '?'}]: {self.problem}"


class AreaImportError(ApplicationError):
    def __init__(self, problems: list[ImportProblem]):
        super().__init__(
            "area_import_invalid",
            _("导入文件有 %(n)d 处错误，未写入任何数据。") % {"n": len(problems)},
            fields={"problems": "; ".join(map(str, problems[:50]))},
        )
        self.problems = problems


def _parse_level(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, int) or str(value).isdigit():
        return int(value) if int(value) in Level.values else None
    return LEVEL_NAMES.get(str(value).strip().lower())


def records_from_geojson(
    data: dict, *, level=None, parent_code: str | None = None, approximate: bool = False
) -> list[AreaRecord]:
    """Read features. Properties: code (or adcode), name, level, parent_code (or parent.adcode), kind."""
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ApplicationError("geojson_invalid", _("文件不是 GeoJSON FeatureCollection。"))
    records = []
    for i, feature in enumerate(data.get("features") or [], start=1):
        props = feature.get("properties") or {}
        parent = props.get("parent_code")
        if parent is None and isinstance(props.get("parent"), dict):
            parent = props["parent"].get("adcode")
        geom = feature.get("geometry")
        try:
            shape = shapely.geometry.shape(geom) if geom else None
        except Exception as exc:  # noqa: BLE001 - any unreadable geometry is reported, not raised
            shape = exc
        records.append(
            AreaRecord(
                position=_("第 %(i)d 个要素") % {"i": i},
                code=str(props.get("code") or props.get("adcode") or "").strip(),
                name=str(props.get("name") or "").strip(),
                level=_parse_level(props.get("level") if level is None else level),
                parent_code=str(parent_code if parent_code is not None else (parent or "")).strip() or None,
                kind=str(props.get("kind") or ""),
                geometry=shape,
                approximate=bool(props.get("approximate", approximate)),
                name_en=str(props.get("name_en") or "").strip(),
                name_zh_hant=str(props.get("name_zh_hant") or "").strip(),
            )
        )
    return records


def records_from_township_csv(path: Path) -> list[AreaRecord]:
    """The NBS township list (code12, name, type, areaCode): towns and streets without boundaries."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"code12", "name", "type", "areaCode"} - set(reader.fieldnames or [])
        if missing:
            raise ApplicationError(
                "csv_columns_missing", _("CSV 缺少列：%(cols)s") % {"cols": ", ".join(sorted(missing))}
            )
        return [
            AreaRecord(
                position=_("第 %(i)d 行") % {"i": i},
                code=row["code12"].strip(),
                name=row["name"].strip(),
                level=Level.TOWN,
                parent_code=row["areaCode"].strip(),
                kind=row["type"].strip(),
            )
            for i, row in enumerate(reader, start=2)
        ]


def validate_records(records: list[AreaRecord]) -> list[ImportProblem]:
    """Every problem in the file, so the person fixing it sees them all at once."""
    problems: list[ImportProblem] = []
    seen: dict[str, str] = {}
    in_file = {r.code: r for r in records if r.code}
    existing = {
        c: lv
        for c, lv in Area.objects.filter(
            code__in={r.parent_code for r in records if r.parent_code} | set(in_file)
        ).values_list("code", "level")
    }

    def problem(r: AreaRecord, text: str) -> None:
        problems.append(ImportProblem(r.position, r.code, text))

    for r in records:
        if not r.code or not r.code.isdigit():
            problem(r, _("编码缺失或不是数字"))
        elif r.code in seen:
            problem(r, _("编码重复（与%(other)s相同）") % {"other": seen[r.code]})
        else:
            seen[r.code] = r.position
        if not r.name:
            problem(r, _("名称缺失"))
        if r.level is None:
            problem(r, _("层级缺失或无法识别"))
            continue
        if r.code and len(r.code) not in CODE_LENGTHS[r.level]:
            problem(
                r,
                _("编码长度 %(n)d 与层级“%(level)s”不符") % {"n": len(r.code), "level": Level(r.level).label},
            )
        if r.level == Level.CITY:
            if r.parent_code:
                problem(r, _("市级区域不应有上级"))
        elif not r.parent_code:
            problem(r, _("缺少上级编码"))
        else:
            parent_level = (
                in_file[r.parent_code].level if r.parent_code in in_file else existing.get(r.parent_code)
            )
            if parent_level is None:
                problem(r, _("上级编码 %(p)s 不存在") % {"p": r.parent_code})
            elif parent_level != r.level - 1:
                problem(
                    r,
                    _("层级错误：%(level)s 的上级不能是 %(plevel)s")
                    % {"level": Level(r.level).label, "plevel": Level(parent_level).label},
                )
            elif not r.code.startswith(r.parent_code[: PARENT_PREFIX[parent_level]]):
                problem(r, _("编码 %(c)s 与上级编码 %(p)s 不一致") % {"c": r.code, "p": r.parent_code})
        g = r.geometry
        if isinstance(g, Exception):
            problem(r, _("几何无法读取：%(e)s") % {"e": g})
        elif g is not None:
            if g.geom_type not in ("Polygon", "MultiPolygon"):
                problem(r, _("几何类型必须是 Polygon 或 MultiPolygon，而不是 %(t)s") % {"t": g.geom_type})
            elif g.is_empty:
                problem(r, _("几何为空"))
            elif not g.is_valid:
                problem(r, _("几何无效：%(why)s") % {"why": shapely.is_valid_reason(g)})
            elif not (73 <= g.bounds[0] and g.bounds[2] <= 136 and 3 <= g.bounds[1] and g.bounds[3] <= 54):
                problem(r, _("几何不在中国范围内（需 WGS84 经纬度）"))
    return problems


def area_import(*, records: list[AreaRecord], progress: bool = False, keep_geometry: bool = True) -> dict:
    """Validate all records, then upsert them by code in one transaction. Returns counts.

    keep_geometry: a record without geometry leaves an existing boundary in place (the township CSV
    carries names and codes only).
    """
    problems = validate_records(records)
    if problems:
        raise AreaImportError(problems)
    ordered = sorted(records, key=lambda r: r.level)
    created = updated = 0
    with transaction.atomic():
        ids = dict(
            Area.objects.filter(
                code__in={r.code for r in records} | {r.parent_code for r in records if r.parent_code}
            ).values_list("code", "id")
        )
        existing = {a.code: a for a in Area.objects.filter(code__in=[r.code for r in records])}
        bar = tqdm(total=len(ordered), desc="areas", unit="area", disable=not progress)
        for level in sorted({r.level for r in ordered}):
            batch = [r for r in ordered if r.level == level]
            to_create, to_update = [], []
            for r in batch:
                area = existing.get(r.code) or Area(code=r.code)
                # An English name given by the file wins; else an existing one stays while the Chinese
                # name does (an admin may have corrected it); else pinyin.
                if r.name_en:
                    area.name_en = r.name_en
                elif not area.name_en or area.name != r.name:
                    area.name_en = english_place_name(r.name)
                area.name_zh_hant = r.name_zh_hant or (area.name_zh_hant if area.name == r.name else "")
                area.name, area.level, area.kind = r.name, r.level, r.kind or area.kind
                area.parent_id = ids.get(r.parent_code) if r.parent_code else None
                if r.geometry is not None:
                    area.geometry = shapely.to_wkb(r.geometry)
                    c = r.geometry.representative_point()
                    area.centroid_lon, area.centroid_lat = c.x, c.y
                    area.approximate = r.approximate
                elif not keep_geometry:
                    area.geometry = None
                (to_update if area.pk else to_create).append(area)
            for chunk_start in range(0, len(to_create), 500):
                chunk = Area.objects.bulk_create(to_create[chunk_start : chunk_start + 500])
                bar.update(len(chunk))
            if to_update:
                Area.objects.bulk_update(
                    to_update,
                    [
                        "name",
                        "name_en",
                        "name_zh_hant",
                        "level",
                        "kind",
                        "parent",
                        "geometry",
                        "centroid_lon",
                        "centroid_lat",
                        "approximate",
                    ],
                    batch_size=500,
                )
                bar.update(len(to_update))
            created += len(to_create)
            updated += len(to_update)
            ids.update(dict(Area.objects.filter(code__in=[r.code for r in batch]).values_list("code", "id")))
        bar.close()
        bump_revision()
    return {"created": created, "updated": updated}


def area_import_file(*, path: Path, progress: bool = False, **options) -> dict:
    path = Path(path)
    if not path.exists():
        raise ApplicationError("file_not_found", _("文件不存在：%(p)s") % {"p": path})
    if path.suffix.lower() == ".csv":
        return area_import(records=records_from_township_csv(path), progress=progress)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApplicationError("geojson_invalid", _("无法解析 GeoJSON：%(e)s") % {"e": exc}) from None
    return area_import(records=records_from_geojson(data, **options), progress=progress)


def areas_to_geojson(areas: Iterable[Area]) -> dict:
    features = []
    for a in areas:
        shape = a.shape
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "code": a.code,
                    "name": a.name,
                    "name_en": a.name_en,
                    "name_zh_hant": a.name_zh_hant,
                    "level": a.level,
                    "kind": a.kind,
                    "parent_code": a.parent.code if a.parent_id else None,
                    "approximate": a.approximate,
                },
                "geometry": shapely.geometry.mapping(shape) if shape is not None else None,
            }
        )
    return {"type": "FeatureCollection", "features": features}
