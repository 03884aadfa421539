import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the platform with waitress (PORT overrides 8000). Runs the system checks first."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "8")))

    def handle(self, *args, host, port, threads, **options):
        # Refuses to start in production with demo passwords (yiwang.E001) or other errors.
        call_command("check", fail_level="ERROR")
        from waitress import serve

        from yiwang.wsgi import application

        self.stdout.write(f"Yiwang ({settings.MODE} mode) at http://{host}:{port}/  (Ctrl-C stops)")
        serve(application, host=host, port=port, threads=threads, ident="yiwang")
