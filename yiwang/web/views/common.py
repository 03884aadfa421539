"""What every desk's case page shares: the move forms it offers, and making a move from one.

A move is one POST to /desk/<desk>/case/<number>/<action>/: the form is parsed, `perform` is called
once, and the person is sent back to the case with the new status. A refusal re-renders the case page
with that form bound (what they typed is kept) and the service's message next to the fields it names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import shapely
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from yiwang.accounts.models import Role
from yiwang.cases.models import Status
from yiwang.cases.services import Actor, perform
from yiwang.cases.transitions import allowed_actions
from yiwang.classify.selectors import similar_cases
from yiwang.core.errors import ApplicationError
from yiwang.core.http import forbidden
from yiwang.geo.models import Area
from yiwang.intake.services import attachment_publish
from yiwang.security.services import personal_data_reveal

from .. import access, selectors
from ..forms import RevealForm, add_service_error, move_form_class
from ..labels import ACTION_HELP, ACTION_LABELS, event_label
from ..reply_drafts import hold_for_confirmation, quoted_numbers
from ..services import photos_upload

# The moves each desk offers (the services still decide whether this person may, on this case, now).
DESK_MOVES = {
    "operator": ("accept", "reject", "answer", "rate"),
    "dispatch": (
        "accept",
        "reject",
        "answer",
        "merge",
        "dispatch",
        "redispatch",
        "extend",
        "supervise",
        "check",
        "verify",
        "close",
        "reopen",
        "suspend",
        "resume",
    ),
    "unit": ("sign", "reply", "extend", "return"),
    "grid": ("verify",),
}
DESK_ROLES = {
    "operator": access.OPERATOR_ROLES,
    "dispatch": access.DISPATCH_ROLES,
    "unit": access.UNIT_ROLES,
    "grid": access.GRID_ROLES,
}


@dataclass
class Panel:
    action: str
    label: str
    help: str
    form: object
    url: str
    open: bool = False  # shown unfolded (the bound form with errors, or the move the desk expects)


def move_panels(request, case, desk: str, bound: dict | None = None, primary: tuple = ()) -> list[Panel]:
    """The forms of the moves this person could make on this case from this desk, in desk order."""
    role = request.user.role
    possible = set(allowed_actions(case.status, role))
    panels = []
    for action in DESK_MOVES[desk]:
        if action not in possible:
            continue
        if action == "extend":
            unit_side = role in (Role.HANDLER, Role.UNIT_LEADER)
            if unit_side == bool(case.extension_requested_days):
                continue  # a unit asks when nothing is pending; a dispatcher decides a pending one
        if action == "rate" and case.satisfaction:
            continue
        form = (bound or {}).get(action)
        if form is None:
            form = for_case(move_form_class(action, role)(prefix=action, initial=_initial(case, action)), case, action)
        panels.append(
            Panel(
                action=action,
                label=str(ACTION_LABELS[action]),
                help=str(ACTION_HELP.get(action, "")),
                form=form,
                url=reverse("web:move", args=[desk, case.number, action]),
                open=action in (bound or {}) or action in primary,
            )
        )
    return panels


def _initial(case, action) -> dict:
    initial = {"version": case.version}
    if action == "redispatch" and case.lead_unit_id and case.status != Status.RETURNED:
        initial["lead_unit"] = case.lead_unit.code
    return initial


def for_case(form, case, action: str):
    """A returned case is sent on to a unit the dispatcher picks: nothing is preselected (least of all
    the unit that returned it, which is marked). The responsibility list may choose only when the
    category changes; with the same category it would choose the returning unit again."""
    if action == "redispatch" and case.status == Status.RETURNED and "lead_unit" in form.fields:
        field = form.fields["lead_unit"]
        form.unit_or_new_category = True  # DispatchForm.clean
        returned_by = case.lead_unit.code if case.lead_unit_id else None

        def mark(code, name):
            return code, (_("%(unit)s（退回单位）") % {"unit": name} if code == returned_by else name)

        field.choices = [("", _("（请选择承办单位；改了分类时可留空，按新分类的权责清单选择）"))] + [
            (group, [mark(*c) for c in units]) for group, units in field.choices if isinstance(units, list | tuple)
        ]
    return form


def case_page(
    request,
    desk: str,
    case,
    *,
    bound: dict | None = None,
    status: int = 200,
    revealed: dict | None = None,
    reveal_form: RevealForm | None = None,
):
    from . import desks

    builder = desks.CASE_PAGES[desk]
    template, context = builder(request, case, bound=bound)
    context["revealed"] = revealed or {}
    context["reveal_form"] = reveal_form or RevealForm(prefix="reveal")
    return render(request, template, context, status=status)


def _desk_refusal(request, desk: str):
    """The response when this person may not work at `desk` (sign in, or 403), else None."""
    if desk not in DESK_MOVES:
        raise Http404(desk)
    if not request.user.is_authenticated:
        return access.redirect_to_login(request.get_full_path())
    if request.user.role not in DESK_ROLES[desk]:
        return forbidden(request)
    return None


@require_POST
def move(request, desk: str, number: str, action: str):
    if refusal := _desk_refusal(request, desk):
        return refusal
    if action not in DESK_MOVES[desk]:
        raise Http404(action)
    case = selectors.desk_case(user=request.user, number=number)
    form = for_case(move_form_class(action, request.user.role)(request.POST, request.FILES, prefix=action), case, action)
    if form.is_valid() and not _names_another_case(form, case, action):
        try:
            with transaction.atomic():  # a refused move leaves no photo bound to the case
                payload = _with_photos(request, form, action, form.payload(), case)
                case = perform(
                    case=case,
                    action=action,
                    actor=Actor.of(request.user),
                    payload=payload,
                    expected_version=form.cleaned_data.get("version") or None,
                )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("已%(move)s。诉求件 %(n)s 当前状态：%(status)s")
                % {"move": event_label(action, case.events.order_by("-seq").values_list("payload", flat=True)[0]),
                   "n": case.number, "status": Status(case.status).label},
            )
            if selectors.desk_cases(user=request.user).filter(pk=case.pk).exists():
                return redirect("web:desk_case", desk=desk, number=case.number)
            return redirect(f"web:{desk}")
    case.refresh_from_db()
    return case_page(request, desk, case, bound={action: form})


def _names_another_case(form, case, action) -> bool:
    """An answer or reply that names another case (its number, its requester) waits for the person's
    confirmation (reply_drafts). The past replies this desk offered count as quoted, pasted by hand too."""
    if action not in ("answer", "reply"):
        return False
    candidates = quoted_numbers(form.cleaned_data.get("quoted") or "")
    if action == "reply" and case.status == Status.IN_PROGRESS:
        candidates += [s["case"].number for s in similar_cases(case, limit=5)]
    return hold_for_confirmation(
        form, form.cleaned_data.get("text") or "", own_number=case.number, own_name=case.requester_name,
        own_phone=case.requester_phone, candidates=candidates,
    )


def _with_photos(request, form, action, payload, case):
    """A verification's photos: stored by the intake app and bound to the case; the move records
    their tokens, so the timeline shows them at the verification (selectors.timeline)."""
    if action != "verify":
        return payload
    files = request.FILES.getlist("verify-photos")
    if not files:
        return payload
    entries = photos_upload(files=files, user=request.user, case=case)
    payload["photos"] = [e["token"] for e in entries]
    return payload


@require_POST
def reveal(request, desk: str, number: str):
    """One personal value of the case in full, for this person, on this answer only: the look is
    logged (who, which case, which field, why) by the security app's reveal service before the page
    shows it. Nothing is kept in the session, so reloading the case shows it masked again."""
    if refusal := _desk_refusal(request, desk):
        return refusal
    case = selectors.desk_case(user=request.user, number=number)
    form = RevealForm(request.POST, prefix="reveal")
    if not form.is_valid():
        return case_page(request, desk, case, reveal_form=form, status=400)
    field = form.cleaned_data["field"]
    try:
        value = personal_data_reveal(
            user=request.user,
            obj=case,
            field=field,
            reason=form.cleaned_data["reason"],
            address=request.META.get("REMOTE_ADDR"),
        )
    except ApplicationError as exc:
        add_service_error(form, exc)
        return case_page(request, desk, case, reveal_form=form, status=exc.status_code)
    response = case_page(request, desk, case, revealed={field: value})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def photo_publish(request, desk: str, number: str, token: str):
    """A dispatcher approves one of the case's photos for the public feed, or withdraws it."""
    if refusal := _desk_refusal(request, desk):
        return refusal
    case = selectors.desk_case(user=request.user, number=number)
    publish = request.POST.get("publish") != "no"
    try:
        attachment_publish(case=case, token=token, user=request.user, publish=publish)
    except ApplicationError as exc:
        if exc.status_code == 404:
            raise Http404(token) from exc
        return forbidden(request, exc.message)
    messages.success(request, _("照片已批准公开。") if publish else _("照片已撤回，不再公开。"))
    return redirect("web:desk_case", desk=desk, number=case.number)


@require_GET
def desk_case(request, desk: str, number: str):
    if refusal := _desk_refusal(request, desk):
        return refusal
    case = selectors.desk_case(user=request.user, number=number)
    return case_page(request, desk, case)


@require_GET
def area_geojson(request, code: str):
    """One area's outline (a case's grid on its map). Public, as the whole grid layer is on the public
    map (geo/areas.geojson?level=grid) and `geo/locate` tells anyone a point's grid: it holds no
    personal data (code, name, whether the outline is approximate), so hiding one outline protected
    nothing while the layer was open."""
    area = Area.objects.filter(code=code).only("code", "name", "name_en", "name_zh_hant", "geometry", "approximate").first()
    if area is None or not area.geometry:
        raise Http404(code)
    geom = shapely.set_precision(shapely.from_wkb(bytes(area.geometry)), 0.00001)
    feature = {
        "type": "Feature",
        "properties": {
            "code": area.code,
            "name": area.display_name,
            "name_zh": area.name,
            "approximate": area.approximate,
        },
        "geometry": json.loads(shapely.to_geojson(geom)),
    }
    response = HttpResponse(json.dumps(feature, ensure_ascii=False), content_type="application/geo+json")
    response["Cache-Control"] = "public, max-age=300"
    return response
