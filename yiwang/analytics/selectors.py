"""Reads of the measures: tables per unit or area level, rankings month over month, trends.

Every read sums counters from the smallest rollup that answers it (months: MeasureMonth; days and
weeks: MeasureDay; communities, grids, request types and categories: MeasureMonthDetail) and then
computes the measures in Python (measures.py). A city total is the sum of everything in scope, so
it includes the counts that have no unit (intake) or no place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from yiwang.accounts.models import Role, User
from yiwang.accounts.people import person_name
from yiwang.cases.models import Case, CaseEvent
from yiwang.core import clock
from yiwang.core.errors import ApplicationError
from yiwang.geo.models import Area, Level
from yiwang.routing.models import Category, Unit
from yiwang.security.masking import mask_personal_text

from . import measures as m
from .models import (
    COUNTERS,
    MeasureDay,
    MeasureMonth,
    MeasureMonthGrid,
    MeasureMonthKind,
    Projection,
    ScoreWeights,
)
from .periods import Period, last_months, month_of

VIEWER_ROLES = (Role.LEADER, Role.ADMIN, Role.AUDITOR, Role.DISPATCHER)
GROUPS = ("city", "district", "town", "community", "grid", "unit")
AREA_GROUPS = {
    "district": Level.DISTRICT,
    "town": Level.TOWN,
    "community": Level.COMMUNITY,
    "grid": Level.GRID,
}
LEVEL_GROUP = {level: group for group, level in AREA_GROUPS.items()}
FIELD = {"district": "district_id", "town": "town_id", "community": "community_id", "grid": "grid_id"}
CASE_FIELD = {"unit": "lead_unit_id", **FIELD}
CHILD_GROUP = {
    Level.CITY: "district",
    Level.DISTRICT: "town",
    Level.TOWN: "community",
    Level.COMMUNITY: "grid",
}


# Roles that read the measures of their own area only (a district leader, a district command centre).
AREA_BOUND_ROLES = (Role.LEADER, Role.DISPATCHER)
_ANY = object()


def measures_viewer_check(user, area=_ANY) -> str | None:
    """Leaders, admins, auditors and dispatchers read the measures; everyone else gets 403.

    Leaders and dispatchers read their own area only: returns the code of the area the viewer is
    confined to (None: the whole city), and with `area` (an Area, or None for the whole city)
    refuses one outside it."""
    if not getattr(user, "is_authenticated", False):
        raise ApplicationError("unauthorized", _("请先登录。"), status=401)
    if not (user.is_superuser or getattr(user, "role", None) in VIEWER_ROLES):
        raise ApplicationError("forbidden", _("只有领导、管理员、审计员和派遣员可以查看绩效指标。"), status=403)
    home = user.area if user.role in AREA_BOUND_ROLES and not user.is_superuser else None
    if home is None or home.level == Level.CITY:
        return None
    if area is not _ANY and not (area is not None and area.code.startswith(_code_prefix(home))):
        raise ApplicationError("forbidden", _("该区域不在您的辖区内。"), status=403)
    return home.code


def _code_prefix(area: Area) -> str:
    """What the codes of an area and of everything under it share (a district 440703 -> 440703)."""
    return area.code[: {Level.DISTRICT: 6, Level.TOWN: 9, Level.COMMUNITY: 12}.get(area.level, len(area.code))]


# --------------------------------------------------------------------------- weights
def weights_for(period: Period) -> m.Weights:
    """The weights in force for a period: the latest ScoreWeights row from its month or before,
    else settings.MEASURE_WEIGHTS, else 30/35/35 with 基本满意 counted in full."""
    return _weights(ScoreWeights.objects.filter(valid_from__lte=period.start).order_by("-valid_from").first())


def _weights(row: ScoreWeights | None) -> m.Weights:
    if row is not None:
        return m.Weights(
            row.response,
            row.resolution,
            row.satisfaction,
            row.basically_satisfied_share,
            f"{row.valid_from:%Y-%m}",
            row.note,
        )
    conf = getattr(settings, "MEASURE_WEIGHTS", {}) or {}
    default = m.Weights()
    return m.Weights(
        int(conf.get("response", default.response)),
        int(conf.get("resolution", default.resolution)),
        int(conf.get("satisfaction", default.satisfaction)),
        Decimal(str(conf.get("basically_satisfied_share", default.basically_satisfied_share))),
        None,
        str(conf.get("note", "")),
    )


# --------------------------------------------------------------------------- scope
@dataclass(frozen=True)
class Scope:
    """What a query is narrowed to: an area of the tree, a unit, a request type, a category."""

    area: Area | None = None
    unit: Unit | None = None
    request_type: str | None = None
    category: Category | None = None  # first level

    @property
    def below_town(self) -> bool:
        return self.area is not None and self.area.level in (Level.COMMUNITY, Level.GRID)

    @property
    def by_kind(self) -> bool:
        return bool(self.request_type or self.category)


def scope_from(
    *,
    area: str | None = None,
    unit: str | None = None,
    request_type: str | None = None,
    category: str | None = None,
) -> Scope:
    found_area = found_unit = found_category = None
    if area:
        found_area = Area.objects.filter(code=area).first()
        if found_area is None:
            raise ApplicationError("not_found", _("区域 %(c)s 不存在") % {"c": area}, status=404)
        if found_area.level == Level.CITY:
            found_area = None if Area.objects.filter(level=Level.CITY).count() == 1 else found_area
    if unit:
        found_unit = Unit.objects.filter(code=unit).first()
        if found_unit is None:
            raise ApplicationError("not_found", _("单位 %(c)s 不存在") % {"c": unit}, status=404)
    if category:
        node = Category.objects.filter(code=category).select_related("parent__parent").first()
        if node is None:
            raise ApplicationError("not_found", _("分类 %(c)s 不存在") % {"c": category}, status=404)
        found_category = node.lineage()[-1]
    return Scope(found_area, found_unit, request_type or None, found_category)


def _rollup(period: Period, group: str, scope: Scope) -> tuple[QuerySet, str]:
    """The smallest rollup that answers the query, and its period column."""
    grid = scope.below_town or group in ("community", "grid")
    if (grid or scope.by_kind) and not period.uses_months:
        raise ApplicationError(
            "period_too_fine",
            _("按日、按周的统计只到镇街一级，且不能按诉求类型或分类筛选；请选择月份。"),
            fields={"period": period.code},
        )
    if grid and scope.by_kind:
        raise ApplicationError(
            "filter_too_fine",
            _("按诉求类型或分类筛选时只统计到镇街一级。"),
            fields={"group": group},
        )
    if grid:
        return MeasureMonthGrid.objects.all(), "month"
    if scope.by_kind:
        return MeasureMonthKind.objects.all(), "month"
    if period.uses_months:
        return MeasureMonth.objects.all(), "month"
    return MeasureDay.objects.all(), "day"


def _in_area(scope: Scope, columns: dict[str, str]) -> dict:
    """The filter to the scope's area on `columns` (area group -> column); none for the city."""
    if scope.area is None or scope.area.level == Level.CITY:
        return {}
    return {columns[LEVEL_GROUP[scope.area.level]]: scope.area.id}


