"""`yiwang measures_project [--rebuild]`: count the case events not yet in the measures' rollups."""

import time

from django.core.management.base import BaseCommand

from yiwang.analytics.services import (
    DEFAULT_BATCH,
    intake_project,
    intake_rebuild,
    measures_project,
    measures_rebuild,
)


class Command(BaseCommand):
    help = "Project the case events after the checkpoint into the measures' rollups (--rebuild: all again)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild", action="store_true", help="empty the rollups and count every event again"
        )
        parser.add_argument(
            "--batch", type=int, default=DEFAULT_BATCH, help="events per transaction (catch-up)"
        )

    def handle(self, *args, rebuild=False, batch=DEFAULT_BATCH, **options):
        started = time.perf_counter()
        result = measures_rebuild() if rebuild else measures_project(batch_size=batch)
        intake = intake_rebuild() if rebuild else intake_project(batch_size=batch)
        self.stdout.write(f"intake: {intake.events} cases counted into the hot spots and warnings")
        self.stdout.write(
            f"projected {result.events} events in {time.perf_counter() - started:.1f}s; "
            f"checkpoint {result.last_seq}, backlog {result.backlog}"
        )
