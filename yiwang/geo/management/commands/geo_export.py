import json
import sys

from django.core.management.base import BaseCommand

from yiwang.geo.selectors import area_list
from yiwang.geo.services import areas_to_geojson
from yiwang.geo.views import LEVELS


class Command(BaseCommand):
    help = "Export areas as a GeoJSON FeatureCollection (stdout or --output)."

    def add_arguments(self, parser):
        parser.add_argument("--level", choices=sorted(LEVELS))
        parser.add_argument("--parent", help="only the children of this code")
        parser.add_argument("--output", "-o")

    def handle(self, *args, level=None, parent=None, output=None, **options):
        data = areas_to_geojson(area_list(level=LEVELS[level] if level else None, parent_code=parent))
        fh = open(output, "w", encoding="utf-8") if output else sys.stdout
        json.dump(data, fh, ensure_ascii=False)
        if output:
            fh.close()
            self.stderr.write(f"{len(data['features'])} features -> {output}")
