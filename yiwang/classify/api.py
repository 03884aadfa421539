"""/api/v1/classifier/…: similar answered cases of a case, and the classifier's versions.

Mounted by yiwang/api.py: ``api.add_router("/classifier", "yiwang.classify.api.router")``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from yiwang.accounts.models import Role
from yiwang.cases.models import Case
from yiwang.cases.selectors import can_read_case, reads_masked_text, with_text_masked
from yiwang.core.errors import ApplicationError

from . import selectors

router = Router(tags=["classifier"])


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, Any]


class SimilarOut(Schema):
    number: str
    title: str
    category: str | None
    lead_unit: str | None
    reply_text: str
    closed_at: dt.datetime | None
    satisfaction: str
    score: float
    same_category: bool


class VersionOut(Schema):
    version: int
    active: bool
    created_at: dt.datetime
    method: str
    data_source: str
    n_rows: int
    holdout_macro_f1: float | None


def _staff(request) -> None:
    if request.user.role == Role.RESIDENT and not request.user.is_staff:
        raise ApplicationError("forbidden", _("该接口仅供工作人员使用。"), status=403)


@router.get(
    "/cases/{number}/similar",
    response={200: list[SimilarOut], 403: ErrorOut, 404: ErrorOut},
    url_name="classifier_similar",
    summary="Answered cases most similar to this one, with their replies",
    description="Closed or rated cases with a reply, ranked by text similarity (same first-level "
    "category first). Staff only. `limit` 1–20 (default 5).",
)
def similar(request, number: str, limit: int = 5):
    _staff(request)

    case = Case.objects.select_related("category__parent__parent").filter(number=number).first()
    if case is None or not can_read_case(request.user, case):
        raise ApplicationError(
            "case_not_found", _("找不到编号为 %(n)s 的诉求件。") % {"n": number}, status=404
        )
    found = selectors.similar_cases(case, limit=max(1, min(limit, 20)))
    if reads_masked_text(request.user):
        found = [{**s, "case": with_text_masked(s["case"])} for s in found]
    return Status(
        200,
        [
            {
                "number": s["case"].number,
                "title": s["case"].title,
                "category": s["case"].category.code if s["case"].category_id else None,
                "lead_unit": s["case"].lead_unit.code if s["case"].lead_unit_id else None,
                "reply_text": s["case"].reply_text,
                "closed_at": s["case"].closed_at,
                "satisfaction": s["case"].satisfaction or "",
                "score": s["score"],
                "same_category": s["same_category"],
            }
            for s in found
        ],
    )


@router.get(
    "/versions",
    response={200: list[VersionOut], 403: ErrorOut},
    url_name="classifier_versions",
    summary="The classifier's stored versions, newest first",
)
def versions(request):
    _staff(request)
    return Status(
        200,
        [
            {
                "version": v.version,
                "active": v.is_active,
                "created_at": v.created_at,
                "method": v.method,
                "data_source": v.data_source,
                "n_rows": v.n_rows,
                "holdout_macro_f1": (v.metrics.get("holdout") or {}).get("macro_f1"),
            }
            for v in selectors.classifier_list()
        ],
    )
