"""Pages of the programmes' tracking: the leaders' page (programmes → indicators with progress and
cards, reports waiting, units' on-time rates), a task with its reporting slots, a unit's report,
approve/return, the XLSX export, the printable quarterly page, and the admins' import.
Views parse, call one service or selector, and render; guards live in access.py."""

from __future__ import annotations

import io

from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from openpyxl import Workbook

from yiwang.core import clock
from yiwang.core.errors import ApplicationError
from yiwang.core.pages import signed_in_page

from . import access, importing, selectors, services
from .exports import workbook_bytes
from .forms import ImportForm, ReportForm, ReturnForm
from .models import Attachment, ReportStatus
from .progress import status_labels, trend_labels

# Sign-in required; a refused guard renders the refusal page with its status (400, 403, 404 ...).
page = signed_in_page(gettext_lazy("督查督办"))


def _labels() -> dict:
    return {"statuses": status_labels(), "trends": trend_labels()}


@page
@require_GET
def index(request):
    access.check_read(request.user)
    if not access.reads_all(request.user):
        return redirect("programmes:mine")
    overview = selectors.programmes_overview(user=request.user)
    context = {
        "overview": overview, "rates": selectors.unit_rates(user=request.user),
        "pending": selectors.pending_reports(user=request.user), "can_decide": access.can_decide(request.user),
        "can_edit": access.can_edit(request.user), "quarter": selectors.current_quarter(),
        "totals": {k: sum(b[k] for b in overview) for k in ("yellow", "red", "pending")},
        "return_form": ReturnForm(), **_labels(),
    }
    return render(request, "programmes/index.html", context)


@page
@require_GET
def mine(request):
    access.check_read(request.user)
    if not access.is_unit_user(request.user):
        return redirect("programmes:index")
    slots = selectors.unit_slots(user=request.user)
    rates = [r for r in selectors.unit_rates(user=request.user) if r["unit"].pk == request.user.unit_id]
    return render(request, "programmes/mine.html", {"slots": slots, "rate": rates[0] if rates else None, "now": clock.now()})


def _task_context(request, task, **extra) -> dict:
    unit_id = None if access.reads_all(request.user) else request.user.unit_id
    return {
        "task": task, "slots": selectors.task_slots(task, unit_id=unit_id),
        "can_decide": access.can_decide(request.user), "return_form": ReturnForm(),
        "is_unit": access.is_unit_user(request.user), **extra,
    }


@page
@require_GET
def task(request, task_id):
    task = selectors.task_detail(task_id=task_id, user=request.user)
    return render(request, "programmes/task.html", _task_context(request, task))


@page
def report_file(request, task_id, period):
    task = selectors.task_detail(task_id=task_id, user=request.user)
    access.check_report(request.user, task)
    p = services.task_period(task, period)
    existing = next((r for r in task.reports.all() if r.unit_id == request.user.unit_id and r.period == p.key), None)
    if existing is not None and existing.status == ReportStatus.APPROVED:
        raise ApplicationError("report_state", _("该期报送已审核通过，不能再修改。"), status=409)
    # format(..., "f"): 400.0000 shows as 400, never as 4E+2
    initial = {"value": format(existing.value.normalize(), "f") if existing else "", "notes": existing.notes if existing else ""}
    form = ReportForm(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                uploads = services.uploads_from(form.cleaned_data["attachments"])
                services.report_submit(task_id=task.pk, period=p.key, value=form.cleaned_data["value"],
                                       notes=form.cleaned_data["notes"], uploads=uploads, user=request.user)
            except ApplicationError as exc:
                if exc.status_code in (403, 404):
                    raise
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("已报送 %(p)s 的进展，等待领导审核。") % {"p": p.key})
                return redirect("programmes:task", task_id=task.pk)
        status = 400
    context = {"task": task, "period": p, "form": form, "existing": existing}
    return render(request, "programmes/file.html", context, status=status)


def _back(request, report):
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/programmes/") else "programmes:task", **({} if target.startswith("/programmes/") else {"task_id": report.task_id}))


@page
@require_POST
def report_approve(request, report_id):
    report = selectors.report_get(report_id=report_id, user=request.user)
    try:
        services.report_approve(report_id=report.pk, user=request.user)
    except ApplicationError as exc:
        if exc.status_code in (403, 404):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已通过 %(u)s %(p)s 的报送。") % {"u": report.unit.display_name, "p": report.period})
    return _back(request, report)


@page
@require_POST
def report_return(request, report_id):
    report = selectors.report_get(report_id=report_id, user=request.user)
    try:
        services.report_return(report_id=report.pk, reason=request.POST.get("reason", ""), user=request.user)
    except ApplicationError as exc:
        if exc.status_code in (403, 404):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已退回 %(u)s %(p)s 的报送。") % {"u": report.unit.display_name, "p": report.period})
    return _back(request, report)


@page
@require_GET
def attachment(request, attachment_id):
    a = Attachment.objects.select_related("report").filter(pk=attachment_id).first()
    if a is None:
        raise ApplicationError("programmes_not_found", _("找不到该附件。"), status=404)
    selectors.report_get(report_id=a.report_id, user=request.user)  # the guard
    response = FileResponse(a.file.open("rb"), content_type=a.content_type, as_attachment=a.content_type == "application/pdf", filename=a.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@page
@require_GET
def export(request):
    overview = selectors.programmes_overview(user=request.user)
    data = workbook_bytes(overview, selectors.unit_rates(user=request.user))
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="programmes-{clock.today():%Y%m%d}.xlsx"'
    return response


@page
@require_GET
def printable(request):
    access.check_read(request.user)
    quarter = request.GET.get("quarter") or selectors.current_quarter()
    summary = selectors.quarter_summary(user=request.user, quarter=quarter)
    return render(request, "programmes/print.html", {"s": summary, "quarter": summary["period"].key, "now": clock.now(), **_labels()})


@page
def imports(request):
    access.check_edit(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    result, errors, status = None, None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = importing.import_file(kind=form.cleaned_data["kind"], content=form.cleaned_data["file"].read(), user=request.user)
            except importing.ImportRefused as exc:
                errors, status = exc.result.errors, 400
                form.add_error(None, exc.message)
            except ApplicationError as exc:
                if exc.status_code == 403:
                    raise
                form.add_error(None, exc.message)
                status = 400
            else:
                messages.success(request, _("已导入 %(n)d 行：新建 %(c)d 条，更新 %(u)d 条。") % {
                    "n": result.rows, "c": result.created, "u": result.updated})
                return redirect("programmes:imports")
        else:
            status = 400
    return render(request, "programmes/import.html", {"form": form, "errors": errors}, status=status)


@page
@require_GET
def import_template(request, kind):
    access.check_edit(request.user)
    if kind not in importing.KINDS:
        raise ApplicationError("programmes_not_found", _("未知的导入类型。"), status=404)
    wb = Workbook()
    wb.active.append(importing.template_headers(kind))
    out = io.BytesIO()
    wb.save(out)
    response = HttpResponse(out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{kind}.xlsx"'
    return response

