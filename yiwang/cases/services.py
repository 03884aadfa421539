"""Every write to a case goes through here: a new case (case_create), a historical one
(case_import_historical) and one service for every move (perform).

A move: lock the case row (select_for_update) — and nothing else —, check that the caller saw the
current version, check the move's named guards (coded ApplicationError), let the move's function set
the fields, chain the event onto the case's own audit chain, save the case with
save(update_fields=…) and the events in one INSERT, and announce them (events.move_recorded: notify
writes its outbox rows, the classifier its corrections, in the same transaction). The global order
of events is given later by the sequencer (audit.sequence_pending), so no move waits for another
case's. Two people acting on one case at once: exactly one wins; the other is told it changed.

What a request must look like before it becomes a case (field rules, photos, language, the
classifier's guess) is the intake's business (yiwang.intake.services.case_submit); case_create takes
a request that passed it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.models import Role
from yiwang.core import clock
from yiwang.core.errors import ApplicationError
from yiwang.core.inserts import insert_rows
from yiwang.geo.locate import get_index
from yiwang.routing.selectors import RouteDecision, category_by_code, route
from yiwang.routing.snapshot import routing_config

from . import error_codes as codes
from .audit import new_event, save_events
from .events import move_recorded
from .models import (
    SYSTEM,
    Case,
    CaseEvent,
    CaseNumberSequence,
    Channel,
    RequesterKind,
    RequestType,
    Satisfaction,
)
from .models import Status as S
from .placement import place_case
from .selectors import guard_scope
from .text import normalize_text
from .transitions import ADMIN, MOVES, MoveContext, parse_input


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


def requester_phone_prove(*, number: str) -> int:
    """Someone proved with an SMS code that they hold the phone case `number` was filed with: the
    requester's notices may go to it from now on (not a move of the loop: no event)."""
    return Case.objects.filter(number=number, requester_phone_proven=False).update(requester_phone_proven=True)


# --------------------------------------------------------------------------- a new case
@dataclass
class CaseInput:
    """One request as a channel hands it over (checked by yiwang.intake before case_create)."""

    request_type: str
    title: str
    text: str
    lon: float | None = None
    lat: float | None = None
    address: str = ""
    placement: str | None = None  # gps | map | address | text; inferred when left out
    placement_confidence: float | None = None
    category_code: str | None = None  # chosen by a person (or the classifier's, see category_confidence)
    category_confidence: float | None = None  # None: chosen by the actor (staff 1.0, resident 0.5)
    category_candidates: list = field(default_factory=list)  # the classifier's top guesses
    requester_name: str = ""
    requester_phone: str = ""  # normalised by the intake (13800138000, 0750-3123456, +85291234567)
    requester_phone_proven: bool = True  # False: typed by a visitor, texted nothing until proven
    requester_id_number: str = ""
    requester_kind: str = RequesterKind.RESIDENT
    requester_language: str = ""  # zh-hans | zh-hant | en (the intake detects it when left out)
    channel: str = Channel.WEB
    attachments: list = field(default_factory=list)  # at intake: tokens; here: the stored entries (dicts)
    received_at: dt.datetime | None = None
    praised_unit: str = ""  # 表扬: the code of the unit praised (or the text says whom)
    event_notes: dict = field(default_factory=dict)  # extra facts the create event records (intake's)


def next_number(at: dt.datetime) -> str:
    """The day received plus a running ordinal (at least six digits). The ordinal comes from a
    database sequence on PostgreSQL (no lock held to commit, so intakes never wait for each other);
    on SQLite, where writers take turns anyway, from a one-row counter. Unique by construction."""
    day = timezone.localdate(at)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT nextval('cases_case_number_seq')")
        else:
            cur.execute(
                f"UPDATE {CaseNumberSequence._meta.db_table} SET last = last + 1 WHERE name = 'case' RETURNING last"
            )
        row = cur.fetchone()
    if row is None:  # SQLite: the first case ever
        CaseNumberSequence.objects.create(name="case", last=1)
        row = (1,)
    return f"{day:%Y%m%d}{row[0]:06d}"


