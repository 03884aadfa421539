"""Cases in the JSON API: create (idempotent), read, list, timeline, and every move of the loop."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any, Literal, get_args, get_origin

from django.urls import register_converter
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja import Status as Reply  # (status code, body); cases.models.Status is the case's state

from yiwang.accounts.models import Role
from yiwang.core.errors import ApplicationError
from yiwang.core.language import in_requester_script
from yiwang.geo.locate import get_index
from yiwang.routing.snapshot import routing_config
from yiwang.security.masking import mask_name, mask_phone

from . import selectors, services
from .models import Case, Status
from .services import Actor
from .transitions import ACTIONS, MOVES, MoveInput

router = Router(tags=["cases"])


class MoveName:
    """The `{move:action}` of /cases/{number}/{action}: only the registry's moves match, so the other
    operations under a case (events, and the intake's duplicates) are reached whatever the order in
    which the apps add them; any other name is a 404 (in the API's error shape, yiwang.urls)."""

    regex = "|".join(sorted(ACTIONS, key=len, reverse=True))

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(MoveName, "move")


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


class CasePageOut(Schema):
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


def case_out(case: Case, *, lang: str | None = None, mask_text: bool = False) -> dict:
    """The case as the API shows it; `lang` (zh-hant …) converts the reply into that script. Areas
    come from the in-memory area index, category and units from the routing snapshot (no query).
    `mask_text`: the free text with the personal data in it masked (leaders, auditors)."""
    shown = (lambda t: selectors.masked_case_text(case, t)) if mask_text else (lambda t: t)
    index, config = get_index(), routing_config()
    refs = [index.refs.get(i) for i in (case.district_id, case.town_id, case.community_id, case.grid_id) if i]
    areas = [a for a in refs if a is not None]
    category = config.categories.get(case.category_id) if case.category_id else None
    lead = config.units.get(case.lead_unit_id) if case.lead_unit_id else None
    assisting = getattr(case, "assisting_cache", None)
    if assisting is None:
        assisting = list(case.assisting_units.all())
    return {
        "number": case.number,
        "status": case.status,
        "status_label": str(Status(case.status).label),
        "version": case.version,
        "request_type": case.request_type,
        "title": shown(case.title),
        "text": shown(case.text),
        "channel": case.channel,
        "category": {"code": category.code, "name": category.name, "path": category.path} if category else None,
        "category_name": category.display_name if category else None,
        "category_confidence": case.category_confidence,
        "category_candidates": case.category_candidates,
        "lon": case.lon,
        "lat": case.lat,
        "address": shown(case.address),
        "placement": case.placement,
        "placement_confidence": case.placement_confidence,
        "grid_code": index.refs[case.grid_id].code if case.grid_id in index.refs else None,
        "areas": [{"code": a.code, "name": a.name, "level": a.level} for a in areas],
        "lead_unit": {"code": lead.code, "name": lead.name} if lead else None,
        "assisting_units": [{"code": u.code, "name": u.name} for u in assisting],
        "lead_unit_name": lead.display_name if lead else None,
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
        "reply_text": shown(in_requester_script(case.reply_text, lang)),
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


@router.get("/cases", response=CasePageOut, summary="List and search cases")
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
    q: str | None = Query(None, max_length=200, description="words of the title or text, or a number"),
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
    masked = selectors.reads_masked_text(request.user)
    results = [case_out(c, lang=_reply_language(request, c, lang), mask_text=masked) for c in rows]
    return {"count": total, "page": page, "page_size": page_size, "results": results}


def _visible_case(request, number: str) -> Case:
    """The case, if it lies in the caller's scope; else 404, as if it did not exist."""
    case = selectors.case_get(number=number)
    if not selectors.can_read_case(request.user, case):
        raise ApplicationError(
            "case_not_found", _("找不到编号为 %(n)s 的诉求件。") % {"n": number}, status=404
        )
    return case


def writer_only(request) -> None:
    """Leaders and auditors read; they neither file, upload nor move cases."""
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
    return Reply(200, case_out(case, lang=_reply_language(request, case, lang), mask_text=selectors.reads_masked_text(request.user)))


@router.get(
    "/cases/{number}/events",
    response={200: list[EventOut], 404: ErrorOut},
    summary="The case's audit timeline",
    description="Staff read every event. The requester reads the public timeline only: the steps that "
    "say where the request is and when (`action`, `from_status`, `to_status`, `created_at`); `actor`, "
    "`actor_role` and `hash` are empty, `payload` is `{}`, and `reason` is given only for a refusal or a "
    "reopening. Leaders and auditors read the notes with the personal data in them masked.",
)
def get_events(request, number: str):
    case = _visible_case(request, number)
    if request.user.role == Role.RESIDENT:
        return Reply(200, [_public_event(e) for e in selectors.public_timeline(case=case)])
    masked = selectors.reads_masked_text(request.user)
    shown = (lambda t: selectors.masked_case_text(case, t)) if masked else None
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
                "reason": shown(e.reason) if shown else e.reason,
                "payload": _masked_payload(e.payload, shown) if shown else e.payload,
                "created_at": e.created_at,
                "hash": e.hash,
            }
            for e in selectors.case_events(case=case)
        ],
    )


