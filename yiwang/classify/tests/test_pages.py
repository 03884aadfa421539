"""The admins' model page (/classifier/) and the similar-cases page, through the web client."""

import pytest

from yiwang.cases.services import Actor, perform
from yiwang.classify import selectors, services
from yiwang.classify.models import ClassifierActivation, ClassifierModel

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_versions(train_rows, settings):
    settings.AUTO_DISPATCH_THRESHOLD = 1.1
    first = services.classifier_train(rows=train_rows, source="sample A", holdout=0.25)
    second = services.classifier_train(rows=train_rows[::2], source="sample B", holdout=None)
    return first, second


def test_only_admins_open_the_model_page(client, people, two_versions):
    # anonymous: to the login page
    response = client.get("/classifier/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    # another role: forbidden
    client.force_login(people["leader"])
    assert client.get("/classifier/").status_code == 403
    # an admin: the page
    client.force_login(people["admin"])
    assert client.get("/classifier/").status_code == 200


def test_the_model_page_shows_metrics_confusion_sources_history_and_corrections(
    client, people, two_versions, make_case, category_code
):
    # given a correction made at the desk
    first, second = two_versions
    case = make_case(
        title="化工厂夜间偷排废气", text="化工厂每天夜里排放刺鼻废气，空气污染严重，请环保部门查处。"
    )
    perform(
        case=case,
        action="accept",
        actor=Actor.of(people["dispatcher"]),
        payload={"category": category_code("城乡建设")},
    )
    client.force_login(people["admin"])
    # when the admin opens version 1 (the one with held-out figures)
    page = client.get(f"/classifier/?version={first.version}").content.decode()
    # then
    holdout = first.metrics["holdout"]
    assert "sample A" in page and "sample B" in page  # data sources of both versions
    assert f"{holdout['macro_f1']:.4f}" in page
    for label, s in holdout["per_label"].items():
        assert label in page and f"{s['f1']:.3f}" in page
    assert page.count('class="hit"') == len(holdout["confusion"]["labels"])  # the matrix's diagonal
    assert "城乡建设" in page and case.number in page  # the correction
    assert "启用此版本" in page  # version 1 is not in use: it can be put back


def test_an_admin_rolls_back_from_the_page(client, people, two_versions):
    # given
    first, second = two_versions
    client.force_login(people["admin"])
    # when
    response = client.post("/classifier/activate/", {"version": first.version})
    # then
    assert response.status_code == 302
    assert ClassifierModel.objects.get(is_active=True).version == first.version
    assert selectors.predict("学校乱收费")["model_version"] == first.version
    last = ClassifierActivation.objects.first()
    assert (last.version, last.reason, last.actor) == (first.version, "rollback", people["admin"])
    # a version that does not exist changes nothing
    client.post("/classifier/activate/", {"version": 99})
    assert ClassifierModel.objects.get(is_active=True).version == first.version


def test_no_one_but_an_admin_rolls_back(client, people, two_versions):
    client.force_login(people["dispatcher"])
    assert client.post("/classifier/activate/", {"version": two_versions[0].version}).status_code == 403
    assert ClassifierModel.objects.get(is_active=True).version == two_versions[1].version


def test_the_page_without_any_model(client, people):
    client.force_login(people["admin"])
    response = client.get("/classifier/")
    assert response.status_code == 200 and "尚未训练分类模型" in response.content.decode()


@pytest.mark.parametrize("lang", ["en", "zh-hant"])
def test_the_model_page_is_translated(client, people, two_versions, lang):
    client.force_login(people["admin"])
    page = client.get("/classifier/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    assert {"en": "Version history", "zh-hant": "版本歷史"}[lang] in page
