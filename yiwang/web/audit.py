"""The audit page's reads and its one write: every case's events in one list, filtered and paged by the
global sequence, its XLSX export, and a stored check of the hash chains.

Who may read it: auditors and admins (`AUDIT_ROLES`). `cases.selectors.readable_cases` already gives
both every case, so the list needs no per-case scope: the guard is the role (`views.audit.audit_required`).

At 10^8 events nothing here counts the table or sorts it: pages are keyset pages over the unique
index on `global_seq` (newest first, `before`/`after` cursors), a case number and an account are
resolved to ids first so their filters use the (case, seq) and actor indexes, and the chain check,
which walks every event, runs only when someone asks for it and its result is stored.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from yiwang.accounts.models import Role, User
from yiwang.accounts.people import person_name
from yiwang.cases.audit import verify_chain
from yiwang.cases.models import AuditHead, Case, CaseEvent, Status
from yiwang.core import clock
from yiwang.core.spreadsheets import xlsx_row
from yiwang.security.masking import mask_personal_text

from .labels import ACTION_LABELS
from .models import AuditCheck
from .templatetags.workbench import role_label

AUDIT_ROLES = (Role.AUDITOR, Role.ADMIN)
PAGE_SIZE = 50
EXPORT_MAX_ROWS = 10_000
HASH_PREFIX = 12

# Payload fields shown with their value: codes, flags and numbers the services write themselves. Any
# other field (reply texts, notes, a praised unit typed by a resident, attachment tokens) may carry
# what a requester wrote, so only its name is shown.
SAFE_PAYLOAD_KEYS = frozenset(
    {
        "auto",
        "assisting_units",
        "card",
        "category",
        "channel",
        "confidence",
        "days",
        "decision",
        "due_at",
        "escalate",
        "grid",
        "into",
        "lead_unit",
        "parent",
        "passed",
        "placement",
        "placement_note",
        "previous_category",
        "request",
        "row",
        "rule",
        "satisfaction",
        "solved",
        "source",
    }
)
SAFE_VALUE_CHARS = 40


# --------------------------------------------------------------------------- the list
@dataclass(frozen=True)
class EventFilters:
    case: str = ""  # case number, exact
    action: str = ""
    actor: str = ""  # username (or the name kept on the event: "system", a removed account)
    role: str = ""
    date_from: dt.date | None = None  # local days, both ends included
    date_to: dt.date | None = None

    def is_empty(self) -> bool:
        return self == EventFilters()


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_events(*, filters: EventFilters) -> QuerySet[CaseEvent]:
    """The events matching `filters` (unordered: the pager orders them by global sequence). Only
    sequenced events: one waits for the sequencer well under a second (docs/operations.md)."""
    qs = CaseEvent.objects.filter(global_seq__isnull=False).select_related("case").only(
        "case__number",
        "seq",
        "global_seq",
        "action",
        "actor_id",
        "actor_name",
        "actor_role",
        "from_status",
        "to_status",
        "reason",
        "payload",
        "created_at",
        "hash",
    )
    if filters.case:
        case_id = Case.objects.filter(number=filters.case).values_list("pk", flat=True).first()
        if case_id is None:
            return qs.none()
        qs = qs.filter(case_id=case_id)
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.actor:
        user_id = User.objects.filter(username=filters.actor).values_list("pk", flat=True).first()
        # An account's events follow it through a rename (by id); other names are matched as written.
        qs = qs.filter(actor_id=user_id) if user_id else qs.filter(actor_name=filters.actor)
    if filters.role:
        qs = qs.filter(actor_role=filters.role)
    if filters.date_from:
        qs = qs.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(created_at__lt=_day_start(filters.date_to + dt.timedelta(days=1)))
    return qs


@dataclass(frozen=True)
class EventPage:
    events: list[CaseEvent]  # newest first
    newer: int | None  # cursor for `after=` (a page of newer events), None on the newest page
    older: int | None  # cursor for `before=`, None on the oldest page
    first: bool  # the newest page


def audit_event_page(
    *, filters: EventFilters, before: int | None = None, after: int | None = None, size: int | None = None
) -> EventPage:
    """One page of events, newest first. `before`: the page just older than that global sequence;
    `after`: the page just newer. No count of the whole list: one extra row tells whether more follow."""
    size = size or PAGE_SIZE
    qs = audit_events(filters=filters)
    if after is not None:
        rows = list(qs.filter(global_seq__gt=after).order_by("global_seq")[: size + 1])
        if len(rows) > size:
            rows = rows[:size][::-1]
            older = rows[-1].global_seq if qs.filter(global_seq__lt=rows[-1].global_seq).exists() else None
            return EventPage(rows, newer=rows[0].global_seq, older=older, first=False)
        before = None  # fewer than a page is newer: that is the newest page, shown whole
    base = qs.filter(global_seq__lt=before) if before is not None else qs
    rows = list(base.order_by("-global_seq")[: size + 1])
    older = rows[size - 1].global_seq if len(rows) > size else None
    rows = rows[:size]
    newer = None
    if before is not None and rows and qs.filter(global_seq__gt=rows[0].global_seq).exists():
        newer = rows[0].global_seq
    return EventPage(rows, newer=newer, older=older, first=before is None)


# --------------------------------------------------------------------------- one row as people read it
@dataclass(frozen=True)
class EventRow:
    global_seq: int
    created_at: dt.datetime
    case_number: str
    seq: int
    action: str
    action_label: str
    actor: str  # the person's name and unit (the login when the account is gone)
    login: str  # the login name kept on the event, which the actor filter takes
    role: str
    role_label: str
    from_label: str
    to_label: str
    reason: str
    fields: list[tuple[str, str | None]]  # payload field names, with the value for safe fields
    hash: str

    @property
    def hash_prefix(self) -> str:
        return self.hash[:HASH_PREFIX]

    @property
    def fields_text(self) -> str:
        return ", ".join(k if v is None else f"{k}={v}" for k, v in self.fields)


def _status_label(value: str) -> str:
    if not value:
        return ""
    try:
        return str(Status(value).label)
    except ValueError:
        return value


def _safe_value(value) -> str | None:
    if isinstance(value, bool) or value is None:
        return str(value).lower() if value is not None else "null"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str) and len(value) <= SAFE_VALUE_CHARS:
        return value
    if isinstance(value, list) and not value:
        return "[]"
    if isinstance(value, list) and len(value) <= 10:
        if all(isinstance(v, str) and len(v) <= SAFE_VALUE_CHARS for v in value):
            return "/".join(value)
    return None


def payload_fields(payload) -> list[tuple[str, str | None]]:
    """The payload's field names; the value only for a safe field with a short plain value."""
    if not isinstance(payload, dict):
        return []
    return [(k, _safe_value(payload[k]) if k in SAFE_PAYLOAD_KEYS else None) for k in sorted(payload)]


