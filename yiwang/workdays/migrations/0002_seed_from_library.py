"""Seed the years the chinese_calendar package covers, so a fresh database never starts empty.

Later package releases are picked up with `yiwang workdays_seed` (idempotent; keeps admin years).
"""

from django.db import migrations


def seed(apps, schema_editor):
    from yiwang.workdays.library import library_days, library_version, library_years

    CalendarYear = apps.get_model("workdays", "CalendarYear")
    CalendarDay = apps.get_model("workdays", "CalendarDay")
    CalendarRevision = apps.get_model("workdays", "CalendarRevision")
    note = f"chinesecalendar {library_version()}"
    existing = set(CalendarYear.objects.values_list("year", flat=True))
    years = {
        y: CalendarYear.objects.create(year=y, source="chinese_calendar", complete=True, note=note)
        for y in library_years()
        if y not in existing
    }
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(year=years[d.notice_year], date=d.date, is_workday=d.is_workday, name=d.name)
            for d in library_days()
            if d.notice_year in years
        ]
    )
    revision, _created = CalendarRevision.objects.get_or_create(pk=1, defaults={"revision": 0})
    revision.revision += 1
    revision.save()


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
