from django.core.management.base import BaseCommand, CommandError

from yiwang.core.errors import ApplicationError
from yiwang.geo.locate import locate


class Command(BaseCommand):
    help = "Print the chain of areas and the grid code for a point: yiwang locate LON LAT (WGS84)."

    def add_arguments(self, parser):
        parser.add_argument("lon")
        parser.add_argument("lat")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, lon, lat, json=False, **options):
        try:
            found = locate(lon, lat)
        except ApplicationError as exc:
            raise CommandError(str(exc.message), returncode=2) from None
        if found is None:
            raise CommandError(f"({lon}, {lat}) is outside every area / 该点不在任何辖区内", returncode=2)
        if json:
            import json as _json

            self.stdout.write(_json.dumps(found.as_dict(), ensure_ascii=False))
            return
        for depth, area in enumerate(found.chain):
            self.stdout.write(f"{'  ' * depth}{area.name}\t{area.code}")
        self.stdout.write(f"grid: {found.grid.code if found.grid else '-'}")
