from django.core.management.base import BaseCommand, CommandError

from yiwang.core.errors import ApplicationError
from yiwang.workdays.services import calendar_seed_from_library


class Command(BaseCommand):
    help = (
        "Load China's holidays and 调休 workdays for every year the chinese_calendar package covers. "
        "Idempotent; years an admin entered or edited are kept unless --replace-admin-years."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--replace-admin-years",
            action="store_true",
            help="overwrite years an admin entered with the library's data",
        )

    def handle(self, *args, replace_admin_years=False, **options):
        try:
            summary = calendar_seed_from_library(replace_admin_years=replace_admin_years)
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} {exc.fields or ''}".strip()) from None
        years = summary.years
        self.stdout.write(
            f"chinesecalendar {summary.library_version} covers {years.start}-{years.stop - 1}: "
            f"created {len(summary.created)}, updated {len(summary.updated)}, "
            f"unchanged {len(summary.unchanged)}, kept (admin) {len(summary.kept_admin)}"
            + (f" {summary.kept_admin}" if summary.kept_admin else "")
        )