def _filter(qs: QuerySet, date_field: str, period: Period, scope: Scope) -> QuerySet:
    qs = qs.filter(**{f"{date_field}__gte": period.start, f"{date_field}__lt": period.end})
    qs = qs.filter(**_in_area(scope, FIELD))
    if scope.unit is not None:
        qs = qs.filter(unit_id=scope.unit.id)
    if scope.request_type:
        qs = qs.filter(request_type=scope.request_type)
    if scope.category is not None:
        qs = qs.filter(category_id=scope.category.id)
    return qs


_SUMS = {c: Sum(c) for c in COUNTERS}


def counts_by_group(*, period: Period, group: str, scope: Scope) -> dict[int, dict]:
    """{group id (0: none): counters} for the period; one entry keyed 0 for group=city."""
    qs, date_field = _rollup(period, group, scope)
    qs = _filter(qs, date_field, period, scope)
    if group == "city":
        total = qs.aggregate(**_SUMS)
        return {0: {k: v or 0 for k, v in total.items()}}
    key = "unit_id" if group == "unit" else FIELD[group]
    return {row.pop(key): row for row in qs.values(key).annotate(**_SUMS).order_by()}


def counts_by_month(*, months: list[Period], scope: Scope) -> dict[dt.date, dict]:
    first, last = months[0], months[-1]
    span = Period("year", first.start, last.end)  # any whole-month range
    qs, date_field = _rollup(span, "city", scope)
    qs = _filter(qs, date_field, span, scope)
    return {row.pop(date_field): row for row in qs.values(date_field).annotate(**_SUMS).order_by()}


