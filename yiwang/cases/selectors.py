"""Reads of cases: lists with filters, one case, its timeline."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from yiwang.core import clock
from yiwang.core.errors import ApplicationError

from . import error_codes as codes
from .models import CLOCK_STATUSES, Case, CaseEvent


def case_get(*, number: str) -> Case:
    case = (
        Case.objects.select_related(
            "category__parent__parent", "grid", "community", "town", "district", "lead_unit", "parent"
        )
        .filter(number=number)
        .first()
    )
    if case is None:
        raise ApplicationError(
            codes.CASE_NOT_FOUND, _("找不到编号为 %(n)s 的诉求件。") % {"n": number}, status=404
        )
    return case


def case_events(*, case: Case) -> QuerySet[CaseEvent]:
    return case.events.order_by("seq")


def case_list(
    *,
    status: list[str] | None = None,
    category: str | None = None,
    area: str | None = None,
    unit: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    overdue: bool | None = None,
    q: str | None = None,
    requester_user=None,
) -> QuerySet[Case]:
    qs = Case.objects.select_related("category", "grid", "district", "town", "lead_unit")
    if status:
        qs = qs.filter(status__in=status)
    if category:
        qs = qs.filter(
            Q(category__code=category)
            | Q(category__parent__code=category)
            | Q(category__parent__parent__code=category)
        )
    if area:
        qs = qs.filter(
            Q(grid__code=area)
            | Q(community__code=area)
            | Q(town__code=area)
            | Q(district__code=area)
            | Q(district__parent__code=area)
        )
    if unit:
        qs = qs.filter(Q(lead_unit__code=unit) | Q(assisting_units__code=unit)).distinct()
    if since:
        qs = qs.filter(received_at__date__gte=since)
    if until:
        qs = qs.filter(received_at__date__lte=until)
    if overdue is True:
        qs = qs.filter(status__in=CLOCK_STATUSES, due_at__lt=clock.now())
    if q:
        from .text import normalize_text

        term = normalize_text(q)
        qs = qs.filter(Q(number=q) | Q(title__icontains=q) | Q(text_normalized__icontains=term))
    if requester_user is not None:
        qs = qs.filter(requester_user=requester_user)
    return qs.order_by("-received_at")
