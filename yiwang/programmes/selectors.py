"""Reads of the programmes: each task's reporting slots (period × unit) with their cards, each
indicator's progress, each unit's on-time rate. Definitions: docs/measures.md, "Programmes' tracking".

A slot is one unit's report for one period of a task. Its card, computed from the project clock:
no report yet (or a returned one not filed again) → a yellow card from the yellow moment, a red card
once the deadline has passed; a report filed and waiting or approved → no card.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core import clock
from yiwang.core.errors import ApplicationError
from yiwang.routing.models import Unit

from . import access
from . import error_codes as codes
from .models import Indicator, Programme, Report, ReportStatus, Task
from .periods import Period, PeriodDeadline, deadline, parse_period, periods_between
from .progress import IndicatorProgress, indicator_progress, on_time_rate

YELLOW, RED = "yellow", "red"


@dataclass
class Slot:
    task: Task
    unit: Unit
    lead: bool
    period: Period
    deadline: PeriodDeadline
    report: Report | None
    card: str  # "", yellow, red
    ended: bool  # the period is over (reports are expected)

    @property
    def on_time(self) -> bool | None:
        """None while the deadline has not passed and nothing is filed. A filed report is judged against
        the deadline recorded when it was first filed (as the page and the export show it)."""
        if self.report is not None:
            return self.report.on_time
        return None if not self.overdue_passed else False

    @property
    def overdue_passed(self) -> bool:
        return clock.now() > self.deadline.due_at


def _card(report: Report | None, dl: PeriodDeadline, now: dt.datetime) -> str:
    if report is not None and report.status != ReportStatus.RETURNED:
        return ""
    if now > dl.due_at:
        return RED
    if now >= dl.yellow_at:
        return YELLOW
    return ""


def task_queryset():
    return Task.objects.select_related("indicator__programme", "lead_unit").prefetch_related(
        "assisting_units", Prefetch("reports", queryset=Report.objects.select_related("unit").prefetch_related("attachments"))
    )


def task_slots(task: Task, *, now: dt.datetime | None = None, unit_id: int | None = None) -> list[Slot]:
    """Every slot of the task from its first period up to the current one, newest first."""
    now = now or clock.now()
    today = timezone.localdate(now)
    reports = {(r.unit_id, r.period): r for r in task.reports.all()}
    units = [(task.lead_unit, True)] + [(u, False) for u in task.assisting_units.all()]
    out = []
    for period in periods_between(task.frequency, task.starts_on, min(task.ends_on, today)):
        dl = deadline(period, task.due_working_days)
        ended = period.end < today
        for unit, lead in units:
            if unit_id is not None and unit.pk != unit_id:
                continue
            report = reports.get((unit.pk, period.key))
            card = _card(report, dl, now) if ended else ""
            out.append(Slot(task, unit, lead, period, dl, report, card, ended))
    out.reverse()
    return out


@dataclass
class IndicatorView:
    indicator: Indicator
    progress: IndicatorProgress
    tasks: list[Task] = field(default_factory=list)
    yellow: int = 0
    red: int = 0
    pending: int = 0  # reports waiting for a leader
    all_tasks: list[Task] = field(default_factory=list)  # every task of the indicator (its progress)


def indicator_view(indicator: Indicator, tasks: list[Task], now: dt.datetime, *, all_tasks: list[Task] | None = None) -> IndicatorView:
    """`tasks`: those the reader sees (their cards and reports are counted); `all_tasks`: every task of
    the indicator, whose lead units' approved values make its progress (the same for every reader)."""
    approved = [
        (r.period_end, r.period, r.value)
        for t in (all_tasks if all_tasks is not None else tasks) for r in t.reports.all()
        if r.status == ReportStatus.APPROVED and r.unit_id == t.lead_unit_id
    ]
    progress = indicator_progress(
        baseline=indicator.baseline, target=indicator.target, baseline_date=indicator.baseline_date,
        target_date=indicator.target_date, direction=indicator.direction, approved=approved,
    )
    view = IndicatorView(indicator, progress, tasks, all_tasks=all_tasks if all_tasks is not None else tasks)
    for t in tasks:
        for slot in task_slots(t, now=now):
            view.yellow += slot.card == YELLOW
            view.red += slot.card == RED
        view.pending += sum(r.status == ReportStatus.SUBMITTED for r in t.reports.all())
    return view


def programmes_overview(*, user, programme_code: str | None = None) -> list[dict]:
    """Programmes → indicators (progress, cards, tasks) that the user may read: every one for readers
    of all, those with a task of their unit for a unit (its tasks only)."""
    access.check_read(user)
    now = clock.now()
    everything = access.reads_all(user)
    all_by_indicator: dict[int, list[Task]] = defaultdict(list)
    seen: dict[int, list[Task]] = defaultdict(list)
    for t in task_queryset():
        all_by_indicator[t.indicator_id].append(t)
        if everything or user.unit_id in access.task_units(t):
            seen[t.indicator_id].append(t)
    programmes = Programme.objects.prefetch_related("indicators").order_by("order", "code")
    if programme_code is not None:
        programmes = programmes.filter(code=programme_code)
    out = []
    for programme in programmes:
        indicators = [
            indicator_view(ind, seen.get(ind.pk, []), now, all_tasks=all_by_indicator.get(ind.pk, []))
            for ind in sorted(programme.indicators.all(), key=lambda i: (i.order, i.code))
            if everything or ind.pk in seen
        ]
        if not indicators and not everything:
            continue
        out.append({
            "programme": programme, "indicators": indicators,
            "yellow": sum(i.yellow for i in indicators), "red": sum(i.red for i in indicators),
            "pending": sum(i.pending for i in indicators),
        })
    if programme_code is not None and not out:
        raise ApplicationError(codes.NOT_FOUND, _("找不到该专项行动。"), status=404)
    return out


