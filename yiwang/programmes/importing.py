"""Import of indicators (with their programmes and tasks) and of reports from an XLSX file (openpyxl).

Every row is checked first; a file with any bad row is refused whole, with each bad row's number,
column and reason in the reader's language. Only a file without errors is written, in one
transaction: nothing is ever half-imported. Admins only. Each written row appends an Event.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl import load_workbook

from yiwang.core import clock
from yiwang.core.errors import ApplicationError
from yiwang.routing.models import Unit

from . import access, services
from . import error_codes as codes
from .exports import unescape
from .models import Direction, Event, EventAction, Frequency, Indicator, Programme, Report, ReportStatus, Task
from .periods import deadline

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000

# field -> (heading in Chinese, accepted aliases); the headings are accepted in all three languages
INDICATOR_COLUMNS = {
    "programme_code": (gettext_noop("专项行动编码"), ("programme_code", "programme")),
    "programme_name": (gettext_noop("专项行动名称"), ("programme_name",)),
    "code": (gettext_noop("指标编码"), ("indicator_code", "code")),
    "name": (gettext_noop("指标名称"), ("indicator_name", "name")),
    "measure_unit": (gettext_noop("计量单位"), ("measure_unit", "unit_of_measure")),
    "baseline": (gettext_noop("基数"), ("baseline",)),
    "baseline_date": (gettext_noop("基数日期"), ("baseline_date",)),
    "target": (gettext_noop("目标值"), ("target",)),
    "target_date": (gettext_noop("目标日期"), ("target_date",)),
    "direction": (gettext_noop("方向"), ("direction",)),
    "source": (gettext_noop("来源"), ("source",)),
    "lead_unit": (gettext_noop("牵头单位编码"), ("lead_unit", "lead_unit_code")),
    "assisting_units": (gettext_noop("协办单位编码"), ("assisting_units",)),
    "frequency": (gettext_noop("报送周期"), ("frequency",)),
    "due_working_days": (gettext_noop("报送时限(工作日)"), ("due_working_days",)),
    "task": (gettext_noop("任务"), ("task", "task_title")),
}
INDICATOR_REQUIRED = ("programme_code", "code", "name", "measure_unit", "baseline", "baseline_date", "target",
                      "target_date", "lead_unit")
REPORT_COLUMNS = {
    "indicator": (gettext_noop("指标编码"), ("indicator_code", "indicator")),
    "unit": (gettext_noop("报送单位编码"), ("unit", "unit_code")),
    "period": (gettext_noop("报送期"), ("period",)),
    "value": (gettext_noop("数值"), ("value",)),
    "notes": (gettext_noop("进展情况"), ("notes",)),
}
REPORT_REQUIRED = ("indicator", "unit", "period", "value")
KINDS = {"indicators": (INDICATOR_COLUMNS, INDICATOR_REQUIRED), "reports": (REPORT_COLUMNS, REPORT_REQUIRED)}
DIRECTIONS = {"up": Direction.UP, "越大越好": Direction.UP, "上升": Direction.UP, "down": Direction.DOWN,
              "越小越好": Direction.DOWN, "下降": Direction.DOWN}
FREQUENCIES = {"monthly": Frequency.MONTHLY, "按月": Frequency.MONTHLY, "月": Frequency.MONTHLY, "month": Frequency.MONTHLY,
               "quarterly": Frequency.QUARTERLY, "按季": Frequency.QUARTERLY, "季": Frequency.QUARTERLY,
               "quarter": Frequency.QUARTERLY}


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)


def template_headers(kind: str) -> list[str]:
    return [_(heading) for heading, _aliases in KINDS[kind][0].values()]


def _heading_lookup(columns: dict) -> dict[str, str]:
    lookup = {}
    for fld, (heading, aliases) in columns.items():
        names = [heading, *aliases]
        for language in ("zh-hans", "zh-hant", "en"):
            with translation.override(language):
                names.append(_(heading))
        for name in names:
            lookup[name.strip().lower()] = fld
    return lookup


def _read(content: bytes, kind: str) -> list[tuple[int, dict]]:
    if len(content) > MAX_BYTES:
        raise ApplicationError(codes.FILE_UNREADABLE, _("文件不能超过 5 MB。"), status=413)
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ApplicationError(codes.FILE_UNREADABLE, _("无法读取该文件，请上传 XLSX 格式的表格。")) from None
    sheet = wb.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None) or ()
    columns, required = KINDS[kind]
    lookup = _heading_lookup(columns)
    index = {}
    for i, cell in enumerate(header):
        fld = lookup.get(str(cell or "").strip().lower())
        if fld and fld not in index:
            index[fld] = i
    missing = [_(columns[f][0]) for f in required if f not in index]
    if missing:
        found = "、".join(str(c) for c in header if c not in (None, "")) or "—"
        raise ApplicationError(
            codes.FILE_UNREADABLE,
            _("缺少必需的列：%(missing)s（文件中的列：%(found)s）。") % {"missing": "、".join(missing), "found": found},
        )
    out = []
    for number, values in enumerate(rows, start=2):
        if values is None or all(v in (None, "") for v in values):
            continue
        out.append((number, {f: (values[i] if i < len(values) else None) for f, i in index.items()}))
        if len(out) > MAX_ROWS:
            raise ApplicationError(codes.FILE_UNREADABLE, _("一次最多导入 %(n)d 行。") % {"n": MAX_ROWS})
    wb.close()
    return out


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unescape(str(value if value is not None else "").strip())


class _Row:
    """Collects a row's errors by column instead of stopping at the first one."""

    def __init__(self, number: int, columns: dict, result: ImportResult):
        self.number, self.columns, self.result = number, columns, result
        self.bad = False

    def error(self, fld: str, message) -> None:
        self.bad = True
        self.result.errors.append(RowError(self.number, _(self.columns[fld][0]), str(message)))

    def parse(self, fld: str, parser, raw):
        try:
            return parser(raw)
        except ApplicationError as exc:
            self.error(fld, exc.message)
            return None


