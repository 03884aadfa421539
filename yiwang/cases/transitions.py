"""The closed loop as a registry of small moves.

Each move is one function registered with where it may start (sources), where it goes (target), who
may make it (roles), its names for people (label, button, help), the typed input it takes (a
pydantic model: a wrong type is a 400 with the field named, never a 500) and whether the requester is
told. The function checks its named guards (coded ApplicationError), sets the case's fields through
`ctx.put` and returns what the event records. services.perform runs it under the case's row lock and
writes the event; pages, forms, the API's schemas and descriptions, notices and the measures read
this one registry.

`None` as a target means "decided by the move" (verify, resume) or "the status stays" (extend,
supervise: they change the clock or the card, not the place in the loop).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, ValidationError

from yiwang.accounts.models import Role
from yiwang.core.errors import ApplicationError
from yiwang.routing.selectors import category_by_code, route, unit_by_code

from . import deadlines
from . import error_codes as codes
from .models import SYSTEM, Card, Case, Satisfaction
from .models import Status as S
from .selectors import can_act_on

OPERATOR, DISPATCHER, HANDLER, UNIT_LEADER = Role.OPERATOR, Role.DISPATCHER, Role.HANDLER, Role.UNIT_LEADER
GRIDWORKER, RESIDENT, ADMIN = Role.GRIDWORKER, Role.RESIDENT, Role.ADMIN
UNIT = (HANDLER, UNIT_LEADER)

# Events that are not moves of the loop, with their names for people.
EVENT_LABELS = {"create": gettext_lazy("登记"), "import": gettext_lazy("历史导入")}


# --------------------------------------------------------------------------- typed input
class MoveInput(BaseModel):
    """What every move may carry. Unknown keys are ignored (clients send more than a move reads)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    reason: StrictStr = ""
    note: StrictStr = ""
    text: StrictStr = ""
    auto: StrictBool = False  # made by the platform's automatic routing

    @property
    def why(self) -> str:
        return self.reason or self.note


class CategoryInput(MoveInput):
    category: StrictStr | None = Field(None, examples=["CODE"])  # an active category; left out: kept


class DispatchInput(CategoryInput):
    lead_unit: StrictStr | None = Field(None, examples=["CODE"])  # left out: the responsibility list decides
    assisting_units: list[StrictStr] = Field([], examples=[["CODE"]])


class MergeInput(MoveInput):
    into: StrictStr = Field("", examples=["PARENT_NUMBER"])


class ExtendInput(MoveInput):
    days: StrictInt | None = Field(None, examples=["N"])  # a unit's request: 1-30 working days
    decision: Literal["approve", "deny"] | None = None  # the dispatcher's decision


class SuperviseInput(MoveInput):
    card: Literal["yellow", "red"] = "yellow"
    escalate: StrictBool = False


class VerifyInput(MoveInput):
    passed: StrictBool | None = None
    # Photos taken on site: the tokens of the case's attachments (the desk binds them to the case
    # first); the event records them, so the timeline shows them at the verification.
    photos: list[StrictStr] = Field([], examples=[["TOKEN"]], max_length=10)


class RateInput(MoveInput):
    satisfaction: StrictStr | None = Field(None, examples=["satisfied|basically_satisfied|unsatisfied"])
    solved: StrictBool | None = None


class CheckInput(MoveInput):
    grid: StrictStr = ""


class SupplementInput(MoveInput):
    media_urls: list[StrictStr] = Field([], examples=[["https://example.com/photo.jpeg"]])  # links to photos
    channel: StrictStr = ""  # where the requester said it, when not on the platform itself (open311)


TYPE_MESSAGES = {
    "string_type": gettext_lazy("须为文字"),
    "bool_type": gettext_lazy("须为 true 或 false"),
    "int_type": gettext_lazy("须为整数"),
    "int_from_float": gettext_lazy("须为整数"),
    "list_type": gettext_lazy("须为列表"),
    "literal_error": gettext_lazy("取值无效"),
}