def _actor_names(events) -> dict[int, str]:
    """Each actor's name and unit, in one query for the page (the event keeps only the login)."""
    ids = {e.actor_id for e in events if e.actor_id}
    users = User.objects.filter(pk__in=ids).select_related("unit", "area")
    return {u.pk: person_name(u) for u in users}


def event_rows(events) -> list[EventRow]:
    events = list(events)
    names = _actor_names(events)
    return [
        EventRow(
            global_seq=e.global_seq,
            created_at=e.created_at,
            case_number=e.case.number,
            seq=e.seq,
            action=e.action,
            action_label=str(ACTION_LABELS.get(e.action, e.action)),
            actor=names.get(e.actor_id) or e.actor_name,
            login=e.actor_name,
            role=e.actor_role,
            role_label=role_label(e.actor_role),
            from_label=_status_label(e.from_status),
            to_label=_status_label(e.to_status),
            reason=mask_personal_text(e.reason),  # a reason may quote a caller's phone or door
            fields=payload_fields(e.payload),
            hash=e.hash,
        )
        for e in events
    ]


def action_choices() -> list[tuple[str, str]]:
    return [(key, str(label)) for key, label in ACTION_LABELS.items()]


def role_choices() -> list[tuple[str, str]]:
    return [*((r.value, str(r.label)) for r in Role), ("system", _("系统"))]


