"""The demo users of PRODUCT.md, one per role, named after it. Demo mode only.

DEMO_USERS is the one list of them: the loader creates them from it, `yiwang demo` prints it, and the
login page's table of demo accounts is drawn from it (templatetags/people.py)."""

from typing import NamedTuple

from django.conf import settings
from django.db import transaction

from yiwang.geo.locate import locate
from yiwang.geo.models import Area
from yiwang.routing.models import Unit

from .models import Role, User

DEMO_PASSWORD = "yiwang-demo"  # demo mode only: production refuses to start while one has it (checks.py)


class DemoUser(NamedTuple):
    username: str
    role: Role
    unit_code: str | None
    area: object  # "city" | a point (lon, lat) whose grid is the scope | None
    name: str  # the person's (invented) name, which pages show instead of the login name


DEMO_USERS = [
    DemoUser("admin", Role.ADMIN, None, "city", "李明辉"),
    DemoUser("operator", Role.OPERATOR, "CC.440700", "city", "陈晓燕"),
    DemoUser("dispatcher", Role.DISPATCHER, "CC.440700", "city", "黄志强"),
    DemoUser("handler", Role.HANDLER, "JM.ZJJ", None, "梁伟文"),
    DemoUser("gridworker", Role.GRIDWORKER, "440703002", (113.08, 22.60), "吴丽娟"),
    DemoUser("leader", Role.LEADER, None, "city", "张建国"),
    DemoUser("auditor", Role.AUDITOR, None, "city", "周敏"),
    DemoUser("resident", Role.RESIDENT, None, None, "林小华"),
    DemoUser("resident2", Role.RESIDENT, None, None, "何嘉欣"),
]


@transaction.atomic
def load_demo_users() -> list[str]:
    if not settings.DEMO_MODE:
        raise RuntimeError("demo users exist in demo mode only")
    city = Area.objects.get(code="440700")
    names = []
    for i, (username, role, unit_code, area, name) in enumerate(DEMO_USERS):
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
        if created or not (user.first_name or user.last_name):  # a name someone changed is kept
            user.first_name, user.last_name = name, ""  # a Chinese name is written whole
        user.is_staff = role in (Role.ADMIN, Role.AUDITOR)
        user.is_superuser = role == Role.ADMIN
        user.phone = user.phone or f"1380750{i:04d}"
        if created:
            user.set_password(DEMO_PASSWORD)
        user.save()
        names.append(username)
    return names
