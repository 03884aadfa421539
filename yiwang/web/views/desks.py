"""The staff desks: hotline operator, dispatcher, unit handler, grid worker."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.accounts.models import Role
from yiwang.cases.models import Case, Channel, Status
from yiwang.cases.selectors import SEARCH_MAX_CHARS
from yiwang.classify.selectors import similar_cases
from yiwang.core import clock
from yiwang.core.errors import ApplicationError
from yiwang.routing.names import label_names
from yiwang.routing.selectors import route

from .. import selectors, services
from ..access import DISPATCH_ROLES, GRID_ROLES, OPERATOR_ROLES, UNIT_ROLES, role_required
from ..forms import (
    AcceptDispatchForm,
    BulkForm,
    CoHandlingDecisionForm,
    CoHandlingForm,
    HotlineIntakeForm,
    PatrolForm,
    UnitFilterForm,
    add_service_error,
)
from ..labels import ACTION_LABELS
from ..models import BulkAction, CoHandlingRequest
from ..reply_drafts import hold_for_confirmation, quoted_numbers, reply_draft
from ..services import BULK_MAX_CASES
from .common import case_page, move_panels

UNIT_PAGE_SIZE = 50


def _case_base(request, case, desk, *, bound=None, primary=()):
    return {
        "case": case,
        "desk": desk,
        "events": selectors.case_timeline(case),
        "panels": move_panels(request, case, desk, bound=bound, primary=primary),
        "assisting": list(case.assisting_units.all()),
        "photos": selectors.case_photos(case),
        "children": list(case.merged_children.only("number", "title", "status")),
    }


# =========================================================================== hotline operator
@role_required(*OPERATOR_ROLES)
@require_http_methods(["GET", "POST"])
def operator(request):
    form = HotlineIntakeForm(request.POST or None)
    answering = request.POST.get("intent") == "answer"
    if request.method == "POST" and form.is_valid() and not (answering and hold_for_confirmation(
        form, form.cleaned_data["answer_text"], own_name=form.cleaned_data.get("requester_name") or "",
        own_phone=form.cleaned_data.get("requester_phone") or "", candidates=quoted_numbers(form.cleaned_data["quoted"]),
    )):
        try:
            case = services.hotline_intake(
                data=form.to_input(),
                user=request.user,
                answer_text=form.cleaned_data["answer_text"] if answering else "",
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("已登记，编号 %(n)s，当前状态：%(s)s。请告知来电人编号。")
                % {"n": case.number, "s": Status(case.status).label},
            )
            return redirect(f"{reverse('web:operator')}?last={case.number}")
    today = timezone.localtime(clock.now()).replace(hour=0, minute=0, second=0, microsecond=0)
    context = {
        "form": form,
        "waiting": Case.objects.select_related("category", "district")
        .filter(status=Status.RECEIVED)
        .order_by("received_at")[:15],
        "taken_today": Case.objects.filter(channel=Channel.HOTLINE, received_at__gte=today).count(),
        "last": Case.objects.filter(number=request.GET.get("last", "")).first(),
    }
    return render(request, "web/desk/operator.html", context, status=200)


@role_required(*OPERATOR_ROLES)
@require_GET
def caller_lookup(request):
    phone = request.GET.get("requester_phone") or request.GET.get("phone") or ""
    return render(
        request,
        "web/partials/caller.html",
        {"phone": phone, "cases": selectors.caller_cases(phone=phone), "asked": len(phone.strip()) >= 5},
    )


@role_required(*OPERATOR_ROLES, *UNIT_ROLES, *DISPATCH_ROLES)
@require_GET
def knowledge(request):
    q = request.GET.get("q", "")[:SEARCH_MAX_CHARS]
    results = selectors.knowledge_base(q=q)
    for c in results:  # what is shown and quoted: the substance, without the old requester (reply_drafts)
        c.draft = reply_draft(c)
    return render(
        request,
        "web/partials/knowledge.html",
        {"q": q, "results": results, "target": request.GET.get("target", "")},
    )


def _operator_case(request, case, *, bound=None):
    context = _case_base(request, case, "operator", bound=bound, primary=("accept",))
    return "web/desk/case_operator.html", context


# =========================================================================== dispatcher
@role_required(*DISPATCH_ROLES)
@require_GET
def dispatch(request):
    return _dispatch_page(request, request.GET.get("queue") or "new", request.GET.get("q") or "")


def _dispatch_page(request, key: str, search: str, *, bulk_form=None):
    queues = selectors.dispatch_queues(user=request.user)
    current = next((q for q in queues if q.key == key), queues[0])
    rows = current.cases
    search = search.strip()[:SEARCH_MAX_CHARS]
    if search:
        rows = rows.filter(Q(number=search) | Q(title__icontains=search) | Q(address__icontains=search))
    context = {
        "queues": [(q, q.cases.count()) for q in queues],
        "current": current,
        "search": search,
        "rows": list(rows[:BULK_MAX_CASES]),
        "threshold": getattr(settings, "AUTO_DISPATCH_THRESHOLD", 0.8),
        # a new key each time the queue is shown: a resent form reuses it and is not run twice
        "bulk_form": bulk_form or BulkForm(initial={"key": secrets.token_urlsafe(16), "queue": current.key}),
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "queue":
        return render(request, "web/partials/queue.html", context)
    return render(request, "web/desk/dispatch.html", context)


@role_required(*DISPATCH_ROLES)
@require_POST
def dispatch_bulk(request):
    """One move for the cases ticked in a queue; then the page of what happened to each."""
    form = BulkForm(request.POST)
    if form.is_valid():
        try:
            row, ran = services.bulk_move(
                key=form.cleaned_data["key"], user=request.user, action=form.cleaned_data["action"],
                picks=form.cleaned_data["picks"], payload=form.payload(),
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            if not ran:
                messages.info(request, _("这批操作已经提交过，没有重复执行；以下是当时的结果。"))
            return redirect("web:dispatch_bulk_result", key=row.key)
    return _dispatch_page(request, request.POST.get("queue") or "new", "", bulk_form=form)


@role_required(*DISPATCH_ROLES)
@require_GET
def dispatch_bulk_result(request, key: str):
    row = BulkAction.objects.filter(key=key, user=request.user).first()
    if row is None:
        raise Http404(key)
    titles = dict(
        selectors.desk_cases(user=request.user)
        .filter(number__in=[r["number"] for r in row.results])
        .values_list("number", "title")
    )
    results = [{**r, "title": titles.get(r["number"], ""), "status_label": _status_label(r.get("status"))}
               for r in row.results]
    return render(request, "web/desk/bulk_result.html", {
        "row": row, "results": results, "label": ACTION_LABELS.get(row.action, row.action),
        "done": sum(1 for r in results if r["ok"]), "refused": sum(1 for r in results if r["ok"] is False),
    })


def _status_label(value) -> str:
    return str(Status(value).label) if value in Status.values else ""


def _candidates_shown(candidates: list) -> list[dict]:
    """The classifier's suggestions with each label's category name in the reader's language."""
    shown = label_names([c.get("name") for c in candidates if isinstance(c, dict)])
    return [{**c, "display_name": shown.get(c.get("name"), c.get("name"))} for c in candidates if isinstance(c, dict)]


