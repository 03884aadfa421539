"""Each measure on the hand-made March cases of conftest.march, with the values worked out by hand."""

import pytest

from yiwang.analytics import selectors
from yiwang.analytics.models import ScoreWeights
from yiwang.analytics.periods import parse_period
from yiwang.routing.models import Unit

from .conftest import at

pytestmark = pytest.mark.django_db
HOUR = 3600


def _row(table, code):
    return next(r for r in table["rows"] if r["code"] == code)


def _value(row, measure):
    return row["measures"][measure]["value"]


def _units(period="2025-03"):
    return selectors.measure_table(period=parse_period(period), group="unit", scope=selectors.Scope())


def test_response_rate_counts_signs_and_unsigned_returns_in_time_against_dispatches_not_withdrawn(march):
    # given the March cases
    # when
    zjj = _row(_units(), "JM.ZJJ")
    # then A, C (returned unsigned in time), D, H and I responded; B signed late; E was withdrawn
    assert zjj["counts"]["dispatched"] == 7
    assert zjj["counts"]["withdrawn"] == 1
    assert zjj["counts"]["responded"] == 5
    assert zjj["measures"]["response_rate"] == {
        "value": pytest.approx(5 / 6),
        "numerator": 5,
        "denominator": 6,
    }


def test_a_redispatch_is_a_new_dispatch_for_the_new_unit(march):
    # when
    shj = _row(_units(), "JM.SHJ")
    # then
    assert shj["counts"]["dispatched"] == 1 and shj["counts"]["responded"] == 1
    assert _value(shj, "response_rate") == 1


def test_a_response_counts_in_the_month_of_its_dispatch(march):
    # when
    april = _units("2025-04")
    # then I was dispatched on 31 March and signed on 1 April: its response is March's
    assert not [r for r in april["rows"] if r["code"] == "JM.ZJJ"]
    assert april["total"]["counts"]["responded"] == 0


def test_return_rate_is_returns_over_dispatches(march):
    zjj = _row(_units(), "JM.ZJJ")
    assert zjj["counts"]["returned"] == 1
    assert zjj["measures"]["return_rate"]["value"] == pytest.approx(1 / 7)


def test_reopen_rate_counts_failed_verifications_and_reopens_against_replies(march):
    # when
    table = _units()
    zjj, shj = _row(table, "JM.ZJJ"), _row(table, "JM.SHJ")
    # then ZJJ replied A, B, D and H twice; H's first reply failed verification
    assert (zjj["counts"]["replied"], zjj["counts"]["reopened"]) == (5, 1)
    assert _value(zjj, "reopen_rate") == pytest.approx(1 / 5)
    # SHJ replied C twice; the unsatisfied rating reopened the first reply
    assert (shj["counts"]["replied"], shj["counts"]["reopened"]) == (2, 1)


def test_on_time_closure_rate_and_overdue_count(march):
    zjj = _row(_units(), "JM.ZJJ")
    # A, B, D on time; H verified after its deadline; E (merged) is not a closure of its own
    assert (zjj["counts"]["closed"], zjj["counts"]["closed_on_time"]) == (4, 3)
    assert _value(zjj, "on_time_rate") == pytest.approx(3 / 4)
    assert zjj["overdue_closed"] == 1


def test_average_handling_time_is_in_working_hours_without_suspensions(march):
    table = _units()
    zjj, shj = _row(table, "JM.ZJJ"), _row(table, "JM.SHJ")
    # A 9.5 + B 17 + D 9.5 + H 121 = 157 h over 4 closures
    assert zjj["counts"]["handling_seconds"] == 157 * HOUR
    assert _value(zjj, "handling_hours") == pytest.approx(157 / 4)
    # C: 17 h, then 24.5 h, from the redispatch
    assert shj["counts"]["handling_seconds"] == 41.5 * HOUR


