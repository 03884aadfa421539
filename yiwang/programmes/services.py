"""Writes to the programmes: a unit's report, a leader's approval or return, an admin's edits.

Each one checks its named guard, locks the row it changes, writes, and appends an Event in the same
transaction (who, when, what). Imports are in importing.py and go through the same checks.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yiwang.core import clock
from yiwang.core.errors import ApplicationError
from yiwang.intake.images import clean_image
from yiwang.routing.models import Unit

from . import access
from . import error_codes as codes
from .models import (
    Attachment,
    Direction,
    Event,
    EventAction,
    Frequency,
    IdempotencyKey,
    Indicator,
    Programme,
    Report,
    ReportStatus,
    Task,
)
from .periods import Period, deadline, parse_period

MAX_ATTACHMENTS = 5
NOTES_MAX = 2000
REASON_MAX = 500


def max_attachment_bytes() -> int:
    return int(getattr(settings, "PROGRAMMES_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024))


def invalid(field: str, message) -> ApplicationError:
    return ApplicationError(codes.INVALID_VALUE, message, fields={field: message})


def parse_decimal(raw, field: str = "value") -> Decimal:
    text = str(raw if raw is not None else "").strip().replace(",", "").replace("，", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise invalid(field, _("请填写数字。")) from None
    if not value.is_finite() or abs(value) >= Decimal("1e13"):
        raise invalid(field, _("请填写数字。"))
    return value.quantize(Decimal("0.0001"))


def task_get(task_id: int, *, lock: bool = False) -> Task:
    qs = Task.objects.select_related("indicator__programme", "lead_unit")
    task = (qs.select_for_update(of=("self",)) if lock else qs).filter(pk=task_id).first()
    if task is None:
        raise ApplicationError(codes.NOT_FOUND, _("找不到该任务。"), status=404)
    return task


def task_period(task: Task, key: str) -> Period:
    """The period `key` of the task, checked: its kind, within the task's span, already begun."""
    period = parse_period(key)
    if period.frequency != task.frequency:
        example = "2026-11" if task.frequency == Frequency.MONTHLY else "2026-Q4"
        raise ApplicationError(
            codes.PERIOD_INVALID,
            _("该任务%(f)s报送，报送期应写作 %(e)s 这样的格式。") % {"f": Frequency(task.frequency).label, "e": example},
            fields={"period": key},
        )
    if period.end < task.starts_on or period.start > task.ends_on:
        raise ApplicationError(codes.PERIOD_INVALID, _("该报送期不在任务的起止日期内。"), fields={"period": key})
    if period.start > clock.today():
        raise ApplicationError(codes.PERIOD_NOT_DUE, _("该报送期尚未开始，不能提前报送。"), fields={"period": key})
    return period


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes


