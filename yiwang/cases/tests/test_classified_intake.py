"""At intake the case gets the classifier's category, its confidence and the top three candidates;
above the threshold it is routed at once, below it waits for the dispatcher."""

import pytest

from yiwang.cases.models import Status

pytestmark = pytest.mark.django_db


def test_a_case_is_classified_and_confident_ones_are_routed(trained, make_case, settings):
    # given a confident threshold of 0 (everything routes) and an environmental complaint
    settings.AUTO_DISPATCH_THRESHOLD = 0.0
    case = make_case(title="工厂夜间排放废气污染严重", text="我家附近的化工厂每天夜里排放刺鼻废气，空气污染严重，环保部门请尽快查处。")
    # then it carries the prediction and was dispatched by the responsibility list
    assert case.category.name == "环境保护"
    assert len(case.category_candidates) == 3 and case.category_candidates[0]["name"] == "环境保护"
    assert 0 < case.category_confidence <= 1
    assert case.status == Status.DISPATCHED and case.lead_unit.code == "JM.SHJ"


def test_below_the_threshold_the_case_waits_with_suggestions(trained, make_case, settings):
    settings.AUTO_DISPATCH_THRESHOLD = 1.01
    case = make_case(title="工厂夜间排放废气污染严重", text="我家附近的化工厂每天夜里排放刺鼻废气，空气污染严重。")
    assert case.status == Status.RECEIVED and case.lead_unit is None
    assert case.category_candidates
