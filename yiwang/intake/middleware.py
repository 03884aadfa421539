"""Abuse limits on what the public reaches: request size (413) and rate limits (429).

Both answer in the API's error shape {code, message, fields}, in the caller's language.

Size: a request whose Content-Length is above the limit of its path (INTAKE_MAX_REQUEST_BYTES) is
refused before its body is read; a body Django refuses later (DATA_UPLOAD_MAX_MEMORY_SIZE, too many
fields or files) is answered the same way.

Rates: INTAKE_RATE_LIMITS rules (name, methods, path regex, requests, seconds, key) count requests in
fixed windows in Django's cache (shared by every process when CACHE_URL points at Redis). The key is
the caller: "client" is the credential sent (bearer token, api_key, session cookie; hashed) or else
the address, "ip" the address. A refused request gets 429 with Retry-After (seconds to the window's
end). The address is REMOTE_ADDR, or the client's entry in X-Forwarded-For when
INTAKE_TRUSTED_PROXIES proxies are trusted. Loopback callers are not limited by address when no
proxy is trusted: behind an untrusted local proxy every caller would share 127.0.0.1 (and tests
run there); set INTAKE_TRUSTED_PROXIES in production.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import re
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.utils.translation import gettext as _

from yiwang.core import clock
from yiwang.core.http import client_address, error_response

from . import error_codes as codes


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _credential(request) -> str | None:
    auth = request.META.get("HTTP_AUTHORIZATION", "")
    if auth:
        return auth
    if request.GET.get("api_key"):
        return "api_key " + request.GET["api_key"]
    session = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    return f"session {session}" if session else None


class AbuseLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refused = self._too_large(request) or self._rate_limited(request)
        if refused is not None:
            return refused
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)):
            return self._size_error(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        return None

    # ----------------------------------------------------------------------- size
    def _too_large(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(400, codes.VALIDATION_ERROR, _("Content-Length 无效。"))
        if not length:
            return None
        for prefix, limit in getattr(settings, "INTAKE_MAX_REQUEST_BYTES", ()):
            if request.path.startswith(prefix):
                return self._size_error(limit) if length > limit else None
        return None

    def _size_error(self, limit: int):
        return error_response(
            413,
            codes.REQUEST_TOO_LARGE,
            _("提交的内容过大（上限 %(kb)d KB）。图片请逐张上传。") % {"kb": limit // 1024},
        )

    # ----------------------------------------------------------------------- rate
    def _rate_limited(self, request):
        rules = getattr(settings, "INTAKE_RATE_LIMITS", ())
        if not rules:
            return None
        address = None
        now = clock.now().timestamp()
        for name, methods, pattern, limit, seconds, key_kind in rules:
            if request.method not in methods or not _compiled(pattern).search(request.path):
                continue
            address = address or client_address(request)
            credential = _credential(request) if key_kind == "client" else None
            if (
                credential is None
                and _is_loopback(address)
                and not getattr(settings, "INTAKE_TRUSTED_PROXIES", 0)
            ):
                continue
            who = credential or address
            window = math.floor(now / seconds)
            digest = hashlib.sha256(who.encode()).hexdigest()[:32]
            key = f"intake:rate:{name}:{digest}:{window}"
            cache.add(key, 0, timeout=seconds + 5)
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, timeout=seconds + 5)
                count = 1
            if count > limit:
                retry_after = max(1, math.ceil((window + 1) * seconds - now))
                return error_response(
                    429,
                    codes.RATE_LIMITED,
                    _("请求过于频繁，请 %(s)d 秒后再试。") % {"s": retry_after},
                    {"limit": f"{limit}/{seconds}s"},
                    Retry_After=str(retry_after),
                )
        return None
