import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from yiwang.cases.audit import sequencing_lag
from yiwang.platform.periodic import Sequencer


class Command(BaseCommand):
    help = (
        "Run the audit trail's sequencer in the foreground: every AUDIT_SEQUENCER_INTERVAL_SECONDS it gives "
        "the waiting events their global place in a signed batch. One per database (a second one waits "
        "its turn harmlessly). The alternative to Celery beat's sequence-audit-events where a sub-second "
        "schedule on beat is not wanted (docs/operations.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=None, help="seconds between runs")

    def handle(self, *args, interval=None, **options):
        seconds = interval if interval is not None else settings.AUDIT_SEQUENCER_INTERVAL_SECONDS
        done = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: done.set())
        sequencer = Sequencer(seconds)
        sequencer.start()
        self.stdout.write(f"sequencer running every {seconds:g} s; waiting now: {sequencing_lag()['waiting']}")
        self.stdout.flush()
        done.wait()
        sequencer.stop()
        self.stdout.write(f"sequencer stopped; waiting now: {sequencing_lag()['waiting']}")