def uploads_from(files) -> list[Upload]:
    """Uploaded files (Django's UploadedFile) as Uploads, their count and sizes checked before reading."""
    files = list(files)
    if len(files) > MAX_ATTACHMENTS:
        raise invalid("attachments", _("每期报送最多 %(n)d 个附件。") % {"n": MAX_ATTACHMENTS})
    limit = max_attachment_bytes()
    for f in files:
        if f.size > limit:
            raise ApplicationError(
                codes.ATTACHMENT_TOO_LARGE, _("附件不能超过 %(n)d MB。") % {"n": limit // (1024 * 1024)},
                fields={"attachments": f.name}, status=413,
            )
    return [Upload(f.name or "", f.read()) for f in files]


def _checked_attachment(upload: Upload) -> tuple[bytes, str, str]:
    """(bytes to store, content type, extension): an image re-encoded without EXIF, or a PDF as is."""
    limit = max_attachment_bytes()
    if len(upload.data) > limit:
        raise ApplicationError(
            codes.ATTACHMENT_TOO_LARGE, _("附件不能超过 %(n)d MB。") % {"n": limit // (1024 * 1024)},
            fields={"attachments": upload.name}, status=413,
        )
    if upload.data.startswith(b"%PDF-"):
        return upload.data, "application/pdf", "pdf"
    try:
        image = clean_image(upload.data, max_pixels=settings.INTAKE_ATTACHMENT_MAX_PIXELS)
    except ApplicationError:
        raise ApplicationError(
            codes.ATTACHMENT_REJECTED, _("附件只接受图片（JPEG、PNG、WebP）或 PDF 文件（按文件内容判断）。"),
            fields={"attachments": upload.name}, status=415,
        ) from None
    return image.data, image.content_type, image.extension


def _event(action: str, actor, **kw) -> Event:
    return Event.objects.create(action=action, actor=actor, at=clock.now(), **kw)


def report_submit(
    *, task_id: int, period: str, value, notes: str = "", uploads: list[Upload] = (), user,
    idempotency_key: str = "", body_hash: str = "",
) -> tuple[Report, bool]:
    """A unit files (or, after a return, files again) its figure and notes for one period of a task.
    Returns (report, whether this call wrote it). With an Idempotency-Key, the same key and body give
    the first answer back; the same key with another body is refused (409)."""
    if idempotency_key:
        row = IdempotencyKey.objects.filter(user=user, key=idempotency_key).select_related("report").first()
        if row is not None:
            if row.body_hash != body_hash:
                raise ApplicationError(codes.IDEMPOTENCY_CONFLICT, _("该 Idempotency-Key 已用于另一份不同的提交。"), status=409)
            return row.report, False
    try:
        with transaction.atomic():
            report = _submit(task_id, period, value, notes, uploads, user)
            if idempotency_key:
                IdempotencyKey.objects.create(user=user, key=idempotency_key, body_hash=body_hash, report=report, created_at=clock.now())
    except IntegrityError:
        row = IdempotencyKey.objects.filter(user=user, key=idempotency_key).select_related("report").first() if idempotency_key else None
        if row is None:
            raise
        return row.report, False
    return report, True


def _submit(task_id, period_key, raw_value, notes, uploads, user) -> Report:
    task = task_get(task_id, lock=True)
    access.check_report(user, task)
    period = task_period(task, period_key)
    value = parse_decimal(raw_value)
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX:
        raise invalid("notes", _("进展情况不能超过 %(n)d 字。") % {"n": NOTES_MAX})
    checked = [(u, *_checked_attachment(u)) for u in uploads]
    now = clock.now()
    report = Report.objects.select_for_update().filter(task=task, unit_id=user.unit_id, period=period.key).first()
    resubmitted = report is not None
    if report is None:
        report = Report(
            task=task, unit_id=user.unit_id, period=period.key, period_end=period.end,
            due_at=deadline(period, task.due_working_days).due_at, first_submitted_at=now,
        )
    elif report.status == ReportStatus.APPROVED:
        raise ApplicationError(codes.REPORT_STATE, _("该期报送已审核通过，不能再修改。"), status=409)
    if len(checked) + (report.attachments.count() if report.pk else 0) > MAX_ATTACHMENTS:
        raise invalid("attachments", _("每期报送最多 %(n)d 个附件。") % {"n": MAX_ATTACHMENTS})
    report.value, report.notes, report.status = value, notes, ReportStatus.SUBMITTED
    report.submitted_at, report.submitted_by = now, user
    report.decided_at, report.decided_by, report.return_reason = None, None, ""
    report.save()
    for upload, data, content_type, extension in checked:
        stored = ContentFile(data, name=f"{secrets.token_hex(16)}.{extension}")
        Attachment.objects.create(
            report=report, file=stored, name=upload.name[:200] or stored.name, content_type=content_type,
            size=len(data), uploaded_by=user, uploaded_at=now,
        )
    _event(
        EventAction.SUBMITTED, user, programme=task.indicator.programme, indicator=task.indicator, task=task, report=report,
        data={"period": period.key, "unit": user.unit.code, "value": str(value), "resubmitted": resubmitted,
              "late": now > report.due_at, "attachments": len(checked)},
    )
    return report


def _report_for_decision(report_id: int) -> Report:
    report = Report.objects.select_for_update(of=("self",)).select_related("task__indicator__programme", "unit").filter(pk=report_id).first()
    if report is None:
        raise ApplicationError(codes.NOT_FOUND, _("找不到该报送。"), status=404)
    if report.status != ReportStatus.SUBMITTED:
        raise ApplicationError(codes.REPORT_STATE, _("该报送不是待审核状态（当前：%(s)s）。") % {"s": report.get_status_display()}, status=409)
    return report


def _decide(report: Report, user, status: str, reason: str = "") -> Report:
    report.status, report.decided_at, report.decided_by, report.return_reason = status, clock.now(), user, reason
    report.save(update_fields=["status", "decided_at", "decided_by", "return_reason"])
    task = report.task
    _event(
        EventAction.APPROVED if status == ReportStatus.APPROVED else EventAction.RETURNED, user,
        programme=task.indicator.programme, indicator=task.indicator, task=task, report=report,
        data={"period": report.period, "unit": report.unit.code, "value": str(report.value), **({"reason": reason} if reason else {})},
    )
    return report


@transaction.atomic
def report_approve(*, report_id: int, user) -> Report:
    access.check_decide(user)
    return _decide(_report_for_decision(report_id), user, ReportStatus.APPROVED)


@transaction.atomic
def report_return(*, report_id: int, reason: str, user) -> Report:
    access.check_decide(user)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise invalid("reason", _("请填写退回理由。"))
    if len(reason) > REASON_MAX:
        raise invalid("reason", _("退回理由不能超过 %(n)d 字。") % {"n": REASON_MAX})
    return _decide(_report_for_decision(report_id), user, ReportStatus.RETURNED, reason)


# --------------------------------------------------------------------------- admins' edits
PROGRAMME_FIELDS = ("name", "name_en", "name_zh_hant", "summary", "source", "order")
INDICATOR_FIELDS = ("name", "name_en", "name_zh_hant", "measure_unit", "baseline", "baseline_date", "target",
                    "target_date", "direction", "source", "order")


def parse_date(raw, field: str) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw or "").strip().replace("/", "-"))
    except ValueError:
        raise invalid(field, _("日期格式应为 2025-12-31。")) from None