def _set_category(case: Case, data: CaseInput, actor: Actor) -> None:
    if not data.category_code:
        if data.category_candidates:  # the classifier's guesses, none confident enough to name
            case.category_candidates = data.category_candidates
        return
    category = category_by_code(data.category_code)
    if category is None:
        message = _("分类编码 %(c)s 不存在") % {"c": data.category_code}
        raise ApplicationError("validation_error", _("提交的内容有误，请按提示修改。"), fields={"category": message})
    case.category = category
    if data.category_confidence is not None:
        case.category_confidence = data.category_confidence
    else:  # staff who pick a category are trusted; a resident's pick is a hint for the dispatcher
        case.category_confidence = 1.0 if actor.role not in (Role.RESIDENT, SYSTEM) else 0.5
    case.category_candidates = data.category_candidates


def _auto_route_decision(case: Case) -> RouteDecision | None:
    """Above the confidence threshold, the responsibility list's unit (routed once, used by dispatch)."""
    threshold = getattr(settings, "AUTO_DISPATCH_THRESHOLD", 0.8)
    if case.category_id is None or (case.category_confidence or 0) < threshold:
        return None
    if case.request_type == RequestType.CONSULT and case.channel == Channel.HOTLINE:
        return None  # the operator answers enquiries at once
    return route(category=case.category, area_id=case.grid_id or case.town_id or case.district_id)


def case_create(*, data: CaseInput, actor: Actor, auto_route: bool = True) -> Case:
    """Enter one checked request: number, place, category, the create event and, when the category
    is confident and the responsibility list knows the unit, the platform's own accept and dispatch.
    Everything is decided in memory and written at once: one INSERT of the case, one of its events."""
    at = data.received_at or clock.now()
    case = Case(
        number=next_number(at),
        request_type=data.request_type,
        title=data.title.strip(),
        text=data.text,
        text_normalized=normalize_text(f"{data.title}\n{data.text}"),
        lon=data.lon,
        lat=data.lat,
        address=data.address or "",
        requester_name=data.requester_name,
        requester_phone=data.requester_phone,
        requester_phone_proven=data.requester_phone_proven,
        requester_id_number=data.requester_id_number,
        requester_kind=data.requester_kind,
        requester_language=data.requester_language or "zh-hans",
        channel=data.channel,
        attachments=list(data.attachments),
        received_at=at,
        status=S.RECEIVED,
    )
    if data.placement:
        case.placement = data.placement
    if data.placement_confidence is not None:
        case.placement_confidence = data.placement_confidence
    if actor.role == Role.RESIDENT and actor.user is not None:
        case.requester_user = actor.user
    if data.requester_kind == RequesterKind.ANONYMOUS:
        case.requester_name = case.requester_phone = case.requester_id_number = ""
    place_case(case)
    _set_category(case, data, actor)
    payload = {
        "channel": case.channel,
        "placement": case.placement,
        "grid": get_index().refs[case.grid_id].code if case.grid_id else None,
        "category": case.category.code if case.category_id else None,
        "confidence": case.category_confidence,
        **data.event_notes,
    }
    if data.praised_unit:
        payload["praised_unit"] = data.praised_unit.strip()
    # An anonymous request names no one on its audit trail either (the account, if any, still follows it).
    creator = Actor(None, actor.role) if data.requester_kind == RequesterKind.ANONYMOUS else actor
    events = [
        new_event(case=case, action="create", actor=creator.user, actor_role=creator.role, from_status="",
                  to_status=S.RECEIVED, reason="", payload=payload, at=at)
    ]
    assisting = None
    decision = _auto_route_decision(case) if auto_route else None
    if decision is not None:
        system = Actor.system()
        for action in ("accept", "dispatch"):
            ctx = MoveContext(case=case, actor=system, at=at, route_decision=decision)
            events.append(_step(ctx, action, {"auto": True}))
            assisting = ctx.assisting if ctx.assisting is not None else assisting
    case.created_in_this_write = True  # the hook's receivers: nothing can be merged into it yet
    with transaction.atomic(savepoint=False):
        case.insert()
        if assisting:  # a new case has no links to read first (what .set() would do)
            link = Case.assisting_units.through
            insert_rows([link(case_id=case.pk, unit_id=u.pk) for u in assisting])
        case.assisting_cache = list(assisting or [])
        save_events(events)
        _announce(case, events)
    return case


