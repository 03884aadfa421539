"""Open311 GeoReport v2 endpoints. Each view parses, calls one selector or service, and renders in the
format named by the URL's suffix (.json or .xml).

Errors follow the spec: a list of {code, description} (XML <errors><error>), HTTP 403 for a missing
or invalid api_key, 404 for a resource that does not exist, 400 for anything else — including any
failure while processing ("General service error"), so bad input never becomes a 500.
"""

from __future__ import annotations

import logging
from functools import wraps

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from yiwang.accounts.services import token_user
from yiwang.core.errors import ApplicationError

from . import error_codes as codes
from . import params, payloads, selectors, services
from .formats import render, render_errors

logger = logging.getLogger(__name__)

# Our field names, as the Open311 argument a client sent them in.
_ARGUMENT_OF = {
    "text": "description",
    "title": "description",
    "category": "service_code",
    "request_type": "attribute[request_type]",
    "requester_kind": "attribute[requester_kind]",
    "requester_name": "first_name",
    "requester_phone": "phone",
    "address": "address_string",
    "lon": "long",
}
_FIELD_CODES = (codes.INVALID_ARGUMENT, codes.ADDRESS_NOT_FOUND, "validation_error")


def _errors_of(exc: ApplicationError) -> list[str]:
    if exc.code in _FIELD_CODES and exc.fields:
        return [f"{_ARGUMENT_OF.get(name, name)}: {message}" for name, message in exc.fields.items()]
    return [str(exc.message)]


def endpoint(*methods: str):
    """Allowed methods, and the spec's error document for every refusal and failure."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorate(view):
        @csrf_exempt  # an API authenticated by api_key, never by a browser session
        @wraps(view)
        def wrapper(request, fmt: str | None = "xml", **kwargs):
            fmt = fmt or "xml"  # XML is the format the spec requires; the default where none is named
            if request.method not in allowed:
                return render_errors(
                    fmt,
                    400,
                    [
                        _("%(m)s 不适用于此资源（可用：%(a)s）")
                        % {"m": request.method, "a": ", ".join(methods)}
                    ],
                )
            try:
                return view(request, fmt, **kwargs)
            except ApplicationError as exc:
                status = exc.status_code if exc.status_code in (400, 403, 404) else 400
                return render_errors(fmt, status, _errors_of(exc))
            except Exception:  # "General service error": the spec's 400, and our log says why
                logger.exception("open311: %s %s failed", request.method, request.path)
                return render_errors(fmt, 400, [_("处理请求时出错，请稍后重试；如仍出错请联系我们。")])

        return wrapper

    return decorate


def _user_from_key(api_key: str):
    user = token_user(api_key.strip()) if api_key else None
    if user is None:
        message = _("api_key 无效") if api_key else _("缺少 api_key")
        raise ApplicationError(codes.API_KEY_INVALID, message, status=403)
    return user


def _api_key(request) -> str:
    """A POST's api_key: in the body (the spec), else in the query string (some clients put it there)."""
    return params.optional(request.POST, "api_key") or params.optional(request.GET, "api_key")


def _check_read_access(request) -> None:
    """Reads are public, as the spec says, unless OPEN311_PUBLIC_REQUESTS is turned off."""
    if not getattr(settings, "OPEN311_PUBLIC_REQUESTS", True):
        _user_from_key(params.optional(request.GET, "api_key"))


def extended_statuses(request) -> bool:
    """Whether to answer with FixMyStreet's extended statuses: the request's `extended_statuses`
    argument; else whether the api_key's account is listed in OPEN311_EXTENDED_STATUS_ACCOUNTS
    (FixMyStreet cannot add arguments to its calls, but it sends its api_key); else
    OPEN311_EXTENDED_STATUSES (off: plain open/closed, as the spec has it)."""
    asked = params.extended_statuses_asked(request.GET)
    if asked is not None:
        return asked
    accounts = getattr(settings, "OPEN311_EXTENDED_STATUS_ACCOUNTS", ())
    key = _api_key(request)
    if accounts and key:
        user = token_user(key)
        if user is not None and user.username in accounts:
            return True
    return bool(getattr(settings, "OPEN311_EXTENDED_STATUSES", False))