def parse_input(schema: type[MoveInput], payload: dict) -> MoveInput:
    """The move's typed input, or 400 validation_error naming each wrong field in the user's language."""
    try:
        return schema.model_validate(payload or {})
    except ValidationError as exc:
        fields = {}
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "body"
            fields.setdefault(name, str(TYPE_MESSAGES.get(err["type"], gettext_lazy("格式不正确"))))
        raise ApplicationError("validation_error", _("提交的内容有误，请按提示修改。"), fields=fields) from None


# --------------------------------------------------------------------------- the registry
@dataclass
class MoveContext:
    """One move in progress: the locked case, who acts, when; `put` records each field it sets."""

    case: Case
    actor: Any  # services.Actor
    at: dt.datetime
    changed: set[str] = field(default_factory=set)
    assisting: list | None = None  # the assisting units a dispatch sets (written after the case)
    route_decision: Any = None  # a routing decision made before the move (intake's automatic routing)
    target: str | None = None  # the status a move decides itself (verify, resume)

    def put(self, **values) -> None:
        for k, v in values.items():
            setattr(self.case, k, v)
            self.changed.add(k)


@dataclass(frozen=True)
class Move:
    action: str
    sources: tuple[str, ...]
    target: str | None
    roles: tuple[str, ...]
    label: Any  # the move's name on timelines (translatable)
    button: Any  # the verb on a desk's button
    help: Any  # one line on what it does, above its form
    schema: type[MoveInput]
    apply: Callable[[MoveContext, Any], dict]
    tells_requester: bool = False  # the requester gets a notice (notify decides the words)


MOVES: dict[str, Move] = {}


def move(action, sources, target, roles, *, label, button, help="", schema=MoveInput, tells_requester=False):
    def register(fn):
        MOVES[action] = Move(action, tuple(sources), target, tuple(roles), label, button, help, schema, fn,
                             tells_requester)
        return fn

    return register


# --------------------------------------------------------------------------- guards
def guard_reason(p: MoveInput, message) -> str:
    if not p.why:
        raise ApplicationError(codes.REASON_REQUIRED, message, fields={"reason": message})
    return p.why


def guard_text(p: MoveInput) -> str:
    if not p.text:
        message = _("请填写答复内容")
        raise ApplicationError(codes.TEXT_REQUIRED, message, fields={"text": message})
    return p.text


def guard_merge_target(case: Case, p: MergeInput, actor) -> Case:
    """The case to merge into: it exists, is another case, is still open to merging, and lies in
    the actor's scope (one answer for every refusal, so numbers cannot be probed)."""
    if not p.into:
        message = _("请指定并入的主件编号")
        raise ApplicationError(codes.MERGE_INVALID, message, fields={"into": message})
    parent = Case.objects.filter(number=p.into).first()
    if (
        parent is None
        or parent.pk == case.pk
        or parent.status in (S.MERGED, S.REJECTED)
        or not can_act_on(actor, parent)
    ):
        raise ApplicationError(
            codes.MERGE_INVALID,
            _("不能并入该诉求件（不存在、不在您的职责范围、是本件或已并案/不予受理）。"),
            fields={"into": p.into},
        )
    return parent


def _recategorize(ctx: MoveContext, p: CategoryInput) -> dict:
    """Set the category a person chose (an active code; left out: the case keeps its own). A person's
    choice is certain (1.0); the classifier hears of the change from the event (classify.receivers)."""
    if not p.category:
        return {}
    category = category_by_code(p.category)
    if category is None:
        message = _("分类编码 %(c)s 不存在") % {"c": p.category}
        raise ApplicationError("validation_error", message, fields={"category": message})
    previous = ctx.case.category.code if ctx.case.category_id else None
    ctx.put(category=category, category_confidence=1.0)
    return {"category": category.code, "previous_category": previous}


