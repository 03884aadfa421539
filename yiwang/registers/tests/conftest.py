import io

import pytest

from yiwang.accounts.models import Role, User
from yiwang.geo.locate import locate
from yiwang.geo.models import Area
from yiwang.intake.validators import USCC_CHARS, mainland_id_check_char, uscc_check_char

POINT = (113.08, 22.60)  # central 蓬江区 (the demo grid worker's grid)


def valid_id(body17: str) -> str:
    return body17 + mainland_id_check_char(body17)


def valid_uscc(body17: str) -> str:
    assert all(c in USCC_CHARS for c in body17)
    return body17 + uscc_check_char(body17)


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    import csv

    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


@pytest.fixture
def grid(db):
    return Area.objects.select_related("parent__parent__parent").get(pk=locate(*POINT).grid.id)


@pytest.fixture
def other_grid(db, grid):
    return Area.objects.filter(level=5).exclude(parent=grid.parent).exclude(code__startswith=grid.code[:6]).order_by("code").first()


@pytest.fixture
def users(db, grid, other_grid):
    city = Area.objects.get(code="440700")

    def user(name, role, **kw):
        return User.objects.create(username=f"r_{name}", role=role, **kw)

    return {
        "admin": user("admin", Role.ADMIN, area=city, is_staff=True),
        "gridworker": user("gridworker", Role.GRIDWORKER, area=grid),
        "other_gridworker": user("other_gridworker", Role.GRIDWORKER, area=other_grid),
        "leader": user("leader", Role.LEADER, area=city),
        "district_leader": user("district_leader", Role.LEADER, area=Area.objects.get(code=other_grid.code[:6])),
        "dispatcher": user("dispatcher", Role.DISPATCHER, area=city),
        "resident": user("resident", Role.RESIDENT),
    }


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def address_of(grid):
    """An address naming the grid's district, town and community (placeable by name)."""
    community = grid.parent
    town = community.parent
    district = town.parent

    def make(rest: str) -> str:
        return f"江门市{district.name}{town.name}{community.name}{rest}"

    return make
