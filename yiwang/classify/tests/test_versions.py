"""Versions through the services and the `yiwang classifier` command."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from yiwang.classify import selectors, services
from yiwang.classify.models import ClassifierModel
from yiwang.classify.pipeline import data_fingerprint
from yiwang.core.errors import ApplicationError

from .conftest import write_csv

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("classifier", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_train_stores_an_active_version_with_held_out_metrics(train_rows, settings):
    # when
    record = services.classifier_train(rows=train_rows, source="sample", holdout=0.25)
    # then
    assert record.version == 1 and record.is_active
    assert record.n_rows == len(train_rows)
    assert record.data_fingerprint == data_fingerprint(list(reversed(train_rows)))
    holdout = record.metrics["holdout"]
    assert holdout["n"] + holdout["n_train"] == len(train_rows)
    assert 0.5 < holdout["macro_f1"] <= 1
    path = Path(record.artifact_path)
    assert path.is_file() and path.parent == Path(settings.VAR_DIR) / "models"
    assert selectors.predict("学校食堂饭菜质量差，孩子吃了拉肚子", title="投诉学校食堂")["model_version"] == 1


def test_evaluate_prints_exactly_one_json_object(train_csv, test_csv, test_rows):
    # given
    run("train", "--data", str(train_csv), "--no-holdout")
    # when
    out = run("evaluate", "--data", str(test_csv), "--json")
    # then
    result = json.loads(out)  # raises if anything but one JSON document was printed
    assert result["model_version"] == 1
    assert set(result) >= {"accuracy", "macro_f1", "per_label", "ms_per_message"}
    assert sum(s["support"] for s in result["per_label"].values()) == len(test_rows)


def test_evaluate_without_a_trained_model_exits_3(test_csv):
    # when / then
    with pytest.raises(CommandError, match="no classifier is trained") as err:
        run("evaluate", "--data", str(test_csv), "--json")
    assert err.value.returncode == 3


@pytest.mark.parametrize("action", ["train", "evaluate"])
def test_a_csv_without_the_needed_columns_exits_2(action, tmp_path, train_rows):
    # given
    bad = write_csv(tmp_path / "bad.csv", train_rows, fields=["id", "title", "text"])
    # when / then
    with pytest.raises(CommandError, match="missing column") as err:
        run(action, "--data", str(bad))
    assert err.value.returncode == 2
    with pytest.raises(CommandError, match="no such file") as err:
        run(action, "--data", str(tmp_path / "absent.csv"))
    assert err.value.returncode == 2


def test_rollback_makes_the_earlier_version_serve_predictions(train_rows):
    # given two versions, trained on different samples; the newer one is active
    first = services.classifier_train(rows=train_rows[::2], source="half A", holdout=None)
    second = services.classifier_train(rows=train_rows[1::2], source="half B", holdout=None)
    assert selectors.active_model().version == second.version
    # when
    out = run("rollback", "--version", str(first.version))
    # then
    assert f"v{first.version} is active" in out
    assert list(ClassifierModel.objects.filter(is_active=True).values_list("version", flat=True)) == [1]
    assert selectors.predict("小区停车收费不合理")["model_version"] == first.version
    listing = json.loads(run("list", "--json"))
    assert [(v["version"], v["active"]) for v in listing] == [(2, False), (1, True)]


def test_rollback_to_a_missing_version_is_refused():
    # when / then
    with pytest.raises(ApplicationError) as err:
        services.classifier_activate(version=7)
    assert err.value.code == "classifier_version_not_found"
    with pytest.raises(CommandError) as cmd_err:
        run("rollback", "--version", "7")
    assert cmd_err.value.returncode == 3


def test_a_process_loads_the_model_from_the_database_when_its_file_is_gone(train_rows):
    # given a version whose file cache was removed (another application server, a fresh disk)
    record = services.classifier_train(rows=train_rows, source="sample", holdout=None)
    Path(record.artifact_path).unlink()
    selectors.forget_cached_state()
    # when
    result = selectors.predict("医院乱收费，请卫健委调查", title="投诉医院")
    # then
    assert result["model_version"] == record.version
    assert Path(record.artifact_path).is_file()  # written back as this machine's cache


def test_the_demo_model_leaves_out_the_messages_the_demo_plays_and_is_trained_once(train_csv, train_rows):
    # given the ids of messages the demo history will play
    played = [r["id"] for r in train_rows[:20]]
    # when
    record = services.classifier_train_demo(path=train_csv, exclude_ids=played)
    again = services.classifier_train_demo(path=train_csv, exclude_ids=played)
    # then
    assert record.is_active and record.n_rows == len(train_rows) - 20
    assert record.metrics["holdout"]["n"] > 0  # the model page has held-out figures to show
    assert "20 demo messages left out" in record.data_source
    assert again is None and ClassifierModel.objects.count() == 1
