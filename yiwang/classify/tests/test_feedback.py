"""People correct the classifier at the desks; the next training run learns from it."""

import io
import json

import pytest
from django.core.management import call_command

from yiwang.cases.models import Status
from yiwang.cases.services import Actor, perform
from yiwang.classify import selectors, services
from yiwang.classify.models import CasePrediction, CategoryCorrection

pytestmark = pytest.mark.django_db

# A plainly environmental complaint: every model trained on the sample calls it 环境保护.
TITLE = "化工厂夜间偷排废气"
TEXT = "我家附近的化工厂每天夜里排放刺鼻废气，空气污染严重，环保部门请尽快查处。"


def run(*args) -> str:
    out = io.StringIO()
    call_command("classifier", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def model_v1(train_rows, settings):
    settings.AUTO_DISPATCH_THRESHOLD = 1.1  # people decide in these tests, unless a test says otherwise
    return services.classifier_train(rows=train_rows, source="sample", holdout=None)


def test_intake_keeps_the_prediction_and_the_version_that_made_it(model_v1, make_case):
    # when
    case = make_case(title=TITLE, text=TEXT)
    # then
    prediction = CasePrediction.objects.get(case=case)
    assert prediction.label == "环境保护" == case.category.name
    assert prediction.model_version == model_v1.version
    assert prediction.confidence == pytest.approx(case.category_confidence)


def test_a_correction_in_the_console_shows_up_in_the_next_training_run(
    model_v1, make_case, people, client, category_code, train_csv
):
    # given a case the classifier called 环境保护
    case = make_case(title=TITLE, text=TEXT)
    assert selectors.predict(TEXT, title=TITLE)["label"] == "环境保护"
    # when the dispatcher accepts it as 交通运输 on the dispatch desk
    client.force_login(people["dispatcher"])
    response = client.post(
        f"/desk/dispatch/case/{case.number}/accept/",
        {"accept-version": case.version, "accept-category": category_code("交通运输")},
    )
    assert response.status_code in (200, 302)
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED and case.category.name == "交通运输"
    # then the correction is on record, with what was predicted, by which version, and who chose
    correction = CategoryCorrection.objects.get(case=case)
    assert (correction.predicted_label, correction.chosen_label) == ("环境保护", "交通运输")
    assert correction.model_version == model_v1.version
    assert correction.actor == people["dispatcher"] and correction.actor_role == "dispatcher"
    assert correction.auto_dispatched is False and correction.used_in_version is None

    # when the next training run takes the cases in
    summary = json.loads(run("train", "--data", str(train_csv), "--from-cases", "--no-holdout", "--json"))
    # then it trained on the correction, marks it used, and the new model has learnt it
    assert summary["version"] == 2
    assert summary["sources"]["corrections"] == 1
    assert summary["n_rows"] == summary["sources"]["rows"] == summary["sources"]["base_rows"] + 1
    correction.refresh_from_db()
    assert correction.used_in_version == 2
    assert selectors.predict(case.text, title=case.title)["label"] == "交通运输"
    assert selectors.predict(case.text, title=case.title)["model_version"] == 2


def test_confirming_the_prediction_is_no_correction(model_v1, make_case, people, category_code):
    # given
    first = make_case(title=TITLE, text=TEXT)
    second = make_case(title=TITLE, text=TEXT + "（再次反映）")
    # when one is accepted as predicted, the other without touching the category
    perform(
        case=first,
        action="accept",
        actor=Actor.of(people["operator"]),
        payload={"category": category_code("环境保护")},
    )
    perform(case=second, action="accept", actor=Actor.of(people["operator"]), payload={})
    # then
    assert not CategoryCorrection.objects.exists()


def test_a_second_change_on_the_same_case_is_a_second_correction(model_v1, make_case, people, category_code):
    # given a case corrected once through a move
    case = make_case(title=TITLE, text=TEXT)
    case = perform(
        case=case,
        action="accept",
        actor=Actor.of(people["operator"]),
        payload={"category": category_code("城乡建设")},
    )
    # when another person changes it again (called directly, as a desk that recategorises would)
    again = services.record_correction(
        case=case, predicted="环境保护", chosen=services_category("卫生计生"), actor=people["dispatcher"]
    )
    same = services.record_correction(
        case=case, predicted="环境保护", chosen=services_category("卫生计生"), actor=people["dispatcher"]
    )
    # then both changes are kept, the repeated one is not, and training uses the latest label
    assert again is not None and same is None
    assert list(CategoryCorrection.objects.filter(case=case).values_list("chosen_label", flat=True)) == [
        "卫生计生",
        "城乡建设",
    ]
    rows, found = services.training_rows_from_cases()
    assert found["corrections"] == 1
    assert [r["label"] for r in rows if r["id"] == f"case:{case.number}"] == ["卫生计生"]


def services_category(name):
    from yiwang.routing.models import Category

    return Category.objects.get(level=1, name=name)


def test_finished_cases_are_training_rows_with_their_first_level_category(model_v1, make_case, people):
    # given a case finished with a second-level category
    from yiwang.routing.models import Category

    sub = Category.objects.filter(level=2, parent__name="教育文体").first()
    case = make_case(
        title="学校食堂饭菜质量差", text="孩子学校食堂饭菜质量差，多名学生吃了拉肚子，请教育部门调查。"
    )
    operator = Actor.of(people["operator"])
    case = perform(case=case, action="accept", actor=operator, payload={"category": sub.code})
    case = perform(
        case=case, action="answer", actor=operator, payload={"text": "已转教育局核查，食堂已整改。"}
    )
    assert case.status == Status.ANSWERED  # answered at intake: finished
    # when
    rows, found = services.training_rows_from_cases()
    # then
    assert found == {"closed_cases": 1, "corrections": 0, "correction_ids": []}
    assert rows == [
        {"id": f"case:{case.number}", "title": case.title, "text": case.text, "label": "教育文体"}
    ]


def test_a_correction_after_automatic_dispatch_is_counted_as_such(
    model_v1, make_case, people, settings, client
):
    # given a case the platform routed by itself
    settings.AUTO_DISPATCH_THRESHOLD = 0.0
    case = make_case(title=TITLE, text=TEXT)
    assert case.status == Status.DISPATCHED
    # when a person later says it was 城乡建设
    correction = services.record_correction(
        case=case, predicted="环境保护", chosen=services_category("城乡建设"), actor=people["dispatcher"]
    )
    # then
    assert correction.auto_dispatched is True
    assert correction.model_version == model_v1.version  # taken from the stored prediction
    page = selectors.model_page()
    assert page["desk"]["auto_dispatched"] == 1 and page["desk"]["auto_corrected"] == 1
    assert page["desk"]["predicted"] == 1 and page["desk"]["pending"] == 1


def test_train_needs_data_or_cases():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as err:
        run("train")
    assert err.value.returncode == 2
