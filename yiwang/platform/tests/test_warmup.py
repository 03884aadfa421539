import jieba
import pytest

from yiwang.platform.warmup import warm_up


@pytest.mark.django_db
def test_warm_up_loads_word_segmentation_and_survives_a_missing_classifier():
    warm_up()  # no classifier is trained in this test: the step is skipped, nothing raises
    assert jieba.dt.initialized
