"""The classifier routed a case by itself to the wrong unit; the unit returned it; the dispatcher
redispatches it with the right category. The case is routed by that category, and the classifier
learns of its mistake (a CategoryCorrection marked auto_dispatched) without anyone asking it to."""

import io
import json

import pytest
from django.core.management import call_command

from yiwang.accounts.models import Role, User
from yiwang.cases.models import Status
from yiwang.cases.services import Actor, perform
from yiwang.classify import services
from yiwang.classify.models import CasePrediction, CategoryCorrection
from yiwang.routing.models import Unit
from yiwang.routing.selectors import route

pytestmark = pytest.mark.django_db

# A plainly environmental complaint: every model trained on the sample calls it 环境保护 (test_feedback).
TITLE = "化工厂夜间偷排废气"
TEXT = "我家附近的化工厂每天夜里排放刺鼻废气，空气污染严重，环保部门请尽快查处。"


@pytest.fixture
def returned(train_rows, settings, make_case, people):
    """A case the platform dispatched by itself as 环境保护, returned by that unit unsigned."""
    model = services.classifier_train(rows=train_rows, source="sample", holdout=None)
    settings.AUTO_DISPATCH_THRESHOLD = 0.0  # the platform routes every classified case
    case = make_case(title=TITLE, text=TEXT)
    assert case.status == Status.DISPATCHED and case.category.name == "环境保护"
    assert case.events.filter(action="dispatch", actor_role="system").exists()
    unit = case.lead_unit
    handler = User.objects.create(username="c_handler", role=Role.HANDLER, unit=unit)
    case = perform(
        case=case, action="return", actor=Actor.of(handler), payload={"reason": "不属于本单位职责"}
    )
    assert case.status == Status.RETURNED
    return case, unit, model


def routed_unit(case) -> Unit:
    """The lead unit the responsibility list gives for the case's category where it is."""
    area = case.grid or case.community or case.town or case.district
    return route(category=case.category, area=area).lead_unit


def assert_corrected(case, *, returning_unit, chosen, dispatcher, model):
    case.refresh_from_db()
    # the case has the chosen category and the unit the responsibility list gives for it
    assert case.status == Status.DISPATCHED
    assert case.category.name == chosen and case.category_confidence == 1.0
    assert case.lead_unit == routed_unit(case) and case.lead_unit != returning_unit
    # the audit event records the change
    event = case.events.order_by("-seq").first()
    assert event.action == "redispatch" and event.actor == dispatcher
    assert event.payload["previous_category"] != event.payload["category"] == case.category.code
    assert event.payload["lead_unit"] == case.lead_unit.code
    # and the classifier has the correction, counted as one made after automatic dispatch
    correction = CategoryCorrection.objects.get(case=case)
    assert (correction.predicted_label, correction.chosen_label) == ("环境保护", chosen)
    assert correction.auto_dispatched is True and correction.event == event
    assert correction.actor == dispatcher and correction.actor_role == "dispatcher"
    assert correction.model_version == model.version == CasePrediction.objects.get(case=case).model_version
    return correction


def test_the_console_redispatches_with_a_new_category_and_the_classifier_learns(
    returned, people, client, category_code
):
    # given the returned case on the dispatch console, whose redispatch form offers the category
    case, unit, model = returned
    client.force_login(people["dispatcher"])
    page = client.get(f"/desk/dispatch/case/{case.number}/").content.decode()
    assert 'name="redispatch-category"' in page
    # when the dispatcher picks 交通运输 and leaves the unit to the responsibility list
    response = client.post(
        f"/desk/dispatch/case/{case.number}/redispatch/",
        {
            "redispatch-version": case.version,
            "redispatch-category": category_code("交通运输"),
            "redispatch-lead_unit": "",
            "redispatch-reason": "按分类改派",
        },
    )
    # then
    assert response.status_code == 302, response.content.decode()[-2000:]
    correction = assert_corrected(
        case, returning_unit=unit, chosen="交通运输", dispatcher=people["dispatcher"], model=model
    )
    # and the next training run takes it in (the correction is a training row)
    rows, found = services.training_rows_from_cases()
    assert correction.pk in found["correction_ids"]
    assert [r["label"] for r in rows if r["id"] == f"case:{case.number}"] == ["交通运输"]
    # and the case's timeline shows the new category next to the redispatch
    page = client.get(f"/desk/dispatch/case/{case.number}/").content.decode()
    assert f"分类：{case.category.path}" in page


def test_the_api_redispatches_with_a_new_category_and_the_classifier_learns(
    returned, people, client, category_code
):
    # given
    case, unit, model = returned
    out = io.StringIO()
    call_command("token", "create", "--user", people["dispatcher"].username, stdout=out)
    # when
    response = client.post(
        f"/api/v1/cases/{case.number}/redispatch",
        data=json.dumps({"category": category_code("城乡建设"), "expected_version": case.version}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {out.getvalue().strip()}",
    )
    # then
    assert response.status_code == 200, response.content
    assert response.json()["category"]["code"] == category_code("城乡建设")
    assert_corrected(
        case, returning_unit=unit, chosen="城乡建设", dispatcher=people["dispatcher"], model=model
    )


def test_a_redispatch_that_keeps_the_category_is_no_correction(returned, people, client):
    # given
    case, unit, _ = returned
    before = (case.category_id, case.category_confidence)
    client.force_login(people["dispatcher"])
    # when the dispatcher sends it back to the same unit, category left as it is (blank)
    response = client.post(
        f"/desk/dispatch/case/{case.number}/redispatch/",
        {"redispatch-version": case.version, "redispatch-category": "", "redispatch-lead_unit": unit.code},
    )
    # then the category and its confidence stay the classifier's, and nothing was corrected
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.lead_unit == unit
    assert (case.category_id, case.category_confidence) == before
    assert "category" not in case.events.order_by("-seq").first().payload
    assert not CategoryCorrection.objects.exists()
