import datetime as dt
import io
import struct
import zlib
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook

from yiwang.accounts.models import Role, User
from yiwang.core import clock
from yiwang.geo.models import Area
from yiwang.programmes.models import Direction, Frequency, Indicator, Programme, Task
from yiwang.routing.models import Unit

CST = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=10, mi=0) -> dt.datetime:
    return dt.datetime(y, m, d, h, mi, tzinfo=CST)


def png(width: int = 8, height: int = 6) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xb8\x32\x2a" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def units(db):
    return {code: Unit.objects.get(code=code) for code in ("JM.RSJ", "JM.QWJ", "JM.ZJJ")}


@pytest.fixture
def users(db, units):
    city = Area.objects.get(code="440700")

    def user(name, role, **kw):
        return User.objects.create(username=f"p_{name}", role=role, **kw)

    return {
        "lead": user("lead", Role.HANDLER, unit=units["JM.RSJ"]),
        "assist": user("assist", Role.UNIT_LEADER, unit=units["JM.QWJ"]),
        "other": user("other", Role.HANDLER, unit=units["JM.ZJJ"]),
        "leader": user("leader", Role.LEADER, area=city),
        "auditor": user("auditor", Role.AUDITOR, area=city),
        "admin": user("admin", Role.ADMIN, area=city, is_staff=True),
        "dispatcher": user("dispatcher", Role.DISPATCHER, area=city),
        "resident": user("resident", Role.RESIDENT),
    }


@pytest.fixture
def task(db, units):
    """人才倍增: doctoral talents 0 -> 1000 from 2025-01-01 to 2026-12-31, reported quarterly, 10 working days."""
    programme = Programme.objects.create(code="RC", name="人才倍增行动", source="测试", created_at=at(2025, 1, 1))
    indicator = Indicator.objects.create(
        programme=programme, code="RC-BS", name="博士人才", measure_unit="名", baseline=Decimal(0),
        baseline_date=dt.date(2025, 1, 1), target=Decimal(1000), target_date=dt.date(2026, 12, 31), direction=Direction.UP,
    )
    t = Task.objects.create(
        indicator=indicator, title="引进博士人才", lead_unit=units["JM.RSJ"], frequency=Frequency.QUARTERLY,
        due_working_days=10, starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2026, 12, 31),
    )
    t.assisting_units.add(units["JM.QWJ"])
    return t


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def frozen():
    def freeze(moment):
        clock.freeze(moment)
        return moment

    return freeze
