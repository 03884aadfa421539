"""`yiwang import_cases FILE [--resume] [--report errors.csv]`: historical cases from CSV or XLSX."""

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yiwang.core.errors import ApplicationError
from yiwang.core.spreadsheets import csv_row
from yiwang.intake.services import COLUMNS, cases_import


class Command(BaseCommand):
    help = (
        "Import historical cases from a CSV (UTF-8) or XLSX file with the columns "
        + ", ".join(COLUMNS)
        + " (id and text required). Each row is imported whole or not at all; rows with errors are "
        "listed (--report). Safe to re-run: a source id is never imported twice. --resume continues "
        "an interrupted import of the same file after the last row done. Exit status 1 when rows failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .csv or .xlsx file")
        parser.add_argument("--resume", action="store_true", help="continue after the last row done")
        parser.add_argument(
            "--report", metavar="CSV", help="write the rows refused (row, id, column, message)"
        )
        parser.add_argument(
            "--source",
            default="import",
            help="a name for the source system: cases keep SOURCE:id (default import)",
        )
        parser.add_argument("--user", help="the user the import is recorded as (default: the platform)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        user = None
        if options["user"]:
            from django.contrib.auth import get_user_model

            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no such user: {options['user']}")
        report = None
        writer = None
        if options["report"]:
            report = open(Path(options["report"]), "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
            writer = csv.writer(report)
            writer.writerow(["row", "id", "column", "message"])

        def on_error(error):
            if writer is not None:
                writer.writerow(csv_row([error.row, error.source_id, error.column, error.message]))
                report.flush()

        try:
            result = cases_import(
                path=options["file"],
                resume=options["resume"],
                source=options["source"],
                user=user,
                progress=not options["no_progress"],
                on_error=on_error,
            )
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from None
        finally:
            if report is not None:
                report.close()
        job = result.job
        start = f" (resumed after row {result.started_after_row})" if result.started_after_row else ""
        self.stdout.write(
            f"{job.file_name}{start}: {result.read} rows read, {result.imported} imported, "
            f"{result.already_present} already present, {result.failed} refused; "
            f"last row done {job.last_row}"
        )
        if result.failed:
            where = (
                f" (see {options['report']})" if options["report"] else " (use --report FILE to list them)"
            )
            raise CommandError(f"{result.failed} rows refused{where}", returncode=1)