def overdue_now(*, group: str, scope: Scope) -> dict[int, int]:
    """Cases past their handling deadline right now, still with the unit (live, not a rollup)."""
    qs = Case.objects.overdue(clock.now()).filter(**_in_area(scope, CASE_FIELD))
    if scope.unit is not None:
        qs = qs.filter(lead_unit_id=scope.unit.id)
    if scope.request_type:
        qs = qs.filter(request_type=scope.request_type)
    if scope.category is not None:
        c = scope.category.id
        qs = qs.filter(Q(category_id=c) | Q(category__parent_id=c) | Q(category__parent__parent_id=c))
    if group == "city":
        return {0: qs.count()}
    field = CASE_FIELD[group]
    return {(r[field] or 0): r["n"] for r in qs.values(field).annotate(n=Count("id")).order_by()}


# --------------------------------------------------------------------------- presentation
def _names(group: str, ids) -> dict[int, tuple[str, str, str]]:
    """{id: (code, stored name, name in the reader's language)}; areas have no translations."""
    ids = [i for i in ids if i]
    if group == "unit":
        return {u.id: (u.code, u.name, u.display_name) for u in Unit.objects.filter(id__in=ids)}
    if group in AREA_GROUPS:
        return {a.id: (a.code, a.name, a.name) for a in Area.objects.filter(id__in=ids)}
    return {}


def _none_name(group: str) -> str:
    if group == "unit":
        return _("（未派遣，无承办单位）")
    if group == "city":
        return _("全市")
    return _("（未定位）")


def _row(group: str, key: int, names: dict, counts: dict, weights: m.Weights, overdue: dict | None) -> dict:
    code, name, shown = names.get(key, ("", _none_name(group), _none_name(group)))
    if group == "city":
        code, name = "", _("全市")
        shown = name
    result = m.evaluate(counts, weights)
    return {
        "id": key,
        "code": code,
        "name": name,  # as stored (the API's field); display_name is what a page or an export shows
        "display_name": shown,
        "counts": result["counts"],
        "measures": {k: v.as_dict() for k, v in result["values"].items()},
        "score": result["score"],
        "overdue_closed": result["overdue_closed"],
        "overdue_now": None if overdue is None else overdue.get(key, 0),
        "drill": code if group in ("district", "town", "community") and code else None,
    }


def projection_status() -> dict:
    state = Projection.objects.filter(name="measures").first()
    head = CaseEvent.objects.filter(global_seq__isnull=False).aggregate(m=Max("global_seq"))["m"] or 0
    last = state.last_seq if state else 0
    return {
        "last_event_at": state.last_event_at if state else None,
        "projected_at": state.projected_at if state else None,
        "backlog": max(0, head - last),
    }


def measure_table(*, period: Period, group: str, scope: Scope) -> dict:
    """Every measure per group in scope, with the city (or scope) total and the weights."""
    if group not in GROUPS:
        raise ApplicationError("invalid_group", _("分组须为：%(g)s") % {"g": ", ".join(GROUPS)})
    weights = weights_for(period)
    counts = counts_by_group(period=period, group=group, scope=scope)
    live = period.contains(clock.today())
    overdue = overdue_now(group=group, scope=scope) if live else None
    keys = set(counts) | (set(overdue) if overdue and group != "city" else set())
    names = _names(group, keys)
    rows = [
        _row(group, k, names, counts.get(k, m.empty_counts()), weights, overdue)
        for k in sorted(keys, key=lambda k: (k == 0, names.get(k, ("~",))[0]))
    ]
    # Every count and overdue case in scope is in exactly one group (0: none), so the rows add up to
    # the total: no second pass over the rollup or the cases.
    total_counts = {c: sum(row.get(c) or 0 for row in counts.values()) for c in COUNTERS}
    total_overdue = None if overdue is None else {0: sum(overdue.values())}
    total = _row("city", 0, {}, total_counts, weights, total_overdue)
    if scope.area is not None:
        total["code"], total["name"] = scope.area.code, scope.area.name
        total["display_name"] = scope.area.name
    return {
        "period": period.code,
        "period_kind": period.kind,
        "incomplete": period.incomplete,
        "start": period.start,
        "end": period.end,
        "group": group,
        "area": scope.area.code if scope.area else None,
        "unit": scope.unit.code if scope.unit else None,
        "request_type": scope.request_type,
        "category": scope.category.code if scope.category else None,
        "weights": weights.as_dict(),
        "status": projection_status(),
        "rows": rows,
        "total": total,
    }