def _unit_filter(unit_id: int) -> Q:
    return Q(lead_unit_id=unit_id) | Q(assisting_units__id=unit_id)


def task_detail(*, task_id: int, user) -> Task:
    task = task_queryset().filter(pk=task_id).first()
    if task is None:
        raise ApplicationError(codes.NOT_FOUND, _("找不到该任务。"), status=404)
    access.check_read_task(user, task)
    return task


def tasks_for_user(*, user) -> list[Task]:
    access.check_read(user)
    qs = task_queryset()
    if not access.reads_all(user):
        qs = qs.filter(_unit_filter(user.unit_id)).distinct()
    return list(qs)


def unit_slots(*, user) -> list[Slot]:
    """The slots the user's unit has to file, cards first (red, yellow), then open ones."""
    if not access.is_unit_user(user):
        access.check_read(user)
        return []
    slots = [s for t in tasks_for_user(user=user) for s in task_slots(t, unit_id=user.unit_id)]
    rank = {RED: 0, YELLOW: 1, "": 2}
    return sorted(slots, key=lambda s: (rank[s.card], s.report is not None and s.report.status != ReportStatus.RETURNED, -s.period.end.toordinal()))


def pending_reports(*, user) -> list[Report]:
    access.check_read(user)
    if not access.reads_all(user):
        return []
    return list(
        Report.objects.filter(status=ReportStatus.SUBMITTED)
        .select_related("task__indicator__programme", "unit", "submitted_by").prefetch_related("attachments")
        .order_by("submitted_at")
    )


def unit_rates(*, user) -> list[dict]:
    """Per unit: reports due (deadline passed), filed on time, the rate, and its cards now."""
    access.check_read(user)
    counts: dict[int, dict] = {}
    for task in tasks_for_user(user=user):
        for slot in task_slots(task):
            row = counts.setdefault(slot.unit.pk, {"unit": slot.unit, "due": 0, "on_time": 0, "late": 0, "missing": 0, "yellow": 0, "red": 0})
            row["yellow"] += slot.card == YELLOW
            row["red"] += slot.card == RED
            if slot.ended and slot.overdue_passed:
                row["due"] += 1
                if slot.on_time:
                    row["on_time"] += 1
                elif slot.report is not None:
                    row["late"] += 1
                else:
                    row["missing"] += 1
    rows = list(counts.values())
    for row in rows:
        row["rate"] = on_time_rate(due=row["due"], on_time=row["on_time"])
    return sorted(rows, key=lambda r: (r["rate"] if r["rate"] is not None else 2, r["unit"].code))


def quarter_summary(*, user, quarter: str) -> dict:
    """The printable quarterly page: every indicator's progress as of the quarter's end (approved
    values of periods ending in or before it), and the quarter's slots with their cards."""
    access.check_read(user)
    period = parse_period(quarter)
    if "Q" not in period.key:
        raise ApplicationError(codes.PERIOD_INVALID, _("请选择季度，例如 2026-Q3。"), fields={"quarter": quarter})
    now = clock.now()
    rows = []
    for block in programmes_overview(user=user):
        for view in block["indicators"]:
            approved = [
                (r.period_end, r.period, r.value)
                for t in view.all_tasks for r in t.reports.all()
                if r.status == ReportStatus.APPROVED and r.unit_id == t.lead_unit_id and r.period_end <= period.end
            ]
            ind = view.indicator
            progress = indicator_progress(
                baseline=ind.baseline, target=ind.target, baseline_date=ind.baseline_date,
                target_date=ind.target_date, direction=ind.direction, approved=approved,
            )
            slots = [s for t in view.tasks for s in task_slots(t, now=now) if period.start <= s.period.end <= period.end]
            rows.append({"programme": block["programme"], "indicator": ind, "progress": progress, "slots": slots})
    return {"period": period, "rows": rows}


def report_get(*, report_id: int, user) -> Report:
    report = Report.objects.select_related("task__indicator__programme", "unit").filter(pk=report_id).first()
    if report is None:
        raise ApplicationError(codes.NOT_FOUND, _("找不到该报送。"), status=404)
    access.check_read_task(user, report.task)
    return report


def current_quarter() -> str:
    today = clock.today()
    q = (today.month - 1) // 3 + 1
    # The last finished quarter is what a printed report is about.
    if q == 1:
        return f"{today.year - 1}-Q4"
    return f"{today.year}-Q{q - 1}"
