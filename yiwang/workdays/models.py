"""China's working-day calendar: statutory holidays and the weekend days swapped into workdays (调休).

Storage rule: the plain rule is "Monday to Friday work, Saturday and Sunday rest". Only days that
differ from it have a CalendarDay row: a holiday that falls on a weekday (is_workday=False) and a
make-up workday that falls on a weekend (is_workday=True). A holiday Saturday needs no row, since it
is a rest day anyway. This keeps a year to a dozen-odd rows, makes the in-memory snapshot a small
dict, and makes an entered year with no rows mean exactly "no swaps that year".

A year is *known* only when it has a CalendarYear with complete=True. Dates in any other year are
never silently computed with the plain rule: is_workday() raises `calendar_missing`, deadline
arithmetic returns its best estimate with the year in `missing_years` so the case gets flagged.

Each CalendarDay belongs to the year whose State Council notice (国务院办公厅关于某年部分节假日安排的通知)
announced it. That is usually the date's own year, but the New Year (元旦) arrangement of year Y may
move days in the last days of December of Y-1 (the 2019 notice made Saturday 2018-12-29 a workday),
so a day may also lie in December of the year before.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def is_plain_workday(date: dt.date) -> bool:
    """The rule every day follows unless a CalendarDay says otherwise."""
    return date.weekday() < 5


def day_fits_notice_year(date: dt.date, year: int) -> bool:
    """A notice for `year` covers that year and, for the New Year arrangement, December before it."""
    return date.year == year or (date.year == year - 1 and date.month == 12)


class CalendarYear(models.Model):
    class Source(models.TextChoices):
        LIBRARY = "chinese_calendar", _("chinese_calendar 库")
        ADMIN = "admin", _("管理员录入")

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices, default=Source.ADMIN)
    complete = models.BooleanField(
        _("已完整录入"),
        default=True,
        help_text=_(
            "该年全部放假和调休安排已按国务院办公厅通知录入。未勾选时，该年的期限仍会被标记为“日历缺失”。"
        ),
    )
    note = models.TextField(
        _("备注"), blank=True, help_text=_("例如：国务院办公厅关于2027年部分节假日安排的通知")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("更新人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("日历年份")
        verbose_name_plural = _("日历年份")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)

    def clean(self) -> None:
        if self.year is not None and not (1990 <= self.year <= 2200):
            raise ValidationError({"year": _("年份超出范围。")})


class CalendarDay(models.Model):
    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("上班"), help_text=_("勾选：周末调休上班；不勾选：工作日放假。"))
    name = models.CharField(
        _("名称"), max_length=64, blank=True, help_text=_("例如 春节、国庆节、调休上班（春节）")
    )
    year = models.ForeignKey(
        CalendarYear, verbose_name=_("所属年份通知"), on_delete=models.CASCADE, related_name="days"
    )

    class Meta:
        verbose_name = _("节假日/调休日")
        verbose_name_plural = _("节假日/调休日")
        ordering = ["date"]

    def __str__(self) -> str:
        kind = _("上班") if self.is_workday else _("放假")
        return f"{self.date} {kind} {self.name}".strip()

    def clean(self) -> None:
        errors = {}
        if self.date is not None:
            if self.year_id is not None and not day_fits_notice_year(self.date, self.year.year):
                errors["date"] = _(
                    "%(date)s 不属于 %(year)d 年的通知（只能是该年或上一年 12 月的日期）。"
                ) % {
                    "date": self.date,
                    "year": self.year.year,
                }
            elif self.is_workday is not None and bool(self.is_workday) == is_plain_workday(self.date):
                weekday = WEEKDAY_NAMES[self.date.weekday()]
                errors["date"] = (
                    _("%(date)s 是%(weekday)s，本来就上班，无需录入。只录入放假的工作日和调休上班的周末。")
                    if self.is_workday
                    else _(
                        "%(date)s 是%(weekday)s，本来就休息，无需录入。只录入放假的工作日和调休上班的周末。"
                    )
                ) % {"date": self.date, "weekday": weekday}
        if errors:
            raise ValidationError(errors)


class CalendarRevision(models.Model):
    """A counter bumped whenever the calendar changes, so every process reloads its snapshot."""

    revision = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"calendar revision {self.revision}"
