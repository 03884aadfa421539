"""Reads of the area tree: outlines for the map, label points, and the place-name search."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass

import shapely

from yiwang.core.language import active_language, simplified

from .locate import _current_revision
from .models import Area, Level
from .names import area_name

# Per process, per (what, language): (revision, value); rebuilt when the areas change.
_cache: dict[tuple, tuple[int, object]] = {}
# Simplification per level, in degrees (~1 m per 1e-5): enough for outlines on a city-wide map.
SIMPLIFY = {
    Level.CITY: 0.001,
    Level.DISTRICT: 0.0005,
    Level.TOWN: 0.0003,
    Level.COMMUNITY: 0.0002,
    Level.GRID: 0.0001,
}
# Levels whose names are labels on the map and answers of the search (grids are numbered, not named).
NAMED_LEVELS = (Level.DISTRICT, Level.TOWN, Level.COMMUNITY)
SEARCH_LIMIT = 20


def _cached(key: tuple, build):
    revision = _current_revision()
    hit = _cache.get(key)
    if hit and hit[0] == revision:
        return hit[1]
    value = build()
    _cache[key] = (revision, value)
    return value


def area_list(*, level: int | None = None, parent_code: str | None = None):
    qs = Area.objects.select_related("parent").order_by("code")
    if level is not None:
        qs = qs.filter(level=level)
    if parent_code:
        qs = qs.filter(parent__code=parent_code)
    return qs


def _features(level: int, language: str | None, simplified_outline: bool) -> list[tuple[tuple, bytes]]:
    """Each area of `level` as (bounds, its GeoJSON Feature as bytes), names in `language`; with
    language None, lines only: the code is the one property (the base map's grid lines)."""
    rows = Area.objects.filter(level=level, geometry__isnull=False).values_list(
        "code", "name", "name_en", "name_zh_hant", "parent__code", "approximate", "geometry"
    )
    out = []
    for code, name, name_en, name_zh_hant, parent_code, approximate, wkb in rows:
        geom = shapely.from_wkb(bytes(wkb))
        if simplified_outline:
            geom = shapely.simplify(geom, SIMPLIFY[level], preserve_topology=True)
        geom = shapely.set_precision(geom, 0.00001)
        properties = {"code": code}
        if language is not None:
            properties.update(
                {
                    "name": area_name(name, name_en, name_zh_hant, language),
                    "name_zh": name,
                    "parent_code": parent_code,
                    "level": level,
                    "approximate": approximate,
                }
            )
        feature = {"type": "Feature", "properties": properties, "geometry": shapely.geometry.mapping(geom)}
        out.append((geom.bounds, json.dumps(feature, ensure_ascii=False, separators=(",", ":")).encode()))
    return out


def area_geojson_bytes(
    *,
    level: int,
    simplified: bool = True,
    bbox: tuple[float, float, float, float] | None = None,
    lines_only: bool = False,
) -> bytes:
    """Outlines of one level for the map, names in the active language (no names but codes when
    `lines_only`); only those meeting `bbox` (min lon, min lat, max lon, max lat) when given. Cached
    per process until the areas change."""
    language = None if lines_only else active_language()
    features = _cached(
        ("features", level, simplified, language), lambda: _features(level, language, simplified)
    )
    if bbox is not None:
        x0, y0, x1, y1 = bbox
        features = [
            f for f in features if f[0][0] <= x1 and f[0][2] >= x0 and f[0][1] <= y1 and f[0][3] >= y0
        ]
    return b'{"type":"FeatureCollection","features":[' + b",".join(f[1] for f in features) + b"]}"


@dataclass(frozen=True)
class NamedArea:
    code: str
    level: int
    name: str  # stored, simplified
    name_en: str
    name_zh_hant: str
    parent_code: str | None
    lon: float  # a point inside the area (its representative point), where its label goes
    lat: float
    bounds: tuple[float, float, float, float]  # min lon, min lat, max lon, max lat
    latin_key: str  # name_en folded for search ("tangxiatown")

    def as_dict(self, language: str, parents: dict[str, NamedArea]) -> dict:
        parent = parents.get(self.parent_code or "")
        return {
            "code": self.code,
            "level": self.level,
            "level_label": str(Level(self.level).label),
            "name": area_name(self.name, self.name_en, self.name_zh_hant, language),
            "name_zh": self.name,
            "parent_name": area_name(parent.name, parent.name_en, parent.name_zh_hant, language)
            if parent
            else "",
            "lon": round(self.lon, 5),
            "lat": round(self.lat, 5),
            "bounds": [round(v, 5) for v in self.bounds],
        }


def _fold_latin(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", unicodedata.normalize("NFKD", text or "").lower())


def _named_areas() -> list[NamedArea]:
    rows = Area.objects.filter(level__in=NAMED_LEVELS, geometry__isnull=False).order_by("level", "code")
    out = []
    for code, level, name, name_en, name_zh_hant, parent_code, lon, lat, wkb in rows.values_list(
        "code",
        "level",
        "name",
        "name_en",
        "name_zh_hant",
        "parent__code",
        "centroid_lon",
        "centroid_lat",
        "geometry",
    ):
        bounds = shapely.bounds(shapely.from_wkb(bytes(wkb))).tolist()
        if lon is None or lat is None:
            lon, lat = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
        out.append(
            NamedArea(
                code,
                level,
                name,
                name_en,
                name_zh_hant,
                parent_code,
                lon,
                lat,
                tuple(bounds),
                _fold_latin(name_en),
            )
        )
    return out


def _cities() -> dict[str, NamedArea]:
    """The cities, only as the parents a district's search answer names."""
    return {
        code: NamedArea(code, Level.CITY, name, en, hant, None, 0, 0, (0, 0, 0, 0), "")
        for code, name, en, hant in Area.objects.filter(level=Level.CITY).values_list(
            "code", "name", "name_en", "name_zh_hant"
        )
    }


def named_areas() -> list[NamedArea]:
    """Districts, towns and communities with a label point and bounds, cached per process."""
    return _cached(("named",), _named_areas)


def area_labels(*, level: int) -> list[list]:
    """[code, name in the active language, lon, lat] for each named area of `level`: the map's labels."""
    language = active_language()
    return [
        [a.code, area_name(a.name, a.name_en, a.name_zh_hant, language), round(a.lon, 5), round(a.lat, 5)]
        for a in named_areas()
        if a.level == level
    ]


def area_search(*, query: str, limit: int = 10) -> list[dict]:
    """Districts, towns and communities whose name holds `query`: in simplified or traditional
    characters, or in pinyin (with or without spaces and tones' absence, any case: "tangxia",
    "Tangxia Town"). Exact names first, then names that start with it, then the rest; bigger areas
    before smaller ones. Names in the active language."""
    text = unicodedata.normalize("NFKC", query or "").strip()
    han = simplified(re.sub(r"\s+", "", text))
    latin = _fold_latin(text)
    has_han = any("\u3400" <= ch <= "\u9fff" for ch in han)
    areas = named_areas()
    ranked = []
    for a in areas:
        if has_han:
            if han not in a.name:
                continue
            rank = 0 if a.name == han else 1 if a.name.startswith(han) else 2
        elif latin:
            if latin not in a.latin_key:
                continue
            rank = 0 if a.latin_key == latin else 1 if a.latin_key.startswith(latin) else 2
        else:
            continue
        ranked.append((rank, a.level, a.code, a))
    ranked.sort(key=lambda r: r[:3])
    language = active_language()
    parents = {a.code: a for a in areas if a.level < Level.COMMUNITY}
    parents.update(_cached(("cities",), _cities))
    return [r[3].as_dict(language, parents) for r in ranked[: max(1, min(limit, SEARCH_LIMIT))]]
