import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections
from waitress import serve

from yiwang.platform.periodic import start_periodic_jobs, start_sequencer
from yiwang.platform.warmup import start_warm_up
from yiwang.wsgi import application

GUNICORN_CONFIG = "python:yiwang.platform.gunicorn_conf"


def gunicorn_argv() -> list[str]:
    """The production server: gunicorn with yiwang/platform/gunicorn_conf.py on yiwang.wsgi."""
    return [sys.executable, "-m", "gunicorn", "-c", GUNICORN_CONFIG, "yiwang.wsgi"]


class Command(BaseCommand):
    help = (
        "Serve the platform (PORT overrides 8000) after the system checks. Production mode: gunicorn, "
        "WEB_WORKERS worker processes (default two a core). Demo mode: waitress, WEB_THREADS threads, "
        "and the deadline sweep and the notification retry every SWEEP_INTERVAL_SECONDS."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("WEB_THREADS") or (8 if settings.DEMO_MODE else 1)),
            help="threads: of the one waitress process (demo), of each gunicorn worker (production)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_WORKERS") or 2 * (os.cpu_count() or 1)),
            help="production mode: gunicorn worker processes",
        )
        parser.add_argument(
            "--no-periodic-jobs",
            action="store_true",
            help="demo mode: do not run the deadline sweep and notification retry in this process",
        )

    def handle(self, *args, host, port, threads, workers, no_periodic_jobs, **options):
        # Production without its secrets was refused already, when yiwang.wsgi was imported; this
        # refuses demo passwords (yiwang.E001) and other errors.
        call_command("check", fail_level="ERROR")
        if not settings.DEMO_MODE:
            self.stdout.write(
                f"Yiwang (production mode) at http://{host}:{port}/ with gunicorn, {workers} worker(s)"
            )
            self.stdout.flush()
            # gunicorn takes this process over; its master forks the workers, each warms itself up.
            # The periodic jobs run on Celery beat in production (docs/operations.md).
            env = {**os.environ, "HOST": host, "PORT": str(port), "WEB_WORKERS": str(workers),
                   "WEB_THREADS": str(threads)}
            argv = gunicorn_argv()
            connections.close_all()  # the checks' connections are not handed to gunicorn
            os.execve(argv[0], argv, env)
        self.stdout.write(f"Yiwang ({settings.MODE} mode) at http://{host}:{port}/  (Ctrl-C stops)")
        start_warm_up()  # jieba, the area index and the classifier load while the server starts
        if not no_periodic_jobs and start_sequencer():
            # Events get their global place in the audit trail (Celery beat or `yiwang sequencer` in production).
            self.stdout.write(f"Audit sequencer every {settings.AUDIT_SEQUENCER_INTERVAL_SECONDS:g} s in this process")
        interval = getattr(settings, "SWEEP_INTERVAL_SECONDS", 60)
        if interval > 0 and not no_periodic_jobs:
            # Production runs these on Celery beat (docs/operations.md); the demo has no broker.
            start_periodic_jobs(interval)
            self.stdout.write(f"Deadline sweep and notification retry every {interval:g} s in this process")
        serve(application, host=host, port=port, threads=threads, ident="yiwang")