# --------------------------------------------------------------------------- export
@dataclass(frozen=True)
class Export:
    content: bytes
    rows: int
    capped: bool


def audit_events_workbook(*, filters: EventFilters, max_rows: int | None = None) -> Export:
    """The filtered list, newest first, as XLSX; at most `max_rows` rows, and the sheet says so."""
    max_rows = max_rows or EXPORT_MAX_ROWS
    events = list(audit_events(filters=filters).order_by("-global_seq")[: max_rows + 1])
    capped = len(events) > max_rows
    rows = event_rows(events[:max_rows])
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("审计记录"))
    ws.append(
        [_("审计记录 · 导出时间 %(t)s") % {"t": timezone.localtime(clock.now()).strftime("%Y-%m-%d %H:%M")}]
    )
    ws.append(xlsx_row(ws, [_("筛选条件：%(f)s") % {"f": filters_text(filters)}]))
    if capped:
        ws.append(
            [_("记录超过 %(n)s 条，仅导出最新的 %(n)s 条；请缩小筛选范围后分批导出。") % {"n": max_rows}]
        )
    ws.append([])
    bold = Font(bold=True)
    header = [
        _("时间"),
        _("诉求编号"),
        _("件内序号"),
        _("操作"),
        _("操作人"),
        _("角色"),
        _("原状态"),
        _("新状态"),
        _("理由"),
        _("记录字段"),
        _("全局序号"),
        _("哈希"),
    ]
    ws.append([_bold(ws, h, bold) for h in header])
    for r in rows:
        ws.append(
            xlsx_row(
                ws,
                [
                    timezone.localtime(r.created_at).replace(tzinfo=None),
                    r.case_number,
                    r.seq,
                    r.action_label,
                    r.actor,
                    r.role_label,
                    r.from_label,
                    r.to_label,
                    r.reason,
                    r.fields_text,
                    r.global_seq,
                    r.hash,
                ],
            )
        )
    out = io.BytesIO()
    wb.save(out)
    return Export(out.getvalue(), rows=len(rows), capped=capped)


def _bold(ws, value, font):
    cell = WriteOnlyCell(ws, value=str(value))
    cell.font = font
    return cell


def filters_text(filters: EventFilters) -> str:
    parts = []
    if filters.case:
        parts.append(_("诉求编号 %(v)s") % {"v": filters.case})
    if filters.action:
        parts.append(_("操作 %(v)s") % {"v": ACTION_LABELS.get(filters.action, filters.action)})
    if filters.actor:
        parts.append(_("操作人 %(v)s") % {"v": filters.actor})
    if filters.role:
        parts.append(_("角色 %(v)s") % {"v": role_label(filters.role)})
    if filters.date_from:
        parts.append(_("自 %(v)s") % {"v": filters.date_from.isoformat()})
    if filters.date_to:
        parts.append(_("至 %(v)s") % {"v": filters.date_to.isoformat()})
    return "；".join(parts) if parts else _("无（全部记录）")


# --------------------------------------------------------------------------- the chain check
def audit_check_last() -> AuditCheck | None:
    return AuditCheck.objects.select_related("run_by__unit", "run_by__area").order_by("-started_at", "-id").first()


def audit_head_seq() -> int:
    return AuditHead.objects.filter(pk=1).values_list("last_seq", flat=True).first() or 0


def audit_check_run(*, user) -> AuditCheck:
    """Walk both hash chains now (`verify_chain`) and store the result with who asked for it."""
    started = clock.now()
    report = verify_chain()
    return AuditCheck.objects.create(
        started_at=started,
        finished_at=clock.now(),
        run_by=user,
        run_by_name=user.username,
        ok=report.ok,
        checked=report.checked,
        broken_event=report.broken_event,
        problem=report.problem[:500],
        head_seq=audit_head_seq(),
    )
