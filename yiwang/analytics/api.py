"""The measures in the JSON API: GET /api/v1/measures, /measures/rankings and /measures/trend.

Leaders, admins, auditors and dispatchers only. Rates are fractions (0-1) with the numerator and
denominator they come from; the composite score is 0-100 and always comes with its weights.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Router, Schema

from . import hotspots as hotspot_reads
from . import selectors, services
from .measures import DEFINITIONS
from .periods import parse_period

router = Router(tags=["measures"])
Group = Literal["unit", "city", "district", "town", "community", "grid"]
AreaGroup = Literal["unit", "district", "town", "community", "grid"]


class ValueOut(Schema):
    value: float | None
    numerator: float
    denominator: float


class RowOut(Schema):
    id: int
    code: str
    name: str
    display_name: str = Field(
        "", description="the name in the request's language (units: English or traditional Chinese)"
    )
    counts: dict[str, int]
    measures: dict[str, ValueOut]
    score: float | None
    overdue_closed: int
    overdue_now: int | None
    drill: str | None


class RankedRowOut(RowOut):
    rank: int | None
    previous_rank: int | None
    previous_score: float | None
    score_change: float | None


class WeightsOut(Schema):
    response: int
    resolution: int
    satisfaction: int
    basically_satisfied_share: float
    valid_from: str | None
    note: str


class StatusOut(Schema):
    last_event_at: dt.datetime | None
    projected_at: dt.datetime | None
    backlog: int


class MeasuresOut(Schema):
    period: str
    period_kind: str
    incomplete: bool = Field(
        False, description="the period has not ended (不完整周期): compared with a whole period before it, it reads low"
    )
    start: dt.date
    end: dt.date
    group: str
    area: str | None
    unit: str | None
    request_type: str | None
    category: str | None
    weights: WeightsOut
    status: StatusOut
    rows: list[RowOut]
    total: RowOut
    definitions: dict[str, str]


class RankingsOut(MeasuresOut):
    previous_period: str
    previous_weights: WeightsOut
    rows: list[RankedRowOut]


class PointOut(Schema):
    period: str
    counts: dict[str, int]
    measures: dict[str, ValueOut]
    score: float | None
    weights: WeightsOut


class TrendOut(Schema):
    area: str | None
    points: list[PointOut]
    definitions: dict[str, str]


def _read(request, **filters):
    home = selectors.measures_viewer_check(request.user)
    if "area" in filters:
        filters["area"] = filters["area"] or home  # a district leader reads their district
    scope = selectors.scope_from(**filters)
    selectors.measures_viewer_check(request.user, area=scope.area)
    services.measures_refresh_for_read()
    return scope


@router.get(
    "",
    response=MeasuresOut,
    summary="Measures per unit or area level",
    description="period: YYYY-MM (default this month), YYYY-Www, YYYY-MM-DD or YYYY. "
    "group: unit | city | district | town | community | grid. area: an area code to narrow to "
    "(drill-down); unit, request_type and category (first level) narrow further. "
    "Day and week periods go down to towns.",
)
def measures(
    request,
    period: str | None = None,
    group: Group = "unit",
    area: str | None = None,
    unit: str | None = None,
    request_type: str | None = None,
    category: str | None = None,
):
    scope = _read(request, area=area, unit=unit, request_type=request_type, category=category)
    table = selectors.measure_table(period=parse_period(period), group=group, scope=scope)
    return {**table, "definitions": DEFINITIONS}


@router.get(
    "/rankings",
    response=RankingsOut,
    summary="Units or areas ranked by composite score, with last period's rank",
)
def rankings(
    request,
    period: str | None = None,
    group: AreaGroup = "unit",
    area: str | None = None,
    request_type: str | None = None,
    category: str | None = None,
):
    scope = _read(request, area=area, request_type=request_type, category=category)
    table = selectors.measure_rankings(period=parse_period(period), group=group, scope=scope)
    return {**table, "definitions": DEFINITIONS}


@router.get("/trend", response=TrendOut, summary="The last 12 months of every measure")
def trend(
    request,
    period: str | None = None,
    area: str | None = None,
    unit: str | None = None,
    months: int = 12,
):
    scope = _read(request, area=area, unit=unit)
    months = max(1, min(months, 60))
    return {
        **selectors.measure_trend(period=parse_period(period), scope=scope, months=months),
        "definitions": DEFINITIONS,
    }


class CellOut(Schema):
    key: str
    name: str = Field(description="a grid: its community and name; a hexagon: the town and community its centre is in")
    center: list[float] | None = Field(None, description="a hexagon's centre [lon, lat]")
    count: int
    share: float | None
    geometry: dict | None


class HotspotsOut(Schema):
    period: str
    incomplete: bool = Field(False, description="the period has not ended yet (不完整周期): its figures are partial")
    by: str
    resolution: int | None
    area: str | None
    category: str | None
    total: int
    located: int
    cells: list[CellOut]


@router.get(
    "/hotspots",
    response=HotspotsOut,
    summary="Hot spots: cases received per grid or per H3 cell",
    description="by: grid | h3; resolution (h3): 7, 8 or 9. period, area and category (first level) as "
    "for /measures. Each cell has its count, its share of the cases with a place, and its outline.",
)
def hotspots(
    request,
    period: str | None = None,
    by: Literal["grid", "h3"] = "grid",
    resolution: int = 8,
    area: str | None = None,
    category: str | None = None,
    limit: int = 200,
):
    scope = _read(request, area=area, category=category)
    return hotspot_reads.hotspots(
        period=parse_period(period), scope=scope, by=by, resolution=resolution, limit=max(1, min(limit, 2000))
    )


class TopicOut(Schema):
    title: str
    keywords: list[str]
    size: int
    recent: int
    earlier: int
    trend: str
    daily: list[int]
    cases: list[str]
    window_start: dt.date
    window_end: dt.date
    computed_at: dt.datetime


class TopicsOut(Schema):
    area: str | None
    topics: list[TopicOut]


@router.get(
    "/topics",
    response=TopicsOut,
    summary="Hot topics: clusters of similar recent cases in an area (the city or a district)",
)
def topics(request, area: str | None = None):
    scope = _read(request, area=area)
    return selectors.topic_list(scope=scope)


class AlertOut(Schema):
    id: int
    area: str
    area_name: str
    category: str
    category_name: str
    category_display_name: str = Field("", description="the category's name in the request's language")
    day: dt.date
    window_start: dt.date
    observed: int
    expected: float
    p_value: float
    state: str
    notified: list[str]
    cases: list[str]


class AlertsOut(Schema):
    alerts: list[AlertOut]


@router.get("/alerts", response=AlertsOut, summary="Early warnings (未诉先办) in an area, newest first")
def alerts(request, area: str | None = None, days: int = 30, period: str | None = None):
    scope = _read(request, area=area)
    within = parse_period(period) if period else None
    return {"alerts": selectors.alert_list(scope=scope, days=max(1, min(days, 366)), period=within)}
