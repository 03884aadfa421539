"""Every validation error of the intake, through the API: one shape, every wrong field at once."""

import pytest

from yiwang.cases.models import Case
from yiwang.cases.services import Actor, CaseInput
from yiwang.core.errors import ApplicationError
from yiwang.intake.services import case_submit

from .conftest import BODY, call

pytestmark = pytest.mark.django_db


def refused(response, *fields, code="validation_error", status=400):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"} and body["code"] == code
    assert set(fields) <= set(body["fields"]), body["fields"]
    return body["fields"]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"title": "  "}, "title", "标题"),
        ({"title": "！"}, "title", "2 个字"),
        ({"text": "灯坏了"}, "text", "至少 5"),
        ({"text": "。。。。。。。。"}, "text", "至少 5"),
        ({"text": "好好好好好好好"}, "text", "无法识别"),
        ({"lon": None}, "lon", "同时"),
        ({"lat": None}, "lat", "同时"),
        ({"lon": 12.0, "lat": 22.6}, "lon", "中国境内"),
        ({"lon": None, "lat": None}, "address", "地点"),
        ({"lon": None, "lat": None, "address": "某某小区门口"}, "address", "无法从该地址"),
        ({"requester_phone": "12345"}, "requester_phone", ""),
        ({"requester_phone": "91234567"}, "requester_phone", "+852"),
        ({"requester_id_number": "110105194912310021"}, "requester_id_number", "校验位"),
        ({"requester_id_number": "A123456(3)"}, "requester_id_number", "香港身份证"),
        ({"request_type": "表扬", "text": "谢谢你们的帮助"}, "text", "至少 10"),
        ({"request_type": "表扬", "praised_unit": "NOPE"}, "praised_unit", "NOPE"),
    ],
)
def test_each_rule_names_its_field(client, tokens, change, field, words):
    # when
    response = call(client, "post", "/cases", tokens["resident"], {**BODY, **change})
    # then
    fields = refused(response, field)
    assert words in fields[field]
    assert not Case.objects.exists()


def test_every_wrong_field_is_reported_at_once(client, tokens):
    body = {
        **BODY,
        "title": "",
        "text": "坏",
        "lon": None,
        "lat": None,
        "requester_phone": "0750-12",
        "requester_id_number": "123",
    }
    fields = refused(call(client, "post", "/cases", tokens["resident"], body))
    assert {"title", "text", "address", "requester_phone", "requester_id_number"} <= set(fields)


def test_outside_the_city_and_schema_errors_keep_the_shape(client, tokens):
    refused(
        call(client, "post", "/cases", tokens["resident"], {**BODY, "lon": 116.4, "lat": 39.9}),
        code="outside_city",
    )
    too_long = call(client, "post", "/cases", tokens["resident"], {**BODY, "text": "字" * 5001})
    refused(too_long, "text", status=422)


def test_an_address_that_can_be_placed_is_enough_for_a_complaint(client, tokens):
    # given: no point, an address in the forms people write it
    for address in ("江门市蓬江区白沙街道某小区", "台山 台城街道 某路", "新会会城"):
        body = {**BODY, "lon": None, "lat": None, "address": address}
        # when
        response = call(client, "post", "/cases", tokens["resident"], body)
        # then
        assert response.status_code == 201, (address, response.content)
        case = response.json()
        assert case["placement"] == "address" and case["areas"], address


def test_an_enquiry_needs_no_place(client, tokens):
    body = {
        **BODY,
        "request_type": "咨询",
        "lon": None,
        "lat": None,
        "title": "社保咨询",
        "text": "请问社保卡怎么补办？",
    }
    response = call(client, "post", "/cases", tokens["resident"], body)
    assert response.status_code == 201 and response.json()["placement"] == "none"


def test_phones_and_documents_are_stored_normalised(client, tokens):
    # given: a Hong Kong resident with a Hong Kong number and identity card
    body = {
        **BODY,
        "requester_kind": "hk_macao",
        "requester_phone": "+852 9123 4567",
        "requester_id_number": "a123456 3",
    }
    # when
    response = call(client, "post", "/cases", tokens["operator"], body)
    # then
    assert response.status_code == 201, response.content
    case = Case.objects.get(number=response.json()["number"])
    assert case.requester_phone == "+85291234567" and case.requester_id_number == "A123456(3)"
    assert response.json()["requester_phone"] == "+852****4567"  # masked in the API (security.masking)


def test_an_anonymous_request_keeps_no_contact_and_is_not_checked(client, tokens):
    body = {**BODY, "requester_kind": "anonymous", "requester_phone": "nonsense", "requester_id_number": "x"}
    response = call(client, "post", "/cases", tokens["resident"], body)
    assert response.status_code == 201
    case = Case.objects.get(number=response.json()["number"])
    assert case.requester_phone == "" and case.requester_id_number == ""


def test_praise_names_a_unit_or_says_whom(client, tokens):
    body = {**BODY, "request_type": "表扬", "praised_unit": "JM.ZJJ", "text": "路灯修得很快"}
    response = call(client, "post", "/cases", tokens["resident"], body)
    assert response.status_code == 201, response.content
    event = Case.objects.get(number=response.json()["number"]).events.get(action="create")
    assert event.payload["praised_unit"] == "JM.ZJJ"


def test_messages_speak_the_callers_language(client, tokens):
    response = call(
        client, "post", "/cases", tokens["resident"], {**BODY, "text": "坏"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    fields = refused(response, "text")
    assert "at least" in fields["text"]


def test_historical_imports_need_no_place(db):
    from yiwang.accounts.models import Role, User

    operator = User.objects.create(username="t_import_operator", role=Role.OPERATOR)
    data = CaseInput(request_type="投诉", title="历史件", text="多年前的一件投诉，没有地点", channel="import")
    assert case_submit(data=data, actor=Actor.of(operator))[0].placement == "none"
    with pytest.raises(ApplicationError) as exc:
        case_submit(
            data=CaseInput(request_type="投诉", title="新件", text="没有地点的投诉内容"),
            actor=Actor.of(operator),
        )
    assert "address" in exc.value.fields
