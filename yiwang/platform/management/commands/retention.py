import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from yiwang.platform.retention import retention_apply


class Command(BaseCommand):
    help = (
        "Strip personal data from cases finished more than N years ago (requester, point, address, "
        "texts, photos, notifications), keeping what the measures and statistics read."
    )

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, required=True)
        parser.add_argument("--at", help="ISO time to count back from (default: now)")
        parser.add_argument("--dry-run", action="store_true", help="only count what would be stripped")
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args, years, at=None, dry_run=False, as_json=False, **options):
        if years < 1:
            raise CommandError("--years must be at least 1")
        moment = None
        if at:
            moment = dt.datetime.fromisoformat(at)
            if moment.tzinfo is None:
                raise CommandError("--at needs a time zone, e.g. 2030-01-01T00:00:00+08:00")
        result = retention_apply(years=years, at=moment, dry_run=dry_run)
        summary = {
            "cutoff": result.cutoff.isoformat(),
            "cases": result.cases,
            "attachments": result.attachments,
            "notifications": result.notifications,
            "dry_run": dry_run,
        }
        if as_json:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        else:
            verb = "would strip" if dry_run else "stripped"
            self.stdout.write(
                f"{verb} personal data of {result.cases} case(s) finished before {result.cutoff:%Y-%m-%d} "
                f"({result.attachments} photo(s), {result.notifications} notification(s))"
            )