def _announce(case: Case, events: list[CaseEvent]) -> None:
    """Send the hook; receivers may answer with a dict of counts (notify: the escalations written),
    kept on the case as `hook_counts` for the caller (the deadline sweep reports them)."""
    counts: dict[str, int] = {}
    for _receiver, answer in move_recorded.send(sender=Case, case=case, events=events):
        if isinstance(answer, dict):
            for k, v in answer.items():
                counts[k] = counts.get(k, 0) + int(v)
    case.hook_counts = counts


# --------------------------------------------------------------------------- a historical case
@dataclass
class HistoricalCase:
    """A case from an earlier system, as it stood there: its own times, status and reply."""

    external_id: str  # "source:id": a re-run import never duplicates
    request_type: str
    title: str
    text: str
    received_at: dt.datetime
    status: str  # received | accepted | closed
    lon: float | None = None
    lat: float | None = None
    address: str = ""
    category_code: str | None = None
    requester_name: str = ""
    requester_phone: str = ""
    reply_text: str = ""
    replied_at: dt.datetime | None = None


def case_import_historical(*, data: HistoricalCase, actor: Actor, notes: dict) -> Case | None:
    """Enter one historical case with an "import" event; nobody is notified and nothing is routed.
    None when a case with the same external id exists already."""
    if Case.objects.filter(external_id=data.external_id).exists():
        return None
    status = data.status
    received = data.received_at
    category = category_by_code(data.category_code) if data.category_code else None
    case = Case(
        number=next_number(received),
        external_id=data.external_id,
        request_type=data.request_type,
        title=data.title,
        text=data.text,
        text_normalized=normalize_text(f"{data.title}\n{data.text}"),
        lon=data.lon,
        lat=data.lat,
        address=data.address,
        category=category,
        category_confidence=1.0 if category else None,
        requester_name=data.requester_name,
        requester_phone=data.requester_phone,
        channel=Channel.IMPORT,
        received_at=received,
        accepted_at=received if status in (S.ACCEPTED, S.CLOSED) else None,
        reply_text=data.reply_text,
        replied_at=data.replied_at if data.reply_text else None,
        closed_at=(data.replied_at or received) if status == S.CLOSED else None,
        status=status,
    )
    place_case(case)
    event = new_event(case=case, action="import", actor=actor.user, actor_role=actor.role, from_status="",
                      to_status=status, reason="", payload={"external_id": data.external_id, **notes},
                      at=clock.now())
    with transaction.atomic(savepoint=False):
        case.save(force_insert=True)
        save_events([event])
    return case


# --------------------------------------------------------------------------- guards
def guard_move_allowed(case: Case, action: str) -> None:
    move = MOVES.get(action)
    if move is None:
        raise ApplicationError(codes.TRANSITION_NOT_ALLOWED, _("未知的操作：%(a)s") % {"a": action}, status=404)
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


def guard_version(case: Case, seen_version: int) -> None:
    if case.version != seen_version:
        raise ApplicationError(
            codes.CASE_CHANGED,
            _("该诉求件已被他人更新（当前版本 %(v)d），请刷新后重试。") % {"v": case.version},
            status=409,
        )