def _rank(scores: dict[int, float | None]) -> dict[int, int]:
    """Competition ranking (1, 2, 2, 4) of {id: score}, highest first; no score (or id 0): unranked."""
    scored = sorted(((k, s) for k, s in scores.items() if s is not None and k), key=lambda ks: -ks[1])
    ranks, last_score, last_rank = {}, None, 0
    for i, (key, score) in enumerate(scored, start=1):
        if score != last_score:
            last_rank, last_score = i, score
        ranks[key] = last_rank
    return ranks


def measure_rankings(*, period: Period, group: str, scope: Scope) -> dict:
    """Groups ranked by composite score this period, with last period's rank and score beside."""
    if group == "city":
        raise ApplicationError("invalid_group", _("排名须按单位或区域分组"))
    current = measure_table(period=period, group=group, scope=scope)
    # Last period only needs each group's score: no names, totals or status.
    previous = period.previous()
    before_weights = weights_for(previous)
    before = {
        k: m.evaluate(c, before_weights)["score"]
        for k, c in counts_by_group(period=previous, group=group, scope=scope).items()
    }
    ranks, prev_ranks = _rank({r["id"]: r["score"] for r in current["rows"]}), _rank(before)
    rows = []
    for r in current["rows"]:
        if not r["id"]:
            continue
        prev_score = before.get(r["id"])
        rows.append(
            {
                **r,
                "rank": ranks.get(r["id"]),
                "previous_rank": prev_ranks.get(r["id"]),
                "previous_score": prev_score,
                "score_change": (
                    None if r["score"] is None or prev_score is None else round(r["score"] - prev_score, 2)
                ),
            }
        )
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["code"]))
    return {
        **{k: v for k, v in current.items() if k not in ("rows",)},
        "previous_period": previous.code,
        "previous_weights": before_weights.as_dict(),
        "rows": rows,
    }


def measure_trend(*, period: Period, scope: Scope, months: int = 12) -> dict:
    """The last `months` months up to the period's month: every measure of the scope per month."""
    periods = last_months(month_of(period.start), months)
    by_month = counts_by_month(months=periods, scope=scope)
    # The weights of every month from one read (newest first): the latest row not after the month.
    in_force = list(ScoreWeights.objects.filter(valid_from__lte=periods[-1].start).order_by("-valid_from"))
    points = []
    for p in periods:
        weights = _weights(next((w for w in in_force if w.valid_from <= p.start), None))
        row = _row("city", 0, {}, by_month.get(p.start, m.empty_counts()), weights, None)
        points.append(
            {
                "period": p.code,
                "counts": row["counts"],
                "measures": row["measures"],
                "score": row["score"],
                "weights": weights.as_dict(),
            }
        )
    return {"area": scope.area.code if scope.area else None, "points": points}


def child_group(scope: Scope) -> str:
    """The area level one below the scope's area (city -> district -> town -> community -> grid)."""
    if scope.area is None:
        return "district"
    return CHILD_GROUP.get(scope.area.level, "grid")


def area_chain(area: Area | None) -> list[Area]:
    chain = []
    while area is not None:
        chain.insert(0, area)
        area = area.parent
    return chain


