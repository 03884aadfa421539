"""Every write to a case goes through here: intake (case_create) and one service per move.

A move: read the version the caller saw, lock the row (select_for_update), check the named guards
(coded ApplicationError), set fields, save(update_fields=…), append the audit event, and schedule
notifications on commit. Two people acting at once: exactly one wins; the other is told the case
changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.models import Role
from yiwang.core import clock
from yiwang.core.errors import ApplicationError
from yiwang.geo.models import Area, Level
from yiwang.routing.models import Category, Unit
from yiwang.routing.selectors import route

from . import deadlines
from . import error_codes as codes
from .audit import append_event
from .models import (
    Card,
    Case,
    CaseEvent,
    CaseNumberCounter,
    Channel,
    Placement,
    RequesterKind,
    RequestType,
    Satisfaction,
)
from .models import Status as S
from .text import normalize_text
from .transitions import ADMIN, MOVES, SYSTEM, next_status


# --------------------------------------------------------------------------- who is acting
@dataclass(frozen=True)
class Actor:
    """The person (or the platform) making a move, and the role they act in."""

    user: object | None
    role: str
    # A visitor (no account) who proved with an SMS code that they hold the case's phone: they may act
    # as its requester (rate, appeal). Set only by the portal after the code check (web.otp).
    verified_phone: str = ""

    @classmethod
    def of(cls, user) -> Actor:
        return cls(user, getattr(user, "role", Role.RESIDENT))

    @classmethod
    def system(cls) -> Actor:
        return cls(None, SYSTEM)


# --------------------------------------------------------------------------- intake
@dataclass
class CaseInput:
    """One request as a channel hands it over. What each field must look like: yiwang.intake.validators
    and _validate_input below (docs/intake.md)."""

    request_type: str
    title: str
    text: str
    lon: float | None = None
    lat: float | None = None
    address: str = ""
    placement: str | None = None  # gps | map | address | text; inferred when left out
    category_code: str | None = None
    requester_name: str = ""
    requester_phone: str = ""  # normalised by _validate_input (13800138000, 0750-3123456, +85291234567)
    requester_id_number: str = ""  # normalised by _validate_input
    requester_kind: str = RequesterKind.RESIDENT
    requester_language: str = ""  # zh-hans | zh-hant | en; empty: detected from the text
    channel: str = Channel.WEB
    attachments: list = field(default_factory=list)  # tokens (or {"token": …}) from POST /attachments
    received_at: dt.datetime | None = None
    praised_unit: str = ""  # 表扬: the code of the unit praised (or the text says whom)


def _next_number(at: dt.datetime) -> str:
    day = timezone.localdate(at)
    counter, _ = CaseNumberCounter.objects.select_for_update().get_or_create(day=day)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{day:%Y%m%d}{counter.last:06d}"


def _place(case: Case) -> None:
    """Grid and area chain from the point, else from the address or text (yiwang.cases.placement)."""
    from .placement import place_case

    place_case(case)


# Request types that must say where: a complaint or a report is about something somewhere.
PLACE_REQUIRED = (RequestType.COMPLAINT, RequestType.REPORT)


def _validate_input(data: CaseInput, *, exif_point: tuple[float, float] | None = None) -> None:
    """Check every field at once and say what is wrong with each; normalise phone, ID and language.

    The rules (docs/intake.md): title 1-200 characters, text 5-5000 (punctuation not counted; 10 for
    a praise that names no unit); 投诉 and 举报 need a place: a point inside the city, a photo with an
    EXIF position inside it, or an address the platform can place (historical imports excepted); lon
    and lat come together; a phone number, when given, is a mainland mobile or landline with area
    code, or +852 / +853 / +<country code>; an ID number, when given, is a valid document for the
    requester kind (yiwang.intake.validators.DOCUMENTS_BY_KIND). Anonymous requests keep neither.
    """
    from yiwang.intake import validators as v
    from yiwang.intake.language import detect_language, normalize_language

    fields: dict[str, object] = {}

    def check(name, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except v.Invalid as exc:
            fields[name] = exc.message
            return None

    if data.request_type not in RequestType.values:
        fields["request_type"] = _("诉求类型须为：%(v)s") % {"v": "、".join(RequestType.values)}
    check("title", v.check_title, data.title)
    praise_without_unit = data.request_type == RequestType.PRAISE and not (data.praised_unit or "").strip()
    check("text", v.check_text, data.text, minimum=v.PRAISE_TEXT_MIN if praise_without_unit else v.TEXT_MIN)
    if (data.praised_unit or "").strip():
        if not Unit.objects.filter(code=data.praised_unit.strip()).exists():
            fields["praised_unit"] = _("单位编码 %(c)s 不存在") % {"c": data.praised_unit}
    if data.requester_kind not in RequesterKind.values:
        fields["requester_kind"] = _("诉求人类别无效")
    if data.channel not in Channel.values:
        fields["channel"] = _("渠道无效")
    if data.placement not in (None, "", "gps", "map", "address", "text"):
        fields["placement"] = _("定位方式须为 gps、map、address 或 text")

    has_point = False
    if (data.lon is None) != (data.lat is None):
        fields["lon" if data.lon is None else "lat"] = _("经度和纬度须同时填写")
    elif data.lon is not None:
        from yiwang.geo.locate import parse_coordinates

        try:
            data.lon, data.lat = parse_coordinates(data.lon, data.lat)
            has_point = True
        except ApplicationError as exc:
            fields["lon"] = exc.message
    if (
        data.request_type in PLACE_REQUIRED
        and data.channel != Channel.IMPORT
        and not has_point
        and exif_point is None
        and "lon" not in fields
        and "lat" not in fields
    ):
        from .placement import match_area

        if not (data.address or "").strip():
            fields["address"] = _(
                "投诉、举报须说明地点：请在地图上选点，或填写地址（例如 江门市蓬江区白沙街道……）"
            )
        elif match_area(data.address) is None:
            fields["address"] = _(
                "无法从该地址确定所在的区（市）或镇（街道），请补充区、镇（街道）名称，或在地图上选点"
            )

    if data.requester_kind != RequesterKind.ANONYMOUS:
        if (data.requester_phone or "").strip():
            phone = check("requester_phone", v.parse_phone, data.requester_phone)
            if phone is not None:
                data.requester_phone = phone.normalized
        if (data.requester_id_number or "").strip():
            today = timezone.localdate(clock.now())
            document = check(
                "requester_id_number",
                v.parse_id_document,
                data.requester_id_number,
                data.requester_kind,
                today=today,
            )
            if document is not None:
                data.requester_id_number = document.number
    if data.requester_language:
        language = normalize_language(data.requester_language)
        if language is None:
            fields["requester_language"] = _("语言须为 zh-hans、zh-hant 或 en")
        else:
            data.requester_language = language
    else:
        data.requester_language = detect_language(f"{data.title}{data.text}")
    if fields and has_point:
        # Said with the other errors, so the requester corrects everything at once (alone, the point
        # is refused later by placement with its own code, outside_city).
        from yiwang.geo.locate import locate

        if locate(data.lon, data.lat) is None:
            fields["lon"] = _("该位置不在本市辖区内，请重新选点或填写地址。")
    if fields:
        raise ApplicationError("validation_error", _("提交的内容有误，请按提示修改。"), fields=fields)


@transaction.atomic
def case_create(*, data: CaseInput, actor: Actor) -> Case:
    """Enter one request into the queue; classify, place and (when confident) route it."""
    from yiwang.intake.services import attachments_for_case, bind_attachments, exif_point

    attachments = attachments_for_case(tokens=data.attachments, user=actor.user)
    # A photo's EXIF position places a report that has no point (read before the EXIF was stripped).
    from_exif = exif_point(attachments) if data.lon is None and data.lat is None else None
    _validate_input(data, exif_point=from_exif)
    at = data.received_at or clock.now()
    case = Case(
        number=_next_number(at),
        request_type=data.request_type,
        title=data.title.strip(),
        text=data.text,
        text_normalized=normalize_text(f"{data.title}\n{data.text}"),
        lon=data.lon,
        lat=data.lat,
        address=data.address or "",
        requester_name=data.requester_name,
        requester_phone=data.requester_phone,
        requester_id_number=data.requester_id_number,
        requester_kind=data.requester_kind,
        requester_language=data.requester_language or "zh-hans",
        channel=data.channel,
        attachments=[a.as_entry() for a in attachments],
        received_at=at,
        status=S.RECEIVED,
    )
    if data.placement:
        case.placement = data.placement
    if from_exif is not None:
        case.lon, case.lat = from_exif
        case.placement, case.placement_confidence = Placement.GPS, EXIF_CONFIDENCE
    if actor.role == Role.RESIDENT and actor.user is not None:
        case.requester_user = actor.user
    if data.requester_kind == RequesterKind.ANONYMOUS:
        case.requester_name = case.requester_phone = case.requester_id_number = ""
    _place(case)
    _classify(case, data.category_code, actor)
    case.save(force_insert=True)
    bind_attachments(attachments=attachments, case=case)
    payload = {
        "channel": case.channel,
        "placement": case.placement,
        "grid": case.grid.code if case.grid_id else None,
        "category": case.category.code if case.category_id else None,
        "confidence": case.category_confidence,
    }
    if attachments:
        payload["attachments"] = [a.token for a in attachments]
    if from_exif is not None:
        payload["placement_note"] = "exif"  # placed by the GPS position in a photo's EXIF
    if data.praised_unit:
        payload["praised_unit"] = data.praised_unit.strip()
    # An anonymous request names no one on its audit trail either (the account, if any, still follows it).
    creator = Actor(None, actor.role) if data.requester_kind == RequesterKind.ANONYMOUS else actor
    _event(case, "create", creator, "", S.RECEIVED, reason="", payload=payload, at=at)
    _auto_route(case, at)
    return case


# A photo is usually taken where the problem is, but not always: a little below a picked point.
EXIF_CONFIDENCE = 0.9


def _classify(case: Case, category_code: str | None, actor: Actor) -> None:
    if category_code:
        category = Category.objects.filter(code=category_code, is_active=True).first()
        if category is None:
            raise ApplicationError(
                "validation_error",
                _("提交的内容有误，请按提示修改。"),
                fields={"category": _("分类编码 %(c)s 不存在") % {"c": category_code}},
            )
        case.category = category
        # Staff who pick a category are trusted; a resident's pick is a hint for the dispatcher.
        case.category_confidence = 1.0 if actor.role not in (Role.RESIDENT, SYSTEM) else 0.5
        return
    from django.apps import apps

    if not apps.is_installed("yiwang.classify"):  # the classifier app is optional
        return
    from yiwang.classify.selectors import predict

    try:
        prediction = predict(case.text, title=case.title)
    except ApplicationError:  # no trained model yet: the dispatcher classifies
        return
    candidates = prediction.get("candidates") or []
    names = {c.name: c for c in Category.objects.filter(level=1, name__in=[p["label"] for p in candidates])}
    case.category = names.get(prediction["label"])
    case.category_confidence = prediction["confidence"] if case.category else None
    case.category_candidates = [{"code": names[p["label"]].code if p["label"] in names else None,
                                 "name": p["label"], "confidence": p["confidence"]} for p in candidates]


def _auto_route(case: Case, at: dt.datetime) -> None:
    """Above the confidence threshold, accept and dispatch by the responsibility list without a human."""
    threshold = getattr(settings, "AUTO_DISPATCH_THRESHOLD", 0.8)
    if case.category_id is None or (case.category_confidence or 0) < threshold:
        return
    if case.request_type == RequestType.CONSULT and case.channel == Channel.HOTLINE:
        return  # the operator answers enquiries at once
    decision = route(category=case.category, area=case.grid or case.town or case.district)
    if decision is None:
        return
    system = Actor.system()
    accepted = perform(case=case, action="accept", actor=system, payload={"auto": True}, at=at)
    perform(case=accepted, action="dispatch", actor=system, payload={"auto": True}, at=at)
    case.refresh_from_db()


# --------------------------------------------------------------------------- guards
def guard_move_allowed(case: Case, action: str) -> None:
    move = MOVES.get(action)
    if move is None:
        raise ApplicationError(
            codes.TRANSITION_NOT_ALLOWED, _("未知的操作：%(a)s") % {"a": action}, status=404
        )
    if case.status not in move.sources:
        raise ApplicationError(
            codes.TRANSITION_NOT_ALLOWED,
            _("当前状态“%(s)s”下不能“%(m)s”。") % {"s": S(case.status).label, "m": move.label},
            status=409,
        )


def guard_role(action: str, actor: Actor) -> None:
    move = MOVES[action]
    if actor.role not in move.roles and actor.role != ADMIN:
        raise ApplicationError(
            codes.ROLE_NOT_ALLOWED, _("您的角色不能执行“%(m)s”。") % {"m": move.label}, status=403
        )


def _area_covers(area: Area | None, case: Case) -> bool:
    if area is None:
        return False
    if area.level == Level.CITY:
        return True
    target = {
        Level.DISTRICT: case.district_id,
        Level.TOWN: case.town_id,
        Level.COMMUNITY: case.community_id,
        Level.GRID: case.grid_id,
    }.get(area.level)
    return target == area.id


def guard_scope(case: Case, action: str, actor: Actor) -> None:
    """Each role acts only inside its own scope (its unit, its area, its grid, its own case)."""
    user, role = actor.user, actor.role
    if role in (SYSTEM, ADMIN):
        return
    ok = True
    if role in (Role.HANDLER, Role.UNIT_LEADER):
        ok = user.unit_id is not None and user.unit_id == case.lead_unit_id
    elif role == Role.DISPATCHER:
        ok = user.area_id is None or _area_covers(user.area, case)
    elif role == Role.GRIDWORKER:
        ok = _area_covers(user.area, case)
    elif role == Role.RESIDENT:
        ok = (user is not None and case.requester_user_id is not None and case.requester_user_id == user.pk) or (
            bool(actor.verified_phone) and actor.verified_phone == case.requester_phone
        )
    if not ok:
        raise ApplicationError(codes.OUT_OF_SCOPE, _("该诉求件不在您的职责范围内。"), status=403)


def _require(payload: dict, key: str, code: str, message) -> str:
    value = (payload.get(key) or "").strip() if isinstance(payload.get(key), str) else payload.get(key)
    if not value:
        raise ApplicationError(code, message, fields={key: message})
    return value


# --------------------------------------------------------------------------- the moves
def _event(
    case, action, actor: Actor, from_status, to_status, *, reason="", payload=None, at=None
) -> CaseEvent:
    event = append_event(
        case=case,
        action=action,
        actor=actor.user,
        actor_role=actor.role,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        payload=payload or {},
        at=at or clock.now(),
    )
    from yiwang.notify.services import notify_case_event

    notify_case_event(case=case, event=event)
    return event


def _apply(
    case: Case, action: str, actor: Actor, payload: dict, at: dt.datetime
) -> tuple[list[str], str, dict]:
    """Set the fields of one move. Returns (changed fields, reason, event payload)."""
    changed: list[str] = []
    reason = (
        (payload.get("reason") or payload.get("note") or "").strip()
        if isinstance(payload.get("reason") or payload.get("note") or "", str)
        else ""
    )
    extra: dict = {}

    def put(**values):
        for k, v in values.items():
            setattr(case, k, v)
            changed.append(k)

    if action == "accept":
        put(accepted_at=at)
        extra.update(_recategorize(case, payload, put))
    elif action == "reject":
        _require(payload, "reason", codes.REASON_REQUIRED, _("不予受理须说明理由"))
        put(closed_at=at)
    elif action == "answer":
        text = _require(payload, "text", codes.TEXT_REQUIRED, _("请填写答复内容"))
        put(reply_text=text, replied_at=at, closed_at=at, closed_on_time=True)
    elif action == "merge":
        parent_number = _require(payload, "into", codes.MERGE_INVALID, _("请指定并入的主件编号"))
        parent = Case.objects.filter(number=parent_number).first()
        if parent is None or parent.pk == case.pk or parent.status in (S.MERGED, S.REJECTED):
            raise ApplicationError(
                codes.MERGE_INVALID,
                _("不能并入该诉求件（不存在、是本件或已并案/不予受理）。"),
                fields={"into": parent_number},
            )
        put(parent=parent, closed_at=None)
        extra["into"] = parent.number
    elif action in ("dispatch", "redispatch"):
        # The category first: with no lead_unit given, the responsibility list routes by the new one.
        extra.update(_recategorize(case, payload, put))
        unit, assisting, rule = _choose_units(case, payload)
        put(lead_unit=unit, dispatched_at=at, signed_at=None, card=Card.NONE, red_escalated_at=None)
        case.assisting_units.set(assisting)
        if action == "dispatch" or case.due_at is None:
            d = deadlines.compute(case, at)
            put(
                response_due_at=d.response_due_at,
                due_at=d.due_at,
                yellow_at=d.yellow_at,
                deadline_flag=d.flag,
            )
        extra.update(
            {
                "lead_unit": unit.code,
                "assisting_units": [u.code for u in assisting],
                "rule": rule,
                "due_at": case.due_at,
            }
        )
    elif action == "sign":
        put(signed_at=at)
    elif action == "return":
        _require(payload, "reason", codes.REASON_REQUIRED, _("退回须说明理由"))
        put(return_count=case.return_count + 1)
    elif action == "reply":
        text = _require(payload, "text", codes.TEXT_REQUIRED, _("请填写答复内容"))
        put(reply_text=text, replied_at=at)
    elif action == "extend":
        extra.update(_extend(case, actor, payload, put))
    elif action == "suspend":
        _require(payload, "reason", codes.REASON_REQUIRED, _("挂起须说明理由"))
        put(resume_status=case.status, paused_at=at)
    elif action == "resume":
        shifted, flag = deadlines.shift_for_pause(case, case.paused_at, at)
        put(resume_status="", paused_at=None, **shifted)
        if flag:
            put(deadline_flag=flag)
        extra.update({k: v for k, v in shifted.items()})
    elif action == "supervise":
        card = payload.get("card") or Card.YELLOW
        if card not in (Card.YELLOW, Card.RED):
            raise ApplicationError("validation_error", _("督办牌须为 yellow 或 red"), fields={"card": card})
        put(card=card)
        if card == Card.RED and payload.get("escalate"):
            put(red_escalated_at=at)
        extra["card"] = card
    elif action == "check":
        pass
    elif action == "verify":
        if "passed" not in payload or not isinstance(payload["passed"], bool):
            raise ApplicationError(
                "validation_error", _("请说明核查是否通过"), fields={"passed": _("须为 true 或 false")}
            )
        extra["passed"] = payload["passed"]
        if payload["passed"]:
            put(closed_at=at, closed_on_time=_on_time(case, at))
        else:
            if not reason:
                raise ApplicationError(
                    codes.REASON_REQUIRED, _("核查不通过须说明原因"), fields={"note": _("必填")}
                )
            put(reopen_count=case.reopen_count + 1, closed_at=None)
    elif action == "reopen":
        _require(payload, "reason", codes.REASON_REQUIRED, _("重办须说明原因"))
        put(reopen_count=case.reopen_count + 1, closed_at=None, satisfaction="", solved=None, rated_at=None)
    elif action == "close":
        put(closed_at=at, closed_on_time=_on_time(case, at))
    elif action == "rate":
        satisfaction = payload.get("satisfaction")
        if satisfaction not in Satisfaction.values:
            raise ApplicationError(
                codes.RATING_INVALID,
                _("满意度须为：满意、基本满意或不满意"),
                fields={"satisfaction": _("取值：%(v)s") % {"v": ", ".join(Satisfaction.values)}},
            )
        solved = payload.get("solved")
        if solved is not None and not isinstance(solved, bool):
            raise ApplicationError(
                codes.RATING_INVALID, _("是否解决须为 true 或 false"), fields={"solved": solved}
            )
        put(satisfaction=satisfaction, solved=solved, rated_at=at)
        extra.update({"satisfaction": satisfaction, "solved": solved})
    for key in ("text",):
        if payload.get(key):
            extra[key] = payload[key]
    return changed, reason, extra


def _recategorize(case: Case, payload: dict, put) -> dict:
    """Set the category a person chose in the move (payload "category": an active routing Category
    code; left out: the case keeps its category). Returns what the event records of the change.

    A person's choice is certain (confidence 1.0); when it differs from the classifier's prediction,
    the classifier's receivers record a correction from the event (yiwang.classify.receivers)."""
    code = payload.get("category")
    if isinstance(code, str):
        code = code.strip()
    if not code:
        return {}
    category = Category.objects.filter(code=code, is_active=True).first() if isinstance(code, str) else None
    if category is None:
        message = _("分类编码 %(c)s 不存在") % {"c": code}
        raise ApplicationError("validation_error", message, fields={"category": message})
    previous = case.category.code if case.category_id else None
    put(category=category, category_confidence=1.0)
    return {"category": category.code, "previous_category": previous}