def _dispatch_case(request, case, *, bound=None):
    primary = {
        Status.RECEIVED: ("accept",),
        Status.ACCEPTED: ("dispatch",),
        Status.RETURNED: ("redispatch",),
        Status.REPLIED: ("close",),
    }.get(case.status, ())
    if case.extension_requested_days:
        primary = (*primary, "extend")
    context = _case_base(request, case, "dispatch", bound=bound, primary=primary)
    area = case.grid or case.community or case.town or case.district
    decision = route(category=case.category, area=area) if case.category_id else None
    last_return = case.events.filter(action="return").order_by("-seq").first()
    self_fix = services.self_fix_note(case) if case.channel == Channel.PATROL else ""
    for panel in context["panels"]:
        if panel.action == "answer" and self_fix and not panel.form.is_bound:
            panel.form.initial["text"] = self_fix
    pending_assist = list(
        CoHandlingRequest.objects.filter(case=case, decided_at__isnull=True)
        .select_related("unit", "requested_by")
        .prefetch_related("units")
    )
    dups = (
        selectors.duplicates(case=case)
        if case.status in (Status.RECEIVED, Status.ACCEPTED, Status.DISPATCHED)
        else None
    )
    quick = None
    if case.status == Status.RECEIVED:
        quick = (bound or {}).get("accept_dispatch") or AcceptDispatchForm(
            prefix="quick", initial={"version": case.version}
        )
    context.update(
        {
            "quick_form": quick,
            "route": decision,
            "last_return": last_return,
            "self_fix": self_fix,
            "candidates": _candidates_shown(case.category_candidates or []),
            "threshold": getattr(settings, "AUTO_DISPATCH_THRESHOLD", 0.8),
            "duplicates": dups,
            "same_problems": selectors.same_problem_count(case),
            "can_merge": case.status in (Status.RECEIVED, Status.ACCEPTED, Status.DISPATCHED),
            "assist_requests": [
                (r, CoHandlingDecisionForm(initial={"request_id": r.pk})) for r in pending_assist
            ],
        }
    )
    return "web/desk/case_dispatch.html", context


