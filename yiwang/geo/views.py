from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from yiwang.core.errors import ApplicationError

from .locate import locate
from .models import Level
from .selectors import area_geojson_bytes

LEVELS = {
    "city": Level.CITY,
    "district": Level.DISTRICT,
    "town": Level.TOWN,
    "community": Level.COMMUNITY,
    "grid": Level.GRID,
}


@require_GET
def map_page(request):
    return render(request, "geo/map.html", {})


@require_GET
def areas_geojson(request):
    level = LEVELS.get(request.GET.get("level", "district"))
    if level is None:
        return JsonResponse({"code": "invalid_level", "message": _("未知的层级"), "fields": {}}, status=400)
    response = HttpResponse(area_geojson_bytes(level=level), content_type="application/geo+json")
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_GET
def locate_view(request):
    try:
        found = locate(request.GET.get("lon"), request.GET.get("lat"))
    except ApplicationError as exc:
        return JsonResponse(exc.as_dict(), status=400)
    if found is None:
        # Not an error of the request: the answer is "nowhere" (a 404 would read as a broken page).
        return JsonResponse(
            {"found": False, "code": "outside_all_areas", "message": _("该点不在任何辖区内。"), "fields": {}}
        )
    return JsonResponse({"found": True, **found.as_dict()}, json_dumps_params={"ensure_ascii": False})
