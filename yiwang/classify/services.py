"""Writes: train a new classifier version, activate (roll back to) a version, record what the
classifier predicted for a case and every correction people made to it."""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Max

from yiwang.cases.models import Case, CaseEvent, Status
from yiwang.cases.transitions import SYSTEM
from yiwang.core.errors import ApplicationError

from . import error_codes
from .models import CasePrediction, CategoryCorrection, ClassifierActivation, ClassifierModel
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


def method_name(config: ModelConfig | None = None) -> str:
    c = config or ModelConfig()
    blocks = {
        "char": f"char{c.char_ngrams[0]}-{c.char_ngrams[1]} of title+text",
        "title": f"char{c.title_ngrams[0]}-{c.title_ngrams[1]} of title",
        "word": f"jieba words {c.word_ngrams[0]}-{c.word_ngrams[1]}",
    }
    estimator = (
        f"RidgeClassifier(alpha={c.alpha}, {c.class_weight or 'unweighted'})"
        if c.estimator == "ridge"
        else f"LinearSVC(C={c.C}, {c.class_weight or 'unweighted'})"
    )
    return f"tfidf[{', '.join(blocks[b] for b in c.blocks)}] + {estimator}"


METHOD = method_name()


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
    actor=None,
    sources: dict | None = None,
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
    method = method_name(config)
    metrics: dict = {"method": method}
    if sources:
        metrics["sources"] = sources

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
            method=method,
            data_fingerprint=data_fingerprint(rows),
            data_source=source,
            n_rows=len(rows),
            metrics=metrics,
            artifact=blob,
            artifact_sha256=sha,
            artifact_path=str(path),
        )
        if activate:
            ClassifierActivation.objects.create(version=version, actor=actor, reason="train")
            transaction.on_commit(forget_active_version)
    return record


def classifier_activate(*, version: int, actor=None) -> ClassifierModel:
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
            newest = ClassifierModel.objects.aggregate(v=Max("version"))["v"]
            reason = "rollback" if version < newest else "activate"
            ClassifierActivation.objects.create(version=version, actor=actor, reason=reason)
        transaction.on_commit(forget_active_version)
    return record


def rows_from_csv(path: str) -> list[dict[str, str]]:
    """The command-line entry: read and check a CSV, turning data problems into coded errors."""
    from .pipeline import read_rows

    try:
        return read_rows(path)
    except DataError as exc:
        raise ApplicationError(error_codes.BAD_DATA, str(exc)) from exc


# ---------------------------------------------------------------------------------------------
# Predictions and corrections (feedback from the case desks)
# ---------------------------------------------------------------------------------------------


def finished_statuses() -> tuple[str, ...]:
    """Cases whose handling is over: answered at intake, closed, rated."""
    return (Status.ANSWERED, Status.CLOSED, Status.RATED)


def root_label(category) -> str:
    """The first-level name of a category: the classifier's label space."""
    return category.lineage()[-1].name


def prediction_record(*, case, label: str, confidence: float, model_version: int | None) -> CasePrediction:
    """Keep what the classifier said about ``case`` at intake (once per case)."""
    prediction, _ = CasePrediction.objects.get_or_create(
        case=case, defaults={"label": label, "confidence": confidence, "model_version": model_version}
    )
    return prediction


def record_correction(
    *,
    case,
    predicted: str,
    chosen,
    actor=None,
    actor_role: str = "",
    predicted_confidence: float | None = None,
    model_version: int | None = None,
    event=None,
) -> CategoryCorrection | None:
    """Record that a person changed ``case``'s category from the classifier's ``predicted`` label to
    ``chosen`` (a routing Category). Returns None when it is no correction (the same first-level
    label, or the same correction already recorded last for this case).

    Called for every move that can set a category (see receivers.py); may be called directly."""
    chosen_label = root_label(chosen)
    if chosen_label == predicted:
        return None
    last = CategoryCorrection.objects.filter(case=case).order_by("-created_at", "-id").first()
    if last is not None and last.chosen_label == chosen_label:
        return None
    if model_version is None or predicted_confidence is None:
        stored = CasePrediction.objects.filter(case=case).first()
        if stored is not None and stored.label == predicted:
            model_version = stored.model_version if model_version is None else model_version
            if predicted_confidence is None:
                predicted_confidence = stored.confidence
    auto = CaseEvent.objects.filter(case=case, action="dispatch", actor_role=SYSTEM).exists()
    return CategoryCorrection.objects.create(
        case=case,
        predicted_label=predicted,
        predicted_confidence=predicted_confidence,
        chosen_label=chosen_label,
        chosen_category=chosen,
        model_version=model_version,
        actor=actor,
        actor_role=actor_role or getattr(actor, "role", "") or "",
        auto_dispatched=auto,
        event=event,
    )


