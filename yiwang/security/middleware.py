"""Response headers every page and API answer carries (Django's SecurityMiddleware adds HSTS,
nosniff, Referrer-Policy and COOP; XFrameOptionsMiddleware adds X-Frame-Options).

Content-Security-Policy is strict: scripts and styles from our own origin only (no inline script,
no inline style attributes, no eval), images from us, data: URIs and the map tile server when
MAP_TILE_URL is set, nothing may frame us, forms post only to us. The policy is built once from
settings (SECURITY_CSP) so every process sends the same one.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from yiwang.core.http import error_response


def tile_origin(url: str) -> str:
    """The origin of a tile URL template ('https://{s}.tile.example/{z}/{x}/{y}.png' -> scheme://host).
    Leaflet's {s} subdomain placeholder becomes a wildcard."""
    if not url:
        return ""
    parts = urlsplit(url.replace("{s}", "subdomain"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.hostname
    if url.split("//", 1)[-1].startswith("{s}."):
        host = "*." + host.split(".", 1)[1]
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


def build_csp(directives: dict[str, list[str]]) -> str:
    return "; ".join(f"{name} {' '.join(values)}".strip() for name, values in directives.items())


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.csp = build_csp(settings.SECURITY_CSP)
        self.header = (
            "Content-Security-Policy-Report-Only" if getattr(settings, "SECURITY_CSP_REPORT_ONLY", False)
            else "Content-Security-Policy"
        )
        self.permissions = getattr(settings, "SECURITY_PERMISSIONS_POLICY", "")

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault(self.header, self.csp)
        if self.permissions:
            response.headers.setdefault("Permissions-Policy", self.permissions)
        return response


class NulByteMiddleware:
    """Refuse NUL characters in the path, the query string and small JSON or form bodies with 400.

    PostgreSQL text cannot hold NUL: let through, any such value reaches a query or an INSERT and
    ends as a server error (found by the schemathesis run on PostgreSQL). No legitimate request has
    one; refusing it here covers every form, filter and API field at once, in the error shape.
    Multipart bodies (images) are not inspected.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request):
            return self._refuse(request)
        return self.get_response(request)

    @staticmethod
    def _has_nul(request) -> bool:
        if "\x00" in request.path_info or "%00" in request.META.get("QUERY_STRING", ""):
            return True
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return False
        content_type = request.META.get("CONTENT_TYPE", "")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return False
        if not 0 < length <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return False  # the size limits answer for larger bodies
        if content_type.startswith("application/json"):
            return b"\\u0000" in request.body or b"\x00" in request.body
        if content_type.startswith("application/x-www-form-urlencoded"):
            return b"%00" in request.body or b"\x00" in request.body
        return False

    @staticmethod
    def _refuse(request):
        from django.http import HttpResponse
        from django.utils.translation import gettext as _


        message = _("提交的内容含有不允许的控制字符（NUL），请删除后重试。")
        if request.path_info.startswith(("/api/", "/open311/")):
            return error_response(400, "invalid_characters", message)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
