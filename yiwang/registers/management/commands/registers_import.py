"""yiwang registers_import FILE --register person --source 公安局 --user admin [--apply]

Checks a department file with a progress bar and prints the per-row error report; with --apply, puts
the valid rows into the register (one transaction) and prints what was created and merged.
Exit status: 0 when every row is valid, 1 when some rows have errors, 2 when the file cannot be read."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yiwang.accounts.models import User
from yiwang.core.errors import ApplicationError
from yiwang.registers import importing
from yiwang.registers.models import BatchStatus


class Command(BaseCommand):
    help = "Import a department's CSV or XLSX file into a register (person, building, organisation, facility)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--register", required=True, choices=sorted(importing.COLUMNS))
        parser.add_argument("--source", required=True, help="the department the file comes from")
        parser.add_argument("--user", default="admin", help="the admin importing it (recorded in the history)")
        parser.add_argument("--apply", action="store_true", help="import the valid rows after checking")
        parser.add_argument("--json", action="store_true", help="print the result as one JSON object")

    def handle(self, *args, **opts):
        path = Path(opts["file"])
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        user = User.objects.filter(username=opts["user"]).first()
        if user is None:
            raise CommandError(f"no user {opts['user']}")
        try:
            batch = importing.import_start(register=opts["register"], source=opts["source"], filename=path.name,
                                           content=path.read_bytes(), user=user)
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from None
        if batch.status == BatchStatus.FAILED:
            self.stderr.write(batch.message)
            sys.exit(2)
        bar = None
        if not opts["json"] and batch.total_rows:
            from tqdm import tqdm

            bar = tqdm(total=batch.total_rows, unit="row", desc="checking", file=sys.stderr)

        def tick(b):
            if bar is not None:
                bar.n = b.checked_rows
                bar.refresh()

        batch = importing.import_check_all(batch_id=batch.pk, progress=tick)
        if bar is not None:
            bar.close()
        errors = [
            {"row": r.number, **e} for r in batch.rows.exclude(errors=[]).order_by("number") for e in r.errors
        ]
        if opts["apply"]:
            batch = importing.import_apply(batch_id=batch.pk, user=user)
        result = {"batch": batch.pk, "status": batch.status, "rows": batch.total_rows, "error_rows": batch.error_rows,
                  "errors": errors, "summary": batch.summary}
        if opts["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        else:
            for e in errors:
                self.stdout.write(f"row {e['row']}: {e['column']} {e['value']!r}: {e['message']}")
            self.stdout.write(f"{batch.total_rows} rows, {batch.error_rows} with errors; status {batch.status}")
            if batch.summary:
                self.stdout.write(json.dumps(batch.summary, ensure_ascii=False))
        if batch.error_rows:
            sys.exit(1)
