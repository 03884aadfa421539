"""Cases in the JSON API: create (idempotent), read, list, timeline, and every move of the loop."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any, Literal

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from yiwang.core.errors import ApplicationError

from . import selectors, services
from .models import Case, IdempotencyKey, Status
from .services import Actor, CaseInput
from .transitions import ACTIONS

router = Router(tags=["cases"])


class CaseIn(Schema):
    request_type: Literal["咨询", "求助", "投诉", "举报", "建议", "表扬"]
    title: str = Field(..., max_length=200)
    text: str = Field(..., max_length=5000)
    lon: float | None = None
    lat: float | None = None
    address: str = Field("", max_length=300)
    placement: Literal["gps", "map", "address", "text"] | None = None
    category: str | None = Field(
        None, description="category code, e.g. C01 (left out: the classifier decides)"
    )
    requester_name: str = Field("", max_length=100)
    requester_phone: str = Field("", max_length=30)
    requester_id_number: str = Field("", max_length=40)
    requester_kind: Literal["resident", "overseas_chinese", "hk_macao", "enterprise", "anonymous"] = (
        "resident"
    )
    requester_language: Literal["zh-hans", "zh-hant", "en"] = "zh-hans"
    channel: Literal["web", "hotline", "patrol", "open311", "api", "sensor", "import"] = "api"


class UnitOut(Schema):
    code: str
    name: str


class CategoryOut(Schema):
    code: str
    name: str
    path: str


class CaseOut(Schema):
    number: str
    status: str
    status_label: str
    version: int
    request_type: str
    title: str
    text: str
    channel: str
    category: CategoryOut | None
    category_confidence: float | None
    category_candidates: list[dict]
    lon: float | None
    lat: float | None
    address: str
    placement: str
    placement_confidence: float | None
    grid_code: str | None
    areas: list[dict]
    lead_unit: UnitOut | None
    assisting_units: list[UnitOut]
    response_due_at: dt.datetime | None
    due_at: dt.datetime | None
    deadline_flag: str
    card: str
    extension_requested_days: int | None
    parent: str | None
    received_at: dt.datetime
    dispatched_at: dt.datetime | None
    replied_at: dt.datetime | None
    closed_at: dt.datetime | None
    reply_text: str
    satisfaction: str
    solved: bool | None
    return_count: int
    reopen_count: int
    requester_kind: str
    requester_name: str
    requester_phone: str


class EventOut(Schema):
    seq: int
    action: str
    actor: str
    actor_role: str
    from_status: str
    to_status: str
    reason: str
    payload: dict
    created_at: dt.datetime
    hash: str


class PageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[CaseOut]


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, Any]


class ActionIn(Schema):
    """What a move needs: see each action's description. Unknown keys are ignored."""

    model_config = {"extra": "allow"}
    expected_version: int | None = Field(
        None, description="the version you saw; a newer one gives 409 case_changed"
    )


def _mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else ("****" if phone else "")


def _mask_name(name: str) -> str:
    return name[:1] + "*" * (len(name) - 1) if name else ""


def case_out(case: Case) -> dict:
    areas = [a for a in (case.district, case.town, case.community, case.grid) if a is not None]
    return {
        "number": case.number,
        "status": case.status,
        "status_label": str(Status(case.status).label),
        "version": case.version,
        "request_type": case.request_type,
        "title": case.title,
        "text": case.text,
        "channel": case.channel,
        "category": {"code": case.category.code, "name": case.category.name, "path": case.category.path}
        if case.category_id
        else None,
        "category_confidence": case.category_confidence,
        "category_candidates": case.category_candidates,
        "lon": case.lon,
        "lat": case.lat,
        "address": case.address,
        "placement": case.placement,
        "placement_confidence": case.placement_confidence,
        "grid_code": case.grid.code if case.grid_id else None,
        "areas": [{"code": a.code, "name": a.name, "level": a.level} for a in areas],
        "lead_unit": {"code": case.lead_unit.code, "name": case.lead_unit.name}
        if case.lead_unit_id
        else None,
        "assisting_units": [{"code": u.code, "name": u.name} for u in case.assisting_units.all()],
        "response_due_at": case.response_due_at,
        "due_at": case.due_at,
        "deadline_flag": case.deadline_flag,
        "card": case.card,
        "extension_requested_days": case.extension_requested_days,
        "parent": case.parent.number if case.parent_id else None,
        "received_at": case.received_at,
        "dispatched_at": case.dispatched_at,
        "replied_at": case.replied_at,
        "closed_at": case.closed_at,
        "reply_text": case.reply_text,
        "satisfaction": case.satisfaction,
        "solved": case.solved,
        "return_count": case.return_count,
        "reopen_count": case.reopen_count,
        "requester_kind": case.requester_kind,
        "requester_name": _mask_name(case.requester_name),
        "requester_phone": _mask_phone(case.requester_phone),
    }


