"""GET /api/v1/measures, /measures/rankings and /measures/trend: shape, groups, roles, errors."""

import pytest

from yiwang.accounts.models import Role, User

from .conftest import at

pytestmark = pytest.mark.django_db
MEASURES = {
    "response_rate",
    "resolution_rate",
    "satisfaction_rate",
    "on_time_rate",
    "return_rate",
    "reopen_rate",
    "handling_hours",
}


@pytest.fixture
def leader_client(client, db):
    client.force_login(User.objects.create(username="t_leader_api", role=Role.LEADER))
    return client


def test_measures_by_unit_have_every_measure_with_numerator_denominator_and_the_weights(leader_client, march):
    # when
    response = leader_client.get("/api/v1/measures", {"period": "2025-03", "group": "unit"})
    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["period"], body["period_kind"], body["group"]) == ("2025-03", "month", "unit")
    assert body["weights"] == {
        "response": 30,
        "resolution": 35,
        "satisfaction": 35,
        "basically_satisfied_share": 1.0,
        "valid_from": None,
        "note": "",
    }
    zjj = next(r for r in body["rows"] if r["code"] == "JM.ZJJ")
    assert set(zjj["measures"]) == MEASURES
    assert zjj["measures"]["response_rate"] == {
        "value": pytest.approx(5 / 6),
        "numerator": 5,
        "denominator": 6,
    }
    assert zjj["score"] == 95.0 and zjj["overdue_closed"] == 1
    assert zjj["counts"]["dispatched"] == 7
    assert body["total"]["name"] == "全市" and body["total"]["counts"]["received"] == 9
    assert set(body["definitions"]) >= MEASURES | {"score"}
    assert body["status"]["backlog"] == 0


@pytest.mark.parametrize("group", ["district", "town", "city"])
def test_measures_by_area_level(leader_client, march, group):
    # when
    body = leader_client.get("/api/v1/measures", {"period": "2025-03", "group": group}).json()
    # then one row for the area all cases sit in, carrying the city's counts
    area = {"district": march["A"].district, "town": march["A"].town}.get(group)
    (row,) = body["rows"]
    assert row["code"] == (area.code if area else "")
    assert row["counts"] == body["total"]["counts"]


def test_drill_down_to_grids_of_a_town(leader_client, march):
    body = leader_client.get(
        "/api/v1/measures", {"period": "2025-03", "group": "grid", "area": march["A"].town.code}
    ).json()
    assert [r["code"] for r in body["rows"]] == [march["A"].grid.code]
    assert body["area"] == march["A"].town.code


def test_rankings_show_rank_last_period_and_weights(leader_client, march):
    # when
    body = leader_client.get("/api/v1/measures/rankings", {"period": "2025-03", "group": "unit"}).json()
    # then
    assert [(r["code"], r["rank"], r["score"]) for r in body["rows"]] == [
        ("JM.ZJJ", 1, 95.0),
        ("JM.SHJ", 2, 65.0),
    ]
    assert body["rows"][0]["previous_rank"] is None and body["previous_period"] == "2025-02"
    assert body["weights"]["response"] == 30 and body["previous_weights"]["response"] == 30


def test_trend_gives_twelve_months(leader_client, march):
    body = leader_client.get("/api/v1/measures/trend", {"period": "2025-04"}).json()
    assert [p["period"] for p in body["points"]][-2:] == ["2025-03", "2025-04"]
    assert len(body["points"]) == 12
    assert body["points"][-2]["counts"]["received"] == 9


def test_a_week_and_a_day_period(leader_client, march):
    week = leader_client.get("/api/v1/measures", {"period": "2025-W10", "group": "town"}).json()
    day = leader_client.get("/api/v1/measures", {"period": "2025-03-03", "group": "unit"}).json()
    assert week["period_kind"] == "week" and week["total"]["counts"]["closed"] == 5
    assert day["period_kind"] == "day" and day["total"]["counts"]["received"] == 8


def test_residents_are_refused_and_anonymous_callers_asked_to_log_in(client, db):
    # given
    resident = User.objects.create(username="t_resident_api", role=Role.RESIDENT)
    # when
    anonymous = client.get("/api/v1/measures")
    client.force_login(resident)
    refused = client.get("/api/v1/measures")
    # then
    assert anonymous.status_code == 401
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"


@pytest.mark.parametrize(
    "query,code",
    [
        ({"period": "2025-13"}, "invalid_period"),
        ({"period": "March"}, "invalid_period"),
        ({"area": "999999"}, "not_found"),
        ({"group": "grid", "period": "2025-W10"}, "period_too_fine"),
    ],
)
def test_bad_queries_get_coded_errors(leader_client, query, code):
    response = leader_client.get("/api/v1/measures", query)
    assert response.status_code in (400, 404) and response.json()["code"] == code


def test_the_openapi_document_lists_the_measures(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/measures", "/api/v1/measures/rankings", "/api/v1/measures/trend"} <= set(paths)


def test_a_read_counts_the_moves_made_since_the_last_projection(leader_client, march, new_case, move):
    # given a case received and answered after the rollups were last brought up to date
    late = new_case(at(3, 28, 10))
    move(late, "answer", "operator", {"text": "已答复"}, when=at(3, 28, 11))
    # when the leader reads the measures
    body = leader_client.get("/api/v1/measures", {"period": "2025-03", "group": "city"}).json()
    # then the read caught up first
    assert body["total"]["counts"]["received"] == 10 and body["total"]["counts"]["answered"] == 2
    assert body["status"]["backlog"] == 0


def test_settings_can_hold_the_weights_when_no_admin_row_exists(leader_client, march, settings):
    settings.MEASURE_WEIGHTS = {"response": 10, "resolution": 45, "satisfaction": 45, "note": "北京 2019"}
    body = leader_client.get("/api/v1/measures/rankings", {"period": "2025-03"}).json()
    assert body["weights"]["response"] == 10 and body["weights"]["note"] == "北京 2019"
    assert body["rows"][0]["score"] == pytest.approx(round(10 * 5 / 6 + 45 + 45, 2))