def _on_time(case: Case, at: dt.datetime) -> bool | None:
    return None if case.due_at is None else at <= case.due_at


def _extend(case: Case, actor: Actor, payload: dict, put) -> dict:
    """A unit asks for N more working days; a dispatcher approves or denies the pending request."""
    if actor.role in (Role.HANDLER, Role.UNIT_LEADER):
        if case.extension_requested_days:
            raise ApplicationError(codes.EXTENSION_INVALID, _("已有待审批的延期申请。"), status=409)
        days = payload.get("days")
        if not isinstance(days, int) or not 1 <= days <= 30:
            raise ApplicationError(
                codes.EXTENSION_INVALID, _("延期天数须为 1 到 30 个工作日"), fields={"days": days}
            )
        _require(payload, "reason", codes.REASON_REQUIRED, _("申请延期须说明理由"))
        put(extension_requested_days=days, extension_reason=payload["reason"].strip())
        return {"request": "requested", "days": days}
    decision = payload.get("decision")
    if decision not in ("approve", "deny"):
        raise ApplicationError(
            codes.EXTENSION_INVALID, _("请选择批准（approve）或不批准（deny）"), fields={"decision": decision}
        )
    if not case.extension_requested_days:
        raise ApplicationError(codes.EXTENSION_INVALID, _("没有待审批的延期申请。"), status=409)
    days = case.extension_requested_days
    out = {"request": decision, "days": days}
    if decision == "approve":
        new_due, flag = deadlines.extend(case, days)
        # The yellow-card moment moves with the deadline, or the sweep would card it at once.
        new_yellow = deadlines.extend_moment(case.yellow_at, days) if case.yellow_at else None
        put(due_at=new_due, yellow_at=new_yellow, extension_count=case.extension_count + 1, card=Card.NONE,
            red_escalated_at=None)
        if flag:
            put(deadline_flag=flag)
        out["due_at"] = new_due
    put(extension_requested_days=None)
    return out


