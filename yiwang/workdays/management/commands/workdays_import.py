from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from yiwang.core.errors import ApplicationError
from yiwang.workdays.services import calendar_year_import_csv


class Command(BaseCommand):
    help = (
        "Enter one year's holiday arrangement from a CSV with columns date,is_workday,name "
        "(e.g. 2027-02-08,0,春节 / 2027-02-20,1,调休上班（春节）). The year's rows are replaced by the "
        "file; rows that restate Mon–Fri work / weekend rest are ignored. The notice year defaults to "
        "the latest year in the file (a New Year arrangement may include late December of the year before)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--year", type=int, help="the notice year (default: latest year in the file)")
        parser.add_argument("--user", help="username recorded as the admin who entered it")
        parser.add_argument("--note", help="e.g. the notice's document number")
        parser.add_argument(
            "--draft",
            action="store_true",
            help="store as incomplete: deadlines in that year stay flagged as estimates",
        )

    def handle(self, *args, path, year=None, user=None, note=None, draft=False, **options):
        acting_user = None
        if user:
            acting_user = get_user_model().objects.filter(username=user).first()
            if acting_user is None:
                raise CommandError(f"no such user: {user}")
        try:
            calendar_year = calendar_year_import_csv(
                path=path, acting_user=acting_user, year=year, complete=not draft, note=note
            )
        except ApplicationError as exc:
            problems = exc.fields.get("problems")
            if problems:
                for problem in str(problems).split("; "):
                    self.stderr.write(problem)
            raise CommandError(str(exc.message)) from None
        days = list(calendar_year.days.order_by("date"))
        holidays = sum(1 for d in days if not d.is_workday)
        self.stdout.write(
            f"{calendar_year.year}: {holidays} weekday holidays, {len(days) - holidays} weekend workdays"
            + ("" if calendar_year.complete else " (draft: still flagged as missing)")
        )
