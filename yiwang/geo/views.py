import math

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from yiwang.core.errors import ApplicationError

from .locate import locate
from .models import Level
from .names import area_name
from .selectors import NAMED_LEVELS, area_geojson_bytes, area_labels, area_search

LEVELS = {
    "city": Level.CITY,
    "district": Level.DISTRICT,
    "town": Level.TOWN,
    "community": Level.COMMUNITY,
    "grid": Level.GRID,
}
SEARCH_MAX_LENGTH = 50


def _error(exc: ApplicationError) -> JsonResponse:
    return JsonResponse(exc.as_dict(), status=400, json_dumps_params={"ensure_ascii": False})


def _level(request) -> int:
    level = LEVELS.get(request.GET.get("level", "district"))
    if level is None:
        raise ApplicationError("invalid_level", _("未知的层级"))
    return level


def _bbox(value: str | None):
    """'min lon,min lat,max lon,max lat' (WGS84) or None."""
    if not value:
        return None
    try:
        box = tuple(float(v) for v in value.split(","))
    except ValueError:
        box = ()
    if len(box) != 4 or not all(map(math.isfinite, box)) or box[0] > box[2] or box[1] > box[3]:
        raise ApplicationError(
            "invalid_bbox",
            _("范围须为“最小经度,最小纬度,最大经度,最大纬度”四个数字。"),
            fields={"bbox": value},
        )
    return box


@require_GET
def map_page(request):
    return render(request, "geo/map.html", {})


@require_GET
def areas_geojson(request):
    """Outlines of one level, names in the request's language; `bbox` keeps those meeting it, and
    `lines=1` leaves out every property but the code (the base map draws grid lines only)."""
    try:
        level, bbox = _level(request), _bbox(request.GET.get("bbox"))
    except ApplicationError as exc:
        return _error(exc)
    response = HttpResponse(
        area_geojson_bytes(level=level, bbox=bbox, lines_only=request.GET.get("lines") == "1"),
        content_type="application/geo+json",
    )
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_GET
def area_labels_view(request):
    """The map's labels of one level: {"labels": [[code, name, lon, lat], ...]}, names in the request's language."""
    try:
        level = _level(request)
    except ApplicationError as exc:
        return _error(exc)
    if level not in NAMED_LEVELS:
        return _error(ApplicationError("invalid_level", _("只有区县、镇街和社区（村）有地名标注。")))
    response = JsonResponse(
        {"level": level, "labels": area_labels(level=level)},
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_GET
def area_search_view(request):
    """Place names: districts, towns and communities matching `q` (Chinese, traditional or pinyin)."""
    query = (request.GET.get("q") or "").strip()
    if not query:
        return _error(ApplicationError("query_required", _("请输入要搜索的地名。"), fields={"q": ""}))
    if len(query) > SEARCH_MAX_LENGTH:
        return _error(
            ApplicationError(
                "query_too_long",
                _("地名最多 %(n)d 个字符。") % {"n": SEARCH_MAX_LENGTH},
                fields={"q": query[:60]},
            )
        )
    try:
        limit = int(request.GET.get("limit") or 10)
    except ValueError:
        return _error(
            ApplicationError("invalid_limit", _("limit 必须是整数。"), fields={"limit": request.GET["limit"]})
        )
    results = area_search(query=query, limit=limit)
    return JsonResponse({"query": query, "results": results}, json_dumps_params={"ensure_ascii": False})


@require_GET
def locate_view(request):
    try:
        found = locate(request.GET.get("lon"), request.GET.get("lat"))
    except ApplicationError as exc:
        return _error(exc)
    if found is None:
        # Not an error of the request: the answer is "nowhere" (a 404 would read as a broken page).
        return JsonResponse(
            {"found": False, "code": "outside_all_areas", "message": _("该点不在任何辖区内。"), "fields": {}}
        )
    data = found.as_dict()
    for item, ref in zip(data["chain"], found.chain, strict=True):
        item["name_zh"] = item["name"]
        item["name"] = area_name(ref.name, ref.name_en, ref.name_zh_hant)
    return JsonResponse({"found": True, **data}, json_dumps_params={"ensure_ascii": False})
