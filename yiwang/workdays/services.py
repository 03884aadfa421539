"""Writes to the working-day calendar. Every write bumps the shared revision in its transaction."""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.core.errors import ApplicationError

from .library import library_days, library_version, library_years
from .models import CalendarDay, CalendarYear, day_fits_notice_year, is_plain_workday
from .snapshot import bump_revision

DayRow = tuple[dt.date, bool, str]

TRUE_WORDS = {"1", "true", "t", "yes", "y", "是", "上班", "班", "工作日", "workday"}
FALSE_WORDS = {"0", "false", "f", "no", "n", "否", "放假", "休", "休息", "节假日", "holiday"}


def _invalid(problems: list[str]) -> ApplicationError:
    return ApplicationError(
        "calendar_days_invalid",
        _("日历数据有 %(n)d 处错误，未写入任何数据。") % {"n": len(problems)},
        fields={"problems": "; ".join(problems[:50])},
    )


def _check_year(year) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not (1990 <= year <= 2200):
        raise ApplicationError(
            "calendar_year_invalid", _("年份无效：%(y)s") % {"y": year}, fields={"year": year}
        )
    return year


def _normalise_days(year: int, days: Iterable[DayRow]) -> list[DayRow]:
    """Validate a year's rows; drop the ones that only restate the plain rule. Raises with every problem."""
    problems, seen, kept = [], set(), []
    for row in days:
        try:
            date, is_workday, name = row
        except (TypeError, ValueError):
            problems.append(_("无法识别的行：%(row)s") % {"row": row})
            continue
        if isinstance(date, dt.datetime) or not isinstance(date, dt.date):
            problems.append(_("不是日期：%(d)s") % {"d": date})
            continue
        if date in seen:
            problems.append(_("%(d)s 重复") % {"d": date})
            continue
        seen.add(date)
        if not day_fits_notice_year(date, year):
            problems.append(
                _("%(d)s 不属于 %(y)d 年的通知（只能是该年或上一年 12 月的日期）") % {"d": date, "y": year}
            )
            continue
        if bool(is_workday) == is_plain_workday(date):
            continue  # a Saturday holiday or a weekday workday: the plain rule already says so
        kept.append((date, bool(is_workday), (name or "").strip()[:64]))
    if problems:
        raise _invalid(problems)
    return sorted(kept)


def _replace_days(calendar_year: CalendarYear, days: list[DayRow]) -> bool:
    """Make the year's rows exactly `days`. Returns whether anything changed."""
    dates = [d for d, _w, _n in days]
    taken = (
        CalendarDay.objects.filter(date__in=dates)
        .exclude(year=calendar_year)
        .select_related("year")
        .order_by("date")
        .first()
    )
    if taken is not None:
        raise ApplicationError(
            "calendar_day_conflict",
            _("%(d)s 已录入在 %(y)d 年的安排中，请先从该年删除。") % {"d": taken.date, "y": taken.year.year},
            fields={"date": taken.date},
        )
    current = {
        (d, w, n)
        for d, w, n in CalendarDay.objects.filter(year=calendar_year).values_list(
            "date", "is_workday", "name"
        )
    }
    wanted = set(days)
    if current == wanted:
        return False
    stale = current - wanted
    if stale:
        CalendarDay.objects.filter(year=calendar_year, date__in=[d for d, _w, _n in stale]).delete()
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(year=calendar_year, date=d, is_workday=w, name=n)
            for d, w, n in sorted(wanted - current)
        ]
    )
    return True


def calendar_year_set(
    *,
    year: int,
    days: Iterable[DayRow],
    acting_user=None,
    complete: bool = True,
    note: str | None = None,
) -> CalendarYear:
    """Enter (or replace) one year's arrangement as an admin: its rows become exactly `days`.

    `days` are (date, is_workday, name) as in the State Council notice for `year`; rows that merely
    restate the plain rule (a holiday Saturday) are dropped. complete=False stores a draft: the year
    still counts as missing for deadlines. The year becomes admin-owned, so seeding from the library
    no longer overwrites it.
    """
    year = _check_year(year)
    rows = _normalise_days(year, days)
    with transaction.atomic():
        calendar_year = CalendarYear.objects.select_for_update().filter(year=year).first()
        if calendar_year is None:
            calendar_year = CalendarYear(year=year)
        calendar_year.source = CalendarYear.Source.ADMIN
        calendar_year.complete = bool(complete)
        if note is not None:
            calendar_year.note = note
        calendar_year.updated_by = acting_user if getattr(acting_user, "pk", None) else None
        calendar_year.save()
        _replace_days(calendar_year, rows)
        bump_revision()
    return calendar_year


