"""`yiwang demo` seeds the six programmes with the plan's targets (sourced) and generated reports."""

from decimal import Decimal

import pytest

from yiwang.programmes.demo import load_demo_programmes
from yiwang.programmes.models import Event, Indicator, Programme, Report

from .conftest import at

pytestmark = pytest.mark.django_db


def test_the_demo_programmes(client_for, users, frozen):
    frozen(at(2026, 12, 4, 9))
    summary = load_demo_programmes()
    assert load_demo_programmes()["programmes"] == 0  # idempotent
    assert [p.name for p in Programme.objects.order_by("order")] == [
        "科技引领行动", "工业振兴行动", "园区再造行动", "港澳融合行动", "侨都赋能行动", "人才倍增行动"]
    targets = {i.code: (i.target, i.source) for i in Indicator.objects.all()}
    assert targets["KJ-TD"][0] == 10 and targets["RC-LJ"][0] == 100 and targets["RC-BS"][0] == 1000
    assert targets["GY-JJQ"][0] == 1395 and targets["RC-ZL"][0] == 100
    assert all("江门市规划" in targets[c][1] for c in ("KJ-TD", "RC-LJ", "RC-BS", "GY-JJQ", "RC-ZL"))
    assert Indicator.objects.get(code="YQ-OZ").baseline == 131 and Indicator.objects.get(code="GA-QY").baseline == 81
    assert "演示假设" in targets["QD-XM"][1]
    assert Report.objects.get(task__indicator__code="GY-TZ", period="2022-Q2", unit__code="JM.GXJ").value == Decimal("318.93")
    assert summary["reports"] == Report.objects.count() > 100
    assert not Report.objects.filter(generated=False).exists()
    assert Event.objects.filter(report__isnull=False).count() >= Report.objects.count()
    body = client_for(users["leader"]).get("/api/v1/programmes").json()
    assert len(body) == 6
    assert sum(p["cards"]["red"] for p in body) > 0 and sum(p["pending_reports"] for p in body) > 0
    # the demo handler's unit (住建局) has a monthly task to file
    assert Report.objects.filter(task__indicator__code="YQ-CF").exists()