@role_required(*DISPATCH_ROLES)
@require_POST
def accept_dispatch(request, number: str):
    """受理并派遣 from the dispatcher's case page."""
    case = selectors.desk_case(user=request.user, number=number)
    form = AcceptDispatchForm(request.POST, prefix="quick")
    if form.is_valid():
        try:
            case = services.accept_and_dispatch(
                case=case, user=request.user, accept=form.accept_payload(), dispatch=form.dispatch_payload(),
                expected_version=form.cleaned_data.get("version") or None,
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("已受理并派遣给%(unit)s。诉求件 %(n)s 当前状态：%(s)s") % {
                "unit": case.lead_unit.display_name, "n": case.number, "s": Status(case.status).label})
            return redirect("web:dispatch")
    case.refresh_from_db()
    return case_page(request, "dispatch", case, bound={"accept_dispatch": form})


@role_required(*DISPATCH_ROLES)
@require_POST
def cohandling_decide(request, number: str):
    case = selectors.desk_case(user=request.user, number=number)
    form = CoHandlingDecisionForm(request.POST)
    if (
        form.is_valid()
        and CoHandlingRequest.objects.filter(pk=form.cleaned_data["request_id"], case=case).exists()
    ):
        try:
            case = services.cohandling_decide(
                request_id=form.cleaned_data["request_id"],
                user=request.user,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data.get("note") or "",
            )
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("协办申请已处理。当前状态：%(s)s") % {"s": Status(case.status).label})
    else:
        messages.error(request, _("该协办申请不存在或已处理。"))
    return redirect("web:desk_case", desk="dispatch", number=case.number)


# =========================================================================== unit
@role_required(*UNIT_ROLES)
@require_GET
def unit(request):
    form = UnitFilterForm(request.GET or None)
    form.is_valid()
    d = getattr(form, "cleaned_data", {})  # the valid filters apply; a wrong one is shown at its field
    filters = selectors.UnitFilters(
        q=(d.get("q") or "").strip(), status=d.get("status") or "", deadline=d.get("deadline") or "",
        category=d.get("category") or "",
    )
    page = Paginator(selectors.unit_cases(user=request.user, filters=filters), UNIT_PAGE_SIZE).get_page(
        d.get("page") or 1
    )
    context = {
        "filter_form": form if form.is_bound else UnitFilterForm(),
        "filtered": filters != selectors.UnitFilters(),
        "page": page,
        "cases": list(page.object_list),
        "waiting": list(selectors.unit_waiting(user=request.user)[:20]),
        "assisting": list(selectors.unit_assisting(user=request.user)[:50]),
        "now": clock.now(),
    }
    return render(request, "web/desk/unit.html", context)


