"""The logged reveal of a personal value: who, which object, which field, when, why."""

import datetime as dt

import pytest

from yiwang.core import clock
from yiwang.core.errors import ApplicationError
from yiwang.security.models import PersonalDataReveal
from yiwang.security.selectors import reveal_list
from yiwang.security.services import personal_data_reveal

pytestmark = pytest.mark.django_db


def test_a_reveal_returns_the_value_and_logs_it(staff, new_case):
    # given a case with a requester
    case = new_case()
    at = dt.datetime(2027, 5, 1, 10, 0, tzinfo=dt.UTC)
    clock.freeze(at)
    # when a dispatcher reveals the phone with a reason
    value = personal_data_reveal(
        user=staff["dispatcher"], obj=case, field="requester_phone", reason="回访核实", address="10.0.0.8"
    )
    # then they get it, and the log says who, what, when and why
    assert value == "13812345678"
    row = PersonalDataReveal.objects.get()
    assert (row.user, row.username, row.object_id, row.object_label, row.field, row.reason, row.at) == (
        staff["dispatcher"], "t_sec_dispatcher", str(case.pk), case.number, "requester_phone", "回访核实", at
    )
    assert row.address == "10.0.0.8"
    assert list(reveal_list(obj=case)) == [row]
    assert list(reveal_list(user=staff["dispatcher"], since=at)) == [row]
    assert list(reveal_list(user=staff["operator"])) == []


def test_no_reason_no_reveal(staff, new_case):
    case = new_case()
    with pytest.raises(ApplicationError) as err:
        personal_data_reveal(user=staff["dispatcher"], obj=case, field="requester_phone", reason=" ")
    assert err.value.code == "reveal_reason_required"
    assert not PersonalDataReveal.objects.exists()


def test_roles_without_need_cannot_reveal(staff, new_case):
    case = new_case()
    for who in ("leader", "resident"):
        with pytest.raises(ApplicationError) as err:
            personal_data_reveal(user=staff[who], obj=case, field="requester_id_number", reason="想看看")
        assert err.value.code == "reveal_forbidden" and err.value.status_code == 403
    assert not PersonalDataReveal.objects.exists()


def test_only_personal_fields_are_revealed(staff, new_case):
    case = new_case()
    with pytest.raises(ApplicationError) as err:
        personal_data_reveal(user=staff["dispatcher"], obj=case, field="title", reason="核实")
    assert err.value.code == "field_not_personal"


def test_a_users_own_phone_field_is_registered_too(staff):
    value = personal_data_reveal(user=staff["operator"], obj=staff["resident"], field="phone", reason="联系")
    assert value == "13700001111"
