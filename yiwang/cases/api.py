"""Cases in the JSON API: create (idempotent), read, list, timeline, and every move of the loop."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any, Literal

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, UploadedFile
from ninja import Status as Reply  # (status code, body); cases.models.Status is the case's state

from yiwang.core.errors import ApplicationError
from yiwang.security.masking import mask_name, mask_phone

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
    requester_language: Literal["zh-hans", "zh-hant", "en"] | None = Field(
        None,
        description="the requester's language; left out: detected from the text (traditional -> zh-hant)",
    )
    channel: Literal["web", "hotline", "patrol", "open311", "api", "sensor", "import"] = "api"
    attachments: list[str] = Field(
        default_factory=list,
        description="tokens returned by POST /attachments (at most 6 images, uploaded by the same user)",
    )
    praised_unit: str = Field("", max_length=40, description="表扬: the code of the unit praised")


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
    category_name: str | None = Field(
        None,
        description="the category's name in the request's language (Accept-Language: zh-Hans, zh-Hant, "
        "en); `category` keeps the stored names",
    )
    lead_unit_name: str | None = Field(None, description="the lead unit's name in the request's language")
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
    requester_language: str
    requester_name: str
    requester_phone: str
    attachments: list[dict] = Field(description="images: url, content_type, size, width, height, gps")
    placement_note: str = Field(
        description="how a point was obtained when it was not given, e.g. from a photo"
    )


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


def case_out(case: Case, *, lang: str | None = None) -> dict:
    """The case as the API shows it; `lang` (zh-hant …) converts the reply into that script."""
    from yiwang.intake.language import in_requester_script

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
        "category_name": case.category.display_name if case.category_id else None,
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
        "lead_unit_name": case.lead_unit.display_name if case.lead_unit_id else None,
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
        "reply_text": in_requester_script(case.reply_text, lang),
        "satisfaction": case.satisfaction,
        "solved": case.solved,
        "return_count": case.return_count,
        "reopen_count": case.reopen_count,
        "requester_kind": case.requester_kind,
        "requester_language": case.requester_language,
        "requester_name": mask_name(case.requester_name),
        "requester_phone": mask_phone(case.requester_phone),
        "attachments": [
            {k: a.get(k) for k in ("url", "content_type", "size", "width", "height", "gps")}
            for a in (case.attachments or [])
            if isinstance(a, dict)
        ],
        "placement_note": _placement_note(case),
    }


def _placement_note(case: Case) -> str:
    if case.placement == "gps" and case.lon is not None:
        for a in case.attachments or []:
            gps = a.get("gps") if isinstance(a, dict) else None
            if gps and gps.get("lon") == case.lon and gps.get("lat") == case.lat:
                return str(_("由照片 EXIF 中的 GPS 位置定位"))
    return ""


def _reply_language(request, case: Case, lang: str | None) -> str | None:
    """?lang= wins; else the requester reading their own case reads it in their own script."""
    if lang:
        return lang
    if case.requester_user_id is not None and case.requester_user_id == getattr(request.user, "pk", None):
        return case.requester_language
    return None


def _body_hash(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@router.post(
    "/cases",
    response={201: CaseOut, 409: ErrorOut, 400: ErrorOut, 413: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Create a case (any channel)",
    description="Honours an `Idempotency-Key` header: the same key and body return the first case; "
    "the same key with a different body is refused with 409.\n\n"
    "Validation (400 `validation_error`, every wrong field at once in `fields`, in the caller's "
    "language): title 1-200 characters; text 5-5000 (punctuation not counted; 10 for a 表扬 without "
    "`praised_unit`); 投诉 and 举报 need a place: `lon`+`lat` inside the city (else 400 `outside_city`), "
    "a photo whose EXIF GPS lies inside it, or an `address` the platform can place; "
    "`requester_phone`: mainland mobile, landline with area code (0750-3123456), +852/+853 8 digits "
    "or +<country code>; `requester_id_number` (optional): a valid document for `requester_kind` "
    "(居民身份证 with its check digit, 港澳居民来往内地通行证, 香港/澳门身份证, 护照, 统一社会信用代码).\n\n"
    "Photos: upload each with `POST /attachments` first and list the returned tokens in `attachments`; "
    "a case without a point is placed by the first photo whose EXIF GPS lies in the city "
    "(placement `gps`, `placement_note` says so).\n\n"
    "Rate limited (429 with Retry-After) and size limited (413).",
)
def create_case(request: HttpRequest, payload: CaseIn):
    _writer(request)
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
        requester_language=body["requester_language"] or "",
        channel=body["channel"],
        attachments=body["attachments"],
        praised_unit=body["praised_unit"],
    )
    actor = Actor.of(request.user)
    if not key:
        return Reply(201, case_out(services.case_create(data=data, actor=actor)))
    digest = _body_hash(body)
    existing = IdempotencyKey.objects.filter(user=request.user, key=key).select_related("case").first()
    if existing is None:
        try:
            with transaction.atomic():
                IdempotencyKey.objects.create(user=request.user, key=key, body_hash=digest)
                case = services.case_create(data=data, actor=actor)
                IdempotencyKey.objects.filter(user=request.user, key=key).update(case=case)
            return Reply(201, case_out(case))
        except IntegrityError:  # a concurrent retry with the same key won the race
            existing = (
                IdempotencyKey.objects.filter(user=request.user, key=key).select_related("case").first()
            )
    if existing.body_hash != digest:
        raise ApplicationError(
            "idempotency_conflict", _("该 Idempotency-Key 已用于另一份不同的提交。"), status=409
        )
    return Reply(201, case_out(selectors.case_get(number=existing.case.number)))


@router.get("/cases", response=PageOut, summary="List and search cases")
def list_cases(
    request,
    status: list[str] = Query(None),
    channel: str | None = None,
    request_type: str | None = None,
    lang: str | None = Query(None, description="show replies in this script (zh-hant, zh-hans)"),
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
    # An OFFSET past 2**63 overflows the database (a 500): no real list has 100,000 pages.
    page, page_size = min(max(1, page), 100_000), min(max(1, page_size), 100)
    qs = selectors.case_list(
        status=status, category=category, area=area, unit=unit, since=since, until=until, overdue=overdue, q=q
    )
    qs = qs.filter(pk__in=selectors.readable_cases(request.user).values("pk"))
    if channel:
        qs = qs.filter(channel=channel)
    if request_type:
        qs = qs.filter(request_type=request_type)
    total = qs.count()
    rows = qs.select_related("community", "parent").prefetch_related("assisting_units")[
        (page - 1) * page_size : page * page_size
    ]
    results = [case_out(c, lang=_reply_language(request, c, lang)) for c in rows]
    return {"count": total, "page": page, "page_size": page_size, "results": results}


def _visible_case(request, number: str) -> Case:
    """The case, if it lies in the caller's scope; else 404, as if it did not exist."""
    case = selectors.case_get(number=number)
    if not selectors.can_read_case(request.user, case):
        raise ApplicationError(
            "case_not_found", _("找不到编号为 %(n)s 的诉求件。") % {"n": number}, status=404
        )
    return case


