"""A rise for the demo's early warnings (未诉先办) to find.

The demo history is too sparse for any category in any town to stand out, so the cockpit would show
no warning at all. This adds a burst of night-construction noise complaints in 外海街道 (江海区) over
the last three days: ordinary cases through intake, each one marked as generated for the demo in its
text. The scan finds it like any real rise (see early_warnings.py).
"""

from __future__ import annotations

import datetime as dt

from yiwang.accounts.models import User
from yiwang.cases.services import Actor, CaseInput
from yiwang.core import clock
from yiwang.geo.models import Area
from yiwang.intake.services import case_submit

TOWN_CODE = "440704004000"  # 外海街道, 江海区
CATEGORY_CODE = "C04.02.003"  # 环境污染 / 噪音污染
PLACES = ["金瓯路", "中东西大道", "直冲路", "外海大道", "麻一村", "南山路"]
COMPLAINTS = [
    "{p}附近工地每晚十一点后还在打桩施工，噪音很大，老人小孩都睡不好，请相关部门查处。",
    "{p}一带最近连续几晚深夜施工，机器轰鸣到凌晨，严重影响休息。",
    "{p}旁边工地夜间运输渣土的车辆来来往往，噪音扰民，希望尽快处理。",
    "反映{p}夜间施工噪音问题，已经持续好几天了，打电话给工地也没人理。",
    "{p}的施工单位半夜还在切割钢筋，声音刺耳，请问是否办理了夜间施工许可？",
]
DEMO_MARK = "（演示数据：为演示“未诉先办”预警生成）"


def load_demo_rise(*, cases: int = 12, now: dt.datetime | None = None) -> list[str]:
    """Create `cases` noise complaints in 外海街道 over the three days before `now`; their numbers."""
    from django.db import transaction


    town = Area.objects.filter(code=TOWN_CODE).first()
    if town is None:
        return []
    end = now or clock.now()
    inside = town.shape.representative_point()
    operator = User.objects.filter(username="operator").first()
    actor = Actor.of(operator) if operator else Actor.system()
    numbers = []
    try:
        with transaction.atomic():
            for i in range(cases):
                clock.freeze(end - dt.timedelta(hours=3 + i * 70 / max(cases, 1)))
                place = PLACES[i % len(PLACES)]
                data = CaseInput(
                    request_type="投诉",
                    title=f"{place}夜间施工噪音扰民",
                    text=COMPLAINTS[i % len(COMPLAINTS)].format(p=place) + DEMO_MARK,
                    lon=inside.x + (i % 4 - 1.5) * 0.002,
                    lat=inside.y + (i % 3 - 1) * 0.002,
                    address=f"江门市江海区外海街道{place}",
                    category_code=CATEGORY_CODE,
                    requester_phone=f"1390750{i:04d}",
                    channel="hotline",
                )
                numbers.append(case_submit(data=data, actor=actor)[0].number)
    finally:
        clock.freeze(None)
    return numbers
