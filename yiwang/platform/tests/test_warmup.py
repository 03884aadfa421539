import jieba
import pytest

from yiwang.geo import selectors as geo_selectors
from yiwang.geo.models import Level
from yiwang.platform.warmup import warm_up


@pytest.mark.django_db
def test_warm_up_loads_word_segmentation_and_survives_a_missing_classifier():
    warm_up()  # no classifier is trained in this test: the step is skipped, nothing raises
    assert jieba.dt.initialized


@pytest.mark.django_db
def test_warm_up_builds_the_base_maps_place_names_and_grid_lines():
    geo_selectors._cache.clear()
    warm_up()
    assert ("named",) in geo_selectors._cache
    assert ("features", Level.GRID, True, None) in geo_selectors._cache
