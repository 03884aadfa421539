"""Test setup shared by every app.

The Jiangmen demo geography (real districts, generated towns/communities/grids) is loaded once per
test session into the test database; each test runs in a transaction on top of it and rolls back.
Tests cannot reach the network: everything they need is on this machine.
"""

import os

import pytest
from hypothesis import HealthCheck, settings

os.environ.setdefault("YIWANG_MODE", "demo")  # unset means production (yiwang/settings.py)

# Tests never depend on timing: on a shared, busy machine hypothesis's per-example deadline and its
# "generation too slow" check failed valid runs. The examples and their number stay the same.
settings.register_profile("yiwang", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("yiwang")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from yiwang.platform.demo import load_demo

    with django_db_blocker.unblock():
        load_demo(history=0)  # tests make their own cases


@pytest.fixture(autouse=True)
def _fresh_geo_index(settings):
    # Always re-check the shared revision, so a rolled-back area change never leaks into the next test.
    settings.GEO_INDEX_CHECK_SECONDS = 0
    settings.WORKDAY_CALENDAR_CHECK_SECONDS = 0
    settings.ROUTING_CHECK_SECONDS = 0
    # Tests read global_seq right after a move: sequence inside it. The deferred sequencer (production)
    # has its own tests (yiwang/cases/tests/test_sequencer.py), which set "deferred".
    settings.AUDIT_SEQUENCING = "inline"
    # The classifier and the similar-cases index are cached per process: a rolled-back test's model
    # or cases must not answer for the next test.
    from yiwang.classify import selectors as classify_selectors

    settings.CLASSIFY_CHECK_SECONDS = 0
    settings.CLASSIFY_SIMILAR_CHECK_SECONDS = 0
    classify_selectors.forget_cached_state()
    classify_selectors.forget_similar_index()
    yield


@pytest.fixture(autouse=True)
def _default_language():
    # A request in another language leaves it active in the thread: start every test in Chinese.
    from django.utils import translation

    translation.activate("zh-hans")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _release_clock():
    from yiwang.core import clock

    yield
    clock.freeze(None)


pytest_plugins = ["yiwang.core.testing.browser"]


@pytest.fixture
def trained(db):
    """A classifier trained on 60 messages per category of data/messages (a few seconds), active."""
    import csv

    from django.conf import settings as django_settings

    from yiwang.classify.selectors import forget_cached_state
    from yiwang.classify.services import classifier_train

    with open(django_settings.DATA_DIR / "messages" / "train.csv", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["text_form"] != "segmented_only"]
    per_label: dict[str, list] = {}
    for r in rows:
        per_label.setdefault(r["label"], []).append(r)
    sample = [r for group in per_label.values() for r in group[:60]]
    classifier_train(rows=sample, source="test sample", holdout=None)
    forget_cached_state()
    yield
    forget_cached_state()
