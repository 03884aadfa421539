"""Pages of the registers: the grid file, register lists, a record (reveal, correct, visit) and imports.
Views parse, call one service or selector, and render; guards live in access.py."""

from __future__ import annotations

import csv
import io

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django.views.decorators.http import require_GET, require_POST

from yiwang.accounts.models import Role
from yiwang.core.errors import ApplicationError
from yiwang.core.pages import signed_in_page
from yiwang.core.spreadsheets import csv_row

from . import access, importing, selectors, services
from .forms import UploadForm, VisitForm
from .models import BatchStatus, CareGroup, FacilityKind, ImportBatch, OrganisationKind, PersonKind, Register
from .personal import is_personal, mask

PATH_REGISTER = {"people": Register.PERSON, "buildings": Register.BUILDING, "organisations": Register.ORGANISATION, "facilities": Register.FACILITY}
REGISTER_PATH = {v: k for k, v in PATH_REGISTER.items()}


# Sign-in required; a refused guard renders the refusal page with its status (400, 403, 404 ...).
page = signed_in_page(gettext_lazy("一格一档"))


@page
@require_GET
def index(request):
    access.scope_prefix(request.user)
    area = request.user.area
    if request.user.role == Role.GRIDWORKER and area is not None and len(area.code) == 15:
        return redirect("registers:grid", code=area.code)
    q = request.GET.get("q", "").strip()
    rows, current = selectors.grids_in_scope(user=request.user, q=q, page=request.GET.get("page", 1))
    return render(request, "registers/index.html", {"rows": rows, "page_obj": current, "q": q, "can_import": request.user.role in access.IMPORT_ROLES})


@page
@require_GET
def grid_file(request, code):
    grid = selectors.grid_get(code=code, user=request.user)
    return render(request, "registers/grid.html", {"f": selectors.grid_file(grid=grid, user=request.user), "grid": grid})


FILTERS = {
    Register.PERSON: PersonKind.choices,
    Register.ORGANISATION: OrganisationKind.choices,
    Register.FACILITY: FacilityKind.choices,
}


@page
@require_GET
def register_list(request, code, register):
    grid = selectors.grid_get(code=code, user=request.user)
    reg = PATH_REGISTER[register]
    filters = {"kind": request.GET.get("kind", ""), "group": request.GET.get("group", ""), "building": request.GET.get("building", "")}
    rows, current = selectors.register_page(register=reg, grid=grid, page=request.GET.get("page", 1), filters=filters)
    context = {
        "grid": grid, "register": reg, "path": register, "rows": rows, "page_obj": current, "filters": filters,
        "kinds": FILTERS.get(reg, []), "groups": CareGroup.choices if reg == Register.PERSON else [],
        "title": Register(reg).label,
    }
    return render(request, "registers/list.html", context)


# --------------------------------------------------------------------------- one record
FIELDS_SHOWN = {
    Register.PERSON: ("name", "id_number", "phone", "gender", "age", "kind_label", "groups", "building", "room", "address", "last_visited_at"),
    Register.ORGANISATION: ("name", "uscc", "kind_label", "legal_rep", "contact_phone", "employees", "address", "last_visited_at"),
    Register.BUILDING: ("code", "name", "address", "floors", "use_label", "people"),
    Register.FACILITY: ("code", "kind_label", "status_label", "owner", "address"),
}
def _labels() -> dict[str, str]:
    return {k: _(v) for k, v in LABELS_MSGIDS.items()}


LABELS_MSGIDS = {
    "name": gettext_noop("名称/姓名"), "id_number": gettext_noop("身份证号码"), "phone": gettext_noop("联系电话"),
    "gender": gettext_noop("性别"), "age": gettext_noop("年龄"), "kind_label": gettext_noop("类型"),
    "groups": gettext_noop("关爱人群"), "building": gettext_noop("楼栋"), "room": gettext_noop("房号"),
    "address": gettext_noop("地址"), "last_visited_at": gettext_noop("最近走访"), "uscc": gettext_noop("统一社会信用代码"),
    "legal_rep": gettext_noop("法定代表人/负责人"), "contact_phone": gettext_noop("联系电话"),
    "employees": gettext_noop("从业人数"), "code": gettext_noop("编码"), "floors": gettext_noop("层数"),
    "use_label": gettext_noop("用途"), "people": gettext_noop("登记人数"), "status_label": gettext_noop("状态"),
    "owner": gettext_noop("权属单位"), "kind": gettext_noop("类型"), "use": gettext_noop("用途"), "status": gettext_noop("状态"),
}


