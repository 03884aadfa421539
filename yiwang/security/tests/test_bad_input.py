"""Bad input found by hand (issue 15): each answers 4xx — in the API's error shape under /api/v1/ —
never a 500, and an error nobody expected still answers JSON under /api/v1/."""

import json

import pytest
from django.test import RequestFactory, override_settings

from yiwang.accounts.models import Role, User
from yiwang.api import api
from yiwang.platform.views import server_error

from .conftest import act

pytestmark = pytest.mark.django_db
SHAPE = {"code", "message", "fields"}
LONG_Q = "x" * 50_000


@pytest.fixture
def admin_client(client, staff):
    admin = User.objects.create(username="t_sec_admin", role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    client.raise_request_exception = False  # a 500 is an answer here, not a test error
    return client


@pytest.mark.parametrize("period", ["9999-12", "9999-W52", "9999-12-31", "9999", "0001-01"])
@pytest.mark.parametrize("path", ["", "/rankings", "/trend", "/alerts"])
def test_a_period_out_of_range_is_400_in_the_error_shape(admin_client, path, period):
    response = admin_client.get(f"/api/v1/measures{path}", {"period": period})
    assert response.status_code == 400, response.content[:300]
    assert set(response.json()) == SHAPE and response.json()["code"] == "invalid_period"


@pytest.mark.parametrize("path", ["/cockpit/", "/cockpit/report/", "/cockpit/report.xlsx"])
def test_the_cockpit_refuses_a_period_out_of_range_without_a_server_error(admin_client, path):
    assert admin_client.get(path, {"period": "9999-12"}).status_code < 500


def test_the_audit_page_refuses_a_day_out_of_range_on_its_form(admin_client):
    response = admin_client.get("/audit/", {"date_to": "9999-12-31"})
    assert response.status_code == 200 and "日期须在" in response.content.decode()


def test_a_building_filter_that_is_no_number_lists_nobody(admin_client, staff):
    from yiwang.geo.locate import locate
    from yiwang.geo.models import Area

    grid = Area.objects.get(pk=locate(113.08, 22.60).grid.id)
    assert admin_client.get(f"/grids/{grid.code}/people/", {"building": "abc"}).status_code == 200
    assert admin_client.get(f"/api/v1/grids/{grid.code}/people", {"building": "abc"}).status_code == 200


def test_a_search_of_50000_characters_is_refused_by_the_api_and_cut_on_the_desk(admin_client, staff):
    response = admin_client.get("/api/v1/cases", {"q": LONG_Q})
    assert 400 <= response.status_code < 500 and set(response.json()) == SHAPE
    admin_client.force_login(staff["dispatcher"])
    assert admin_client.get("/desk/dispatch/", {"q": LONG_Q}).status_code == 200
    assert admin_client.get("/desk/knowledge/", {"q": LONG_Q}).status_code == 200


def test_wrongly_typed_move_bodies_are_400_naming_the_field(admin_client, staff, new_case):
    case = new_case()
    response = admin_client.post(
        f"/api/v1/cases/{case.number}/reject", {"reason": 12345}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["fields"] == {"reason": "须为文字"}
    case = act(case, "accept", staff["operator"])
    for body, name in (
        ({"assisting_units": 5}, "assisting_units"),
        ({"assisting_units": [5]}, "assisting_units"),
        ({"lead_unit": {}}, "lead_unit"),
    ):
        response = admin_client.post(
            f"/api/v1/cases/{case.number}/dispatch", body, content_type="application/json"
        )
        assert response.status_code == 400 and set(response.json()["fields"]) == {name}, response.content
    # and nothing of it reached the audit trail
    assert not case.events.filter(action__in=("reject", "dispatch")).exists()


def test_an_unexpected_error_under_the_api_answers_json_in_the_error_shape(rf: RequestFactory):
    # the API's own handler for any exception it did not expect
    response = api.on_exception(rf.get("/api/v1/cases"), RuntimeError("boom"))
    assert response.status_code == 500 and response["Content-Type"].startswith("application/json")
    assert set(json.loads(response.content)) == SHAPE
    # and the site's 500 view, which answers errors raised outside the API's handlers
    response = server_error(rf.get("/api/v1/cases"))
    assert response.status_code == 500 and set(json.loads(response.content)) == SHAPE
    assert server_error(rf.get("/portal/")).status_code == 500


@override_settings(ROOT_URLCONF="yiwang.security.tests.failing_urls")
def test_a_view_that_fails_under_the_api_answers_json_not_html(client):
    client.raise_request_exception = False
    response = client.get("/api/v1/failing")
    assert response.status_code == 500 and response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "server_error"
    assert not client.get("/failing").get("Content-Type", "").startswith("application/json")