def _public_event(e) -> dict:
    return {
        "seq": e.seq,
        "action": e.action,
        "actor": "",
        "actor_role": "",
        "from_status": e.from_status,
        "to_status": e.to_status,
        "reason": e.reason if e.action in selectors.PUBLIC_REASONS else "",
        "payload": {},
        "created_at": e.created_at,
        "hash": "",
    }


def _masked_payload(payload, shown):
    if isinstance(payload, str):
        return shown(payload)
    if isinstance(payload, dict):
        return {k: _masked_payload(v, shown) for k, v in payload.items()}
    if isinstance(payload, list):
        return [_masked_payload(v, shown) for v in payload]
    return payload


def _example(info) -> str:
    """How one body field is written: its example, its choices, or its type."""
    if info.examples:
        return re.sub(r'"(CODE|N|PARENT_NUMBER)"', r"\1", json.dumps(info.examples[0]))
    kind = info.annotation
    if get_origin(kind) is not Literal:  # X | None: the X
        kind = next((a for a in get_args(kind) if a is not type(None)), kind)
    if get_origin(kind) is Literal:
        return "|".join(f'"{v}"' for v in get_args(kind))
    return "true|false" if bool in (kind, *get_args(kind)) else "…"


def _move_doc(action: str) -> str:
    """One line per move for the API description, read from the move registry."""
    move = MOVES[action]
    fields = move.schema.model_fields
    body = "{" + ", ".join(f'"{f}": {_example(i)}' for f, i in fields.items() if f not in MoveInput.model_fields) + "}"
    return f"- `{action}` ({move.label}): {move.help or ''} Body: {body}"


@router.post(
    "/cases/{number}/{move:action}",
    response={200: CaseOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Make one move of the closed loop",
    description="Actions and bodies (each field typed; a wrong type is 400 with the field named). "
    'Every move also takes `"reason"`, `"note"` and `"text"` (strings), and `"expected_version"`:\n'
    + "\n".join(_move_doc(a) for a in ACTIONS),
)
def act(request, number: str, action: str, payload: ActionIn | None = None):
    # The schema documents the body; the move reads every key it was sent (extra keys are allowed).
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ApplicationError("validation_error", _("请求体须为 JSON 对象。")) from None
    if not isinstance(body, dict):
        raise ApplicationError("validation_error", _("请求体须为 JSON 对象。"))
    expected = body.pop("expected_version", None)
    writer_only(request)
    case = _visible_case(request, number)
    case = services.perform(
        case=case, action=action, actor=Actor.of(request.user), payload=body, expected_version=expected
    )
    return Reply(200, case_out(case))  # the case as the move left it, not read back