def _writer(request) -> None:
    """Leaders and auditors read; they neither file, upload nor move cases."""
    from yiwang.accounts.models import Role

    if request.user.role in (Role.LEADER, Role.AUDITOR):
        raise ApplicationError("role_not_allowed", _("您的角色只能查看，不能提交或办理诉求件。"), status=403)


@router.get(
    "/cases/{number}",
    response={200: CaseOut, 404: ErrorOut},
    summary="Read one case",
    description="`reply_text` is shown in `?lang=` (zh-hant: converted to traditional characters); "
    "without it, the requester reading their own case sees it in their `requester_language`.",
)
def get_case(request, number: str, lang: str | None = None):
    case = _visible_case(request, number)
    return Reply(200, case_out(case, lang=_reply_language(request, case, lang)))


@router.get(
    "/cases/{number}/events",
    response={200: list[EventOut], 404: ErrorOut},
    summary="The case's audit timeline",
)
def get_events(request, number: str):
    case = _visible_case(request, number)
    return Reply(
        200,
        [
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
        ],
    )


class AttachmentOut(Schema):
    token: str = Field(description="name it in POST /cases `attachments`")
    url: str
    content_type: str
    size: int
    width: int
    height: int
    gps: dict | None = Field(
        description="{lon, lat} read from the photo's EXIF (WGS84) before it was stripped"
    )


@router.post(
    "/attachments",
    response={201: AttachmentOut, 400: ErrorOut, 413: ErrorOut, 415: ErrorOut, 429: ErrorOut},
    summary="Upload one image for a case",
    description="multipart/form-data with one `file`. JPEG, PNG or WebP, recognised by content (not by "
    "name or Content-Type; else 415); at most 10 MB (413) and 6 per case. Stored under a random name; "
    "EXIF (position, camera, time) is stripped from the stored copy after its GPS position is read. "
    "Then list the returned `token` in POST /cases `attachments`.",
)
def upload_attachment(request, file: UploadedFile = File(...)):
    from yiwang.intake.services import attachment_upload

    _writer(request)
    return Reply(201, attachment_upload(upload=file, user=request.user).as_entry())


class DuplicateOut(Schema):
    number: str
    title: str
    status: str
    received_at: dt.datetime
    score: float = Field(description="0..1: text similarity weighted by closeness in place and time")
    text_similarity: float
    place_closeness: float
    distance_m: float | None
    days_apart: float


@router.get(
    "/cases/{number}/duplicates",
    response={200: list[DuplicateOut], 403: ErrorOut, 404: ErrorOut},
    summary="Likely duplicates of a case (重复件)",
    description="Cases received within 30 days of it, in its district, that read alike (character n-gram "
    "TF-IDF cosine, weighted by distance and time), best first with their scores. Merge one with "
    '`POST /cases/{number}/merge {"into": PARENT}`. Staff only.',
)
def get_duplicates(request, number: str, limit: int = 5):
    from yiwang.accounts.models import Role
    from yiwang.intake.selectors import duplicate_candidates

    case = _visible_case(request, number)
    if request.user.role == Role.RESIDENT:
        raise ApplicationError("role_not_allowed", _("只有工作人员可以查看疑似重复件。"), status=403)
    found = duplicate_candidates(case=case, limit=min(max(1, limit), 20))
    return Reply(200, [vars(c) for c in found])


ACTION_HELP = {
    "accept": '{} or {"category": CODE}',
    "reject": '{"reason": …}',
    "answer": '{"text": …}',
    "merge": '{"into": PARENT_NUMBER}',
    "dispatch": '{"lead_unit": CODE, "assisting_units": [CODE], "category": CODE} (each optional; `category` '
    "corrects the case's category as in `accept`, and without `lead_unit` the responsibility list "
    "chooses the unit for the case's category, the corrected one if given)",
    "sign": "{}",
    "reply": '{"text": …}',
    "return": '{"reason": …}',
    "redispatch": '{"lead_unit": CODE, "assisting_units": [CODE], "category": CODE} (as `dispatch`)',
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
    _writer(request)
    case = _visible_case(request, number)
    services.perform(
        case=case, action=action, actor=Actor.of(request.user), payload=body, expected_version=expected
    )
    return Reply(200, case_out(selectors.case_get(number=number)))
