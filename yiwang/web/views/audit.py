"""The audit page (/audit/): the hash chains' last check, a button to check them again, and every case's
events in one filterable list, newest first, with an XLSX export. Auditors and admins only.

The views parse, call one read or write of `yiwang.web.audit`, and render.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from yiwang.core import clock

from .. import access
from ..audit import (
    AUDIT_ROLES,
    EXPORT_MAX_ROWS,
    PAGE_SIZE,
    EventFilters,
    audit_check_last,
    audit_check_run,
    audit_event_page,
    audit_events_workbook,
    audit_head_seq,
    event_rows,
)
from ..forms import AuditFilterForm
from .common import DESK_ROLES

# The desk whose case page an audit row links to, first that the person works at (auditors have none:
# their rows name the case without a link, and filter the list to it).
CASE_DESKS = ("dispatch", "unit", "grid", "operator")


audit_required = access.role_required(*AUDIT_ROLES)


def _case_desk(user) -> str | None:
    return next((d for d in CASE_DESKS if user.role in DESK_ROLES[d]), None)


def _query(form: AuditFilterForm, **cursor) -> str:
    """The filters as a query string, with a new cursor (or none)."""
    q = QueryDict(mutable=True)
    for name in ("case", "action", "actor", "role", "date_from", "date_to"):
        value = form.data.get(name)
        if value:
            q[name] = value
    for name, value in cursor.items():
        if value is not None:
            q[name] = str(value)
    return q.urlencode()


@require_GET
@audit_required
def audit(request):
    form = AuditFilterForm(request.GET or None)
    page, rows = None, []
    if form.is_bound and not form.is_valid():
        filters = None
    else:
        filters = form.filters() if form.is_bound else EventFilters()
        data = form.cleaned_data if form.is_bound else {}
        page = audit_event_page(filters=filters, before=data.get("before"), after=data.get("after"))
        rows = event_rows(page.events)
    last = audit_check_last()
    head = audit_head_seq()
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "filtered": filters is not None and not filters.is_empty(),
        "case_desk": _case_desk(request.user),
        "last": last,
        "head_seq": head,
        "since_check": head - last.head_seq if last and head > last.head_seq else 0,
        "page_size": PAGE_SIZE,
        "export_max": EXPORT_MAX_ROWS,
        "query": _query(form),
        "older_query": _query(form, before=page.older) if page and page.older else "",
        "newer_query": _query(form, after=page.newer) if page and page.newer else "",
    }
    return render(request, "web/audit.html", context)


@require_POST
@audit_required
def audit_check(request):
    """Check both hash chains now; the page shows the stored result."""
    check = audit_check_run(user=request.user)
    if check.ok:
        messages.success(request, _("审计链完整：已校验 %(n)s 条记录。") % {"n": check.checked})
    else:
        messages.error(
            request, _("审计链已被破坏：首个断点为全局序号 %(seq)s。") % {"seq": check.broken_event}
        )
    return redirect(f"{reverse('web:audit')}#check")


@require_GET
@audit_required
def audit_export(request):
    """The filtered list as XLSX (newest first, at most EXPORT_MAX_ROWS rows; the sheet says when cut)."""
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return redirect(f"{reverse('web:audit')}?{request.GET.urlencode()}")
    filters = form.filters() if form.is_bound else EventFilters()
    export = audit_events_workbook(filters=filters)
    name = f"audit-events-{timezone.localtime(clock.now()):%Y%m%d-%H%M}.xlsx"
    response = HttpResponse(
        export.content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Export-Rows"] = str(export.rows)
    response["X-Export-Capped"] = "1" if export.capped else "0"
    return response
