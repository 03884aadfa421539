"""The model page shows its labels (level-1 Chinese names, the model's label space) by their
category's name in the reader's language; the labels themselves stay Chinese."""

import pytest

from yiwang.classify import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def trained(train_rows, settings):
    settings.AUTO_DISPATCH_THRESHOLD = 1.1
    return services.classifier_train(rows=train_rows, source="sample", holdout=0.25)


def test_the_english_model_page_names_the_labels_in_english(client, people, trained):
    client.force_login(people["admin"])
    page = client.get("/classifier/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    labels = trained.metrics["holdout"]["confusion"]["labels"]
    assert "环境保护" in labels and "交通运输" in labels  # the model keeps its Chinese labels
    assert '<th scope="row">Environmental protection</th>' in page
    assert '<th scope="col">Transport</th>' in page  # the confusion matrix's columns
    assert "环境保护" not in page and "交通运输" not in page


def test_the_traditional_model_page_converts_the_labels(client, people, trained):
    client.force_login(people["admin"])
    page = client.get("/classifier/", HTTP_ACCEPT_LANGUAGE="zh-hant").content.decode()
    assert '<th scope="row">環境保護</th>' in page and "环境保护" not in page
