import pytest

from yiwang.accounts.models import Role, User
from yiwang.cases.services import Actor, CaseInput, perform
from yiwang.geo.locate import locate
from yiwang.geo.models import Area
from yiwang.intake.services import case_submit
from yiwang.routing.models import Unit

POINT = (113.08, 22.60)  # central 蓬江区, the demo grid worker's grid
PHONE = "13800138000"


@pytest.fixture
def people(db, settings):
    settings.AUTO_DISPATCH_THRESHOLD = 1.1  # the dispatcher decides in these tests, not the classifier
    grid = Area.objects.get(pk=locate(*POINT).grid.id)
    unit = Unit.objects.get(code="JM.ZJJ")
    city = Area.objects.get(code="440700")

    def user(name, role, **kw):  # no password: the tests sign in with force_login (hashing is slow)
        return User.objects.create(username=f"w_{name}", role=role, **kw)

    return {
        "operator": user("operator", Role.OPERATOR, area=city),
        "dispatcher": user("dispatcher", Role.DISPATCHER, area=city),
        "handler": user("handler", Role.HANDLER, unit=unit),
        "other_handler": user("other_handler", Role.HANDLER, unit=Unit.objects.get(code="JM.SHJ")),
        "gridworker": user("gridworker", Role.GRIDWORKER, area=grid),
        "resident": user("resident", Role.RESIDENT, phone=PHONE),
        "resident2": user("resident2", Role.RESIDENT),
        "leader": user("leader", Role.LEADER, area=city),
        "admin": user("admin", Role.ADMIN, is_staff=True, is_superuser=True),
        "unit": unit,
        "grid": grid,
    }


@pytest.fixture
def make_case(people):
    def make(
        *,
        by="resident",
        title="小区路灯不亮",
        text="白沙街道某小区门口路灯连续一周不亮，夜间出行不便。",
        **kw,
    ):
        data = CaseInput(
            request_type=kw.pop("request_type", "投诉"),
            title=title,
            text=text,
            lon=POINT[0],
            lat=POINT[1],
            requester_name="张三",
            requester_phone=PHONE,
            **kw,
        )
        return case_submit(data=data, actor=Actor.of(people[by]))[0]

    return make


def act(case, action, who, payload=None):
    return perform(case=case, action=action, actor=Actor.of(who), payload=payload or {})


@pytest.fixture
def drive(people, make_case):
    """A case brought to a status through the real moves (dispatched to the demo handler's unit)."""

    def to(status: str, **kw):
        p = people
        case = make_case(**kw)
        if status == "received":
            return case
        case = act(case, "accept", p["operator"], {"category": "C01"})
        if status == "accepted":
            return case
        case = act(case, "dispatch", p["dispatcher"], {"lead_unit": "JM.ZJJ"})
        if status == "dispatched":
            return case
        case = act(case, "sign", p["handler"])
        if status == "in_progress":
            return case
        case = act(case, "reply", p["handler"], {"text": "已安排维修，路灯已恢复。"})
        if status == "verifying":
            return case
        case = act(case, "verify", p["gridworker"], {"passed": True, "note": "现场已亮"})
        return case

    return to
