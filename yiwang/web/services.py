"""Writes the pages make that are more than one move: each composes the cases services in one
transaction, so a refusal at any step leaves nothing behind and the form can be sent again.

Design choices (see also docs in the report of issue 6):
- An appeal (申诉) is a reopening by the platform (`perform(action="reopen")` as the system) whose
  reason starts with APPEAL_MARK and quotes the requester; one per case. The case goes straight back
  to its unit, and the reopening is on the audit trail with the requester's words.
- A grid worker's fix on the spot (自行处置) is a patrol case the platform accepts at once with a
  reason starting with SELF_FIX_MARK; it waits in the dispatcher's "自行处置待确认" queue, where the
  dispatcher closes it with `answer` (直接办结), the worker's account as the reply. The loop has no
  move that lets a grid worker close a case alone.
- A co-handling request (协办) waits in CoHandlingRequest; approving it is a `redispatch` to the same
  lead unit with the assisting units added.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yiwang.accounts.models import Role
from yiwang.cases.models import Case, Status
from yiwang.cases.selectors import desk_cases
from yiwang.cases.services import Actor, CaseInput, perform
from yiwang.core import clock
from yiwang.core.errors import ApplicationError
from yiwang.intake.services import attachment_upload, bind_attachments, case_submit
from yiwang.routing.models import Unit

from .models import BulkAction, CoHandlingRequest, SameProblem
from .otp import phones_match
from .selectors import APPEAL_MARK, SELF_FIX_MARK

APPEALABLE = (Status.CLOSED, Status.RATED)


# --------------------------------------------------------------------------- photos
def photos_upload(*, files, user, case=None) -> list[dict]:
    """Store uploaded photos with the intake app; returns what a case keeps of each (with its token).
    With `case` (a verification's photos) they belong to it at once: whoever reads the case sees them."""
    if not files:
        return []
    stored = [attachment_upload(upload=f, user=user) for f in files]
    if case is not None:
        bind_attachments(attachments=stored, case=case)
    return [a.as_entry() for a in stored]


# --------------------------------------------------------------------------- intake
@transaction.atomic
def portal_submit(*, data: CaseInput, user, photos=()) -> Case:
    """A resident's request from the portal (signed in or not)."""
    resident = user if getattr(user, "is_authenticated", False) and user.role == Role.RESIDENT else None
    # A phone typed by a visitor is texted nothing until someone proves it with a code (web.otp): the
    # form must not send texts to a stranger's number. A resident's own account phone is theirs.
    data.requester_phone_proven = bool(resident) and (
        not data.requester_phone or phones_match(data.requester_phone, resident.phone or "")
    )
    data.attachments = photos_upload(files=photos, user=resident) + list(data.attachments or [])
    return case_submit(data=data, actor=Actor(resident, Role.RESIDENT))[0]


@transaction.atomic
def hotline_intake(*, data: CaseInput, user, answer_text: str = "") -> Case:
    """A call taken by an operator: registered and accepted, or answered at once (直接办结)."""
    actor = Actor.of(user)
    case = case_submit(data=data, actor=actor)[0]
    if answer_text.strip():
        return perform(case=case, action="answer", actor=actor, payload={"text": answer_text})
    if case.status == Status.RECEIVED:
        case = perform(case=case, action="accept", actor=actor, payload={})
    return case


@transaction.atomic
def patrol_report(*, data: CaseInput, user, photos=(), fix_note: str = "") -> Case:
    """A grid worker's report from patrol; with `fix_note`, a problem they fixed on the spot."""
    fix_note = (fix_note or "").strip()
    if fix_note:
        # Kept in the text too, so the account survives whatever routing does with the case.
        data.text = f"{data.text}\n{SELF_FIX_MARK}{fix_note}"
    data.attachments = photos_upload(files=photos, user=user) + list(data.attachments or [])
    # A fix on the spot is not routed by the platform: no bureau gets work that is already done.
    case = case_submit(data=data, actor=Actor.of(user), auto_route=not fix_note)[0]
    if fix_note and case.status == Status.RECEIVED:
        case = perform(
            case=case, action="accept", actor=Actor.system(), payload={"note": f"{SELF_FIX_MARK}{fix_note}"}
        )
    return case


@transaction.atomic
def accept_and_dispatch(*, case: Case, user, accept: dict, dispatch: dict, expected_version: int | None = None) -> Case:
    """A dispatcher's new case in one step: accepted (with the category confirmed) and sent to a unit.
    One transaction: if the dispatch is refused, the case is not left accepted either."""
    actor = Actor.of(user)
    case = perform(case=case, action="accept", actor=actor, payload=accept, expected_version=expected_version)
    return perform(case=case, action="dispatch", actor=actor, payload=dispatch)


def self_fix_note(case: Case) -> str:
    event = case.events.filter(action="accept", reason__startswith=SELF_FIX_MARK).first()
    return event.reason[len(SELF_FIX_MARK) :] if event else ""


# --------------------------------------------------------------------------- the requester
def appeal_used(case: Case) -> bool:
    return case.events.filter(action="reopen", reason__startswith=APPEAL_MARK).exists()


def can_appeal(case: Case, *, used: bool | None = None) -> bool:
    """`used`: `appeal_used(case)` when the caller already has it (saves the query)."""
    if used is None:
        used = appeal_used(case)
    return case.status in APPEALABLE and not used


def case_appeal(*, case: Case, reason: str) -> Case:
    """The requester disputes the outcome, once: the platform reopens the case with their words."""
    reason = (reason or "").strip()
    if len(reason) < 5:
        message = _("请说明申诉理由（至少 5 个字）")
        raise ApplicationError("reason_required", message, fields={"reason": message})
    if appeal_used(case):
        raise ApplicationError("appeal_used", _("每件诉求只能申诉一次，本件已申诉过。"), status=409)
    if case.status not in APPEALABLE:
        raise ApplicationError("appeal_not_allowed", _("办结后才能申诉。"), status=409)
    return perform(
        case=case, action="reopen", actor=Actor.system(), payload={"reason": f"{APPEAL_MARK}{reason[:480]}"}
    )


# --------------------------------------------------------------------------- co-handling
def cohandling_request(*, case: Case, user, unit_codes: list[str], reason: str) -> CoHandlingRequest:
    reason = (reason or "").strip()
    fields = {}
    units = list(Unit.objects.filter(code__in=unit_codes or [], is_active=True).exclude(pk=case.lead_unit_id))
    if not units:
        fields["units"] = _("请选择至少一个协办单位")
    if not reason:
        fields["reason"] = _("请说明需要协办的事项")
    if fields:
        raise ApplicationError("validation_error", _("提交的内容有误，请按提示修改。"), fields=fields)
    if user.role != Role.ADMIN and (user.unit_id is None or user.unit_id != case.lead_unit_id):
        raise ApplicationError("out_of_scope", _("只有主办单位可以申请协办。"), status=403)
    if case.status not in (Status.DISPATCHED, Status.IN_PROGRESS):
        raise ApplicationError("transition_not_allowed", _("签收办理中的诉求件才能申请协办。"), status=409)
    if CoHandlingRequest.objects.filter(case=case, decided_at__isnull=True).exists():
        raise ApplicationError("cohandling_pending", _("已有待处理的协办申请。"), status=409)
    with transaction.atomic():
        row = CoHandlingRequest.objects.create(
            case=case, requested_by=user, unit=case.lead_unit, reason=reason[:500], created_at=clock.now()
        )
        row.units.set(units)
    return row


@transaction.atomic
def cohandling_decide(*, request_id: int, user, approve: bool, note: str = "") -> Case:
    row = (
        # of=("self",): PostgreSQL refuses FOR UPDATE on the nullable side of the outer join to lead_unit.
        CoHandlingRequest.objects.select_for_update(of=("self",))
        .select_related("case", "case__lead_unit")
        .filter(pk=request_id, decided_at__isnull=True)
        .first()
    )
    if row is None:
        raise ApplicationError("cohandling_missing", _("该协办申请不存在或已处理。"), status=409)
    case = row.case
    if approve:
        assisting = {u.code for u in case.assisting_units.all()} | {u.code for u in row.units.all()}
        case = perform(
            case=case,
            action="redispatch",
            actor=Actor.of(user),
            payload={
                "lead_unit": case.lead_unit.code,
                "assisting_units": sorted(assisting),
                "reason": _("同意协办申请：%(r)s") % {"r": row.reason},
            },
        )
    row.decided_at, row.decided_by = clock.now(), user
    row.decision = CoHandlingRequest.Decision.APPROVED if approve else CoHandlingRequest.Decision.DENIED
    row.decision_note = (note or "")[:500]
    row.save(update_fields=["decided_at", "decided_by", "decision", "decision_note"])
    return case


# --------------------------------------------------------------------------- the same problem (+1)
def same_problem_record(*, case: Case, supporter: str, user=None) -> tuple[SameProblem, bool]:
    """Record that `supporter` has the problem of `case` too; (the row, whether it is new). Once per
    case and supporter: a retry, a double click or two tabs at once find the row already there."""
    user = user if user is not None and user.is_authenticated else None
    try:
        with transaction.atomic():
            return SameProblem.objects.get_or_create(
                case=case, supporter=supporter, defaults={"user": user, "created_at": clock.now()}
            )
    except IntegrityError:  # a simultaneous request of the same supporter wrote it first
        return SameProblem.objects.get(case=case, supporter=supporter), False


# --------------------------------------------------------------------------- bulk moves
BULK_MOVES = ("reject", "merge")  # against junk: 不予受理 with one reason, 并案 into one case
BULK_MAX_CASES = 100


def bulk_move(*, key: str, user, action: str, picks: list[tuple[str, int | None]], payload: dict) -> tuple[BulkAction, bool]:
    """One move for several cases, each on its own through `perform` (its role, scope, state and
    version guards, its own event and transaction): a refused case does not stop the others. `picks`
    are (number, version seen). Returns the submission's row and whether it ran now: a key already
    used (a retried POST) runs nothing and returns the first submission's results."""
    if action not in BULK_MOVES:
        raise ApplicationError("validation_error", _("不支持的批量操作。"), fields={"action": action})
    if not picks or len(picks) > BULK_MAX_CASES:
        message = _("请勾选 1 至 %(n)d 件诉求件。") % {"n": BULK_MAX_CASES}
        raise ApplicationError("validation_error", message, fields={"cases": message})
    try:
        with transaction.atomic():
            row = BulkAction.objects.create(key=key, user=user, action=action, payload=payload, created_at=clock.now())
    except IntegrityError:
        row = BulkAction.objects.filter(key=key, user=user).first()
        if row is None:  # another person's key: never theirs to read
            raise ApplicationError("bulk_key_used", _("该批量操作已提交过，请刷新页面后重新选择。"), status=409) from None
        return row, False
    actor = Actor.of(user)
    scope = desk_cases(user=user)
    into = payload.get("into") if action == "merge" else None
    for number, version in picks:
        case = scope.filter(number=number).first()
        if case is None:
            result = {"number": number, "ok": False, "message": str(_("诉求件不存在或不在您的职责范围。"))}
        elif into and number == into:
            result = {"number": number, "ok": None, "status": case.status, "message": str(_("主件，保留。"))}
        else:
            try:
                case = perform(case=case, action=action, actor=actor, payload=payload, expected_version=version)
            except ApplicationError as exc:
                result = {"number": number, "ok": False, "status": case.status, "message": str(exc.message)}
            else:
                result = {"number": number, "ok": True, "status": case.status, "message": ""}
        row.results = [*row.results, result]
        row.save(update_fields=["results"])  # kept as it goes: a crash part way shows how far it got
    row.finished_at = clock.now()
    row.save(update_fields=["finished_at"])
    return row, True
