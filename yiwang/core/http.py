"""HTTP helpers every layer may use: the JSON error answer, the caller's address, the 403 page.
(Imported by the settings, through the security middleware: nothing here may load Django's models.)"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render


def error_response(status: int, code: str, message, fields: dict | None = None, **headers) -> HttpResponse:
    body = json.dumps({"code": code, "message": str(message), "fields": fields or {}}, ensure_ascii=False)
    response = HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def client_address(request) -> str:
    """REMOTE_ADDR, or the client's entry in X-Forwarded-For when INTAKE_TRUSTED_PROXIES are trusted."""
    trusted = getattr(settings, "INTAKE_TRUSTED_PROXIES", 0)
    if trusted:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= trusted:
            return hops[-trusted]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def forbidden(request, message=None):
    """The 403 page, with a way back to the person's own workbench."""
    return render(request, "core/403.html", {"message": message}, status=403)

