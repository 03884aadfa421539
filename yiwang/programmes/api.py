"""The programmes in the JSON API, under /api/v1/programmes: programmes with their indicators'
progress, tasks and their reporting slots, a unit's report (Idempotency-Key honoured), a leader's
approval or return, and admins' edits of programmes and indicators."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from yiwang.cases.api import ErrorOut
from yiwang.routing.names import display_name

from . import access, selectors, services
from .models import Report

router = Router(tags=["programmes"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _num(value) -> float | None:
    return None if value is None else float(value)


def indicator_out(view) -> dict:
    ind, p = view.indicator, view.progress
    return {
        "code": ind.code, "name": ind.name, "display_name": ind.display_name, "measure_unit": ind.measure_unit,
        "baseline": _num(ind.baseline), "baseline_date": ind.baseline_date.isoformat(),
        "target": _num(ind.target), "target_date": ind.target_date.isoformat(), "direction": ind.direction,
        "source": ind.source, "generated": ind.generated,
        "progress": {
            "value": _num(p.value), "period": p.period or None, "as_of": p.as_of.isoformat() if p.as_of else None,
            "share": p.share, "planned": p.planned, "planned_value": _num(p.planned_value), "status": p.status,
            "previous": _num(p.previous), "change": _num(p.change), "trend": p.trend or None,
        },
        "cards": {"yellow": view.yellow, "red": view.red}, "pending_reports": view.pending,
        "tasks": [t.pk for t in view.tasks],
    }


def programme_out(block: dict) -> dict:
    p = block["programme"]
    return {
        "code": p.code, "name": p.name, "display_name": p.display_name, "summary": p.summary, "source": p.source,
        "generated": p.generated, "cards": {"yellow": block["yellow"], "red": block["red"]},
        "pending_reports": block["pending"], "indicators": [indicator_out(v) for v in block["indicators"]],
    }


def report_out(r: Report) -> dict:
    return {
        "id": r.pk, "task": r.task_id, "unit": r.unit.code, "unit_name": display_name(r.unit), "period": r.period,
        "value": float(r.value), "notes": r.notes, "status": r.status, "due_at": r.due_at.isoformat(),
        "first_submitted_at": r.first_submitted_at.isoformat(), "submitted_at": r.submitted_at.isoformat(),
        "on_time": r.on_time, "decided_at": r.decided_at.isoformat() if r.decided_at else None,
        "return_reason": r.return_reason, "generated": r.generated,
        "attachments": [{"id": a.pk, "name": a.name, "content_type": a.content_type, "size": a.size} for a in r.attachments.all()],
    }


def task_out(task, *, unit_id: int | None = None) -> dict:
    return {
        "id": task.pk, "title": task.title, "indicator": task.indicator.code, "programme": task.indicator.programme.code,
        "lead_unit": task.lead_unit.code, "lead_unit_name": display_name(task.lead_unit),
        "assisting_units": [u.code for u in task.assisting_units.all()], "frequency": task.frequency,
        "due_working_days": task.due_working_days, "starts_on": task.starts_on.isoformat(), "ends_on": task.ends_on.isoformat(),
        "slots": [
            {"period": s.period.key, "unit": s.unit.code, "lead": s.lead, "due_at": s.deadline.due_at.isoformat(),
             "yellow_at": s.deadline.yellow_at.isoformat(), "card": s.card or None, "ended": s.ended,
             "report": report_out(s.report) if s.report else None}
            for s in selectors.task_slots(task, unit_id=unit_id)
        ],
    }


class ProgrammeOut(Schema):
    code: str
    name: str
    display_name: str
    summary: str
    source: str
    generated: bool
    cards: dict[str, int]
    pending_reports: int
    indicators: list[dict[str, Any]] = Field(..., description="each with its progress (docs/measures.md)")


class TaskOut(Schema):
    id: int
    title: str
    indicator: str
    programme: str
    lead_unit: str
    lead_unit_name: str
    assisting_units: list[str]
    frequency: str
    due_working_days: int
    starts_on: str
    ends_on: str
    slots: list[dict[str, Any]]


class ReportIn(Schema):
    period: str = Field(..., description="2026-11 (monthly task) or 2026-Q4 (quarterly task)", max_length=8)
    value: float | str
    notes: str = Field("", max_length=2000)


class ReturnIn(Schema):
    reason: str = Field(..., max_length=500)


class ProgrammeIn(Schema):
    code: str = Field(..., max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(..., max_length=200)
    name_en: str = ""
    name_zh_hant: str = ""
    summary: str = ""
    source: str = Field("", max_length=300)
    order: int = 0


class ProgrammePatch(Schema):
    name: str | None = Field(None, max_length=200)
    name_en: str | None = None
    name_zh_hant: str | None = None
    summary: str | None = None
    source: str | None = Field(None, max_length=300)
    order: int | None = None


class IndicatorIn(Schema):
    code: str = Field(..., max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(..., max_length=200)
    name_en: str = ""
    name_zh_hant: str = ""
    measure_unit: str = Field(..., max_length=30)
    baseline: float
    baseline_date: dt.date
    target: float
    target_date: dt.date
    direction: Literal["up", "down"] = "up"
    source: str = Field("", max_length=300)
    order: int = 0


class IndicatorPatch(Schema):
    name: str | None = Field(None, max_length=200)
    name_en: str | None = None
    name_zh_hant: str | None = None
    measure_unit: str | None = Field(None, max_length=30)
    baseline: float | None = None
    baseline_date: dt.date | None = None
    target: float | None = None
    target_date: dt.date | None = None
    direction: Literal["up", "down"] | None = None
    source: str | None = Field(None, max_length=300)
    order: int | None = None


def _overview_one(request, code: str) -> dict:
    return programme_out(selectors.programmes_overview(user=request.user, programme_code=code)[0])


@router.get("", response={200: list[ProgrammeOut], 403: ErrorOut}, summary="Programmes with their indicators' progress")
def programme_list(request: HttpRequest):
    return [programme_out(b) for b in selectors.programmes_overview(user=request.user)]


@router.get("/tasks", response={200: list[TaskOut], 403: ErrorOut}, summary="Tasks (a unit sees its own) and their reporting slots")
def task_list(request: HttpRequest):
    tasks = selectors.tasks_for_user(user=request.user)
    unit_id = None if access.reads_all(request.user) else request.user.unit_id
    return [task_out(t, unit_id=unit_id) for t in tasks]


@router.get("/tasks/{task_id}", response={200: TaskOut, **ERRORS}, summary="One task and its reporting slots")
def task_detail(request: HttpRequest, task_id: int):
    task = selectors.task_detail(task_id=task_id, user=request.user)
    unit_id = None if access.reads_all(request.user) else request.user.unit_id
    return task_out(task, unit_id=unit_id)


@router.post(
    "/tasks/{task_id}/reports", response={201: dict, 200: dict, **ERRORS}, summary="File the unit's report for a period",
    description="Units of the task only, for themselves. Honours an `Idempotency-Key` header: the same key and "
    "body return the first report (200); the same key with another body is refused (409). A returned report "
    "is filed again the same way; an approved one can no longer change (409).",
)
def report_submit(request: HttpRequest, task_id: int, payload: ReportIn):
    body = payload.dict()
    key = request.headers.get("Idempotency-Key", "").strip()[:200]
    body_hash = hashlib.sha256(json.dumps({"task": task_id, **body}, sort_keys=True, default=str).encode()).hexdigest() if key else ""
    report, new = services.report_submit(
        task_id=task_id, period=payload.period, value=payload.value, notes=payload.notes, user=request.user,
        idempotency_key=key, body_hash=body_hash,
    )
    return Status(201 if new else 200, report_out(report))


@router.get("/reports/pending", response={200: list[dict], 403: ErrorOut}, summary="Reports waiting for a leader")
def reports_pending(request: HttpRequest):
    return [report_out(r) for r in selectors.pending_reports(user=request.user)]


@router.post("/reports/{report_id}/approve", response={200: dict, **ERRORS}, summary="Approve a report (leaders)")
def report_approve(request: HttpRequest, report_id: int):
    return report_out(services.report_approve(report_id=report_id, user=request.user))


@router.post("/reports/{report_id}/return", response={200: dict, **ERRORS}, summary="Return a report with a reason (leaders)")
def report_return(request: HttpRequest, report_id: int, payload: ReturnIn):
    return report_out(services.report_return(report_id=report_id, reason=payload.reason, user=request.user))


@router.get("/units", response={200: list[dict], 403: ErrorOut}, summary="Each unit's on-time report rate")
def unit_rates(request: HttpRequest):
    return [
        {"unit": r["unit"].code, "unit_name": display_name(r["unit"]), "due": r["due"], "on_time": r["on_time"],
         "late": r["late"], "missing": r["missing"], "rate": r["rate"], "cards": {"yellow": r["yellow"], "red": r["red"]}}
        for r in selectors.unit_rates(user=request.user)
    ]


@router.post("", response={201: ProgrammeOut, **ERRORS}, summary="Create a programme (admins)")
def programme_create(request: HttpRequest, payload: ProgrammeIn):
    data = payload.dict()
    code = data.pop("code")
    services.programme_save(code=code, data=data, user=request.user, create=True)
    return Status(201, _overview_one(request, code))


@router.get("/{code}", response={200: ProgrammeOut, **ERRORS}, summary="One programme with its indicators' progress")
def programme_detail(request: HttpRequest, code: str):
    return _overview_one(request, code)


@router.patch("/{code}", response={200: ProgrammeOut, **ERRORS}, summary="Edit a programme (admins)")
def programme_edit(request: HttpRequest, code: str, payload: ProgrammePatch):
    services.programme_save(code=code, data=payload.dict(exclude_none=True), user=request.user)
    return _overview_one(request, code)


@router.post("/{code}/indicators", response={201: ProgrammeOut, **ERRORS}, summary="Add an indicator (admins)")
def indicator_create(request: HttpRequest, code: str, payload: IndicatorIn):
    data = payload.dict()
    services.indicator_save(code=data.pop("code"), data=data, user=request.user, programme_code=code)
    return Status(201, _overview_one(request, code))


@router.patch("/indicators/{indicator_code}", response={200: ProgrammeOut, **ERRORS}, summary="Edit an indicator (admins)")
def indicator_edit(request: HttpRequest, indicator_code: str, payload: IndicatorPatch):
    indicator = services.indicator_save(code=indicator_code, data=payload.dict(exclude_none=True), user=request.user)
    return _overview_one(request, indicator.programme.code)