def _record_context(request, register: str, obj, *, revealed: dict | None = None, edit_form=None, visit_form=None) -> dict:
    row = selectors.ROWS[register](obj)
    if register == Register.BUILDING:
        row["people"] = obj.people.count()
    labels = _labels()
    grid_code = obj.grid.code if obj.grid_id else None
    facts = []
    for field in FIELDS_SHOWN[register]:
        value = row.get(field)
        if isinstance(value, list):
            value = "、".join(value)
        facts.append({
            "field": field, "label": labels[field], "value": (revealed or {}).get(field, value),
            "personal": is_personal(register, field), "revealed": field in (revealed or {}),
        })
    can_write = access.can_write(request.user, grid_code)
    return {
        "register": register, "register_label": Register(register).label, "obj": obj, "row": row, "facts": facts,
        "history": selectors.record_history(register=register, record_id=obj.pk, user=request.user),
        "can_reveal": access.can_reveal(request.user, grid_code), "can_write": can_write,
        "edit_form": edit_form or (_edit_form(register, obj) if can_write else None),
        "visit_form": visit_form or (VisitForm() if can_write and register != Register.FACILITY else None),
        "list_path": REGISTER_PATH[register],
    }


def _register(register: str) -> str:
    if register not in Register.values:
        raise ApplicationError("record_not_found", _("找不到该记录。"), status=404)
    return register


@page
@require_GET
def record(request, register, record_id):
    obj = selectors.record_get(register=_register(register), record_id=record_id, user=request.user)
    return render(request, "registers/record.html", _record_context(request, register, obj))


@page
@require_POST
def reveal(request, register, record_id):
    field = request.POST.get("field", "")
    value = services.personal_reveal(
        register=_register(register), record_id=record_id, field=field, user=request.user,
        reason=request.POST.get("reason", ""), address=request.META.get("REMOTE_ADDR"),
    )
    obj = selectors.record_get(register=register, record_id=record_id, user=request.user)
    return render(request, "registers/record.html", _record_context(request, register, obj, revealed={field: value}))


CHOICE_FIELDS = {
    ("person", "kind"): PersonKind.choices,
    ("organisation", "kind"): OrganisationKind.choices,
}


def _edit_form(register: str, obj, data=None):
    """Non-personal fields show their value; personal ones are left blank (showing them would be an
    unlogged reveal) and change only when something is typed."""
    from .models import BuildingUse, FacilityStatus

    choices = {**CHOICE_FIELDS, ("building", "use"): BuildingUse.choices, ("facility", "status"): FacilityStatus.choices}
    form = forms.Form(data)
    labels = _labels()
    for field in services.EDITABLE[register]:
        label = labels.get(field, field)
        if field == "groups":
            form.fields[field] = forms.MultipleChoiceField(label=labels["groups"], choices=CareGroup.choices, required=False,
                                                           widget=forms.CheckboxSelectMultiple, initial=obj.groups)
        elif (register, field) in choices:
            form.fields[field] = forms.ChoiceField(label=label, choices=choices[(register, field)], initial=getattr(obj, field))
        elif is_personal(register, field):
            form.fields[field] = forms.CharField(
                label=label, required=False,
                widget=forms.TextInput(attrs={"placeholder": _("当前：%(v)s（留空不修改）") % {"v": mask(register, field, getattr(obj, field)) or "—"}}),
            )
        elif field == "room":
            form.fields[field] = forms.CharField(label=label, required=False, initial=obj.room.number if obj.room_id else "")
        else:
            form.fields[field] = forms.CharField(label=label, required=False, initial=getattr(obj, field) if getattr(obj, field) is not None else "")
    form.fields["note"] = forms.CharField(label=_("更正说明"), required=False, max_length=200)
    return form


