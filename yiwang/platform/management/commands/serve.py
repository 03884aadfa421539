import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from waitress import serve

from yiwang.platform.periodic import start_periodic_jobs
from yiwang.platform.warmup import start_warm_up
from yiwang.wsgi import application


class Command(BaseCommand):
    help = (
        "Serve the platform with waitress (PORT overrides 8000). Runs the system checks first. In demo "
        "mode it also runs the deadline sweep and the notification retry every SWEEP_INTERVAL_SECONDS."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "8")))
        parser.add_argument(
            "--no-periodic-jobs",
            action="store_true",
            help="demo mode: do not run the deadline sweep and notification retry in this process",
        )

    def handle(self, *args, host, port, threads, no_periodic_jobs, **options):
        # Refuses to start in production with demo passwords (yiwang.E001) or other errors.
        call_command("check", fail_level="ERROR")
        self.stdout.write(f"Yiwang ({settings.MODE} mode) at http://{host}:{port}/  (Ctrl-C stops)")
        start_warm_up()  # jieba, the area index and the classifier load while the server starts
        interval = getattr(settings, "SWEEP_INTERVAL_SECONDS", 60)
        if settings.DEMO_MODE and interval > 0 and not no_periodic_jobs:
            # Production runs these on Celery beat (docs/operations.md); the demo has no broker.
            start_periodic_jobs(interval)
            self.stdout.write(f"Deadline sweep and notification retry every {interval:g} s in this process")
        serve(application, host=host, port=port, threads=threads, ident="yiwang")
