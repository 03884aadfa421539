"""The whole transition table: every move from every status, allowed or refused."""

import pytest

from yiwang.accounts.models import Role
from yiwang.cases.models import Status
from yiwang.cases.transitions import MOVES, allowed_actions, next_status
from yiwang.core.errors import ApplicationError

from .conftest import act

pytestmark = pytest.mark.django_db

# A valid actor and body for each move (the roles come from the table itself).
VALID = {
    "accept": ("operator", {}),
    "reject": ("operator", {"reason": "重复提交"}),
    "answer": ("operator", {"text": "政策是这样的"}),
    "merge": ("dispatcher", {"into": None}),
    "dispatch": ("dispatcher", {"lead_unit": "JM.ZJJ"}),
    "sign": ("handler", {}),
    "return": ("handler", {"reason": "非本单位职责"}),
    "redispatch": ("dispatcher", {"lead_unit": "JM.ZJJ"}),
    "reply": ("handler", {"text": "已处理"}),
    "extend": ("handler", {"days": 5, "reason": "需协调"}),
    "suspend": ("dispatcher", {"reason": "司法程序中"}),
    "resume": ("dispatcher", {}),
    "supervise": ("dispatcher", {"card": "yellow"}),
    "check": ("dispatcher", {}),
    "verify": ("gridworker", {"passed": True, "note": "现场已修复"}),
    "reopen": ("dispatcher", {"reason": "群众反映未解决"}),
    "close": ("dispatcher", {}),
    "rate": ("resident", {"satisfaction": "satisfied", "solved": True}),
    "supplement": ("resident", {"text": "路灯旁的井盖也松了"}),
}
STATUSES = [s for s in Status.values]


@pytest.mark.parametrize("status", STATUSES)
def test_every_move_from_every_status(status, drive, make_case, people):
    for action, move in MOVES.items():
        # given a case in `status`
        case = drive(status)
        who, payload = VALID[action]
        payload = dict(payload)
        if action == "merge":
            payload["into"] = make_case(title="另一件").number
        # when
        allowed = status in move.sources
        if allowed:
            after = act(case, action, people[who], payload)
            # then it lands where the table says, with an event
            assert after.status == next_status(action, status, payload, case.resume_status), (status, action)
            assert after.events.order_by("-seq").first().action == action
            assert after.version == case.version + 1
        else:
            with pytest.raises(ApplicationError) as err:
                act(case, action, people[who], payload)
            assert err.value.code == "transition_not_allowed", (status, action)
            case.refresh_from_db()
            assert case.status == status


def test_roles_outside_the_table_are_refused(drive, people):
    case = drive(Status.DISPATCHED)
    with pytest.raises(ApplicationError) as err:
        act(case, "sign", people["dispatcher"])
    assert err.value.code == "role_not_allowed"
    with pytest.raises(ApplicationError) as err:
        act(case, "dispatch", people["leader"], {"lead_unit": "JM.ZJJ"})
    assert err.value.code == "role_not_allowed"  # the role is said before the case's state


def test_a_handler_of_another_unit_cannot_sign(drive, people):
    case = drive(Status.DISPATCHED)
    with pytest.raises(ApplicationError) as err:
        act(case, "sign", people["other_handler"])
    assert err.value.code == "out_of_scope"


def test_moves_that_need_a_reason_refuse_without_one(drive, people):
    for status, action, who in (
        (Status.RECEIVED, "reject", "operator"),
        (Status.IN_PROGRESS, "return", "handler"),
        (Status.DISPATCHED, "suspend", "dispatcher"),
    ):
        case = drive(status)
        with pytest.raises(ApplicationError) as err:
            act(case, action, people[who], {})
        assert err.value.code == "reason_required"
        case.refresh_from_db()
        assert case.status == status and case.events.count() == len(case.events.all())


def test_allowed_actions_follow_the_table():
    assert allowed_actions(Status.DISPATCHED, Role.HANDLER) == ["sign", "return", "extend"]
    assert "rate" in allowed_actions(Status.CLOSED, Role.RESIDENT)
    assert allowed_actions(Status.REJECTED, Role.DISPATCHER) == []