# --------------------------------------------------------------------------- topics and alerts
def _numbers(id_lists: list[list[int]]) -> list[list[str]]:
    """The case numbers of each list of case ids, in its order (cases gone are left out): one query
    per 10,000 distinct ids for the whole page, not one per topic or alert."""
    wanted = list(dict.fromkeys(i for ids in id_lists for i in ids))
    found: dict[int, str] = {}
    for start in range(0, len(wanted), 10_000):
        chunk = wanted[start : start + 10_000]
        found.update(Case.objects.filter(id__in=chunk).order_by().values_list("id", "number"))
    return [[found[i] for i in ids if i in found] for ids in id_lists]


def topic_list(*, scope: Scope, limit: int = 20) -> dict:
    from .topics import topics_of

    topics = topics_of(scope.area)[:limit]
    numbers = _numbers([t.case_ids[:200] for t in topics])
    return {
        "area": scope.area.code if scope.area else None,
        "topics": [
            {
                "title": mask_personal_text(t.title),  # a case's title, read by leaders: no caller's data
                "keywords": t.keywords,
                "size": t.size,
                "recent": t.recent,
                "earlier": t.earlier,
                "trend": t.trend,
                "daily": t.daily,
                "cases": cases,
                "window_start": t.window_start,
                "window_end": t.window_end,
                "computed_at": t.computed_at,
            }
            for t, cases in zip(topics, numbers, strict=True)
        ],
    }


def alert_list(*, scope: Scope, days: int = 30, period: Period | None = None) -> list[dict]:
    """Alerts raised in the last `days` days (or in `period`) in the scope's area (or anywhere
    for the city)."""
    from .intake import local_today
    from .models import Alert

    if period is not None:
        qs = Alert.objects.filter(day__gte=period.start, day__lt=period.end)
    else:
        qs = Alert.objects.filter(day__gt=local_today() - dt.timedelta(days=days))
    qs = qs.select_related("area__parent", "category")
    area = scope.area
    if area is not None and area.level == Level.DISTRICT:
        qs = qs.filter(area__parent=area)
    elif area is not None and area.level == Level.TOWN:
        qs = qs.filter(area=area)
    elif area is not None and area.level > Level.TOWN:
        town = area
        while town is not None and town.level > Level.TOWN:
            town = town.parent
        qs = qs.filter(area=town)
    alerts = list(qs[:200])
    numbers = _numbers([a.case_ids for a in alerts])
    logins = {name for a in alerts for name in a.notified}
    people = {
        u.username: person_name(u)
        for u in User.objects.filter(username__in=logins).select_related("unit", "area")
    }
    return [
        {
            "id": a.id,
            "area": a.area.code,
            "area_name": f"{a.area.parent.name if a.area.parent else ''} {a.area.name}".strip(),
            "category": a.category.code,
            "category_name": a.category.name,
            "category_display_name": a.category.display_name,
            "day": a.day,
            "window_start": a.window_start,
            "observed": a.observed,
            "expected": round(a.expected, 2),
            "p_value": a.p_value,
            "state": a.state,
            "notified": a.notified,  # logins, as stored
            "notified_names": [people.get(name, name) for name in a.notified],
            "cases": cases,
        }
        for a, cases in zip(alerts, numbers, strict=True)
    ]


def monthly_report(*, period: Period, scope: Scope) -> dict:
    """The monthly report 月度报告: measures with last period beside them, area and unit rankings,
    hot spots by grid and by H3 cell, hot topics and the early warnings of the period."""
    from .hotspots import hotspots

    areas = measure_rankings(period=period, group=child_group(scope), scope=scope)
    units = measure_rankings(period=period, group="unit", scope=scope)
    before = measure_table(period=period.previous(), group="city", scope=scope)["total"]
    alerts = alert_list(scope=scope, period=period)
    return {
        "period": period,
        "scope": scope,
        "areas": areas,
        "units": units,
        "total": areas["total"],
        "previous_total": before,
        "weights": areas["weights"],
        "hot_grids": hotspots(period=period, scope=scope, by="grid", limit=20),
        "hot_cells": hotspots(period=period, scope=scope, by="h3", resolution=8, limit=20),
        "topics": topic_list(scope=scope, limit=10)["topics"],
        "alerts": alerts,
    }