def clean_indicator(data: dict) -> dict:
    """Parse and check an indicator's fields (a dict of raw values); raises on the first problem."""
    out = dict(data)
    for field in ("name", "measure_unit"):
        if field in out:
            out[field] = str(out[field] or "").strip()
            if not out[field]:
                raise invalid(field, _("必填"))
    for field in ("baseline", "target"):
        if field in out:
            out[field] = parse_decimal(out[field], field)
    for field in ("baseline_date", "target_date"):
        if field in out:
            out[field] = parse_date(out[field], field)
    if "direction" in out and out["direction"] not in Direction.values:
        raise invalid("direction", _("方向应为 up（越大越好）或 down（越小越好）。"))
    return out


def check_indicator(ind: Indicator) -> None:
    if ind.target_date <= ind.baseline_date:
        raise invalid("target_date", _("目标日期应晚于基数日期。"))
    if ind.direction == Direction.UP and ind.target <= ind.baseline:
        raise invalid("target", _("越大越好的指标，目标值应大于基数。"))
    if ind.direction == Direction.DOWN and ind.target >= ind.baseline:
        raise invalid("target", _("越小越好的指标，目标值应小于基数。"))


def _changes(obj, data: dict, fields) -> dict:
    changes = {}
    for field in fields:
        if field in data and getattr(obj, field) != data[field]:
            changes[field] = [str(getattr(obj, field)), str(data[field])]
            setattr(obj, field, data[field])
    return changes


@transaction.atomic
def programme_save(*, code: str, data: dict, user, create: bool = False) -> Programme:
    access.check_edit(user)
    programme = Programme.objects.select_for_update().filter(code=code).first()
    if create:
        if programme is not None:
            raise invalid("code", _("编码已存在。"))
        if not str(data.get("name") or "").strip():
            raise invalid("name", _("必填"))
        programme = Programme(code=code, created_at=clock.now())
    elif programme is None:
        raise ApplicationError(codes.NOT_FOUND, _("找不到该专项行动。"), status=404)
    changes = _changes(programme, {k: v for k, v in data.items() if v is not None}, PROGRAMME_FIELDS)
    if not programme.name.strip():
        raise invalid("name", _("必填"))
    programme.save()
    _event(EventAction.PROGRAMME_SAVED, user, programme=programme, data={"code": code, "created": create, "changes": changes})
    return programme


@transaction.atomic
def indicator_save(*, code: str, data: dict, user, programme_code: str | None = None) -> Indicator:
    """Create (with programme_code) or edit an indicator."""
    access.check_edit(user)
    data = clean_indicator({k: v for k, v in data.items() if v is not None})
    indicator = Indicator.objects.select_for_update().filter(code=code).first()
    if programme_code is not None:
        if indicator is not None:
            raise invalid("code", _("编码已存在。"))
        programme = Programme.objects.filter(code=programme_code).first()
        if programme is None:
            raise ApplicationError(codes.NOT_FOUND, _("找不到该专项行动。"), status=404)
        missing = [f for f in ("name", "measure_unit", "baseline", "baseline_date", "target", "target_date") if f not in data]
        if missing:
            raise ApplicationError(codes.INVALID_VALUE, _("缺少必填项。"), fields={f: _("必填") for f in missing})
        indicator = Indicator(programme=programme, code=code)
    elif indicator is None:
        raise ApplicationError(codes.NOT_FOUND, _("找不到该指标。"), status=404)
    changes = _changes(indicator, data, INDICATOR_FIELDS)
    check_indicator(indicator)
    indicator.save()
    _event(EventAction.INDICATOR_SAVED, user, programme=indicator.programme, indicator=indicator,
           data={"code": code, "created": programme_code is not None, "changes": changes})
    return indicator


def unit_by_code(code: str, field: str) -> Unit:
    unit = Unit.objects.filter(code=(code or "").strip()).first()
    if unit is None:
        raise invalid(field, _("找不到单位编码 %(c)s。") % {"c": code})
    return unit