def _similar_drafts(case) -> list:
    """The past replies offered to start this case's reply from, each with its draft (reply_drafts)."""
    if case.status != Status.IN_PROGRESS:
        return []
    found = [s["case"] for s in similar_cases(case, limit=5)]
    for c in found:
        c.draft = reply_draft(c)
    return found


def _unit_case(request, case, *, bound=None, cohandling_form=None):
    primary = {Status.DISPATCHED: ("sign",), Status.IN_PROGRESS: ("reply",)}.get(case.status, ())
    context = _case_base(request, case, "unit", bound=bound, primary=primary)
    is_lead = request.user.role == Role.ADMIN or (
        request.user.unit_id and request.user.unit_id == case.lead_unit_id
    )
    pending = CoHandlingRequest.objects.filter(case=case).prefetch_related("units").first()
    context.update(
        {
            "similar": _similar_drafts(case),
            "is_lead": is_lead,
            "cohandling_form": (cohandling_form or CoHandlingForm(prefix="assist"))
            if is_lead and case.status in (Status.DISPATCHED, Status.IN_PROGRESS)
            else None,
            "cohandling_last": pending,
        }
    )
    return "web/desk/case_unit.html", context


@role_required(*UNIT_ROLES)
@require_POST
def cohandling_ask(request, number: str):
    case = selectors.desk_case(user=request.user, number=number)
    form = CoHandlingForm(request.POST, prefix="assist")
    if form.is_valid():
        try:
            services.cohandling_request(
                case=case,
                user=request.user,
                unit_codes=form.cleaned_data["units"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("协办申请已提交，等待派遣员处理。"))
            return redirect("web:desk_case", desk="unit", number=case.number)
    template, context = _unit_case(request, case, cohandling_form=form)
    return render(request, template, context)


# =========================================================================== grid worker
@role_required(*GRID_ROLES)
@require_GET
def grid(request):
    tasks = selectors.grid_tasks(user=request.user)
    context = {
        "verify": list(tasks["verify"][:50]),
        "open": list(tasks["open"][:50]),
        "mine": list(tasks["mine"][:20]),
        "area": request.user.area,
    }
    return render(request, "web/desk/grid.html", context)


@role_required(*GRID_ROLES)
@require_http_methods(["GET", "POST"])
def patrol(request):
    form = PatrolForm(request.POST or None, request.FILES or None, photos_enabled=True)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.patrol_report(
                data=form.to_input(language=translation.get_language() or "zh-hans"),
                user=request.user,
                photos=form.cleaned_data.get("photos") or [],
                fix_note=form.cleaned_data.get("fix_note") if form.cleaned_data.get("fixed") else "",
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            if form.cleaned_data.get("fixed"):
                text = _("已上报并记录现场处置，编号 %(n)s，等待指挥中心确认办结。")
            else:
                text = _("已上报，编号 %(n)s，当前状态：%(s)s。")
            messages.success(request, text % {"n": case.number, "s": Status(case.status).label})
            return redirect("web:grid")
    return render(request, "web/desk/patrol.html", {"form": form, "photos_enabled": True})


def _grid_case(request, case, *, bound=None):
    context = _case_base(request, case, "grid", bound=bound, primary=("verify",))
    context["photos_enabled"] = True
    return "web/desk/case_grid.html", context


CASE_PAGES = {
    "operator": _operator_case,
    "dispatch": _dispatch_case,
    "unit": _unit_case,
    "grid": _grid_case,
}
