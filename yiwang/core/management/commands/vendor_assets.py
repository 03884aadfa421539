"""Copy the front-end files we serve from frontend/node_modules (installed by `npm ci` at build time)
into frontend/vendor, which Django's staticfiles serves under /static/vendor/. No CDN, ever."""

import shutil
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

FRONTEND = Path(settings.BASE_DIR) / "frontend"
# package -> files (globs) inside it -> served as vendor/<name>/...
ASSETS = {
    "leaflet": ("leaflet/dist", ["leaflet.js", "leaflet.css", "images/*.png"]),
    "htmx": ("htmx.org/dist", ["htmx.min.js"]),
    "echarts": ("echarts/dist", ["echarts.min.js"]),
}


class Command(BaseCommand):
    help = "Copy the vendored front-end files from frontend/node_modules to frontend/vendor."

    def handle(self, *args, **options):
        out = FRONTEND / "vendor"
        copied = 0
        for name, (source, patterns) in ASSETS.items():
            root = FRONTEND / "node_modules" / source
            if not root.exists():
                raise CommandError(f"{root} is missing: run `make install` (npm ci in frontend/) first")
            for pattern in patterns:
                files = sorted(root.glob(pattern))
                if not files:
                    raise CommandError(f"nothing matches {root}/{pattern}")
                for f in files:
                    target = out / name / f.relative_to(root)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(f, target)
                    copied += 1
        if options["verbosity"]:
            self.stdout.write(f"{copied} vendored files in {out}")