def test_satisfaction_and_resolution_rates_count_merged_ratings_for_the_main_case_unit(march):
    table = _units()
    zjj, shj = _row(table, "JM.ZJJ"), _row(table, "JM.SHJ")
    # ZJJ: A satisfied, B basically satisfied, E (merged into A) satisfied; all solved
    assert (zjj["counts"]["rated"], zjj["counts"]["satisfied"], zjj["counts"]["basically_satisfied"]) == (
        3,
        2,
        1,
    )
    assert _value(zjj, "satisfaction_rate") == 1
    assert _value(zjj, "resolution_rate") == 1
    # SHJ: C rated twice (unsatisfied/unsolved, then satisfied/solved)
    assert (shj["counts"]["rated"], shj["counts"]["unsatisfied"], shj["counts"]["unsolved"]) == (2, 1, 1)
    assert _value(shj, "satisfaction_rate") == 0.5 and _value(shj, "resolution_rate") == 0.5


def test_composite_score_uses_the_weights_shown_with_it(march):
    # given the default weights
    table = _units()
    # then 30 x 5/6 + 35 x 1 + 35 x 1
    assert table["weights"]["response"] == 30 and table["weights"]["basically_satisfied_share"] == 1
    assert _row(table, "JM.ZJJ")["score"] == pytest.approx(95.0)
    assert _row(table, "JM.SHJ")["score"] == pytest.approx(65.0)
    # when an admin counts 基本满意 at 0.8 and weighs 20/40/40 from March
    ScoreWeights.objects.create(
        valid_from=at(3, 1).date(),
        response=20,
        resolution=40,
        satisfaction=40,
        basically_satisfied_share="0.8",
    )
    table = _units()
    zjj = _row(table, "JM.ZJJ")
    # then satisfaction = (2 + 0.8) / 3 and the score follows
    assert table["weights"] == {
        "response": 20,
        "resolution": 40,
        "satisfaction": 40,
        "basically_satisfied_share": 0.8,
        "valid_from": "2025-03",
        "note": "",
    }
    assert _value(zjj, "satisfaction_rate") == pytest.approx(2.8 / 3)
    assert zjj["score"] == pytest.approx(round(20 * 5 / 6 + 40 + 40 * 2.8 / 3, 2))


def test_city_total_includes_intake_answers_rejections_and_merges(march):
    # when
    total = _units()["total"]
    c = total["counts"]
    # then nine cases entered in March
    assert (c["received"], c["answered"], c["rejected"], c["merged"]) == (9, 1, 1, 1)
    assert c["dispatched"] == 8
    # ratings: A, E, C twice, F (no unit), B
    assert (c["rated"], c["satisfied"], c["basically_satisfied"], c["unsatisfied"]) == (6, 4, 1, 1)
    # F did not say whether it was solved
    assert (c["solved"], c["unsolved"]) == (4, 1)
    assert total["measures"]["resolution_rate"] == {"value": 0.8, "numerator": 4, "denominator": 5}


def test_areas_levels_and_weeks_see_the_same_counts(march):
    # given every case sits at the same point
    grid = march["A"].grid
    month = parse_period("2025-03")
    # when
    by_district = selectors.measure_table(period=month, group="district", scope=selectors.Scope())
    by_grid = selectors.measure_table(
        period=month, group="grid", scope=selectors.scope_from(area=march["A"].town.code)
    )
    week = selectors.measure_table(period=parse_period("2025-W10"), group="unit", scope=selectors.Scope())
    # then the district and the grid carry the city's counts
    assert _row(by_district, march["A"].district.code)["counts"] == by_district["total"]["counts"]
    assert _row(by_grid, grid.code)["counts"]["received"] == 9
    # and the week of 3-9 March has A-G's dispatches but not H's late closure or I's dispatch
    zjj = _row(week, "JM.ZJJ")
    assert zjj["counts"]["dispatched"] == 6 and zjj["counts"]["closed"] == 3


def test_rankings_put_the_higher_score_first_with_last_month_beside(march):
    # when
    ranked = selectors.measure_rankings(period=parse_period("2025-04"), group="unit", scope=selectors.Scope())
    march_ranked = selectors.measure_rankings(
        period=parse_period("2025-03"), group="unit", scope=selectors.Scope()
    )
    # then
    assert [(r["code"], r["rank"]) for r in march_ranked["rows"]][:2] == [("JM.ZJJ", 1), ("JM.SHJ", 2)]
    assert march_ranked["previous_period"] == "2025-02"
    assert all(r["rank"] is None for r in ranked["rows"])  # April has no ratings yet
    assert Unit.objects.filter(code="JM.ZJJ").exists()
