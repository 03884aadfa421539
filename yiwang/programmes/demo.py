"""The demo's six programmes (六大行动) with the targets the city's plan states, and generated reports.

Each programme and indicator says in `source` where its figures come from: "江门市规划" for the
targets and figures the city's plan and its progress reports give (10+ international scientist
teams, 100 leading talents, 1,000 doctoral talents and a talent total over 1 million over the 14th
five-year plan; a 1,395 km² large industrial cluster; industrial investment of 31.893 bn yuan in H1
2022, +48.3 %; 131 European projects from 17 countries in the China–EU SME cooperation zone; 81 Hong
Kong/Macao and RCEP enterprises), and "演示假设" where the demo had to choose a target the plan does
not give. Every report is generated (`generated=True`) along a seeded path towards the target; the
latest periods are left waiting, returned, late or missing so the page shows cards.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction

from yiwang.accounts.models import User
from yiwang.core import clock
from yiwang.routing.models import Unit

from .models import Direction, Event, EventAction, Frequency, Indicator, Programme, Report, ReportStatus, Task
from .periods import deadline, periods_between

PLAN = "江门市规划（“十四五”期间目标）"
PLAN_PROGRAMMES = "江门市规划（六大行动）"
WHOLE = ("个", "名", "家")  # counted things are reported as whole numbers
PLAN_FIGURE = "江门市规划及其进展通报"
ASSUMED = "演示假设（规划未给出该目标值）"

# code, name, English, summary
PROGRAMMES = [
    ("KJ", "科技引领行动", "Science and Technology Leading", "建设高水平创新平台，引进国际一流科学家团队。"),
    ("GY", "工业振兴行动", "Industrial Revitalisation", "打造大型产业集聚区，扩大工业有效投资。"),
    ("YQ", "园区再造行动", "Industrial Park Regeneration", "建设中欧（江门）中小企业国际合作区，提升园区承载力。"),
    ("GA", "港澳融合行动", "Hong Kong and Macao Integration", "深化与港澳及RCEP国家的产业合作。"),
    ("QD", "侨都赋能行动", "Empowering the Overseas Chinese Capital", "发挥侨乡优势，引侨资、聚侨智。"),
    ("RC", "人才倍增行动", "Talent Doubling", "引进和培育领军人才、博士人才，壮大人才总量。"),
]

# programme, code, name, English, unit of measure, baseline, baseline date, target, target date, source,
# lead unit, assisting units, frequency, working days, pace (how fast the generated path runs)
INDICATORS = [
    ("KJ", "KJ-TD", "引进国际科学家团队", "International scientist teams", "个", "0", "2021-01-01", "10", "2025-12-31",
     PLAN + "：引进10个以上国际科学家团队", "JM.FGJ", ["JM.RSJ"], Frequency.QUARTERLY, 10, 1.1),
    ("GY", "GY-JJQ", "大型产业集聚区建成面积", "Large industrial cluster built", "平方公里", "0", "2021-01-01", "1395", "2025-12-31",
     PLAN + "：规划建设1395平方公里大型产业集聚区", "JM.ZRJ", ["JM.GXJ"], Frequency.QUARTERLY, 10, 0.86),
    ("GY", "GY-TZ", "产业集聚区工业投资（2022年起累计）", "Industrial investment in the clusters since 2022", "亿元", "0",
     "2022-01-01", "2000", "2027-12-31",
     ASSUMED + "；2022年上半年实绩318.93亿元、同比增长48.3%取自" + PLAN_FIGURE, "JM.GXJ", ["JM.FGJ"], Frequency.QUARTERLY, 10, 1.0),
    ("YQ", "YQ-OZ", "中欧（江门）中小企业国际合作区欧洲项目", "European projects in the China–EU SME cooperation zone", "个",
     "131", "2022-06-30", "200", "2027-12-31",
     "基数131个（来自17个国家）取自" + PLAN_FIGURE + "；目标值为" + ASSUMED, "JM.SWJ", ["JM.ZJJ"], Frequency.QUARTERLY, 10, 0.9),
    ("YQ", "YQ-CF", "园区标准厂房建设", "Standard factory floor space built in the parks", "万平方米", "0", "2024-01-01",
     "500", "2027-12-31", ASSUMED, "JM.ZJJ", [], Frequency.MONTHLY, 5, 1.05),
    ("GA", "GA-QY", "港澳及RCEP国家企业", "Hong Kong, Macao and RCEP enterprises", "家", "81", "2022-06-30", "150", "2027-12-31",
     "基数81家取自" + PLAN_FIGURE + "；目标值为" + ASSUMED, "JM.SWJ", ["JM.QWJ"], Frequency.QUARTERLY, 10, 0.8),
    ("QD", "QD-XM", "华侨华人投资项目", "Projects invested by overseas Chinese", "个", "0", "2023-01-01", "60", "2027-12-31",
     ASSUMED, "JM.QWJ", ["JM.SWJ"], Frequency.QUARTERLY, 10, 1.0),
    ("RC", "RC-LJ", "领军人才", "Leading talents", "名", "0", "2021-01-01", "100", "2025-12-31",
     PLAN + "：引进培育领军人才100名", "JM.RSJ", [], Frequency.QUARTERLY, 10, 1.02),
    ("RC", "RC-BS", "博士人才", "Doctoral talents", "名", "0", "2021-01-01", "1000", "2025-12-31",
     PLAN + "：引进培育博士人才1000名", "JM.RSJ", ["JM.JYJ"], Frequency.QUARTERLY, 10, 0.93),
    ("RC", "RC-ZL", "人才总量", "Talent total", "万人", "80", "2021-01-01", "100", "2025-12-31",
     PLAN + "：人才总量超过100万人；基数80万人为" + ASSUMED, "JM.RSJ", [], Frequency.QUARTERLY, 10, 1.0),
]
# The one real figure among the reports (the plan's progress report), by indicator and period.
REAL_FIGURES = {("GY-TZ", "2022-Q2"): (Decimal("318.93"), "2022年上半年工业投资318.93亿元，同比增长48.3%（数值取自" + PLAN_FIGURE + "）。")}
# How the latest finished period of a task is left, so the page has something to supervise.
LATEST = {"RC-BS": "submitted", "KJ-TD": "returned", "GA-QY": "missing", "QD-XM": "assist_missing", "YQ-OZ": "late",
          "YQ-CF": "missing", "GY-JJQ": "submitted"}
NOTES = ["按计划推进，本期完成情况见数值。", "已召开专题推进会，协调解决用地和资金问题。", "本期新增项目已完成入库核查。",
         "与协办单位对接数据口径，数值已复核。", "部分项目受审批进度影响，下期加快推进。"]


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@transaction.atomic
def load_demo_programmes(*, seed: int = 18) -> dict:
    """Idempotent: does nothing when programmes exist."""
    if Programme.objects.exists():
        return {"programmes": 0, "reports": 0}
    rng = random.Random(seed)
    now = clock.now()
    today = clock.today()
    units = {u.code: u for u in Unit.objects.filter(code__startswith="JM.")}
    leader = User.objects.filter(username="leader").first()
    programmes = {}
    for order, (code, name, name_en, summary) in enumerate(PROGRAMMES):
        programmes[code] = Programme.objects.create(
            code=code, name=name, name_en=name_en, summary=summary, source=PLAN_PROGRAMMES, generated=False, order=order, created_at=now,
        )
    reports, events = [], []
    for order, row in enumerate(INDICATORS):
        (prog, code, name, name_en, measure, baseline, b_date, target, t_date, source, lead, assisting, freq, days, pace) = row
        ind = Indicator.objects.create(
            programme=programmes[prog], code=code, name=name, name_en=name_en, measure_unit=measure,
            baseline=Decimal(baseline), baseline_date=_d(b_date), target=Decimal(target), target_date=_d(t_date),
            direction=Direction.UP, source=source, order=order,
        )
        task = Task.objects.create(
            indicator=ind, title=f"推进{name}", lead_unit=units[lead], frequency=freq, due_working_days=days,
            starts_on=ind.baseline_date, ends_on=ind.target_date, generated=True,
        )
        task.assisting_units.set([units[c] for c in assisting])
        ended = [p for p in periods_between(freq, task.starts_on, min(task.ends_on, today)) if p.end < today]
        span = (ind.target_date - ind.baseline_date).days
        for i, period in enumerate(ended):
            last = i == len(ended) - 1
            share = min(1.08, max(0.0, pace * (period.end - ind.baseline_date).days / span + rng.uniform(-0.02, 0.02)))
            value = ind.baseline + (ind.target - ind.baseline) * Decimal(str(round(share, 4)))
            dl = deadline(period, days)
            for unit_code in [lead, *assisting]:
                is_lead = unit_code == lead
                state = LATEST.get(code, "approved") if last else "approved"
                if state == "missing" or (state == "assist_missing" and not is_lead):
                    continue
                figure = value if is_lead else (value - ind.baseline) * Decimal("0.15")
                notes = rng.choice(NOTES)
                if is_lead and (code, period.key) in REAL_FIGURES:
                    figure, notes = REAL_FIGURES[(code, period.key)]
                late = (state == "late") or rng.random() < 0.08
                submitted = dl.due_at + dt.timedelta(days=rng.randint(1, 6)) if late else dl.due_at - dt.timedelta(days=rng.randint(1, 6))
                submitted = min(submitted, now - dt.timedelta(hours=2))
                status = {"submitted": ReportStatus.SUBMITTED, "late": ReportStatus.SUBMITTED,
                          "returned": ReportStatus.RETURNED}.get(state, ReportStatus.APPROVED) if is_lead or state != "returned" else ReportStatus.APPROVED
                decided = min(submitted + dt.timedelta(days=rng.randint(1, 4)), now - dt.timedelta(hours=1)) if status != ReportStatus.SUBMITTED else None
                places = Decimal("1") if measure in WHOLE else Decimal("0.01")
                reports.append(Report(
                    task=task, unit=units[unit_code], period=period.key, period_end=period.end,
                    value=figure.quantize(places), notes=notes, status=status, due_at=dl.due_at,
                    first_submitted_at=submitted, submitted_at=submitted, decided_at=decided,
                    decided_by=leader if decided else None,
                    return_reason="数值与统计口径不一致，请附统计局核定数据后重新报送。" if status == ReportStatus.RETURNED else "",
                    generated=True,
                ))
    Report.objects.bulk_create(reports)
    for r in Report.objects.select_related("task__indicator"):
        base = {"programme_id": r.task.indicator.programme_id, "indicator_id": r.task.indicator_id, "task_id": r.task_id,
                "report_id": r.pk}
        data = {"period": r.period, "unit": r.unit_id, "value": str(r.value), "generated": True}
        events.append(Event(action=EventAction.SUBMITTED, actor=None, at=r.first_submitted_at, data=data, **base))
        if r.decided_at:
            action = EventAction.APPROVED if r.status == ReportStatus.APPROVED else EventAction.RETURNED
            extra = {"reason": r.return_reason} if r.return_reason else {}
            events.append(Event(action=action, actor=r.decided_by, at=r.decided_at, data={**data, **extra}, **base))
    for e in events:
        e.stamp_actor()
    Event.objects.bulk_create(sorted(events, key=lambda e: e.at))
    return {"programmes": len(programmes), "indicators": len(INDICATORS), "reports": len(reports)}