def _body_hash(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@router.post(
    "/cases",
    response={201: CaseOut, 409: ErrorOut, 400: ErrorOut, 422: ErrorOut},
    summary="Create a case (any channel)",
    description="Honours an `Idempotency-Key` header: the same key and body return the first case; "
    "the same key with a different body is refused with 409.",
)
def create_case(request: HttpRequest, payload: CaseIn):
    body = payload.dict()
    key = request.headers.get("Idempotency-Key", "").strip()[:200]
    data = CaseInput(
        request_type=body["request_type"],
        title=body["title"],
        text=body["text"],
        lon=body["lon"],
        lat=body["lat"],
        address=body["address"],
        placement=body["placement"],
        category_code=body["category"],
        requester_name=body["requester_name"],
        requester_phone=body["requester_phone"],
        requester_id_number=body["requester_id_number"],
        requester_kind=body["requester_kind"],
        requester_language=body["requester_language"],
        channel=body["channel"],
    )
    actor = Actor.of(request.user)
    if not key:
        return 201, case_out(services.case_create(data=data, actor=actor))
    digest = _body_hash(body)
    existing = IdempotencyKey.objects.filter(user=request.user, key=key).select_related("case").first()
    if existing is None:
        try:
            with transaction.atomic():
                IdempotencyKey.objects.create(user=request.user, key=key, body_hash=digest)
                case = services.case_create(data=data, actor=actor)
                IdempotencyKey.objects.filter(user=request.user, key=key).update(case=case)
            return 201, case_out(case)
        except IntegrityError:  # a concurrent retry with the same key won the race
            existing = (
                IdempotencyKey.objects.filter(user=request.user, key=key).select_related("case").first()
            )
    if existing.body_hash != digest:
        raise ApplicationError(
            "idempotency_conflict", _("该 Idempotency-Key 已用于另一份不同的提交。"), status=409
        )
    return 201, case_out(selectors.case_get(number=existing.case.number))


@router.get("/cases", response=PageOut, summary="List and search cases")
def list_cases(
    request,
    status: list[str] = Query(None),
    category: str | None = None,
    area: str | None = None,
    unit: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    overdue: bool | None = None,
    q: str | None = None,
    page: int = 1,
    page_size: int = 20,
):
    page, page_size = max(1, page), min(max(1, page_size), 100)
    qs = selectors.case_list(
        status=status, category=category, area=area, unit=unit, since=since, until=until, overdue=overdue, q=q
    )
    from yiwang.accounts.models import Role

    if request.user.role == Role.RESIDENT:
        qs = qs.filter(requester_user=request.user)
    total = qs.count()
    rows = qs.select_related("community", "parent").prefetch_related("assisting_units")[
        (page - 1) * page_size : page * page_size
    ]
    return {"count": total, "page": page, "page_size": page_size, "results": [case_out(c) for c in rows]}


def _visible_case(request, number: str) -> Case:
    from yiwang.accounts.models import Role

    case = selectors.case_get(number=number)
    if request.user.role == Role.RESIDENT and case.requester_user_id != request.user.pk:
        raise ApplicationError(
            "case_not_found", _("找不到编号为 %(n)s 的诉求件。") % {"n": number}, status=404
        )
    return case


@router.get("/cases/{number}", response={200: CaseOut, 404: ErrorOut}, summary="Read one case")
def get_case(request, number: str):
    return 200, case_out(_visible_case(request, number))


@router.get(
    "/cases/{number}/events",
    response={200: list[EventOut], 404: ErrorOut},
    summary="The case's audit timeline",
)
def get_events(request, number: str):
    case = _visible_case(request, number)
    return 200, [
        {
            "seq": e.seq,
            "action": e.action,
            "actor": e.actor_name,
            "actor_role": e.actor_role,
            "from_status": e.from_status,
            "to_status": e.to_status,
            "reason": e.reason,
            "payload": e.payload,
            "created_at": e.created_at,
            "hash": e.hash,
        }
        for e in selectors.case_events(case=case)
    ]


ACTION_HELP = {
    "accept": '{} or {"category": CODE}',
    "reject": '{"reason": …}',
    "answer": '{"text": …}',
    "merge": '{"into": PARENT_NUMBER}',
    "dispatch": '{"lead_unit": CODE, "assisting_units": [CODE]} (routing decides when lead_unit is left out)',
    "sign": "{}",
    "reply": '{"text": …}',
    "return": '{"reason": …}',
    "redispatch": '{"lead_unit": CODE}',
    "extend": 'unit: {"days": N, "reason": …}; dispatcher: {"decision": "approve"|"deny"}',
    "suspend": '{"reason": …}',
    "resume": "{}",
    "supervise": '{"card": "yellow"|"red", "note": …}',
    "check": "{} (send for on-site verification)",
    "verify": '{"passed": true|false, "note": …}',
    "reopen": '{"reason": …}',
    "close": "{}",
    "rate": '{"satisfaction": "satisfied"|"basically_satisfied"|"unsatisfied", "solved": true}',
}


@router.post(
    "/cases/{number}/{action}",
    response={200: CaseOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Make one move of the closed loop",
    description="Actions and bodies:\n" + "\n".join(f"- `{a}`: {ACTION_HELP[a]}" for a in ACTIONS),
)
def act(request, number: str, action: str, payload: ActionIn | None = None):
    if action not in ACTIONS:
        raise ApplicationError("unknown_action", _("未知的操作：%(a)s") % {"a": action}, status=404)
    # The schema documents the body; the move reads every key it was sent (extra keys are allowed).
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ApplicationError("validation_error", _("请求体须为 JSON 对象。")) from None
    if not isinstance(body, dict):
        raise ApplicationError("validation_error", _("请求体须为 JSON 对象。"))
    expected = body.pop("expected_version", None)
    case = _visible_case(request, number)
    services.perform(
        case=case, action=action, actor=Actor.of(request.user), payload=body, expected_version=expected
    )
    return 200, case_out(selectors.case_get(number=number))
