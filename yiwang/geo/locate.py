"""Which grid is this point in? An in-memory STRtree over the grid polygons.

Each process holds one index. It is rebuilt lazily when the shared revision counter (GeoRevision)
moves, checked at most every GEO_INDEX_CHECK_SECONDS, so an edit in one process reaches the others
without assuming a single process. Points that fall in no grid (slivers, areas without grids) fall
back to the deepest area polygon that contains them.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from yiwang.core.errors import ApplicationError

from .models import Area, GeoRevision, Level

# Coordinates outside this box cannot be in China (WGS84); rejected before any lookup.
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)


@dataclass(frozen=True)
class AreaRef:
    id: int
    code: str
    name: str
    level: int
    approximate: bool
    name_en: str = ""  # for readers in English and traditional Chinese (geo/names.py)
    name_zh_hant: str = ""


@dataclass(frozen=True)
class Location:
    lon: float
    lat: float
    chain: tuple[AreaRef, ...] = field(default=())  # from the city down to the deepest area found

    @property
    def grid(self) -> AreaRef | None:
        last = self.chain[-1] if self.chain else None
        return last if last and last.level == Level.GRID else None

    def at(self, level: int) -> AreaRef | None:
        return next((a for a in self.chain if a.level == level), None)

    def as_dict(self) -> dict:
        return {
            "lon": self.lon,
            "lat": self.lat,
            "grid_code": self.grid.code if self.grid else None,
            "chain": [
                {"code": a.code, "name": a.name, "level": a.level, "approximate": a.approximate}
                for a in self.chain
            ],
        }


def parse_coordinates(lon, lat) -> tuple[float, float]:
    """Turn user input into (lon, lat) or raise a coded error saying what is wrong."""
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        raise ApplicationError(
            "invalid_coordinates", _("经纬度必须是数字，例如 113.08 22.60。"), fields={"lon": lon, "lat": lat}
        ) from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise ApplicationError("invalid_coordinates", _("经纬度必须是有限的数字。"))
    if not (-180 <= x <= 180 and -90 <= y <= 90):
        raise ApplicationError(
            "coordinates_out_of_range",
            _("经度须在 -180 到 180 之间，纬度须在 -90 到 90 之间（先经度后纬度）。"),
        )
    if not (CHINA_LON[0] <= x <= CHINA_LON[1] and CHINA_LAT[0] <= y <= CHINA_LAT[1]):
        raise ApplicationError(
            "coordinates_out_of_range", _("该坐标不在中国境内，请检查经纬度是否写反（先经度后纬度，WGS84）。")
        )
    return x, y


class AreaIndex:
    """Immutable snapshot of the area tree with an STRtree over grids and one over all other polygons."""

    def __init__(self, rows: list[tuple]):
        # rows: (id, code, name, level, parent_id, approximate, wkb[, name_en, name_zh_hant])
        self.refs: dict[int, AreaRef] = {}
        self.parent: dict[int, int | None] = {}
        grid_ids, grid_wkb, other_ids, other_wkb = [], [], [], []
        for id_, code, name, level, parent_id, approximate, wkb, *names in rows:
            self.refs[id_] = AreaRef(id_, code, name, level, approximate, *names)
            self.parent[id_] = parent_id
            if wkb:
                (grid_ids if level == Level.GRID else other_ids).append(id_)
                (grid_wkb if level == Level.GRID else other_wkb).append(bytes(wkb))
        self.grid_ids = np.array(grid_ids, dtype=np.int64)
        self.grid_geoms = shapely.from_wkb(grid_wkb) if grid_wkb else np.array([], dtype=object)
        shapely.prepare(self.grid_geoms)
        self.grid_tree = shapely.STRtree(self.grid_geoms)
        self.other_ids = np.array(other_ids, dtype=np.int64)
        self.other_levels = np.array([self.refs[i].level for i in other_ids], dtype=np.int64)
        self.other_geoms = shapely.from_wkb(other_wkb) if other_wkb else np.array([], dtype=object)
        shapely.prepare(self.other_geoms)
        self.other_tree = shapely.STRtree(self.other_geoms)
        # The top-level outlines (the city): most misses are outside them and stop at one cheap test.
        top = min(self.other_levels) if len(self.other_levels) else None
        self.roots = self.other_geoms[self.other_levels == top] if top is not None else self.other_geoms
        self._chains: dict[int, tuple[AreaRef, ...]] = {}

    def chain(self, area_id: int) -> tuple[AreaRef, ...]:
        cached = self._chains.get(area_id)
        if cached is None:
            out, cur = [], area_id
            while cur is not None:
                out.append(self.refs[cur])
                cur = self.parent.get(cur)
            cached = self._chains[area_id] = tuple(reversed(out))
        return cached

    def locate_id(self, x: float, y: float) -> int | None:
        point = shapely.Point(x, y)
        hits = self.grid_tree.query(point, predicate="intersects")
        if len(hits):
            return int(self.grid_ids[hits.min()])
        if len(self.roots) and not shapely.intersects(self.roots, point).any():
            return None
        hits = self.other_tree.query(point, predicate="intersects")
        if len(hits):
            deepest = hits[np.argmax(self.other_levels[hits])]
            return int(self.other_ids[deepest])
        return None

    def locate_grid_ids(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """Vectorised: the grid id for each point, or -1. One STRtree query for all points."""
        points = shapely.points(xs, ys)
        point_idx, geom_idx = self.grid_tree.query(points, predicate="intersects")
        out = np.full(len(xs), -1, dtype=np.int64)
        # Points on a shared edge match two grids; keep the first, as locate_id does (lowest index).
        order = np.lexsort((geom_idx, point_idx))
        point_idx, geom_idx = point_idx[order], geom_idx[order]
        first = np.ones(len(point_idx), dtype=bool)
        first[1:] = point_idx[1:] != point_idx[:-1]
        out[point_idx[first]] = self.grid_ids[geom_idx[first]]
        return out


_lock = threading.Lock()
_index: AreaIndex | None = None
_index_revision: int | None = None
_checked_at = 0.0


def _current_revision() -> int:
    row = GeoRevision.objects.filter(pk=1).values_list("revision", flat=True).first()
    return row or 0


def bump_revision() -> None:
    """Tell every process the areas changed. Call inside the writing transaction."""
    updated = GeoRevision.objects.filter(pk=1).update(revision=F("revision") + 1)
    if not updated:
        GeoRevision.objects.get_or_create(pk=1, defaults={"revision": 1})
    transaction.on_commit(invalidate)
    invalidate()


def invalidate() -> None:
    global _checked_at
    _checked_at = 0.0


def get_index() -> AreaIndex:
    global _index, _index_revision, _checked_at
    now = time.monotonic()
    if _index is not None and now - _checked_at < settings.GEO_INDEX_CHECK_SECONDS:
        return _index
    with _lock:
        revision = _current_revision()
        _checked_at = now
        if _index is None or revision != _index_revision:
            rows = list(
                Area.objects.values_list(
                    "id", "code", "name", "level", "parent_id", "approximate", "geometry", "name_en", "name_zh_hant"
                )
            )
            _index, _index_revision = AreaIndex(rows), revision
        return _index


def locate(lon, lat) -> Location | None:
    """The chain of areas down to the grid containing (lon, lat), or None outside every area."""
    x, y = parse_coordinates(lon, lat)
    index = get_index()
    area_id = index.locate_id(x, y)
    if area_id is None:
        return None
    return Location(x, y, index.chain(area_id))


METRES_PER_DEGREE_LAT = 111_320.0


def box_around(x: float, y: float, metres: float) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) of the square reaching `metres` from the point each way."""
    dy = metres / METRES_PER_DEGREE_LAT
    dx = dy / max(math.cos(math.radians(y)), 0.01)
    return x - dx, y - dy, x + dx, y + dy


def grid_ids_near(x: float, y: float, metres: float) -> list[int] | None:
    """The grids that come within about `metres` of the point (its box_around, a little more than the
    circle), for finding what lies nearby through the cases' grid index; None when the index holds no
    grids at all (the caller falls back to another filter)."""
    index = get_index()
    if not len(index.grid_ids):
        return None
    hits = index.grid_tree.query(shapely.box(*box_around(x, y, metres)), predicate="intersects")
    return sorted(int(i) for i in index.grid_ids[hits])
