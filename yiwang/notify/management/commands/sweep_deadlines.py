"""`yiwang sweep_deadlines`: one deadline sweep now (the job beat or the demo thread runs periodically).

It lives here rather than in yiwang/cases/management because of who owned which files when it was
written; it only parses, calls yiwang.cases.tasks.sweep_deadlines and prints.
"""

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from yiwang.cases.tasks import sweep_deadlines


class Command(BaseCommand):
    help = "Give the due yellow and red cards (escalating red ones) once, and print the counts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--at", help="sweep as of this ISO time instead of now (e.g. 2026-03-20T10:00+08:00)"
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print the counts as one JSON object"
        )

    def handle(self, *args, at=None, as_json=False, **options):
        moment = None
        if at:
            try:
                moment = dt.datetime.fromisoformat(at)
            except ValueError as exc:
                raise CommandError(f"--at: not an ISO date and time: {at}") from exc
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
        counts = sweep_deadlines(at=moment)
        self.stdout.write(json.dumps(counts) if as_json else " ".join(f"{k}={v}" for k, v in counts.items()))