def _choose_units(ctx: MoveContext, p: DispatchInput):
    case = ctx.case
    if p.lead_unit:
        unit = unit_by_code(p.lead_unit)
        if unit is None:
            raise ApplicationError(
                codes.NO_UNIT, _("承办单位 %(c)s 不存在") % {"c": p.lead_unit}, fields={"lead_unit": p.lead_unit}
            )
        assisting = [u for c in p.assisting_units if (u := unit_by_code(c)) is not None and u.pk != unit.pk]
        return unit, assisting, None
    if case.category_id is None:
        raise ApplicationError(
            codes.NO_UNIT, _("未分类的诉求件须指定承办单位。"), fields={"lead_unit": _("必填")}
        )
    decision = ctx.route_decision or route(
        category=case.category, area_id=case.grid_id or case.community_id or case.town_id or case.district_id
    )
    if decision is None:
        raise ApplicationError(
            codes.NO_UNIT, _("权责清单中没有匹配的单位，请手动指定承办单位。"), fields={"lead_unit": _("必填")}
        )
    return decision.lead_unit, decision.assisting_units, decision.rule_id


def _on_time(case: Case, at: dt.datetime) -> bool | None:
    return None if case.due_at is None else at <= case.due_at


# --------------------------------------------------------------------------- the moves
@move("accept", [S.RECEIVED], S.ACCEPTED, [OPERATOR, DISPATCHER, SYSTEM], schema=CategoryInput,
      label=gettext_lazy("受理"), button=gettext_lazy("受理"), help=gettext_lazy("确认受理，进入派遣队列。可同时修正分类。"),
      tells_requester=True)
def accept(ctx, p):
    ctx.put(accepted_at=ctx.at)
    return _recategorize(ctx, p)


@move("reject", [S.RECEIVED], S.REJECTED, [OPERATOR, DISPATCHER],
      label=gettext_lazy("不予受理"), button=gettext_lazy("不予受理"),
      help=gettext_lazy("不属于受理范围的，说明理由后不予受理（群众会收到理由）。"), tells_requester=True)
def reject(ctx, p):
    guard_reason(p, _("不予受理须说明理由"))
    ctx.put(closed_at=ctx.at)
    return {}


@move("answer", [S.RECEIVED, S.ACCEPTED], S.ANSWERED, [OPERATOR, DISPATCHER],
      label=gettext_lazy("直接办结"), button=gettext_lazy("直接答复办结"), help=gettext_lazy("咨询类可直接答复并办结。"),
      tells_requester=True)
def answer(ctx, p):
    text = guard_text(p)
    ctx.put(reply_text=text, replied_at=ctx.at, closed_at=ctx.at, closed_on_time=True)
    return {"text": text}


@move("merge", [S.RECEIVED, S.ACCEPTED, S.DISPATCHED], S.MERGED, [DISPATCHER], schema=MergeInput,
      label=gettext_lazy("并案"), button=gettext_lazy("并案"), help=gettext_lazy("与另一件诉求为同一事项时并入主件，随主件办结。"),
      tells_requester=True)
def merge(ctx, p):
    parent = guard_merge_target(ctx.case, p, ctx.actor)
    ctx.put(parent=parent, closed_at=None)
    return {"into": parent.number}


def _dispatch(ctx, p, *, new_deadlines: bool) -> dict:
    # The category first: with no lead_unit given, the responsibility list routes by the new one.
    out = _recategorize(ctx, p)
    unit, assisting, rule = _choose_units(ctx, p)
    ctx.put(lead_unit=unit, dispatched_at=ctx.at, signed_at=None, card=Card.NONE, red_escalated_at=None)
    ctx.assisting = list(assisting)
    if new_deadlines or ctx.case.due_at is None:
        d = deadlines.compute(ctx.case, ctx.at)
        ctx.put(response_due_at=d.response_due_at, due_at=d.due_at, yellow_at=d.yellow_at, deadline_flag=d.flag)
    out.update(
        {"lead_unit": unit.code, "assisting_units": [u.code for u in assisting], "rule": rule,
         "due_at": ctx.case.due_at}
    )
    if p.auto:
        out["auto"] = True
    return out