@page
@require_POST
def record_edit(request, register, record_id):
    obj = selectors.record_get(register=_register(register), record_id=record_id, user=request.user)
    form = _edit_form(register, obj, request.POST)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "note" and not (is_personal(register, k) and not v)}
        try:
            services.record_update(register=register, record_id=obj.pk, data=data, user=request.user, note=form.cleaned_data["note"])
        except ApplicationError as exc:
            if exc.status_code == 403:
                raise
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已更正，修改已记入变更历史。"))
            return redirect("registers:record", register=register, record_id=obj.pk)
    context = _record_context(request, register, obj, edit_form=form)
    return render(request, "registers/record.html", context, status=400)


@page
@require_POST
def record_visit(request, register, record_id):
    obj = selectors.record_get(register=_register(register), record_id=record_id, user=request.user)
    form = VisitForm(request.POST)
    if form.is_valid():
        try:
            services.record_visit(register=register, record_id=obj.pk, kind=form.cleaned_data["kind"], note=form.cleaned_data["note"], user=request.user)
        except ApplicationError as exc:
            if exc.status_code == 403:
                raise
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("走访已记录。"))
            return redirect("registers:record", register=register, record_id=obj.pk)
    return render(request, "registers/record.html", _record_context(request, register, obj, visit_form=form), status=400)


# --------------------------------------------------------------------------- imports
@page
def imports(request):
    access.check_import(request.user)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > importing.MAX_BYTES:
            form.add_error("file", _("文件不能超过 30 MB，请分批导入。"))
        else:
            try:
                batch = importing.import_start(
                    register=form.cleaned_data["register"], source=form.cleaned_data["source"],
                    filename=upload.name, content=upload.read(), user=request.user,
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("registers:batch", batch_id=batch.pk)
    batches = ImportBatch.objects.select_related("created_by").order_by("-created_at")[:30]
    return render(request, "registers/imports.html", {"form": form, "batches": batches, "registers": [(r, REGISTER_PATH[r]) for r in REGISTER_PATH]})


def _batch_context(batch: ImportBatch) -> dict:
    errors = list(batch.rows.exclude(errors=[]).order_by("number")[:500]) if batch.status != BatchStatus.CHECKING else []
    warnings = list(batch.rows.filter(errors=[]).exclude(warnings=[]).order_by("number")[:200]) if batch.status != BatchStatus.CHECKING else []
    return {
        "batch": batch, "error_rows": errors, "warning_rows": warnings,
        "merges": list(batch.merges.order_by("row_number")[:500]),
        "valid_rows": batch.checked_rows - batch.error_rows,
    }


@page
@require_GET
def batch(request, batch_id):
    access.check_import(request.user)
    b = ImportBatch.objects.filter(pk=batch_id).first()
    if b is None:
        raise ApplicationError("import_batch_not_found", _("找不到该导入批次。"), status=404)
    return render(request, "registers/batch.html", _batch_context(b))


@page
@require_POST
def batch_check(request, batch_id):
    """One step of checking (the page's progress bar posts here until the batch is ready)."""
    access.check_import(request.user)
    b = importing.import_check(batch_id=batch_id)
    return render(request, "registers/_batch.html", _batch_context(b))


@page
@require_POST
def batch_apply(request, batch_id):
    try:
        b = importing.import_apply(batch_id=batch_id, user=request.user)
    except ApplicationError as exc:
        if exc.status_code == 403:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已导入：新建 %(c)d 条，合并 %(m)d 条，跳过错误行 %(s)d 条。") % {
            "c": b.summary["created"], "m": b.summary["merged"], "s": b.summary["skipped"]})
    return redirect("registers:batch", batch_id=batch_id)


@page
@require_POST
def batch_cancel(request, batch_id):
    try:
        importing.import_cancel(batch_id=batch_id, user=request.user)
    except ApplicationError as exc:
        if exc.status_code == 403:
            raise
        messages.error(request, exc.message)
    return redirect("registers:batch", batch_id=batch_id)


@page
@require_GET
def import_template(request, register):
    access.check_import(request.user)
    if register not in importing.COLUMNS:
        raise ApplicationError("record_not_found", _("未知的登记簿"), status=404)
    out = io.StringIO()
    csv.writer(out).writerow(csv_row(importing.template_headers(register)))
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{register}.csv"'
    return response


def grid_url(code: str) -> str:
    return reverse("registers:grid", kwargs={"code": code})
