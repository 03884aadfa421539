"""Writes: train a new classifier version, activate (roll back to) a version."""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Max

from yiwang.core.errors import ApplicationError

from . import error_codes
from .models import ClassifierModel
from .pipeline import (
    DataError,
    MessageClassifier,
    ModelConfig,
    data_fingerprint,
    duplicate_groups,
    evaluate,
    holdout_split,
    memoised,
)
from .selectors import forget_active_version

METHOD = "tfidf[char1-2 of title+text, char1-3 of title] + LinearSVC(balanced)"


def models_dir() -> Path:
    return Path(getattr(settings, "VAR_DIR", Path("var"))) / "models"


def artifact_file(*, version: int, sha256: str) -> Path:
    return models_dir() / f"classifier-v{version}-{sha256[:12]}.bin"


def write_artifact_file(*, path: Path, blob: bytes) -> None:
    """Write atomically: a reader in another process never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _check_rows(rows: Sequence[dict[str, str]]) -> None:
    if not rows:
        raise ApplicationError(error_codes.BAD_DATA, "no training rows / 没有训练数据")
    missing = [c for c in ("title", "text", "label") if c not in rows[0]]
    if missing:
        raise ApplicationError(error_codes.BAD_DATA, f"rows lack column(s) {', '.join(missing)}")
    labels = {r["label"] for r in rows}
    if len(labels) < 2 or "" in labels:
        raise ApplicationError(
            error_codes.BAD_DATA, "training needs every row labelled and at least two labels"
        )


def classifier_train(
    *,
    rows: Sequence[dict[str, str]],
    source: str,
    holdout: float | None = 0.2,
    config: ModelConfig | None = None,
    activate: bool = True,
    seed: int = 0,
) -> ClassifierModel:
    """Fit a new version on ``rows`` and store it (active unless ``activate`` is False).

    With ``holdout`` (a fraction), a model is first fitted on the rest and measured on a
    stratified, duplicate-aware held-out split (copies and near-copies of a message stay on one
    side); those figures go into ``metrics["holdout"]`` and the softmax temperature behind the
    confidences is fitted on the same split. The stored model is then refitted on every row.
    """
    _check_rows(rows)
    started = time.perf_counter()
    titles = [r["title"] for r in rows]
    texts = [r["text"] for r in rows]
    labels = [r["label"] for r in rows]
    metrics: dict = {"method": METHOD}

    with memoised():
        temperature = None
        if holdout:
            groups = duplicate_groups(texts)
            train_idx, test_idx = holdout_split(labels, groups, fraction=holdout, seed=seed)
            part = MessageClassifier(config).fit(
                [titles[i] for i in train_idx], [texts[i] for i in train_idx], [labels[i] for i in train_idx]
            )
            test_titles = [titles[i] for i in test_idx]
            test_texts = [texts[i] for i in test_idx]
            test_labels = [labels[i] for i in test_idx]
            temperature = part.calibrate(part.scores_many(test_titles, test_texts), test_labels)
            result = evaluate(part, test_titles, test_texts, test_labels)
            result.update(
                fraction=holdout,
                n_train=len(train_idx),
                duplicate_groups=int(len(np.unique(groups))),
                seed=seed,
            )
            metrics["holdout"] = result

        try:
            model = MessageClassifier(config).fit(titles, texts, labels)
        except ValueError as exc:
            raise ApplicationError(error_codes.BAD_DATA, str(exc)) from exc
        if temperature is not None:
            model.temperature = temperature
    metrics["temperature"] = model.temperature
    metrics["labels"] = model.labels
    metrics["n_features"] = model.n_features
    metrics["train_seconds"] = round(time.perf_counter() - started, 1)

    blob = model.dumps()
    sha = hashlib.sha256(blob).hexdigest()
    with transaction.atomic():
        # Lock the table's rows so two concurrent trainings cannot take the same version number.
        list(ClassifierModel.objects.select_for_update().only("id").order_by("version"))
        version = (ClassifierModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
        path = artifact_file(version=version, sha256=sha)
        write_artifact_file(path=path, blob=blob)
        if activate:
            ClassifierModel.objects.filter(is_active=True).update(is_active=False)
        record = ClassifierModel.objects.create(
            version=version,
            is_active=activate,
            method=METHOD,
            data_fingerprint=data_fingerprint(rows),
            data_source=source,
            n_rows=len(rows),
            metrics=metrics,
            artifact=blob,
            artifact_sha256=sha,
            artifact_path=str(path),
        )
        if activate:
            transaction.on_commit(forget_active_version)
    return record


def classifier_activate(*, version: int) -> ClassifierModel:
    """Make ``version`` the active model (a rollback when it is older than the current one)."""
    with transaction.atomic():
        record = ClassifierModel.objects.select_for_update().defer("artifact").filter(version=version).first()
        if record is None:
            raise ApplicationError(
                error_codes.VERSION_NOT_FOUND,
                f"no classifier version {version} / 没有版本 {version}",
                status=404,
            )
        ClassifierModel.objects.filter(is_active=True).exclude(pk=record.pk).update(is_active=False)
        if not record.is_active:
            record.is_active = True
            record.save(update_fields=["is_active"])
        transaction.on_commit(forget_active_version)
    return record


def rows_from_csv(path: str) -> list[dict[str, str]]:
    """The command-line entry: read and check a CSV, turning data problems into coded errors."""
    from .pipeline import read_rows

    try:
        return read_rows(path)
    except DataError as exc:
        raise ApplicationError(error_codes.BAD_DATA, str(exc)) from exc
