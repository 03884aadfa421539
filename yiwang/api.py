"""The JSON API under /api/v1 (django-ninja), with its OpenAPI document at /api/v1/openapi.json.

Auth: `Authorization: Bearer TOKEN` (yiwang token create) or the web session (with CSRF).
Errors: always {"code", "message", "fields"}, the message in the caller's language.
"""

import logging

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth

from yiwang.accounts.services import token_user
from yiwang.cases.api import router as cases_router
from yiwang.core.errors import ApplicationError
from yiwang.intake import api as intake_api  # noqa: F401  adds filing, photos and duplicates to the cases router

log = logging.getLogger("yiwang.api")


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = token_user(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Yiwang 一网 API",
    version="1",
    urls_namespace="api",
    description="One intake, one closed loop. Every move of a case is a POST to "
    "/cases/{number}/{action}. Errors: {code, message, fields}.",
    auth=[BearerToken(), SessionAuth()],
)


def _error(request, status, code, message, fields=None):
    return api.create_response(
        request, {"code": code, "message": str(message), "fields": fields or {}}, status=status
    )


@api.exception_handler(ApplicationError)
def _application_error(request, exc: ApplicationError):
    return _error(request, exc.status_code, exc.code, exc.message, {k: str(v) for k, v in exc.fields.items()})


@api.exception_handler(NinjaValidationError)
def _validation_error(request, exc: NinjaValidationError):
    fields = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "payload", "query", "path")]
        fields[".".join(loc) or "body"] = err.get("msg", "")
    return _error(request, 422, "validation_error", _("提交的内容有误，请按提示修改。"), fields)


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return _error(request, 401, "unauthorized", _("请先登录，或在请求头提供 Authorization: Bearer 令牌。"))


@api.exception_handler(Exception)
def _server_error(request, exc: Exception):
    # Refusals Django answers itself (a body too large is 413 from intake's AbuseLimitMiddleware, a
    # suspicious request 400, a permission 403) go on to it; any other error no handler above expected
    # is logged with its traceback and answered in the error shape.
    if isinstance(exc, (SuspiciousOperation, PermissionDenied)):
        raise exc
    log.exception("unhandled error in %s %s", request.method, request.path, exc_info=exc)
    return _error(request, 500, "server_error", _("服务器内部错误，请稍后再试。"))


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return _error(request, exc.status_code, "http_error", str(exc))


def _register():
    api.add_router("/", cases_router)  # with the intake's operations on it (yiwang.intake.api)
    api.add_router("/measures", "yiwang.analytics.api.router")
    api.add_router("/grids", "yiwang.registers.api.router")
    api.add_router("/programmes", "yiwang.programmes.api.router")
    api.add_router("/classifier", "yiwang.classify.api.router")


_register()
