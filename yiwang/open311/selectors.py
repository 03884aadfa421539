"""Reads behind the Open311 endpoints: the service list (level-2 categories), one service, cases as
service requests (by id, or filtered in a window), and tokens.

Statuses: Open311 knows only open and closed. A case is open while it is in one of the cases app's
OPEN_STATUSES (received … verifying, incl. returned and suspended) and closed otherwise (rejected,
answered at intake, merged into another case, closed, rated) — see docs/open311.md.

Only reviewed cases are published: a case is reviewed once a person of the hotline centre (an
operator, a dispatcher or an admin) has made a move on it — accepted, answered, refused, merged,
dispatched, supervised, verified or closed it; entering it (create, import) is not reading it. Until
then (just received, or routed by the classifier alone) it is not in the list and its id answers 404,
like a number that does not exist. Photos: only those a
dispatcher approved for publication (intake's Attachment.public_approved_at).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from yiwang.cases.models import OPEN_STATUSES, Case, CaseEvent, Status
from yiwang.core.errors import ApplicationError
from yiwang.intake.models import Attachment
from yiwang.routing.models import Category

from . import error_codes as codes
from .models import Open311Request
from .params import RequestQuery

MAX_RESULTS = 1000  # "Default query limit is … first 1000 requests returned"
SERVICE_LEVEL = 2  # a service is a level-2 category; its level-1 parent is the service's group
# A move by a person of the centre means they have read the case (see the module docstring).
REVIEWER_ROLES = ("operator", "dispatcher", "admin")
NOT_A_REVIEW = ("create", "import")


def open311_status(status: str) -> str:
    return "open" if status in OPEN_STATUSES else "closed"


def _services() -> QuerySet[Category]:
    children = Category.objects.filter(is_active=True).order_by("code")
    return (
        Category.objects.filter(level=SERVICE_LEVEL, is_active=True, parent__is_active=True)
        .select_related("parent")
        .prefetch_related(Prefetch("children", queryset=children, to_attr="active_children"))
        .order_by("code")
    )


def service_list() -> list[Category]:
    return list(_services())


def service_get(*, service_code: str) -> Category:
    service = _services().filter(code=service_code).first()
    if service is None:
        raise ApplicationError(
            codes.SERVICE_NOT_FOUND,
            _("service_code %(c)s 不存在（见 GET services）") % {"c": service_code},
            status=404,
        )
    return service


def service_of(category: Category | None) -> Category | None:
    """The service a case is filed under: its level-2 category (a level-3 one's parent). A case the
    classifier filed only at level 1 reports that level-1 category."""
    if category is None:
        return None
    return category.parent if category.level > SERVICE_LEVEL else category


def _cases() -> QuerySet[Case]:
    reviewed = CaseEvent.objects.filter(case=OuterRef("pk"), actor_role__in=REVIEWER_ROLES).exclude(
        action__in=NOT_A_REVIEW
    )
    photos = Attachment.objects.filter(public_approved_at__isnull=False).order_by("public_approved_at", "pk")
    return (
        Case.objects.filter(Exists(reviewed))
        .select_related(
            "category__parent", "lead_unit", "grid", "community", "town", "district__parent", "parent", "open311"
        )
        .prefetch_related(Prefetch("attachment_files", queryset=photos, to_attr="public_photos"))
    )


def request_list(*, query: RequestQuery) -> list[Case]:
    qs = _cases()
    if query.ids:
        qs = qs.filter(number__in=query.ids[:MAX_RESULTS])
    else:
        if query.service_codes:
            qs = qs.filter(
                Q(category__code__in=query.service_codes)
                | Q(category__level__gt=SERVICE_LEVEL, category__parent__code__in=query.service_codes)
            )
        if query.statuses == ["open"]:
            qs = qs.filter(status__in=OPEN_STATUSES)
        elif query.statuses == ["closed"]:
            qs = qs.exclude(status__in=OPEN_STATUSES)
        if query.start is not None:
            qs = qs.filter(received_at__gte=query.start)
        if query.end is not None:
            qs = qs.filter(received_at__lt=query.end)
    return list(qs.order_by("-received_at", "-id")[:MAX_RESULTS])


def request_get(*, service_request_id: str) -> Case:
    case = _cases().filter(number=service_request_id).first()
    if case is None:
        raise ApplicationError(
            codes.REQUEST_NOT_FOUND,
            _("service_request_id %(n)s 不存在") % {"n": service_request_id},
            status=404,
        )
    return case


def rejection_reasons(cases: list[Case]) -> dict[int, str]:
    """case id -> the reason it was refused at intake, for the status notes of rejected cases."""
    ids = [c.pk for c in cases if c.status == Status.REJECTED]
    if not ids:
        return {}
    rows = CaseEvent.objects.filter(case_id__in=ids, action="reject").order_by("seq")
    return {case_id: reason for case_id, reason in rows.values_list("case_id", "reason")}


def token_get(*, token_id: str) -> Open311Request:
    found = Open311Request.objects.select_related("case").filter(token=token_id).first()
    if found is None:
        raise ApplicationError(codes.TOKEN_NOT_FOUND, _("token %(t)s 不存在") % {"t": token_id}, status=404)
    return found
