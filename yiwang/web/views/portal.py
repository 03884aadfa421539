"""The resident portal: submit a request, follow it by number and phone, read the reply, rate, appeal.

Who may read a case here: the signed-in resident who filed it, or a visitor who proved the phone it
was filed with (a one-time code by SMS, otp.py), or who has just submitted it from this browser.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.accounts.models import Role
from yiwang.cases.models import Case, Status
from yiwang.cases.selectors import PUBLIC_REASONS, public_timeline
from yiwang.cases.services import Actor, perform
from yiwang.core.errors import ApplicationError
from yiwang.core.http import error_response
from yiwang.core.language import in_requester_script

from .. import otp, selectors, services
from ..access import RESIDENT_ROLES, role_required, workbench_url
from ..forms import AppealForm, CodeForm, FollowForm, PortalSubmitForm, RateForm, add_service_error

# What a requester sees of the timeline lives with the cases (the API shows them the same).


def _is_resident(user) -> bool:
    return user.is_authenticated and user.role == Role.RESIDENT


def _staff_note(request):
    """Staff signed in on the portal: their own desk is where they register requests."""
    if request.user.is_authenticated and request.user.role != Role.RESIDENT:
        return workbench_url(request.user) or "/"
    return None


@require_GET
def portal(request):
    mine = []
    if _is_resident(request.user):
        mine = list(Case.objects.filter(requester_user=request.user).order_by("-received_at")[:5])
    return render(request, "web/portal/index.html", {"mine": mine, "staff_desk": _staff_note(request)})


@require_http_methods(["GET", "POST"])
def submit(request):
    staff_desk = _staff_note(request)
    resident = _is_resident(request.user)
    initial = {"requester_phone": request.user.phone, "requester_name": ""} if resident else {}
    form = PortalSubmitForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        photos_enabled=True,
        phone_required=not resident,
    )
    if request.method == "POST" and staff_desk is None and form.is_valid():
        language = translation.get_language() or settings.LANGUAGE_CODE
        try:
            case = services.portal_submit(
                data=form.to_input(language=language),
                user=request.user,
                photos=form.cleaned_data.get("photos") or [],
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            otp.grant(request.session, case.number)
            return redirect("web:portal_submitted", number=case.number)
    context = {"form": form, "photos_enabled": True, "staff_desk": staff_desk}
    return render(request, "web/portal/submit.html", context)


def _readable(request, number: str) -> Case:
    case = (
        Case.objects.select_related("category", "district", "town", "community", "grid", "lead_unit")
        .filter(number=number)
        .first()
    )
    if case is None:
        raise Http404(number)
    mine = _is_resident(request.user) and case.requester_user_id == request.user.pk
    if not (mine or otp.granted(request.session, number)):
        raise Http404(number)  # not "forbidden": whether a number exists is not for strangers
    return case


@require_GET
def submitted(request, number: str):
    case = _readable(request, number)
    return render(request, "web/portal/submitted.html", {"case": case})


@require_http_methods(["GET", "POST"])
def follow(request):
    """Step 1: number and phone -> a code by SMS. Step 2 (code form) posts to follow_code."""
    form = FollowForm(request.POST or None, initial={"number": request.GET.get("number", "")})
    code_form, demo_code = None, None
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["number"].strip()
        if (
            _is_resident(request.user)
            and Case.objects.filter(number=number, requester_user=request.user).exists()
        ):
            return redirect("web:portal_case", number=number)
        try:
            demo_code = otp.code_request(
                session=request.session, number=number, phone=form.cleaned_data["phone"]
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            code_form = CodeForm()
            if not settings.DEMO_MODE:
                demo_code = None
    context = {
        "form": form,
        "code_form": code_form,
        "demo_code": demo_code,
        "pending": otp.pending_number(request.session) if code_form else None,
    }
    return render(request, "web/portal/follow.html", context)


@require_POST
def follow_code(request):
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            number = otp.code_verify(session=request.session, code=form.cleaned_data["code"])
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            return redirect("web:portal_case", number=number)
    context = {
        "form": FollowForm(initial={"number": otp.pending_number(request.session) or ""}),
        "code_form": form,
        "pending": otp.pending_number(request.session),
    }
    if context["pending"] is None:
        context["code_form"] = None
        messages.error(request, _("验证码已失效，请重新获取。"))
    return render(request, "web/portal/follow.html", context)


def requester_actor(request, case: Case) -> Actor | None:
    """Who rates or appeals for the requester: the signed-in resident who filed it, or a visitor who
    proved with the SMS code that they hold the case's phone; else nobody here (an operator records
    the rating on the callback, 回访)."""
    if _is_resident(request.user) and case.requester_user_id == request.user.pk:
        return Actor.of(request.user)
    if otp.granted(request.session, case.number) and case.requester_phone:
        return Actor(None, Role.RESIDENT, verified_phone=case.requester_phone)
    return None


# While one of these, the requester is told by when the unit must answer (the handling deadline).
OPEN_FOR_REPLY = (Status.DISPATCHED, Status.IN_PROGRESS, Status.RETURNED)


def _case_context(request, case, *, rate_form=None, appeal_form=None):
    events = list(public_timeline(case=case))
    reply = in_requester_script(case.reply_text, translation.get_language())
    can_rate = case.status in (Status.CLOSED, Status.ANSWERED) and not case.satisfaction
    actor = requester_actor(request, case)
    appeal_used = services.appeal_used(case)
    return {
        "case": case,
        "events": events,
        "public_reasons": PUBLIC_REASONS,
        "reply": reply,
        "can_rate": can_rate and actor is not None,
        "rate_elsewhere": can_rate and actor is None,
        "rate_form": rate_form or RateForm(prefix="rate", initial={"version": case.version}),
        "can_appeal": services.can_appeal(case, used=appeal_used),
        "appeal_used": appeal_used,
        "appeal_form": appeal_form or AppealForm(prefix="appeal"),
        "photos": selectors.case_photos(case),
        "steps": selectors.requester_steps(case),
        "reply_due": case.due_at if case.status in OPEN_FOR_REPLY else None,
        # Until the case is accepted its category is the classifier's guess, not the platform's word.
        "category": case.category if case.category_id and case.status != Status.RECEIVED else None,
        # The map shows the point as the public feed rounds it, and the community, not the grid.
        "map_point": selectors.rounded_point(case.lon, case.lat),
    }


@require_GET
def case_view(request, number: str):
    case = _readable(request, number)
    return render(request, "web/portal/case.html", _case_context(request, case))


@require_POST
def rate(request, number: str):
    case = _readable(request, number)
    form = RateForm(request.POST, prefix="rate")
    actor = requester_actor(request, case)
    if actor is None:
        form.add_error(None, _("请登录后评价，或等候 12345 回访时评价。"))
    elif form.is_valid():
        try:
            case = perform(
                case=case,
                action="rate",
                actor=actor,
                payload=form.payload(),
                expected_version=form.cleaned_data.get("version") or None,
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("感谢您的评价。当前状态：%(s)s") % {"s": Status(case.status).label})
            return redirect("web:portal_case", number=case.number)
    case.refresh_from_db()
    return render(request, "web/portal/case.html", _case_context(request, case, rate_form=form))


@require_POST
def appeal(request, number: str):
    case = _readable(request, number)
    form = AppealForm(request.POST, prefix="appeal")
    if form.is_valid():
        try:
            case = services.case_appeal(case=case, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("申诉已受理，诉求件已退回承办单位重新办理。当前状态：%(s)s")
                % {"s": Status(case.status).label},
            )
            return redirect("web:portal_case", number=case.number)
    case.refresh_from_db()
    return render(request, "web/portal/case.html", _case_context(request, case, appeal_form=form))


@role_required(*RESIDENT_ROLES)
@require_GET
def mine(request):
    cases = Case.objects.filter(requester_user=request.user).order_by("-received_at")[:100]
    return render(request, "web/portal/mine.html", {"cases": cases})


# --------------------------------------------------------------------------- nearby open reports
@require_GET
def nearby(request):
    """The open, reviewed reports around the point a visitor picked on the submit page (a fragment
    nearby.js puts under the place picker): masked titles, plain statuses, distance and date; nothing
    of any requester. Public like the Open311 feed, and rate-limited by address (settings)."""
    try:
        found = selectors.nearby_open_cases(
            lon=request.GET.get("lon"), lat=request.GET.get("lat"), user=request.user
        )
    except ApplicationError as exc:
        return error_response(400, exc.code, exc.message)
    context = {
        "nearby": found,
        "radius_m": selectors.NEARBY_RADIUS_M,
        "can_say_same": request.user.is_anonymous or _is_resident(request.user),
    }
    response = render(request, "web/portal/nearby.html", context)
    response["Cache-Control"] = "private, no-store"  # the "mine" marks and counts are this visitor's
    return response


def supporter_of(request) -> str:
    """Who says "same problem": the signed-in resident, else this browser's session (created if it
    has none), as a keyed hash so the table holds no session key."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    if request.session.session_key is None:
        request.session.save()
    return salted_hmac("yiwang.web.same_problem", request.session.session_key).hexdigest()[:40]


@require_POST
def same_problem(request, number: str):
    """"This is my problem too" (同一问题) on a nearby report: counted once per visitor, no new case."""
    if request.user.is_authenticated and not _is_resident(request.user):
        raise PermissionDenied  # staff register what a caller says at their desk
    case = selectors.nearby_case(number=number)
    _row, created = services.same_problem_record(case=case, supporter=supporter_of(request), user=request.user)
    context = {
        "case": case,
        "created": created,
        "count": selectors.same_problem_count(case),
        "status": selectors.requester_step_label(case.status),
    }
    return render(request, "web/portal/same_problem.html", context)  # nearby.js puts it in the item
