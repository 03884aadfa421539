"""The classifier's pages: the admins' model page (/classifier/) with rollback, and the similar
answered cases of one case for the staff who reply (/classifier/cases/<number>/similar/)."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from yiwang.accounts.models import Role
from yiwang.cases.models import Case
from yiwang.cases.selectors import can_read_case, reads_masked_text, with_text_masked
from yiwang.core.errors import ApplicationError
from yiwang.core.http import forbidden
from yiwang.routing.names import label_name, label_names

from . import selectors, services


def _forbidden(request):
    return forbidden(request, _("只有管理员可以查看分类模型页面。"))


def admin_required(view):
    """Signed in, and an admin (role) or Django staff; anyone else gets 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (request.user.role == Role.ADMIN or request.user.is_staff):
            return _forbidden(request)
        return view(request, *args, **kwargs)

    return wrapped


def staff_required(view):
    """Signed in and working at the platform (any role but resident)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.user.role == Role.RESIDENT and not request.user.is_staff:
            return forbidden(request)
        return view(request, *args, **kwargs)

    return wrapped


@require_GET
@admin_required
def model_page(request):
    try:
        version = int(request.GET["version"]) if request.GET.get("version") else None
    except ValueError:
        version = None
    context = selectors.model_page(version=version)
    context["label_names"] = _label_names(context)
    return render(request, "classify/model.html", context)


def _label_names(context: dict) -> dict[str, str]:
    """{model label: its category's name in the reader's language} for every label the page shows.

    The model's labels stay the level-1 Chinese names; only what is shown is translated."""
    labels = {label for label, _s in context.get("per_label") or []}
    labels.update(context.get("confusion_labels") or [])
    labels.update(row.get("label") for row in context.get("confusion_rows") or [] if isinstance(row, dict))
    for p in context.get("pairs") or []:
        labels.update((p.get("predicted_label"), p.get("chosen_label")))
    for c in context.get("recent_corrections") or []:
        labels.update((c.predicted_label, c.chosen_label))
    return label_names(labels)


@require_POST
@admin_required
def activate(request):
    if not (request.user.role == Role.ADMIN or request.user.is_superuser):
        return _forbidden(request)  # staff such as auditors read the model page; only admins switch it
    try:
        version = int(request.POST.get("version", ""))
        record = services.classifier_activate(version=version, actor=request.user)
    except (ValueError, ApplicationError):
        messages.error(request, _("没有这个模型版本。"))
        return redirect("classify:model")
    messages.success(request, _("已启用模型版本 %(v)d。") % {"v": record.version})
    return redirect("classify:model")


@require_GET
@staff_required
def similar(request, number: str):
    case = Case.objects.select_related("category__parent__parent").filter(number=number).first()
    if case is None or not can_read_case(request.user, case):
        raise Http404(number)  # out of scope: as if it did not exist
    label = label_name(selectors.case_label(case) or "")
    similar = selectors.similar_cases(case)
    if reads_masked_text(request.user):
        case = with_text_masked(case)
        similar = [{**s, "case": with_text_masked(s["case"])} for s in similar]
    return render(request, "classify/similar.html", {"case": case, "label": label, "similar": similar})