@move("dispatch", [S.ACCEPTED], S.DISPATCHED, [DISPATCHER, SYSTEM], schema=DispatchInput,
      label=gettext_lazy("派遣"), button=gettext_lazy("派遣"),
      help=gettext_lazy("派给主办单位（可加协办单位）；不选则按权责清单。可同时修正分类。"), tells_requester=True)
def dispatch(ctx, p):
    return _dispatch(ctx, p, new_deadlines=True)


@move("redispatch", [S.RETURNED, S.DISPATCHED, S.IN_PROGRESS], S.DISPATCHED, [DISPATCHER], schema=DispatchInput,
      label=gettext_lazy("改派"), button=gettext_lazy("改派"),
      help=gettext_lazy("改派给其他单位；维持原单位即驳回退单。可同时修正分类。"))
def redispatch(ctx, p):
    return _dispatch(ctx, p, new_deadlines=False)


@move("sign", [S.DISPATCHED], S.IN_PROGRESS, UNIT,
      label=gettext_lazy("签收"), button=gettext_lazy("签收"), help=gettext_lazy("确认本单位承办，开始办理。"))
def sign(ctx, p):
    ctx.put(signed_at=ctx.at)
    return {}


@move("return", [S.DISPATCHED, S.IN_PROGRESS], S.RETURNED, UNIT,
      label=gettext_lazy("退回"), button=gettext_lazy("退回派遣员"), help=gettext_lazy("非本单位职责的，说明理由退回派遣员。"))
def return_(ctx, p):
    guard_reason(p, _("退回须说明理由"))
    ctx.put(return_count=ctx.case.return_count + 1)
    return {}


@move("reply", [S.IN_PROGRESS], S.REPLIED, UNIT,
      label=gettext_lazy("反馈"), button=gettext_lazy("提交答复"), help=gettext_lazy("办理完毕后答复群众；答复后转网格员现场核查。"),
      tells_requester=True)
def reply(ctx, p):
    text = guard_text(p)
    ctx.put(reply_text=text, replied_at=ctx.at)
    return {"text": text}


@move("extend", [S.DISPATCHED, S.IN_PROGRESS], None, UNIT + (DISPATCHER,), schema=ExtendInput,
      label=gettext_lazy("延期"), button=gettext_lazy("延期"), help=gettext_lazy("在办理时限内无法办结的，申请延期（由派遣员审批）。"))
def extend(ctx, p):
    """A unit asks for N more working days; a dispatcher approves or denies the pending request."""
    case = ctx.case
    if ctx.actor.role in UNIT:
        if case.extension_requested_days:
            raise ApplicationError(codes.EXTENSION_INVALID, _("已有待审批的延期申请。"), status=409)
        if case.due_at and ctx.at > case.due_at:
            # An extension is asked for within the time limit; once it has run out the case is late.
            raise ApplicationError(
                codes.EXTENSION_INVALID, _("已超过办理时限，不能再申请延期。请尽快办结，或向派遣员说明情况。"), status=409
            )
        if p.days is None or not 1 <= p.days <= 30:
            raise ApplicationError(
                codes.EXTENSION_INVALID, _("延期天数须为 1 到 30 个工作日"), fields={"days": _("须为 1 到 30 的整数")}
            )
        reason = guard_reason(p, _("申请延期须说明理由"))
        ctx.put(extension_requested_days=p.days, extension_reason=reason)
        return {"request": "requested", "days": p.days}
    if p.decision is None:
        raise ApplicationError(
            codes.EXTENSION_INVALID, _("请选择批准（approve）或不批准（deny）"), fields={"decision": _("必填")}
        )
    if not case.extension_requested_days:
        raise ApplicationError(codes.EXTENSION_INVALID, _("没有待审批的延期申请。"), status=409)
    days = case.extension_requested_days
    out = {"request": p.decision, "days": days}
    if p.decision == "approve":
        new_due, flag = deadlines.extend(case, days)
        # The yellow-card moment moves with the deadline, or the sweep would card it at once.
        new_yellow = deadlines.extend_moment(case.yellow_at, days) if case.yellow_at else None
        ctx.put(due_at=new_due, yellow_at=new_yellow, extension_count=case.extension_count + 1, card=Card.NONE,
                red_escalated_at=None)
        if flag:
            ctx.put(deadline_flag=flag)
        out["due_at"] = new_due
    ctx.put(extension_requested_days=None)
    return out


