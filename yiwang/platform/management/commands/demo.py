import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from yiwang.accounts.demo import DEMO_PASSWORD, DEMO_USERS, load_demo_users
from yiwang.geo.models import Area
from yiwang.platform.demo import demo_is_loaded, load_demo, reset_demo
from yiwang.programmes.demo import load_demo_programmes


class Command(BaseCommand):
    help = "Load the Jiangmen demo (kept on later runs unless --reset)."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="delete everything and load the demo again")

    def handle(self, *args, reset=False, **options):
        if not settings.DEMO_MODE:
            raise CommandError("The demo loads in demo mode only (YIWANG_MODE=demo).")
        started = time.monotonic()
        if reset:
            reset_demo()
        if demo_is_loaded():
            self.stdout.write(
                f"Demo data already loaded ({Area.objects.count()} areas); keeping it. "
                "Use `make demo RESET=1` to start over."
            )
            added = load_demo_programmes()  # a demo loaded before the programmes existed gets them now
            if added["programmes"]:
                self.stdout.write(f"Added the six programmes: {added}")
        else:
            with transaction.atomic():
                summary = load_demo(stdout=self.stdout)
            self.stdout.write(f"Loaded the demo in {time.monotonic() - started:.1f}s: {summary}")
        load_demo_users()
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for demo_user in DEMO_USERS:
            self.stdout.write(f"  {demo_user.username:<11} {demo_user.role.label} · {demo_user.name}")
