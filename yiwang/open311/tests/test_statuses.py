"""Statuses: plain open/closed by default (the spec), FixMyStreet's extended statuses when asked."""

import pytest

from yiwang.cases.models import Status
from yiwang.cases.tests.conftest import act

from .helpers import BASE, error_list, parse

pytestmark = pytest.mark.django_db

EXPECTED = {
    # our status: (plain, extended)
    Status.RECEIVED: ("open", "open"),
    Status.ACCEPTED: ("open", "investigating"),
    Status.DISPATCHED: ("open", "action_scheduled"),
    Status.IN_PROGRESS: ("open", "in_progress"),
    Status.RETURNED: ("open", "investigating"),
    Status.SUSPENDED: ("open", "investigating"),
    Status.REPLIED: ("open", "in_progress"),
    Status.VERIFYING: ("open", "in_progress"),
    Status.ANSWERED: ("closed", "closed"),
    Status.REJECTED: ("closed", "not_councils_responsibility"),
    Status.MERGED: ("closed", "duplicate"),
    Status.CLOSED: ("closed", "fixed"),
    Status.RATED: ("closed", "fixed"),
}


def test_every_status_has_an_honest_mapping():
    assert set(EXPECTED) == set(Status.values)


# A received case is not published at all (GET requests lists reviewed cases only).
@pytest.mark.parametrize("status", [s for s in EXPECTED if s != Status.RECEIVED])
def test_each_status_as_plain_and_extended(client, drive, status):
    # given a case brought to `status` by the real moves
    case = drive(status)
    assert case.status == status
    plain, extended = EXPECTED[status]
    # when
    as_json = parse(client.get(f"{BASE}/requests/{case.number}.json"))
    as_xml = parse(client.get(f"{BASE}/requests/{case.number}.xml", {"extended_statuses": "1"}))
    listed = parse(client.get(f"{BASE}/requests.json", {"extended_statuses": "true"}))
    # then
    assert as_json[0]["status"] == plain
    assert as_xml.find("request").findtext("status") == extended
    assert {r["service_request_id"]: r["status"] for r in listed}[case.number] == extended


def test_a_merged_case_closed_with_its_parent_stays_a_duplicate(client, drive, people):
    # given a case merged into another, which is then handled and closed
    child = drive(Status.MERGED)
    parent = child.parent
    for action, who, payload in (
        ("accept", "operator", {}),
        ("dispatch", "dispatcher", {"lead_unit": "JM.ZJJ"}),
        ("sign", "handler", {}),
        ("reply", "handler", {"text": "已修复路灯"}),
        ("close", "dispatcher", {}),
    ):
        parent = act(parent, action, people[who], payload)
    child.refresh_from_db()
    assert child.status == Status.CLOSED
    # when
    (request,) = parse(client.get(f"{BASE}/requests/{child.number}.json", {"extended_statuses": "1"}))
    (plain,) = parse(client.get(f"{BASE}/requests/{child.number}.json"))
    # then: not "fixed" as if it were a case of its own
    assert request["status"] == "duplicate"
    assert plain["status"] == "closed"


def test_a_case_the_requester_rated_unsolved_is_not_reported_fixed(client, drive, people):
    # given a closed case the requester rated as not solved (and that was not reopened)
    case = act(drive(Status.CLOSED), "rate", people["resident"],
               {"satisfaction": "basically_satisfied", "solved": False})
    assert case.status == Status.RATED
    # when
    (request,) = parse(client.get(f"{BASE}/requests/{case.number}.json", {"extended_statuses": "1"}))
    # then
    assert request["status"] == "closed"


def test_the_api_keys_account_may_be_set_to_extended_statuses(client, tokens, drive, settings):
    # given the FixMyStreet account listed for extended statuses
    settings.OPEN311_EXTENDED_STATUS_ACCOUNTS = ("operator",)
    case = drive(Status.REJECTED)
    # when FixMyStreet reads with its api_key (it cannot add other arguments)
    keyed = parse(client.get(f"{BASE}/requests/{case.number}.xml", {"api_key": tokens["operator"]}))
    other = parse(client.get(f"{BASE}/requests/{case.number}.xml", {"api_key": tokens["resident"]}))
    forced_off = parse(
        client.get(f"{BASE}/requests/{case.number}.xml", {"api_key": tokens["operator"], "extended_statuses": "0"})
    )
    anonymous = parse(client.get(f"{BASE}/requests/{case.number}.xml"))
    # then
    assert keyed.findtext("request/status") == "not_councils_responsibility"
    assert other.findtext("request/status") == "closed"
    assert forced_off.findtext("request/status") == "closed"
    assert anonymous.findtext("request/status") == "closed"


def test_a_deployment_may_turn_extended_statuses_on_for_everyone(client, drive, settings):
    settings.OPEN311_EXTENDED_STATUSES = True
    case = drive(Status.MERGED)
    (request,) = parse(client.get(f"{BASE}/requests/{case.number}.json"))
    assert request["status"] == "duplicate"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_bad_extended_statuses_value_is_a_400(client, drive, fmt):
    case = drive(Status.RECEIVED)
    response = client.get(f"{BASE}/requests/{case.number}.{fmt}", {"extended_statuses": "maybe"})
    assert response.status_code == 400
    ((code, description),) = error_list(response)
    assert code == 400 and description.startswith("extended_statuses:")
