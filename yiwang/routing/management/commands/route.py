from django.core.management.base import BaseCommand, CommandError

from yiwang.core.errors import ApplicationError
from yiwang.geo.locate import locate
from yiwang.geo.models import Area
from yiwang.routing.models import Category
from yiwang.routing.selectors import route


class Command(BaseCommand):
    help = ("Dry run of the responsibility list: who would get a case of CATEGORY at a point or area. "
            "yiwang route C01.02 --lon 113.08 --lat 22.60  |  yiwang route C01.02 --area 440781")

    def add_arguments(self, parser):
        parser.add_argument("category", help="category code (e.g. C01 or C01.02) or its name")
        parser.add_argument("--lon")
        parser.add_argument("--lat")
        parser.add_argument("--area", help="an area or grid code instead of a point")

    def handle(self, *args, category, lon=None, lat=None, area=None, **options):
        cat = Category.objects.filter(code=category).first() or Category.objects.filter(name=category).first()
        if cat is None:
            raise CommandError(f"unknown category {category!r}")
        if area:
            place = Area.objects.filter(code=area).first()
            if place is None:
                raise CommandError(f"unknown area {area!r}")
        elif lon is not None and lat is not None:
            try:
                found = locate(lon, lat)
            except ApplicationError as exc:
                raise CommandError(str(exc.message), returncode=2) from None
            if found is None:
                raise CommandError("the point is outside every area", returncode=2)
            place = Area.objects.get(pk=found.chain[-1].id)
        else:
            raise CommandError("give --lon and --lat, or --area")
        decision = route(category=cat, area=place)
        self.stdout.write(f"category: {cat.path} ({cat.code})\nplace:    {place.name} ({place.code})")
        if decision is None:
            self.stdout.write("-> no rule applies: the dispatcher's queue (派遣员队列)")
            return
        assisting = ", ".join(u.name for u in decision.assisting_units) or "-"
        self.stdout.write(f"-> lead unit: {decision.lead_unit.name} ({decision.lead_unit.code})\n"
                          f"   assisting: {assisting}\n"
                          f"   by rule #{decision.rule_id}: {decision.rule_category} @ {decision.rule_area}")