def training_rows_from_cases() -> tuple[list[dict[str, str]], dict]:
    """Labelled rows from the platform's own cases: every finished case (answered at intake, closed
    or rated) with a category, labelled
    with its category's first-level name, and every corrected case (closed or not) labelled with
    the latest correction. Returns (rows, {"closed_cases", "corrections", "correction_ids"})."""
    latest: dict[int, CategoryCorrection] = {}
    for c in CategoryCorrection.objects.order_by("created_at", "id"):
        latest[c.case_id] = c  # the last one wins
    rows: dict[int, dict[str, str]] = {}
    closed = (
        Case.objects.filter(status__in=finished_statuses(), category__isnull=False)
        .select_related("category__parent__parent")
        .only("id", "number", "title", "text", "category")
    )
    n_closed = 0
    for case in closed.iterator(chunk_size=2000):
        rows[case.pk] = {
            "id": f"case:{case.number}",
            "title": case.title,
            "text": case.text,
            "label": root_label(case.category),
        }
        n_closed += 1
    corrected = Case.objects.filter(pk__in=list(latest)).only("id", "number", "title", "text")
    for case in corrected:
        rows[case.pk] = {
            "id": f"case:{case.number}",
            "title": case.title,
            "text": case.text,
            "label": latest[case.pk].chosen_label,
        }
    return list(rows.values()), {
        "closed_cases": n_closed,
        "corrections": len(latest),
        "correction_ids": [c.pk for c in latest.values()],
    }


def merge_rows(base: Sequence[dict[str, str]], extra: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    """``base`` plus ``extra``; where both hold the same message (same text once whitespace and
    punctuation are removed), the row from ``extra`` (the platform's own, newer label) wins."""
    from .pipeline import text_key

    def key(row):
        return text_key(row["title"] + "\n" + row["text"])

    out: dict[str, dict[str, str]] = {}
    for row in list(base) + list(extra):
        out[key(row)] = row
    return list(out.values())


def classifier_train_from_cases(
    *,
    base_rows: Sequence[dict[str, str]] = (),
    base_source: str = "",
    holdout: float | None = 0.2,
    activate: bool = True,
    actor=None,
) -> ClassifierModel:
    """Train a new version on ``base_rows`` (e.g. train.csv) plus the platform's closed cases and
    people's corrections; the corrections used are marked with the new version."""
    case_rows, found = training_rows_from_cases()
    rows = merge_rows(base_rows, case_rows)
    parts = [base_source] if base_source else []
    parts.append(f"cases: {found['closed_cases']} closed, {found['corrections']} corrected")
    record = classifier_train(
        rows=rows,
        source=" + ".join(parts),
        holdout=holdout,
        activate=activate,
        actor=actor,
        sources={
            "base_rows": len(base_rows),
            "closed_cases": found["closed_cases"],
            "corrections": found["corrections"],
            "rows": len(rows),
        },
    )
    CategoryCorrection.objects.filter(pk__in=found["correction_ids"], used_in_version__isnull=True).update(
        used_in_version=record.version
    )
    return record


def classifier_train_demo(
    *, path: str | os.PathLike | None = None, exclude_ids: Collection[str] = ()
) -> ClassifierModel | None:
    """The demo's classifier: trained on data/messages/train.csv without the rows whose id is in
    ``exclude_ids`` (the messages the demo history will play, so the demo meets them as unseen
    messages, as the real platform would), with the 20 % held-out measurement the model page shows.
    Does nothing (returns None) when the active model was trained on exactly these rows already,
    so reloading the demo is quick."""
    path = Path(path) if path else Path(settings.DATA_DIR) / "messages" / "train.csv"
    excluded = set(exclude_ids)
    rows = [r for r in rows_from_csv(str(path)) if r.get("id") not in excluded]
    active = ClassifierModel.objects.filter(is_active=True).only("data_fingerprint").first()
    if active is not None and active.data_fingerprint == data_fingerprint(rows):
        return None
    source = f"{path.name} ({len(rows)} rows" + (
        f", {len(excluded)} demo messages left out)" if excluded else ")"
    )
    return classifier_train(rows=rows, source=source, holdout=0.2)