# --------------------------------------------------------------------------- discovery, services
@endpoint("GET")
def discovery(request, fmt):
    # With its trailing slash: clients (FixMyStreet) append "services.xml" to the endpoint as given.
    url = request.build_absolute_uri(reverse("open311:root"))
    return render(fmt, "discovery", payloads.discovery(endpoint_url=url))


@endpoint("GET")
def service_list(request, fmt):
    params.check_jurisdiction(request.GET)
    kind = services.service_type()
    return render(fmt, "services", [payloads.service(s, service_type=kind) for s in selectors.service_list()])


@endpoint("GET")
def service_definition(request, fmt, service_code: str):
    params.check_jurisdiction(request.GET)
    service = selectors.service_get(service_code=service_code)
    return render(fmt, "service_definition", payloads.service_definition(service))


# --------------------------------------------------------------------------- requests
def _render_requests(request, fmt, cases: list, *, extended: bool = False):
    reasons = selectors.rejection_reasons(cases)
    documents = [
        payloads.service_request(
            c, rejection_reason=reasons.get(c.pk, ""), absolute=request.build_absolute_uri, extended=extended
        )
        for c in cases
    ]
    return render(fmt, "service_requests", documents)


@endpoint("GET", "POST")
def requests(request, fmt):
    if request.method == "POST":
        return _create(request, fmt)
    _check_read_access(request)
    params.check_jurisdiction(request.GET)
    query = params.parse_request_query(request.GET)
    extended = extended_statuses(request)
    return _render_requests(request, fmt, selectors.request_list(query=query), extended=extended)


def _create(request, fmt):
    form = request.POST
    user = _user_from_key(_api_key(request))
    params.check_jurisdiction(form)
    submission = params.parse_submission(form)
    record = services.open311_request_create(submission=submission, user=user)
    document = payloads.created(record, service_type=services.service_type())
    return render(fmt, "service_requests", [document])


@endpoint("GET")
def service_request(request, fmt, service_request_id: str):
    _check_read_access(request)
    params.check_jurisdiction(request.GET)
    extended = extended_statuses(request)
    case = selectors.request_get(service_request_id=service_request_id)
    return _render_requests(request, fmt, [case], extended=extended)


@endpoint("GET")
def token(request, fmt, token_id: str):
    _check_read_access(request)
    params.check_jurisdiction(request.GET)
    record = selectors.token_get(token_id=token_id)
    return render(fmt, "service_requests", [payloads.token(record)])


# --------------------------------------------------------------------------- updates (FixMyStreet's extension)
@endpoint("GET", "POST")
def service_request_updates(request, fmt):
    """GET: the public timeline's updates in a window. POST: a client's comment on a request."""
    if request.method == "POST":
        user = _user_from_key(_api_key(request))
        params.check_jurisdiction(request.POST)
        submission = params.parse_update_submission(request.POST)
        record = services.open311_update_create(submission=submission, user=user)
        return render(fmt, "service_request_updates", [payloads.update_created(record)])
    _check_read_access(request)
    params.check_jurisdiction(request.GET)
    query = params.parse_update_query(request.GET)
    extended = extended_statuses(request)
    events = selectors.update_list(query=query)
    return render(
        fmt, "service_request_updates", [payloads.service_request_update(e, extended=extended) for e in events]
    )


# --------------------------------------------------------------------------- anything else
@endpoint("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
def not_found(request, fmt, rest: str = ""):
    raise ApplicationError(
        codes.NOT_FOUND,
        _("没有这个资源：%(p)s（见 discovery.xml 和 services.xml）") % {"p": request.path},
        status=404,
    )
