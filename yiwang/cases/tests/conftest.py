import io

import pytest
from django.core.management import call_command

from yiwang.accounts.demo import load_demo_users
from yiwang.accounts.models import Role, User
from yiwang.cases.models import Status
from yiwang.cases.services import Actor, CaseInput, perform
from yiwang.geo.locate import locate
from yiwang.geo.models import Area
from yiwang.intake.services import case_submit
from yiwang.routing.models import Unit

POINT = (113.08, 22.60)  # central 蓬江区


@pytest.fixture
def people(db):
    grid = Area.objects.get(pk=locate(*POINT).grid.id)
    unit = Unit.objects.get(code="JM.ZJJ")
    city = Area.objects.get(code="440700")

    def user(name, role, **kw):
        return User.objects.create(username=f"t_{name}", role=role, **kw)

    return {
        "operator": user("operator", Role.OPERATOR, area=city),
        "dispatcher": user("dispatcher", Role.DISPATCHER, area=city),
        "handler": user("handler", Role.HANDLER, unit=unit),
        "other_handler": user("other_handler", Role.HANDLER, unit=Unit.objects.get(code="JM.SHJ")),
        "gridworker": user("gridworker", Role.GRIDWORKER, area=grid),
        "resident": user("resident", Role.RESIDENT),
        "leader": user("leader", Role.LEADER, area=city),
        "unit": unit,
        "grid": grid,
    }


@pytest.fixture
def make_case(people):
    def make(
        *,
        title="小区路灯不亮",
        text="白沙街道某小区门口路灯连续一周不亮，夜间出行不便。",
        point=POINT,
        request_type="投诉",
        **kw,
    ):
        data = CaseInput(
            request_type=request_type,
            title=title,
            text=text,
            lon=point[0] if point else None,
            lat=point[1] if point else None,
            requester_name="张三",
            requester_phone="13800138000",
            **kw,
        )
        return case_submit(data=data, actor=Actor.of(people["resident"]))[0]

    return make


def act(case, action, who, payload=None, **kw):
    return perform(case=case, action=action, actor=Actor.of(who), payload=payload or {}, **kw)


@pytest.fixture
def drive(people, make_case, settings):
    """Bring a fresh case to a given status through the real moves."""
    settings.VERIFY_ON_SITE = False
    p = people

    def to(status: str):
        case = make_case()
        if status == Status.RECEIVED:
            return case
        if status == Status.REJECTED:
            return act(case, "reject", p["operator"], {"reason": "不属于受理范围"})
        if status == Status.ANSWERED:
            return act(case, "answer", p["operator"], {"text": "已当场答复"})
        if status == Status.MERGED:
            parent = make_case(title="同一路灯")
            return act(case, "merge", p["dispatcher"], {"into": parent.number})
        case = act(case, "accept", p["operator"])
        if status == Status.ACCEPTED:
            return case
        case = act(case, "dispatch", p["dispatcher"], {"lead_unit": "JM.ZJJ"})
        if status == Status.DISPATCHED:
            return case
        if status == Status.SUSPENDED:
            return act(case, "suspend", p["dispatcher"], {"reason": "等待上级批复"})
        case = act(case, "sign", p["handler"])
        if status == Status.IN_PROGRESS:
            return case
        if status == Status.RETURNED:
            return act(case, "return", p["handler"], {"reason": "不属于本单位职责"})
        case = act(case, "reply", p["handler"], {"text": "已修复路灯"})
        if status == Status.REPLIED:
            return case
        if status == Status.VERIFYING:
            return act(case, "check", p["dispatcher"])
        case = act(case, "close", p["dispatcher"])
        if status == Status.CLOSED:
            return case
        return act(case, "rate", p["resident"], {"satisfaction": "satisfied", "solved": True})

    return to


@pytest.fixture
def tokens(db, settings):
    """API tokens of the demo users, by name."""
    settings.VERIFY_ON_SITE = True
    load_demo_users()

    def token(name):
        out = io.StringIO()
        call_command("token", "create", "--user", name, stdout=out)
        return out.getvalue().strip()

    return {name: token(name) for name in ("resident", "operator", "dispatcher", "handler", "gridworker")}