@move("suspend", [S.DISPATCHED, S.IN_PROGRESS, S.RETURNED], S.SUSPENDED, [DISPATCHER],
      label=gettext_lazy("挂起"), button=gettext_lazy("挂起"), help=gettext_lazy("因客观原因暂停计时。"))
def suspend(ctx, p):
    guard_reason(p, _("挂起须说明理由"))
    ctx.put(resume_status=ctx.case.status, paused_at=ctx.at)
    return {}


@move("resume", [S.SUSPENDED], None, [DISPATCHER, SYSTEM],
      label=gettext_lazy("恢复"), button=gettext_lazy("恢复办理"), help=gettext_lazy("恢复办理，时限顺延。"))
def resume(ctx, p):
    shifted, flag = deadlines.shift_for_pause(ctx.case, ctx.case.paused_at, ctx.at)
    ctx.target = ctx.case.resume_status or S.IN_PROGRESS
    ctx.put(resume_status="", paused_at=None, **shifted)
    if flag:
        ctx.put(deadline_flag=flag)
    return dict(shifted)


@move("supervise", [S.DISPATCHED, S.IN_PROGRESS, S.RETURNED, S.REPLIED, S.VERIFYING], None, [DISPATCHER, SYSTEM],
      schema=SuperviseInput, label=gettext_lazy("督办"), button=gettext_lazy("督办"),
      help=gettext_lazy("临近或超过时限的，亮黄牌或红牌督办。"))
def supervise(ctx, p):
    ctx.put(card=p.card)
    if p.card == Card.RED and p.escalate:
        ctx.put(red_escalated_at=ctx.at)
    return {"card": p.card}


@move("check", [S.REPLIED], S.VERIFYING, [DISPATCHER, SYSTEM], schema=CheckInput,
      label=gettext_lazy("派发核查"), button=gettext_lazy("派发现场核查"), help=gettext_lazy("交网格员现场核查。"))
def check(ctx, p):
    return {"grid": p.grid} if p.grid else {}


# on-site verification: passed -> closed; failed -> back to the unit (重办)
@move("verify", [S.VERIFYING, S.REPLIED], None, [GRIDWORKER, DISPATCHER], schema=VerifyInput,
      label=gettext_lazy("核查"), button=gettext_lazy("提交核查结果"),
      help=gettext_lazy("到现场查看问题是否已解决。"), tells_requester=True)
def verify(ctx, p):
    if p.passed is None:
        raise ApplicationError(
            "validation_error", _("请说明核查是否通过"), fields={"passed": _("须为 true 或 false")}
        )
    ctx.target = S.CLOSED if p.passed else S.IN_PROGRESS
    if p.passed:
        ctx.put(closed_at=ctx.at, closed_on_time=_on_time(ctx.case, ctx.at))
    else:
        if not p.why:
            raise ApplicationError(codes.REASON_REQUIRED, _("核查不通过须说明原因"), fields={"note": _("必填")})
        ctx.put(reopen_count=ctx.case.reopen_count + 1, closed_at=None)
    return {"passed": p.passed, "photos": list(p.photos)} if p.photos else {"passed": p.passed}


