"""Admins enter years the library does not cover (2027 onwards) here: a year with its days inline.

Only days that differ from "Mon–Fri work, weekend rest" are entered: weekday holidays and weekend
make-up workdays. Saving makes the year admin-owned (seeding from the library leaves it alone) and
bumps the shared revision, so every process picks up the change within seconds.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yiwang.core import clock

from .models import CalendarDay, CalendarYear, day_fits_notice_year
from .selectors import calendar_year_list
from .services import calendar_seed_from_library
from .snapshot import bump_revision


class CalendarDayFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        year = getattr(self.instance, "year", None)
        if not year:
            return
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            date = form.cleaned_data.get("date")
            if date and not day_fits_notice_year(date, year):
                form.add_error(
                    "date",
                    ValidationError(
                        gettext("%(date)s 不属于 %(year)d 年的通知（只能是该年或上一年 12 月的日期）。")
                        % {"date": date, "year": year}
                    ),
                )


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    formset = CalendarDayFormSet
    fields = ("date", "is_workday", "name")
    ordering = ("date",)
    extra = 3


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = (
        "year",
        "source",
        "complete",
        "holiday_count",
        "make_up_count",
        "updated_at",
        "updated_by",
    )
    list_filter = ("source", "complete")
    fields = ("year", "complete", "source", "note", "updated_at", "updated_by")
    readonly_fields = ("source", "updated_at", "updated_by")
    inlines = [CalendarDayInline]
    actions = ["seed_from_library"]

    def get_queryset(self, request):
        return calendar_year_list()

    @admin.display(description=_("工作日放假天数"), ordering="holidays")
    def holiday_count(self, obj):
        return obj.holidays

    @admin.display(description=_("周末调休上班天数"), ordering="make_up_workdays")
    def make_up_count(self, obj):
        return obj.make_up_workdays

    def save_model(self, request, obj, form, change):
        # An admin's word wins over the library from now on.
        obj.source = CalendarYear.Source.ADMIN
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        bump_revision()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        bump_revision()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        bump_revision()

    @admin.action(description=_("从 chinese_calendar 库载入其覆盖的年份（不覆盖管理员录入的年份）"))
    def seed_from_library(self, request, queryset):
        summary = calendar_seed_from_library()
        self.message_user(
            request,
            gettext(
                "库版本 %(v)s，覆盖 %(a)d–%(b)d 年：新增 %(c)d 年，更新 %(u)d 年，保留管理员录入 %(k)d 年。"
            )
            % {
                "v": summary.library_version,
                "a": summary.years.start,
                "b": summary.years.stop - 1,
                "c": len(summary.created),
                "u": len(summary.updated),
                "k": len(summary.kept_admin),
            },
            messages.SUCCESS,
        )


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "is_workday", "name", "year")
    list_filter = ("is_workday", "year")
    search_fields = ("name",)
    date_hierarchy = "date"
    fields = ("year", "date", "is_workday", "name")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        CalendarYear.objects.filter(pk=obj.year_id).update(
            source=CalendarYear.Source.ADMIN, updated_by=request.user, updated_at=clock.now()
        )
        bump_revision()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        bump_revision()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        bump_revision()
