"""The intake's part of the JSON API: file a case (idempotent), upload a photo, likely duplicates.

These operations join the cases router (yiwang.cases.api), so /api/v1/cases keeps one path for
reading (cases) and filing (intake) while each app keeps to its layer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Schema, UploadedFile
from ninja import Status as Reply

from yiwang.accounts.models import Role
from yiwang.cases.api import CaseOut, ErrorOut, _visible_case, case_out, router, writer_only
from yiwang.cases.selectors import readable_cases
from yiwang.cases.services import Actor, CaseInput
from yiwang.core.errors import ApplicationError

from .selectors import duplicate_candidates
from .services import attachment_upload, case_submit


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
    writer_only(request)
    body = payload.dict()
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
    key = request.headers.get("Idempotency-Key", "").strip()[:200]
    case, _new = case_submit(
        data=data, actor=Actor.of(request.user), idempotency_key=key, body_hash=_body_hash(body) if key else ""
    )
    return Reply(201, case_out(case))


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
    writer_only(request)
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
    same_spot: bool = Field(description="found as a report from the same spot (50 m) at the same time (24 h), "
                                        "not by its wording")


@router.get(
    "/cases/{number}/duplicates",
    response={200: list[DuplicateOut], 403: ErrorOut, 404: ErrorOut},
    summary="Likely duplicates of a case (重复件)",
    description="Cases received within 30 days of it, in its district, that read alike (character n-gram "
    "TF-IDF cosine, weighted by distance and time) or come from the same spot at the same time in the same "
    "category, best first with their scores. Merge one with "
    '`POST /cases/{number}/merge {"into": PARENT}`. Staff only.',
)
def get_duplicates(request, number: str, limit: int = 5):
    case = _visible_case(request, number)
    if request.user.role == Role.RESIDENT:
        raise ApplicationError("role_not_allowed", _("只有工作人员可以查看疑似重复件。"), status=403)
    limit = min(max(1, limit), 20)
    found = duplicate_candidates(case=case, limit=20)
    # Only cases this person may read themselves (a unit's handler sees no other unit's cases).
    numbers = [c.number for c in found]
    readable = set(readable_cases(request.user).filter(number__in=numbers).values_list("number", flat=True))
    return Reply(200, [vars(c) for c in found if c.number in readable][:limit])