@move("reopen", [S.REPLIED, S.VERIFYING, S.CLOSED, S.RATED], S.IN_PROGRESS, [DISPATCHER, SYSTEM],
      label=gettext_lazy("重办"), button=gettext_lazy("重办"), help=gettext_lazy("退回承办单位重新办理，须说明原因。"),
      tells_requester=True)
def reopen(ctx, p):
    guard_reason(p, _("重办须说明原因"))
    ctx.put(reopen_count=ctx.case.reopen_count + 1, closed_at=None, satisfaction="", solved=None, rated_at=None)
    return {}


@move("close", [S.REPLIED, S.VERIFYING, S.MERGED], S.CLOSED, [DISPATCHER, SYSTEM],
      label=gettext_lazy("办结"), button=gettext_lazy("办结"), help=gettext_lazy("确认办结，群众将收到评价邀请。"),
      tells_requester=True)
def close(ctx, p):
    case = ctx.case
    if case.status == S.MERGED:  # a merged case closes with its parent and takes its reply
        ctx.put(closed_at=ctx.at, reply_text=case.parent.reply_text if case.parent_id else case.reply_text)
        return {"parent": case.parent.number} if case.parent_id else {}
    ctx.put(closed_at=ctx.at, closed_on_time=_on_time(case, ctx.at))
    return {}


@move("rate", [S.CLOSED, S.ANSWERED], S.RATED, [RESIDENT, OPERATOR], schema=RateInput,
      label=gettext_lazy("评价"), button=gettext_lazy("提交评价"), help=gettext_lazy("群众评价办理结果：是否满意、问题是否解决。"))
def rate(ctx, p):
    if p.satisfaction not in Satisfaction.values:
        raise ApplicationError(
            codes.RATING_INVALID,
            _("满意度须为：满意、基本满意或不满意"),
            fields={"satisfaction": _("取值：%(v)s") % {"v": ", ".join(Satisfaction.values)}},
        )
    ctx.put(satisfaction=p.satisfaction, solved=p.solved, rated_at=ctx.at)
    return {"satisfaction": p.satisfaction, "solved": p.solved}


# A requester adds to their request (补充): more detail, a photo, "it is still broken". The case stays
# where it is in the loop; whoever has it reads the supplement on its timeline.
@move("supplement", list(S.values), None, [RESIDENT, OPERATOR, SYSTEM], schema=SupplementInput,
      label=gettext_lazy("补充"), button=gettext_lazy("补充诉求"),
      help=gettext_lazy("群众补充说明或照片；诉求件的状态不变。"))
def supplement(ctx, p):
    if not p.text:
        message = _("请填写补充内容")
        raise ApplicationError(codes.TEXT_REQUIRED, message, fields={"text": message})
    out: dict = {"text": p.text}
    if p.media_urls:
        out["media_urls"] = list(p.media_urls)
    if p.channel:
        out["channel"] = p.channel
    return out


ACTIONS = tuple(MOVES)


def next_status(action: str, current: str, payload: dict, resume_status: str = "") -> str:
    """The status after `action` from `current` (assumes the move is allowed from there)."""
    m = MOVES[action]
    if m.target is not None:
        return m.target
    if action == "verify":
        return S.CLOSED if payload.get("passed") else S.IN_PROGRESS
    if action == "resume":
        return resume_status or S.IN_PROGRESS
    return current  # extend, supervise


def allowed_actions(status: str, role: str) -> list[str]:
    """Moves a role could make from a status (scope and payload checks come on top)."""
    return [a for a, m in MOVES.items() if status in m.sources and (role in m.roles or role == ADMIN)]


def action_label(action: str) -> str:
    """Any event's name for people: a move's label, or a non-move event's (create, import)."""
    m = MOVES.get(action)
    return str(m.label if m else EVENT_LABELS.get(action, action))
