"""yiwang registers_demo [--scale 0.01]: (re)generate the demo registers (marked as generated)."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from yiwang.registers.demo import load_demo_registers


class Command(BaseCommand):
    help = "Generate the demo grids' registers (people, buildings, organisations, facilities), replacing earlier ones."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=0.01, help="share of the real density (the demo grid worker's community is always full)")

    def handle(self, *args, **opts):
        if not settings.DEMO_MODE:
            raise CommandError("demo registers are generated in demo mode only")
        summary = load_demo_registers(scale=opts["scale"], progress=opts["verbosity"] > 0)
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
