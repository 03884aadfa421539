"""Reads of the area tree."""

from __future__ import annotations

import json

import shapely

from .locate import _current_revision
from .models import Area, Level

_geojson_cache: dict[tuple, tuple[int, bytes]] = {}
# Simplification per level, in degrees (~1 m per 1e-5): enough for outlines on a city-wide map.
SIMPLIFY = {
    Level.CITY: 0.001,
    Level.DISTRICT: 0.0005,
    Level.TOWN: 0.0003,
    Level.COMMUNITY: 0.0002,
    Level.GRID: 0.0001,
}


def area_list(*, level: int | None = None, parent_code: str | None = None):
    qs = Area.objects.select_related("parent").order_by("code")
    if level is not None:
        qs = qs.filter(level=level)
    if parent_code:
        qs = qs.filter(parent__code=parent_code)
    return qs


def area_geojson_bytes(*, level: int, simplified: bool = True) -> bytes:
    """Outlines of one level for the map, cached per process until the areas change."""
    revision = _current_revision()
    key = (level, simplified)
    cached = _geojson_cache.get(key)
    if cached and cached[0] == revision:
        return cached[1]
    rows = Area.objects.filter(level=level, geometry__isnull=False).values_list(
        "code", "name", "parent__code", "approximate", "geometry"
    )
    features = []
    for code, name, parent_code, approximate, wkb in rows:
        geom = shapely.from_wkb(bytes(wkb))
        if simplified:
            geom = shapely.simplify(geom, SIMPLIFY[level], preserve_topology=True)
        geom = shapely.set_precision(geom, 0.00001)
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "code": code,
                    "name": name,
                    "parent_code": parent_code,
                    "level": level,
                    "approximate": approximate,
                },
                "geometry": shapely.geometry.mapping(geom),
            }
        )
    body = json.dumps(
        {"type": "FeatureCollection", "features": features}, ensure_ascii=False, separators=(",", ":")
    ).encode()
    _geojson_cache[key] = (revision, body)
    return body
