from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from django.views.defaults import server_error as django_server_error

from yiwang.core.http import error_response
from yiwang.web.access import workbench_url


def home(request):
    """Each role's day starts on its own workbench (an auditor's on the audit page); admins get the
    overview."""
    if request.user.is_authenticated:
        target = workbench_url(request.user)
        if target:
            return redirect(target)
    return render(request, "platform/home.html")


def not_found(request, exception=None):
    """404: in the API's error shape under /api/ (a client reads `code`), the site's page elsewhere."""
    if request.path.startswith("/api/"):
        return error_response(404, "not_found", _("没有这个地址：%(p)s") % {"p": request.path})
    return page_not_found(request, exception)


def server_error(request):
    """500: in the API's error shape under /api/ (never an HTML page to a client), the site's elsewhere."""
    if request.path.startswith("/api/"):
        return error_response(500, "server_error", _("服务器内部错误，请稍后再试。"))
    return django_server_error(request)