def _parse_date(raw):
    return services.parse_date(raw if isinstance(raw, (dt.date, dt.datetime)) else _text(raw), "date")


def import_file(*, kind: str, content: bytes, user) -> ImportResult:
    """Check every row, then write them all in one transaction, or raise with every row's errors."""
    access.check_edit(user)
    if kind not in KINDS:
        raise ApplicationError(codes.INVALID_VALUE, _("未知的导入类型。"), fields={"kind": kind})
    rows = _read(content, kind)
    result = ImportResult(kind=kind, rows=len(rows))
    checked = (_check_indicators if kind == "indicators" else _check_reports)(rows, result)
    if result.errors:
        raise ImportRefused(result)
    with transaction.atomic():
        (_apply_indicators if kind == "indicators" else _apply_reports)(checked, result, user)
    return result


class ImportRefused(ApplicationError):
    def __init__(self, result: ImportResult):
        super().__init__(
            codes.IMPORT_ROWS_INVALID,
            _("有 %(n)d 处错误，未导入任何一行。请修改后重新上传。") % {"n": len(result.errors)},
            fields={f"row {e.row} · {e.column}": e.message for e in result.errors[:200]},
        )
        self.result = result


# --------------------------------------------------------------------------- indicators
def _check_indicators(rows, result: ImportResult) -> list[dict]:
    units = {u.code: u for u in Unit.objects.all()}
    programmes = set(Programme.objects.values_list("code", flat=True))
    named_programmes = set()
    seen: dict[str, int] = {}
    out = []
    for number, raw in rows:
        row = _Row(number, INDICATOR_COLUMNS, result)
        data = {f: _text(raw.get(f)) for f in INDICATOR_COLUMNS}
        for f in INDICATOR_REQUIRED:
            if not data[f]:
                row.error(f, _("必填"))
        code = data["code"]
        if code and code in seen:
            row.error("code", _("与第 %(n)d 行的指标编码重复。") % {"n": seen[code]})
        seen.setdefault(code, number)
        if data["programme_code"] and data["programme_code"] not in programmes | named_programmes:
            if data["programme_name"]:
                named_programmes.add(data["programme_code"])
            else:
                row.error("programme_name", _("专项行动 %(c)s 不存在，请填写专项行动名称以新建。") % {"c": data["programme_code"]})
        values = {}
        for f in ("baseline", "target"):
            if data[f]:
                values[f] = row.parse(f, lambda v, f=f: services.parse_decimal(v, f), raw.get(f))
        for f in ("baseline_date", "target_date"):
            if data[f]:
                values[f] = row.parse(f, _parse_date, raw.get(f))
        direction = DIRECTIONS.get((data["direction"] or "up").lower())
        if direction is None:
            row.error("direction", _("方向应为 up（越大越好）或 down（越小越好）。"))
        frequency = FREQUENCIES.get((data["frequency"] or "quarterly").lower())
        if frequency is None:
            row.error("frequency", _("报送周期应为 monthly（按月）或 quarterly（按季）。"))
        due_days = 10
        if data["due_working_days"]:
            try:
                due_days = int(data["due_working_days"])
                if not 1 <= due_days <= 60:
                    raise ValueError
            except ValueError:
                row.error("due_working_days", _("报送时限应为 1 到 60 个工作日。"))
        lead = units.get(data["lead_unit"])
        if data["lead_unit"] and lead is None:
            row.error("lead_unit", _("找不到单位编码 %(c)s。") % {"c": data["lead_unit"]})
        assisting = []
        for c in filter(None, (p.strip() for p in data["assisting_units"].replace("，", ",").replace("、", ",").split(","))):
            if c not in units:
                row.error("assisting_units", _("找不到单位编码 %(c)s。") % {"c": c})
            else:
                assisting.append(units[c])
        if row.bad:
            continue
        probe = Indicator(code=code, direction=direction, **values)
        try:
            services.check_indicator(probe)
        except ApplicationError as exc:
            row.error(next(iter(exc.fields), "target"), exc.message)
            continue
        out.append({"data": data, "values": values, "direction": direction, "frequency": frequency,
                    "due_days": due_days, "lead": lead, "assisting": assisting, "row": number})
    return out


