"""XLSX export of the programmes (openpyxl): indicators with their progress, every report, each
unit's on-time rate. Texts a user typed never become formulas: a cell starting with = + - @ is
written as text with a leading apostrophe (OWASP's advice against CSV/formula injection)."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from yiwang.core.spreadsheets import formula_like
from yiwang.routing.names import display_name

from .models import Direction, ReportStatus
from .progress import status_labels, trend_labels


def safe(value):
    """A value for a cell: strings that a spreadsheet would read as a formula (core.spreadsheets'
    rule) are escaped."""
    return "'" + value if formula_like(value) else value


def unescape(value: str) -> str:
    """The inverse on import: our own escape is taken off again."""
    return value[1:] if value.startswith("'") and formula_like(value[1:]) else value


def _append(ws, values) -> None:
    ws.append([safe(v) for v in values])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def _bold(ws) -> None:
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)


def _local(moment):
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def workbook_bytes(overview: list[dict], rates: list[dict]) -> bytes:
    statuses, trends = status_labels(), trend_labels()
    directions = dict(Direction.choices)
    wb = Workbook()
    ws = wb.active
    ws.title = _("指标进展")
    _append(ws, [_("专项行动"), _("指标编码"), _("指标"), _("计量单位"), _("基数"), _("基数日期"), _("目标值"), _("目标日期"),
                 _("方向"), _("最新审核值"), _("报送期"), _("完成目标比例"), _("计划进度"), _("状态"), _("趋势"),
                 _("黄牌"), _("红牌"), _("来源")])
    _bold(ws)
    for block in overview:
        for v in block["indicators"]:
            ind, p = v.indicator, v.progress
            _append(ws, [block["programme"].display_name, ind.code, ind.display_name, ind.measure_unit, float(ind.baseline),
                         ind.baseline_date, float(ind.target), ind.target_date, str(directions[ind.direction]),
                         float(p.value) if p.value is not None else None, p.period, p.share, p.planned,
                         statuses[p.status], trends[p.trend], v.yellow, v.red, ind.source])
            for col in (12, 13):
                ws.cell(row=ws.max_row, column=col).number_format = "0.0%"
    ws.freeze_panes = "C2"

    reports = wb.create_sheet(_("报送"))
    _append(reports, [_("专项行动"), _("指标编码"), _("任务"), _("报送单位"), _("报送期"), _("数值"), _("进展情况"), _("状态"),
                      _("报送时限"), _("首次报送时间"), _("按时"), _("退回理由")])
    _bold(reports)
    status_names = dict(ReportStatus.choices)
    for block in overview:
        for v in block["indicators"]:
            for t in v.tasks:
                for r in sorted(t.reports.all(), key=lambda r: (r.period_end, r.unit_id)):
                    _append(reports, [block["programme"].display_name, v.indicator.code, t.title, display_name(r.unit),
                                      r.period, float(r.value), r.notes, str(status_names[r.status]), _local(r.due_at),
                                      _local(r.first_submitted_at), _("是") if r.on_time else _("否"), r.return_reason])

    units = wb.create_sheet(_("单位按时报送率"))
    _append(units, [_("单位编码"), _("单位"), _("应报"), _("按时"), _("逾期报送"), _("未报"), _("按时报送率"), _("黄牌"), _("红牌")])
    _bold(units)
    for r in rates:
        _append(units, [r["unit"].code, display_name(r["unit"]), r["due"], r["on_time"], r["late"], r["missing"], r["rate"],
                        r["yellow"], r["red"]])
        units.cell(row=units.max_row, column=7).number_format = "0.0%"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
