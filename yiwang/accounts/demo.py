"""The demo users of PRODUCT.md, one per role, named after it. Demo mode only."""

from django.conf import settings
from django.db import transaction

from yiwang.geo.locate import locate
from yiwang.geo.models import Area
from yiwang.routing.models import Unit

from .models import Role, User

DEMO_PASSWORD = "yiwang-demo"  # demo mode only: production refuses to start while one has it (checks.py)
DEMO_USERS = [
    # username, role, unit code, area: "city" | a point (lon, lat) whose grid is the scope
    ("admin", Role.ADMIN, None, "city"),
    ("operator", Role.OPERATOR, "CC.440700", "city"),
    ("dispatcher", Role.DISPATCHER, "CC.440700", "city"),
    ("handler", Role.HANDLER, "JM.ZJJ", None),
    ("gridworker", Role.GRIDWORKER, "440703002", (113.08, 22.60)),
    ("leader", Role.LEADER, None, "city"),
    ("auditor", Role.AUDITOR, None, "city"),
    ("resident", Role.RESIDENT, None, None),
    ("resident2", Role.RESIDENT, None, None),
]


@transaction.atomic
def load_demo_users() -> list[str]:
    if not settings.DEMO_MODE:
        raise RuntimeError("demo users exist in demo mode only")
    city = Area.objects.get(code="440700")
    names = []
    for i, (username, role, unit_code, area) in enumerate(DEMO_USERS):
        if area == "city":
            scope = city
        elif isinstance(area, tuple):
            found = locate(*area)
            scope = Area.objects.get(pk=found.grid.id) if found and found.grid else None
        else:
            scope = None
        user, created = User.objects.get_or_create(username=username)
        user.role = role
        user.unit = Unit.objects.filter(code=unit_code).first() if unit_code else None
        user.area = scope
        user.is_staff = role in (Role.ADMIN, Role.AUDITOR)
        user.is_superuser = role == Role.ADMIN
        user.phone = user.phone or f"1380750{i:04d}"
        if created:
            user.set_password(DEMO_PASSWORD)
        user.save()
        names.append(username)
    return names
