"""The cockpit 领导驾驶舱 (/cockpit/): measure tiles, rankings, the 12-month trend, drill-down by area,
and an XLSX export of each list. Leaders, admins, auditors and dispatchers only.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from yiwang.core.errors import ApplicationError
from yiwang.routing.models import Category

from . import selectors, services
from .exports import report_workbook_bytes, workbook_bytes
from .measures import COUNT_LABELS, DEFINITION_TEXTS, RATES
from .periods import parse_period

LIST_KINDS = ("areas", "units")


def viewer_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            selectors.measures_viewer_check(request.user)
        except ApplicationError as exc:
            raise PermissionDenied(str(exc.message)) from None
        return view(request, *args, **kwargs)

    return wrapped


def _bad_request(request, exc: ApplicationError):
    response = render(request, "analytics/error.html", {"error": exc}, status=exc.status_code)
    return response


def _inputs(request):
    period = parse_period(request.GET.get("period"))
    home = selectors.measures_viewer_check(request.user)  # a district leader starts on their district
    scope = selectors.scope_from(
        area=request.GET.get("area") or home,
        request_type=request.GET.get("request_type") or None,
        category=request.GET.get("category") or None,
    )
    selectors.measures_viewer_check(request.user, area=scope.area)
    return period, scope


@require_GET
@viewer_required
def cockpit(request):
    try:
        period, scope = _inputs(request)
        services.measures_refresh_for_read()
        areas = selectors.measure_rankings(period=period, group=selectors.child_group(scope), scope=scope)
        units = selectors.measure_rankings(period=period, group="unit", scope=scope)
        trend = selectors.measure_trend(period=period, scope=scope)
        topics = selectors.topic_list(scope=scope, limit=10)["topics"]
        alerts = selectors.alert_list(scope=scope, days=30)
    except ApplicationError as exc:
        return _bad_request(request, exc)
    total = areas["total"]
    rates = [
        {"code": code, "label": label, **total["measures"][code], "definition": DEFINITION_TEXTS[code]}
        for code, label in RATES.items()
    ]
    context = {
        "period": period,
        "previous": period.previous(),
        "scope": scope,
        "chain": selectors.area_chain(scope.area),
        "areas": areas,
        "units": units,
        "total": total,
        "rates": rates,
        "weights": areas["weights"],
        "status": areas["status"],
        "count_labels": COUNT_LABELS,
        "child_group": selectors.child_group(scope),
        "trend": {
            "periods": [p["period"] for p in trend["points"]],
            "series": {
                code: [p["measures"][code]["value"] for p in trend["points"]]
                for code in ("response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate")
            },
            "labels": {code: str(RATES[code]) for code in RATES},
            "score": [p["score"] for p in trend["points"]],
            "score_label": _("综合得分"),
            "received": [p["counts"]["received"] for p in trend["points"]],
            "received_label": _("受理量"),
        },
        "query": request.GET.urlencode(),
        "topics": topics,
        "alerts": alerts,
        "categories": Category.objects.filter(level=1).order_by("code"),
        "category": request.GET.get("category") or "",
    }
    return render(request, "analytics/cockpit.html", context)


def _report_data(request):
    """(period, scope, the monthly report's data) for the page and the workbook alike."""
    period, scope = _inputs(request)
    services.measures_refresh_for_read()
    return period, scope, selectors.monthly_report(period=period, scope=scope)


@require_GET
@viewer_required
def report(request):
    """The monthly report 月度报告 as a printable page."""
    try:
        period, scope, data = _report_data(request)
    except ApplicationError as exc:
        return _bad_request(request, exc)
    rates = [
        {
            "code": code,
            "label": label,
            "now": data["total"]["measures"][code]["value"],
            "before": data["previous_total"]["measures"][code]["value"],
        }
        for code, label in RATES.items()
    ]
    return render(
        request,
        "analytics/report.html",
        {**data, "rates": rates, "chain": selectors.area_chain(scope.area), "query": request.GET.urlencode()},
    )


@require_GET
@viewer_required
def report_xlsx(request):
    """The monthly report as an XLSX workbook."""
    try:
        period, scope, data = _report_data(request)
    except ApplicationError as exc:
        return _bad_request(request, exc)
    name = f"report-{period.code}{'-' + scope.area.code if scope.area else ''}.xlsx"
    response = HttpResponse(
        report_workbook_bytes(data),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@viewer_required
def export(request, kind: str):
    """One list of the cockpit as XLSX: `areas` (the scope's child areas) or `units`."""
    if kind not in LIST_KINDS:
        raise PermissionDenied
    try:
        period, scope = _inputs(request)
        services.measures_refresh_for_read()
        group = selectors.child_group(scope) if kind == "areas" else "unit"
        if request.GET.get("group") in selectors.GROUPS and request.GET.get("group") != "city":
            group = request.GET["group"]
        table = selectors.measure_rankings(period=period, group=group, scope=scope)
    except ApplicationError as exc:
        return _bad_request(request, exc)
    data = workbook_bytes(table, scope=scope)
    name = f"measures-{period.code}-{group}{'-' + scope.area.code if scope.area else ''}.xlsx"
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
