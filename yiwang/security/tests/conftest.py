import pytest

from yiwang.accounts.models import Role, User
from yiwang.cases.services import Actor, CaseInput, perform
from yiwang.geo.models import Area
from yiwang.intake.services import case_submit

POINT = (113.08, 22.60)  # central 蓬江区


@pytest.fixture
def staff(db):
    city = Area.objects.get(code="440700")
    return {
        "operator": User.objects.create(username="t_sec_operator", role=Role.OPERATOR, area=city),
        "dispatcher": User.objects.create(username="t_sec_dispatcher", role=Role.DISPATCHER, area=city),
        "leader": User.objects.create(username="t_sec_leader", role=Role.LEADER, area=city),
        "resident": User.objects.create(username="t_sec_resident", role=Role.RESIDENT, phone="13700001111"),
    }


@pytest.fixture
def new_case(staff):
    def make(**kw):
        data = CaseInput(
            request_type=kw.pop("request_type", "投诉"),
            title=kw.pop("title", "小区路灯不亮"),
            text=kw.pop("text", "白沙街道某小区门口路灯连续一周不亮，夜间出行不便。联系人张三明。"),
            lon=POINT[0],
            lat=POINT[1],
            requester_name=kw.pop("requester_name", "张三明"),
            requester_phone=kw.pop("requester_phone", "13812345678"),
            requester_id_number=kw.pop("requester_id_number", "440701199001011236"),
            **kw,
        )
        return case_submit(data=data, actor=Actor.of(staff["operator"]))[0]

    return make


def act(case, action, who, payload=None):
    return perform(case=case, action=action, actor=Actor.of(who), payload=payload or {})


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "reliability: fault scenarios on live processes (server kills, database restarts, broker outage)"
    )
