"""Hot spots 热点: cases received per grid or per hexagonal H3 cell, over a period, an area and a category.

Whole months (a month, a year) are read from the HotCell rollup; a day or a week from the cases
themselves (a few days of cases; their H3 cells are computed on the fly). A grid's or a cell's
count is every case received there in the period (rejected ones included: they are still requests
from that place); a case without a point has no H3 cell, one without a grid no grid.

H3 resolutions 7 (~5 km² cells), 8 (~0.7 km²) and 9 (~0.1 km²); the rollup holds resolution 9 and
coarser cells are its parents. A hexagon is named by the place its centre falls in (town and
community, from geo.locate), so a reader sees where it is rather than its coordinates.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import h3
import shapely
from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from yiwang.cases.models import Case
from yiwang.core.errors import ApplicationError
from yiwang.geo.locate import locate
from yiwang.geo.models import Area, Level
from yiwang.workdays.snapshot import current_schedule

from .intake import H3_RESOLUTION, category_levels, h3_cell
from .models import HotCell
from .periods import Period

RESOLUTIONS = (7, 8, 9)
BY = ("grid", "h3")


def _counts_from_rollup(period: Period, scope, by: str) -> Counter:
    qs = HotCell.objects.filter(month__gte=period.start, month__lt=period.end)
    qs = _narrow(qs, scope, town="town_id", district="district_id", grid="grid_id")
    if scope.category is not None:
        qs = qs.filter(category_id=scope.category.id)
    key = "grid_id" if by == "grid" else "h3"
    return Counter({row[key]: row["n"] for row in qs.values(key).annotate(n=Sum("received")).order_by()})


def _narrow(qs, scope, **fields):
    area = scope.area
    if area is None or area.level == Level.CITY:
        return qs
    if area.level == Level.DISTRICT:
        return qs.filter(**{fields["district"]: area.id})
    if area.level == Level.TOWN:
        return qs.filter(**{fields["town"]: area.id})
    if area.level == Level.GRID:
        return qs.filter(**{fields["grid"]: area.id})
    grids = Area.objects.filter(parent=area).values("id")
    return qs.filter(**{f"{fields['grid']}__in": grids})


def _counts_from_cases(period: Period, scope, by: str) -> Counter:
    tz = current_schedule().tz
    lo = dt.datetime.combine(period.start, dt.time(), tzinfo=tz)
    hi = dt.datetime.combine(period.end, dt.time(), tzinfo=tz)
    qs = Case.objects.filter(received_at__gte=lo, received_at__lt=hi)
    qs = _narrow(qs, scope, town="town_id", district="district_id", grid="grid_id")
    if scope.category is not None:
        ids = [c for c, (first, _second) in category_levels().items() if first == scope.category.id]
        qs = qs.filter(category_id__in=ids)
    if by == "grid":
        return Counter({r["grid_id"] or 0: r["n"] for r in qs.values("grid_id").annotate(n=Count("id")).order_by()})
    return Counter(h3_cell(lon, lat) for lon, lat in qs.values_list("lon", "lat").iterator(chunk_size=20000))


def cell_place(lon: float, lat: float) -> str:
    """The town and community (or the deepest area) a hexagon's centre falls in; the district when
    no town is found; a hexagon centred outside every area (the sea) says so."""
    found = locate(lon, lat)
    if found is None:
        return _("市域外")
    town, community = found.at(Level.TOWN), found.at(Level.COMMUNITY)
    names = [a.name for a in (town, community) if a is not None]
    if not names:
        deepest = found.chain[-1] if found.chain else None
        names = [deepest.name] if deepest else []
    return " ".join(names)


def hotspots(*, period: Period, scope, by: str = "grid", resolution: int = 8, limit: int = 200) -> dict:
    """The places with the most cases received: {by, resolution, total, located, cells: [...]}, each
    cell with its count, share of the located total, and outline (GeoJSON geometry)."""
    if by not in BY:
        raise ApplicationError("invalid_group", _("热点须按网格（grid）或六边形（h3）统计"), fields={"by": by})
    if resolution not in RESOLUTIONS:
        raise ApplicationError(
            "invalid_resolution", _("六边形分辨率须为 7、8 或 9"), fields={"resolution": resolution}
        )
    counts = (_counts_from_rollup if period.uses_months else _counts_from_cases)(period, scope, by)
    total = sum(counts.values())
    unplaced = counts.pop(0, 0)
    if by == "h3" and resolution != H3_RESOLUTION:
        parents: Counter = Counter()
        for cell, n in counts.items():
            parents[h3.str_to_int(h3.cell_to_parent(h3.int_to_str(cell), resolution))] += n
        counts = parents
    located = total - unplaced
    top = counts.most_common(limit)
    cells = []
    if by == "grid":
        areas = {
            a.id: a
            for a in Area.objects.filter(id__in=[k for k, _ in top]).only(
                "id", "code", "name", "geometry", "approximate", "parent__name"
            ).select_related("parent")
        }
        for key, n in top:
            area = areas.get(key)
            if area is None:
                continue
            geometry = None
            if area.geometry:
                geom = shapely.simplify(shapely.from_wkb(bytes(area.geometry)), 0.0001, preserve_topology=True)
                geometry = shapely.geometry.mapping(shapely.set_precision(geom, 0.00001))
            cells.append(
                {
                    "key": area.code,
                    "name": f"{area.parent.name if area.parent else ''} {area.name}".strip(),
                    "count": n,
                    "share": n / located if located else None,
                    "geometry": geometry,
                }
            )
    else:
        for key, n in top:
            cell = h3.int_to_str(key)
            ring = [[round(lon, 6), round(lat, 6)] for lat, lon in h3.cell_to_boundary(cell)]
            lat, lon = h3.cell_to_latlng(cell)
            cells.append(
                {
                    "key": cell,
                    "name": cell_place(lon, lat),
                    "center": [round(lon, 5), round(lat, 5)],
                    "count": n,
                    "share": n / located if located else None,
                    "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
                }
            )
    return {
        "period": period.code,
        "incomplete": period.incomplete,
        "by": by,
        "resolution": resolution if by == "h3" else None,
        "area": scope.area.code if scope.area else None,
        "category": scope.category.code if scope.category else None,
        "total": total,
        "located": located,
        "cells": cells,
    }
