"""Smaller abuse items of issue 15: typed move bodies, unique API schema names, throttled password resets."""

import pytest
from django.core.cache import cache

from yiwang.accounts.models import Role, User
from yiwang.routing.models import Unit

from .conftest import act

pytestmark = pytest.mark.django_db


def test_a_wrongly_typed_days_or_reason_never_reaches_the_audit_trail(client, staff, new_case):
    # given: a case in progress at a unit, and a received one
    handler = User.objects.create(
        username="t_sec_handler", role=Role.HANDLER, unit=Unit.objects.get(code="JM.ZJJ")
    )
    case = act(new_case(), "accept", staff["operator"])
    case = act(case, "dispatch", staff["dispatcher"], {"lead_unit": "JM.ZJJ"})
    case = act(case, "sign", handler)
    fresh = new_case()
    # when: the handler asks for `true` days, the dispatcher rejects with an object as reason
    client.force_login(handler)
    days = client.post(
        f"/api/v1/cases/{case.number}/extend", {"days": True, "reason": "x"}, content_type="application/json"
    )
    client.force_login(staff["dispatcher"])
    reason = client.post(
        f"/api/v1/cases/{fresh.number}/reject", {"reason": {}}, content_type="application/json"
    )
    # then: both refused by the move's schema, naming the field, and no event was written
    assert days.status_code == 400 and set(days.json()["fields"]) == {"days"}
    assert reason.status_code == 400 and set(reason.json()["fields"]) == {"reason"}
    assert (
        not case.events.filter(action="extend").exists() and not fresh.events.filter(action="reject").exists()
    )


def test_every_schema_of_the_openapi_document_has_its_own_name(client):
    document = client.get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]
    # the case list and a register's page are different shapes under different names
    cases = document["paths"]["/api/v1/cases"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    grids = document["paths"]["/api/v1/grids/{code}/{listing}"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]
    assert cases["$ref"] != grids["$ref"]
    case_page = schemas[cases["$ref"].rsplit("/", 1)[1]]
    assert case_page["properties"]["results"]["items"]["$ref"].endswith("/CaseOut")
    assert "PageOut" not in schemas


def test_password_reset_requests_are_throttled_per_address(client):
    cache.clear()
    answers = [
        client.post(
            "/accounts/password_reset/", {"email": f"n{i}@example.org"}, REMOTE_ADDR="198.51.100.20"
        ).status_code
        for i in range(7)
    ]
    assert answers[:5] == [302] * 5 and answers[5:] == [429, 429]
    assert (
        client.post(
            "/accounts/password_reset/", {"email": "x@example.org"}, REMOTE_ADDR="198.51.100.21"
        ).status_code
        == 302
    )
