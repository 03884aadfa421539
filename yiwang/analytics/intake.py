"""The intake projection: create events -> cases received per place and category (hot spots, warnings).

A second checkpoint (Projection "intake") over the same append-only events as the measures: it reads
the create events after it in global_seq order, looks up each case's day, place, point and
category, and adds one to

- HotCell (month, district, town, grid, first-level category, H3 cell at resolution 9): hot spots;
- IntakeDay (day, district, town, category cut at level 2): the early warnings' series.

The H3 cell is computed here, in Python (the h3 library), so no database extension is needed. Like
the measures, the place and category are the case's at projection time (a dispatcher who changes
the category later does not move the count; `measures_project --rebuild` recounts with the
current ones).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import h3
from django.db import connection

from yiwang.cases.models import Case, CaseEvent
from yiwang.core import clock
from yiwang.routing.models import Category
from yiwang.workdays.snapshot import current_schedule

from .models import HotCell, IntakeDay

H3_RESOLUTION = 9


def category_levels() -> dict[int, tuple[int, int]]:
    """{category id: (its first-level id, its id cut at level 2)}."""
    rows = dict(Category.objects.values_list("id", "parent_id"))
    out = {}
    for cid, parent in rows.items():
        chain = [cid]
        while parent is not None:
            chain.insert(0, parent)
            parent = rows.get(parent)
        out[cid] = (chain[0], chain[min(1, len(chain) - 1)])
    return out


def h3_cell(lon: float | None, lat: float | None, resolution: int = H3_RESOLUTION) -> int:
    if lon is None or lat is None:
        return 0
    return h3.str_to_int(h3.latlng_to_cell(lat, lon, resolution))


def _upsert(model, keys: tuple[str, ...], value: str, counts: Counter, *, empty: bool) -> None:
    if not counts:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    cols = (*keys, value)
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})"
    if not empty:
        sql += f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {value} = {table}.{value} + excluded.{value}"
    rows = [(*k, n) for k, n in counts.items()]
    with connection.cursor() as cur:
        for i in range(0, len(rows), 5000):
            cur.executemany(sql, rows[i : i + 5000])


def project_intake_range(lo: int, hi: int, *, empty: bool = False) -> int:
    """Add the cases created by the events lo < global_seq <= hi. Runs in the caller's transaction."""
    tz = current_schedule().tz
    levels = category_levels()
    created = CaseEvent.objects.filter(global_seq__gt=lo, global_seq__lte=hi, action="create")
    cases = (
        Case.objects.filter(id__in=created.values("case_id"))
        .values_list("received_at", "district_id", "town_id", "grid_id", "category_id", "lon", "lat")
        .iterator(chunk_size=20000)
    )
    cells: Counter = Counter()
    days: Counter = Counter()
    n = 0
    for received_at, district, town, grid, category, lon, lat in cases:
        n += 1
        day = received_at.astimezone(tz).date()
        month = day.replace(day=1)
        first, second = levels.get(category, (0, 0)) if category else (0, 0)
        district, town = district or 0, town or 0
        cells[(month, district, town, grid or 0, first, h3_cell(lon, lat))] += 1
        days[(day, district, town, second)] += 1
    _upsert(
        HotCell, ("month", "district_id", "town_id", "grid_id", "category_id", "h3"), "received", cells, empty=empty
    )
    _upsert(IntakeDay, ("day", "district_id", "town_id", "category_id"), "received", days, empty=empty)
    return n


def empty_intake_rollups() -> None:
    HotCell.objects.all().delete()
    IntakeDay.objects.all().delete()


def local_today() -> dt.date:
    return clock.now().astimezone(current_schedule().tz).date()
