"""`yiwang cockpit_refresh`: bring everything the cockpit reads up to date (measures, hot spots,
early warnings, hot topics). The periodic task runs the same; the demo loader calls it once."""

import json

from django.core.management.base import BaseCommand

from yiwang.analytics.services import cockpit_refresh


class Command(BaseCommand):
    help = "Project new case events, scan for early warnings and recompute the hot topics."

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(cockpit_refresh(), ensure_ascii=False))
