from django.core.management.base import BaseCommand, CommandError

from yiwang.core.errors import ApplicationError
from yiwang.geo.services import AreaImportError, area_import_file


class Command(BaseCommand):
    help = (
        "Import areas from GeoJSON (properties code|adcode, name, level, parent_code) or the NBS township CSV. "
        "The whole file is validated first; a file with any bad feature imports nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--level", help="level for every feature: city|district|town|community|grid")
        parser.add_argument("--parent", help="parent code for every feature")
        parser.add_argument(
            "--approximate", action="store_true", help="mark the boundaries as approximations"
        )

    def handle(self, *args, path, level=None, parent=None, approximate=False, **options):
        extra = {}
        if not path.lower().endswith(".csv"):
            extra = {"level": level, "parent_code": parent, "approximate": approximate}
        try:
            counts = area_import_file(path=path, progress=True, **extra)
        except AreaImportError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(str(exc.message)) from None
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(f"created {counts['created']}, updated {counts['updated']}")
