"""The closed loop through the JSON API, as a client with curl would drive it."""

import json

import pytest

from yiwang.cases.models import Case

pytestmark = pytest.mark.django_db
BODY = {
    "request_type": "投诉",
    "title": "路灯不亮",
    "text": "白沙街道某路段路灯一周不亮，请尽快维修。",
    "lon": 113.08,
    "lat": 22.60,
}


def call(client, method, path, token=None, body=None, **headers):
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    kwargs = {"content_type": "application/json", "data": json.dumps(body)} if body is not None else {}
    return getattr(client, method)(f"/api/v1{path}", **kwargs, **headers)


def test_create_returns_the_case_with_its_number_grid_and_deadlines(client, tokens):
    response = call(client, "post", "/cases", tokens["operator"], {**BODY, "category": "C01"})
    assert response.status_code == 201, response.content
    case = response.json()
    assert case["number"] and case["grid_code"].startswith("440703") and len(case["grid_code"]) == 15
    # a staff-classified case with a rule is routed at once
    assert case["status"] == "dispatched" and case["lead_unit"]["code"] == "JM.ZJJ"
    assert case["due_at"] and case["response_due_at"]
    assert case["category"]["code"] == "C01"


def test_the_same_idempotency_key_never_creates_a_second_case(client, tokens):
    first = call(client, "post", "/cases", tokens["resident"], BODY, HTTP_IDEMPOTENCY_KEY="abc-1")
    again = call(client, "post", "/cases", tokens["resident"], BODY, HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["number"] == again.json()["number"]
    assert Case.objects.filter(title=BODY["title"]).count() == 1
    other = call(
        client,
        "post",
        "/cases",
        tokens["resident"],
        {**BODY, "text": BODY["text"] + "另外"},
        HTTP_IDEMPOTENCY_KEY="abc-1",
    )
    assert other.status_code == 409 and other.json()["code"] == "idempotency_conflict"


def test_errors_have_one_shape(client, tokens):
    unauth = call(client, "post", "/cases", None, BODY)
    assert unauth.status_code == 401 and unauth.json()["code"] == "unauthorized"
    bad = call(client, "post", "/cases", tokens["resident"], {**BODY, "request_type": "闲聊", "lon": "东"})
    assert bad.status_code == 422
    assert set(bad.json()) == {"code", "message", "fields"} and "request_type" in bad.json()["fields"]
    short = call(client, "post", "/cases", tokens["resident"], {**BODY, "text": "灯"})
    assert short.status_code == 400 and "text" in short.json()["fields"]
    outside = call(client, "post", "/cases", tokens["resident"], {**BODY, "lon": 116.4, "lat": 39.9})
    assert outside.status_code == 400 and outside.json()["code"] == "outside_city"
    assert "不在本市" in outside.json()["fields"]["lon"]  # field details are messages, not the values
    # with other mistakes, the point outside the city is said at the same time
    both = call(client, "post", "/cases", tokens["resident"], {**BODY, "text": "灯", "lon": 116.4, "lat": 39.9})
    assert both.status_code == 400 and {"text", "lon"} <= set(both.json()["fields"])
    missing = call(client, "get", "/cases/20000101000001", tokens["operator"])
    assert missing.status_code == 404 and missing.json()["code"] == "case_not_found"


def test_the_whole_loop_through_the_api(client, tokens):
    number = call(client, "post", "/cases", tokens["resident"], BODY).json()["number"]
    steps = [
        ("operator", "accept", {"category": "C01"}),
        ("dispatcher", "dispatch", {"lead_unit": "JM.ZJJ"}),
        ("handler", "sign", {}),
        ("handler", "reply", {"text": "已维修"}),
        ("gridworker", "verify", {"passed": True, "note": "已亮"}),
        ("resident", "rate", {"satisfaction": "satisfied", "solved": True}),
    ]
    for who, action, body in steps:
        response = call(client, "post", f"/cases/{number}/{action}", tokens[who], body)
        assert response.status_code == 200, (action, response.content)
    assert response.json()["status"] == "rated"
    events = call(client, "get", f"/cases/{number}/events", tokens["operator"]).json()
    assert [e["action"] for e in events] == [
        "create",
        "accept",
        "dispatch",
        "sign",
        "reply",
        "check",
        "verify",
        "rate",
    ]
    assert all(len(e["hash"]) == 64 for e in events)
    # a move that is not allowed now is refused with 409 and a reason
    again = call(client, "post", f"/cases/{number}/sign", tokens["handler"], {})
    assert again.status_code == 409 and again.json()["code"] == "transition_not_allowed"
    assert call(client, "post", f"/cases/{number}/fly", tokens["handler"], {}).status_code == 404


def test_residents_see_only_their_own_cases(client, tokens):
    mine = call(client, "post", "/cases", tokens["resident"], BODY).json()["number"]
    theirs = call(client, "post", "/cases", tokens["operator"], BODY).json()["number"]
    listed = call(client, "get", "/cases", tokens["resident"]).json()
    assert [c["number"] for c in listed["results"]] == [mine]
    assert call(client, "get", f"/cases/{theirs}", tokens["resident"]).status_code == 404


def test_list_filters_and_pagination(client, tokens):
    for i in range(3):
        call(client, "post", "/cases", tokens["operator"], {**BODY, "title": f"路灯{i}"})
    page = call(client, "get", "/cases?page_size=2&q=路灯", tokens["operator"]).json()
    assert page["count"] == 3 and len(page["results"]) == 2
    assert call(client, "get", "/cases?area=440781", tokens["operator"]).json()["count"] == 0


def test_the_openapi_document_lists_the_routes(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/cases" in doc["paths"] and "/api/v1/cases/{number}/{action}" in doc["paths"]


def test_the_requesters_personal_data_is_encrypted_at_rest_and_the_caller_is_still_found(client, tokens):
    from django.db import connection

    from yiwang.web.selectors import caller_cases

    body = {**BODY, "requester_name": "张三丰", "requester_phone": "13800138000", "requester_id_number": ""}
    created = call(client, "post", "/cases", tokens["operator"], body).json()
    number = created["number"]
    # the API shows them masked by the one rule (security.masking)
    assert created["requester_name"] == "张*丰" and created["requester_phone"] == "138****8000"
    # the columns hold Fernet tokens, not the values
    with connection.cursor() as cur:
        cur.execute("SELECT requester_name, requester_phone FROM cases_case WHERE number = %s", [number])
        name, phone = cur.fetchone()
    assert name.startswith("enc1:") and "张三丰" not in name
    assert phone.startswith("enc1:") and "13800138000" not in phone
    # the platform reads them back, and the hotline finds the caller by the number however it is typed
    assert Case.objects.get(number=number).requester_phone == "13800138000"
    assert [c.number for c in caller_cases(phone="138 0013 8000")] == [number]


def test_an_anonymous_request_names_no_one_on_its_audit_trail(client, tokens):
    body = {**BODY, "requester_kind": "anonymous", "requester_name": "李四", "requester_phone": "13900139000"}
    number = call(client, "post", "/cases", tokens["resident"], body).json()["number"]
    case = Case.objects.get(number=number)
    assert case.requester_name == "" and case.requester_phone == "" and case.requester_phone_digest == ""
    created = case.events.get(action="create")
    assert created.actor_id is None and created.actor_role == "resident"
    # and the resident who sent it still follows it in their own list
    listed = call(client, "get", "/cases", tokens["resident"]).json()["results"]
    assert number in [c["number"] for c in listed]