# --------------------------------------------------------------------------- the moves
def _step(ctx: MoveContext, action: str, payload: dict) -> CaseEvent:
    """One move on the case in hand (locked, or not inserted yet): its function sets the fields,
    the status follows, the event is chained. Nothing is written yet."""
    guard_move_allowed(ctx.case, action)
    move = MOVES[action]
    p = parse_input(move.schema, payload)
    before = ctx.case.status
    ctx.target = None
    recorded = move.apply(ctx, p) or {}
    ctx.case.status = ctx.target or move.target or before
    ctx.changed.add("status")
    return new_event(case=ctx.case, action=action, actor=ctx.actor.user, actor_role=ctx.actor.role,
                     from_status=before, to_status=ctx.case.status, reason=p.why, payload=recorded, at=ctx.at)


def _attach_config(case: Case) -> None:
    """The case's category and lead unit from this process's routing snapshot (no query)."""
    config = routing_config()
    if case.category_id and case.category_id in config.categories:
        case.category = config.categories[case.category_id]
    if case.lead_unit_id and case.lead_unit_id in config.units:
        case.lead_unit = config.units[case.lead_unit_id]


def perform(
    *,
    case: Case,
    action: str,
    actor: Actor,
    payload: dict | None = None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Case:
    """Make one move of the closed loop (and the platform's own moves that follow it at once).
    Returns the updated case."""
    payload = dict(payload or {})
    seen_version = case.version if expected_version is None else expected_version
    # A role that may never make this move is refused as such (403), never told about the case's
    # state (409); the scope is checked last, since who is responsible depends on the state (the
    # API answers 404 before this for a case outside the caller's reading scope).
    if action not in MOVES:
        guard_move_allowed(case, action)  # 404 unknown move
    guard_role(action, actor)
    # A savepoint when nested: a refused move leaves the caller's transaction usable.
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        _attach_config(locked)
        guard_version(locked, seen_version)
        guard_move_allowed(locked, action)
        guard_scope(locked, action, actor)
        ctx = MoveContext(case=locked, actor=actor, at=at or clock.now())
        events = [_step(ctx, action, payload)]
        events += _follow_ups(ctx, action)
        locked.save(update_fields=sorted(ctx.changed | {"version", "audit_hash", "updated_at"}))
        if ctx.assisting is not None:
            locked.assisting_units.set(ctx.assisting)
            locked.assisting_cache = list(ctx.assisting)
        save_events(events)
        _announce(locked, events)
        if locked.status == S.CLOSED and action in ("close", "verify"):
            _close_merged_children(locked, ctx.at)
    return locked


def _follow_ups(ctx: MoveContext, action: str) -> list[CaseEvent]:
    """Moves the platform makes by itself right after another one, on the same locked case, each
    with its own event."""
    case = ctx.case
    system = MoveContext(case=case, actor=Actor.system(), at=ctx.at, changed=ctx.changed)
    if action == "reply" and getattr(settings, "VERIFY_ON_SITE", True) and case.grid_id:
        return [_step(system, "check", {"grid": get_index().refs[case.grid_id].code})]
    if (
        action == "rate"
        and case.satisfaction == Satisfaction.UNSATISFIED
        and case.solved is False
        and case.lead_unit_id
        and case.reopen_count < getattr(settings, "MAX_AUTO_REOPEN", 1)
    ):
        return [_step(system, "reopen", {"reason": _("群众评价不满意且问题未解决，退回承办单位重办")})]
    return []


def _close_merged_children(case: Case, at: dt.datetime) -> None:
    """Merged cases follow their parent: each is closed with it (the normal close move, by the
    platform), so each requester hears of it and can rate."""
    system = Actor.system()
    for child in Case.objects.filter(parent=case, status=S.MERGED):
        perform(case=child, action="close", actor=system, at=at,
                payload={"reason": _("主件 %(n)s 已办结") % {"n": case.number}})