@dataclass
class SeedSummary:
    library_version: str
    years: range
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    kept_admin: list[int] = field(default_factory=list)  # entered by an admin; left as they are

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def calendar_seed_from_library(*, replace_admin_years: bool = False) -> SeedSummary:
    """Load every year the chinese_calendar package covers. Idempotent: unchanged years are not touched.

    A year an admin entered or edited is kept unless replace_admin_years is set.
    """
    years = library_years()
    version = library_version()
    by_year: dict[int, list[DayRow]] = defaultdict(list)
    for day in library_days():
        by_year[day.notice_year].append((day.date, day.is_workday, day.name))
    summary = SeedSummary(library_version=version, years=years)
    with transaction.atomic():
        existing = {
            cy.year: cy for cy in CalendarYear.objects.select_for_update().filter(year__in=list(years))
        }
        for year in years:
            calendar_year = existing.get(year)
            if calendar_year is not None and calendar_year.source == CalendarYear.Source.ADMIN:
                if not replace_admin_years:
                    summary.kept_admin.append(year)
                    continue
            rows = sorted(by_year.get(year, []))
            if calendar_year is None:
                calendar_year = CalendarYear.objects.create(
                    year=year,
                    source=CalendarYear.Source.LIBRARY,
                    complete=True,
                    note=f"chinesecalendar {version}",
                )
                _replace_days(calendar_year, rows)
                summary.created.append(year)
                continue
            header_same = calendar_year.source == CalendarYear.Source.LIBRARY and calendar_year.complete
            if not header_same:
                calendar_year.source = CalendarYear.Source.LIBRARY
                calendar_year.complete = True
                calendar_year.note = f"chinesecalendar {version}"
                calendar_year.updated_by = None
                calendar_year.save(update_fields=["source", "complete", "note", "updated_by", "updated_at"])
            days_changed = _replace_days(calendar_year, rows)
            (summary.updated if days_changed or not header_same else summary.unchanged).append(year)
        if summary.changed:
            bump_revision()
    return summary


def _parse_flag(text: str) -> bool | None:
    word = (text or "").strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def _parse_date(text: str) -> dt.date | None:
    text = (text or "").strip()
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    return None


def calendar_rows_from_csv(path: Path) -> list[DayRow]:
    """Read a CSV with columns date,is_workday,name (name optional). Raises with every bad row."""
    path = Path(path)
    if not path.exists():
        raise ApplicationError("file_not_found", _("文件不存在：%(p)s") % {"p": path})
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        columns = {c.strip() for c in reader.fieldnames or []}
        missing = {"date", "is_workday"} - columns
        if missing:
            raise ApplicationError(
                "csv_columns_missing", _("CSV 缺少列：%(cols)s") % {"cols": ", ".join(sorted(missing))}
            )
        rows, problems = [], []
        for line, raw in enumerate(reader, start=2):
            raw = {(k or "").strip(): (v or "") for k, v in raw.items()}
            if not any(v.strip() for v in raw.values()):
                continue
            date, flag = _parse_date(raw.get("date")), _parse_flag(raw.get("is_workday"))
            if date is None:
                problems.append(_("第 %(i)d 行：日期无法识别（用 YYYY-MM-DD）") % {"i": line})
            if flag is None:
                problems.append(_("第 %(i)d 行：is_workday 须为 1/0、true/false 或 上班/放假") % {"i": line})
            if date is not None and flag is not None:
                rows.append((date, flag, raw.get("name", "").strip()))
    if problems:
        raise _invalid(problems)
    return rows


def calendar_year_import_csv(
    *, path: Path, acting_user=None, year: int | None = None, complete: bool = True, note: str | None = None
) -> CalendarYear:
    """calendar_year_set from a CSV. Without `year`, the latest year in the file is the notice year."""
    rows = calendar_rows_from_csv(path)
    if year is None:
        if not rows:
            raise ApplicationError("calendar_year_required", _("文件没有数据行，请指定年份。"))
        year = max(d.year for d, _w, _n in rows)
    return calendar_year_set(year=year, days=rows, acting_user=acting_user, complete=complete, note=note)