def _apply_indicators(checked: list[dict], result: ImportResult, user) -> None:
    now = clock.now()
    for item in checked:
        data, values = item["data"], item["values"]
        programme = Programme.objects.filter(code=data["programme_code"]).first()
        if programme is None:
            programme = Programme.objects.create(code=data["programme_code"], name=data["programme_name"],
                                                 source=_("导入"), created_at=now)
        elif data["programme_name"] and programme.name != data["programme_name"]:
            programme.name = data["programme_name"]
            programme.save(update_fields=["name"])
        fields = {"programme": programme, "name": data["name"], "measure_unit": data["measure_unit"],
                  "direction": item["direction"], "source": data["source"], **values}
        indicator, created = Indicator.objects.update_or_create(code=data["code"], defaults=fields)
        result.created += created
        result.updated += not created
        task = Task.objects.filter(indicator=indicator, lead_unit=item["lead"]).first() or Task(indicator=indicator, lead_unit=item["lead"])
        task.title = data["task"] or data["name"]
        task.frequency, task.due_working_days = item["frequency"], item["due_days"]
        task.starts_on, task.ends_on = indicator.baseline_date, indicator.target_date
        task.save()
        task.assisting_units.set(item["assisting"])
        Event.objects.create(
            action=EventAction.IMPORTED, actor=user, at=now, programme=programme, indicator=indicator, task=task,
            data={"kind": "indicators", "row": item["row"], "created": created},
        )


# --------------------------------------------------------------------------- reports
def _check_reports(rows, result: ImportResult) -> list[dict]:
    tasks = list(Task.objects.select_related("indicator", "lead_unit").prefetch_related("assisting_units"))
    by_indicator_unit: dict[tuple[str, str], Task] = {}
    for t in tasks:
        for u in [t.lead_unit, *t.assisting_units.all()]:
            by_indicator_unit.setdefault((t.indicator.code, u.code), t)
    indicators = set(Indicator.objects.values_list("code", flat=True))
    units = {u.code: u for u in Unit.objects.all()}
    approved = set(Report.objects.filter(status=ReportStatus.APPROVED).values_list("task_id", "unit_id", "period"))
    seen: dict[tuple, int] = {}
    out = []
    for number, raw in rows:
        row = _Row(number, REPORT_COLUMNS, result)
        data = {f: _text(raw.get(f)) for f in REPORT_COLUMNS}
        for f in REPORT_REQUIRED:
            if not data[f]:
                row.error(f, _("必填"))
        if data["indicator"] and data["indicator"] not in indicators:
            row.error("indicator", _("找不到指标编码 %(c)s。") % {"c": data["indicator"]})
        unit = units.get(data["unit"])
        if data["unit"] and unit is None:
            row.error("unit", _("找不到单位编码 %(c)s。") % {"c": data["unit"]})
        task = by_indicator_unit.get((data["indicator"], data["unit"]))
        if task is None and unit is not None and data["indicator"] in indicators:
            row.error("unit", _("该单位不是这项指标任务的牵头或协办单位。"))
        value = row.parse("value", services.parse_decimal, raw.get("value")) if data["value"] else None
        period = row.parse("period", lambda v, t=task: services.task_period(t, v), data["period"]) if task and data["period"] else None
        if period is not None:
            key = (task.pk, unit.pk, period.key)
            if key in seen:
                row.error("period", _("与第 %(n)d 行重复（同一指标、单位和报送期）。") % {"n": seen[key]})
            seen.setdefault(key, number)
            if key in approved:
                row.error("period", _("该期报送已审核通过，不能再修改。"))
        if len(data["notes"]) > services.NOTES_MAX:
            row.error("notes", _("进展情况不能超过 %(n)d 字。") % {"n": services.NOTES_MAX})
        if not row.bad:
            out.append({"task": task, "unit": unit, "period": period, "value": value, "notes": data["notes"], "row": number})
    return out


def _apply_reports(checked: list[dict], result: ImportResult, user) -> None:
    now = clock.now()
    for item in checked:
        task, period = item["task"], item["period"]
        report = Report.objects.select_for_update().filter(task=task, unit=item["unit"], period=period.key).first()
        created = report is None
        if created:
            report = Report(task=task, unit=item["unit"], period=period.key, period_end=period.end,
                            due_at=deadline(period, task.due_working_days).due_at, first_submitted_at=now)
        report.value, report.notes, report.status = item["value"], item["notes"], ReportStatus.SUBMITTED
        report.submitted_at, report.submitted_by = now, user
        report.decided_at, report.decided_by, report.return_reason = None, None, ""
        report.save()
        result.created += created
        result.updated += not created
        Event.objects.create(
            action=EventAction.IMPORTED, actor=user, at=now, programme_id=task.indicator.programme_id,
            indicator=task.indicator, task=task, report=report,
            data={"kind": "reports", "row": item["row"], "period": period.key, "unit": item["unit"].code, "value": str(item["value"])},
        )
