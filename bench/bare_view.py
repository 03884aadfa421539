"""The bench's ceiling of one request: a bare Django JSON view at the platform's intake path.

Served by bench/intake.py with the same gunicorn command, workers and middleware as the platform
(bench/bare_settings.py changes only ROOT_URLCONF), POSTed the same body by the same clients. It parses
the JSON body and answers 201 with a small JSON object, touching no database.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def create(request: HttpRequest) -> JsonResponse:
    if request.method != "POST":
        return JsonResponse({"error": "method"}, status=405)
    body = json.loads(request.body)
    return JsonResponse({"ok": True, "title": body.get("title", ""), "key": request.headers.get("Idempotency-Key", "")},
                        status=201)


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


urlpatterns = [
    path("api/v1/cases", create),
    path("healthz", healthz),
]