def _choose_units(case: Case, payload: dict) -> tuple[Unit, list[Unit], int | None]:
    code = payload.get("lead_unit")
    assisting_codes = payload.get("assisting_units") or []
    if code:
        unit = Unit.objects.filter(code=code, is_active=True).first()
        if unit is None:
            raise ApplicationError(
                codes.NO_UNIT, _("承办单位 %(c)s 不存在") % {"c": code}, fields={"lead_unit": code}
            )
        assisting = list(Unit.objects.filter(code__in=assisting_codes, is_active=True).exclude(pk=unit.pk))
        return unit, assisting, None
    if case.category_id is None:
        raise ApplicationError(
            codes.NO_UNIT, _("未分类的诉求件须指定承办单位。"), fields={"lead_unit": _("必填")}
        )
    decision = route(category=case.category, area=case.grid or case.community or case.town or case.district)
    if decision is None:
        raise ApplicationError(
            codes.NO_UNIT,
            _("权责清单中没有匹配的单位，请手动指定承办单位。"),
            fields={"lead_unit": _("必填")},
        )
    return decision.lead_unit, decision.assisting_units, decision.rule_id


def perform(
    *,
    case: Case,
    action: str,
    actor: Actor,
    payload: dict | None = None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Case:
    """Make one move of the closed loop. Returns the updated case."""
    payload = dict(payload or {})
    seen_version = case.version if expected_version is None else expected_version
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.version != seen_version:
            raise ApplicationError(
                codes.CASE_CHANGED,
                _("该诉求件已被他人更新（当前版本 %(v)d），请刷新后重试。") % {"v": locked.version},
                status=409,
            )
        # A role that may never make this move is refused as such (403), never told about the case's
        # state (409); the scope is checked last, since who is responsible depends on the state (the
        # API answers 404 before this for a case outside the caller's reading scope).
        if action not in MOVES:
            guard_move_allowed(locked, action)  # 404 unknown move
        guard_role(action, actor)
        guard_move_allowed(locked, action)
        guard_scope(locked, action, actor)
        at = at or clock.now()
        before, resume_to = locked.status, locked.resume_status
        changed, reason, extra = _apply(locked, action, actor, payload, at)
        locked.status = next_status(action, before, payload, resume_to)
        locked.version += 1
        locked.save(update_fields=sorted(set(changed) | {"status", "version", "updated_at"}))
        _event(locked, action, actor, before, locked.status, reason=reason, payload=extra, at=at)
        _follow_ups(locked, action, payload, at)
    return locked


def _follow_ups(case: Case, action: str, payload: dict, at: dt.datetime) -> None:
    """Moves the platform makes by itself right after another one, each with its own event."""
    system = Actor.system()
    if action == "reply" and getattr(settings, "VERIFY_ON_SITE", True) and case.grid_id:
        perform(case=case, action="check", actor=system, payload={"grid": case.grid.code}, at=at)
        case.refresh_from_db()
    elif (
        action == "rate"
        and case.satisfaction == Satisfaction.UNSATISFIED
        and case.solved is False and case.lead_unit_id
        and case.reopen_count < getattr(settings, "MAX_AUTO_REOPEN", 1)
    ):
        perform(
            case=case,
            action="reopen",
            actor=system,
            payload={"reason": _("群众评价不满意且问题未解决，退回承办单位重办")},
            at=at,
        )
        case.refresh_from_db()
    elif action in ("close", "verify") and case.status == S.CLOSED:
        # Merged cases follow their parent: each is closed with it, so each requester can rate.
        for child in Case.objects.filter(parent=case, status=S.MERGED):
            child_payload = {"reason": _("主件 %(n)s 已办结") % {"n": case.number}}
            with transaction.atomic():
                locked = Case.objects.select_for_update().get(pk=child.pk)
                locked.status, locked.reply_text, locked.closed_at = S.CLOSED, case.reply_text, at
                locked.version += 1
                locked.save(update_fields=["status", "reply_text", "closed_at", "version", "updated_at"])
                _event(
                    locked,
                    "close",
                    system,
                    S.MERGED,
                    S.CLOSED,
                    reason=child_payload["reason"],
                    payload={"parent": case.number},
                    at=at,
                )
