"""Reads: the active classifier version, and predictions from it.

Each process keeps the model it loaded, keyed by version, and re-reads which version is active
at most every CLASSIFY_CHECK_SECONDS (default 2 s), so an activation or rollback done by any
process reaches every other process within that time without a query per prediction.
"""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

from django.conf import settings

from yiwang.cases.models import Case, CaseEvent
from yiwang.cases.transitions import SYSTEM
from yiwang.core.errors import ApplicationError

from . import error_codes
from .models import ClassifierModel
from .pipeline import MessageClassifier

_lock = threading.Lock()
# artifact sha256 -> model. Keyed by content, not version number, so a version number reused
# (a test database rolled back, a fresh database) can never serve another model's bytes.
_loaded: dict[str, MessageClassifier] = {}
_active: dict = {"version": None, "sha": None, "checked": 0.0}
# The version behind this thread's latest prediction: intake predicts, then writes the case's
# "create" event in the same thread, where receivers.py records which version predicted.
_served = threading.local()


def active_model() -> ClassifierModel | None:
    """The active version's row (without its artifact bytes), or None when none is trained."""
    return ClassifierModel.objects.defer("artifact").filter(is_active=True).first()


def classifier_list():
    return ClassifierModel.objects.defer("artifact").order_by("-version")


def _active_version() -> tuple[int, str]:
    interval = float(getattr(settings, "CLASSIFY_CHECK_SECONDS", 2.0))
    now = time.monotonic()
    if _active["version"] is None or now - _active["checked"] >= interval:
        found = (
            ClassifierModel.objects.filter(is_active=True).values_list("version", "artifact_sha256").first()
        )
        version, sha = found or (None, None)
        _active.update(version=version, sha=sha, checked=now)
    if _active["version"] is None:
        raise ApplicationError(
            error_codes.NOT_TRAINED,
            "no classifier is trained yet: run `yiwang classifier train --data CSV` / 尚未训练分类模型",
            status=503,
        )
    return int(_active["version"]), str(_active["sha"])


def _load(record: ClassifierModel) -> MessageClassifier:
    """From this machine's file cache when its bytes match, else from the database (and cache it)."""
    from .services import artifact_file, write_artifact_file

    path = Path(record.artifact_path) if record.artifact_path else None
    if path and path.is_file():
        blob = path.read_bytes()
        if hashlib.sha256(blob).hexdigest() == record.artifact_sha256:
            return MessageClassifier.loads(blob)
    blob = bytes(ClassifierModel.objects.filter(pk=record.pk).values_list("artifact", flat=True).get())
    if hashlib.sha256(blob).hexdigest() != record.artifact_sha256:
        raise ApplicationError(
            error_codes.ARTIFACT_CORRUPT, f"classifier v{record.version}: artifact checksum mismatch"
        )
    try:
        write_artifact_file(
            path=artifact_file(version=record.version, sha256=record.artifact_sha256), blob=blob
        )
    except OSError:
        pass  # the cache is an optimisation; a read-only disk still serves from the database
    return MessageClassifier.loads(blob)


def _model(record: ClassifierModel) -> MessageClassifier:
    model = _loaded.get(record.artifact_sha256)
    if model is not None:
        return model
    with _lock:
        model = _loaded.get(record.artifact_sha256)
        if model is None:
            model = _load(record)
            # Keep the newest other model besides this one (a rollback is then instant); drop the rest.
            for old in list(_loaded)[:-1]:
                del _loaded[old]
            _loaded[record.artifact_sha256] = model
    return model


def model_for_version(version: int) -> MessageClassifier:
    record = ClassifierModel.objects.defer("artifact").filter(version=version).first()
    if record is None:
        raise ApplicationError(error_codes.VERSION_NOT_FOUND, f"no classifier version {version}", status=404)
    return _model(record)


def loaded_active_model() -> tuple[int, MessageClassifier]:
    """(version, model) of the active version, loading it once per process."""
    version, sha = _active_version()
    model = _loaded.get(sha)
    if model is None:
        record = ClassifierModel.objects.defer("artifact").filter(version=version).first()
        if record is None:  # deactivated between the two reads: look again next time
            forget_active_version()
            return loaded_active_model()
        model = _model(record)
    return version, model


def predict(text: str, *, title: str = "") -> dict:
    """{"label", "confidence", "candidates": [{label, confidence} x3], "model_version"}."""
    version, model = loaded_active_model()
    result = model.predict(title, text).as_dict()
    result["model_version"] = version
    _served.version = version
    return result


def last_served_version() -> int | None:
    """The model version of the latest prediction made in this thread (None: none yet)."""
    return getattr(_served, "version", None)


def forget_active_version() -> None:
    """Re-read the active version on the next prediction (called after an activation commits)."""
    _active.update(version=None, sha=None, checked=0.0)


def forget_cached_state() -> None:
    """Drop what this process remembers (tests; after an activation in this process)."""
    with _lock:
        _loaded.clear()
    _served.__dict__.clear()
    forget_active_version()


# ---------------------------------------------------------------------------------------------
# The model page: versions, held-out figures, what happened at the desks
# ---------------------------------------------------------------------------------------------


def model_page(*, version: int | None = None) -> dict:
    """Everything the admins' model page shows (one version in detail, the active one by default)."""
    from django.db.models import Count

    from .models import CasePrediction, CategoryCorrection, ClassifierActivation

    versions = list(classifier_list())
    shown = next((v for v in versions if v.version == version), None) if version else None
    shown = shown or next((v for v in versions if v.is_active), None) or (versions[0] if versions else None)
    holdout = (shown.metrics.get("holdout") or {}) if shown else {}
    confusion = holdout.get("confusion") or {}
    matrix_rows = []
    labels = confusion.get("labels", [])
    for i, (label, counts) in enumerate(zip(labels, confusion.get("matrix", []), strict=False)):
        total = sum(counts)
        cells = [{"n": n, "share": n / (total or 1), "diagonal": i == j} for j, n in enumerate(counts)]
        matrix_rows.append({"label": label, "cells": cells, "total": total})

    auto_cases = CaseEvent.objects.filter(action="dispatch", actor_role=SYSTEM).values("case_id")
    corrections = CategoryCorrection.objects.all()
    desk = {
        "predicted": CasePrediction.objects.count(),
        "corrected": corrections.values("case_id").distinct().count(),
        "auto_dispatched": auto_cases.distinct().count(),
        "auto_corrected": corrections.filter(auto_dispatched=True).values("case_id").distinct().count(),
        # A unit returning an auto-dispatched case is the other sign it went to the wrong place.
        "auto_returned": CaseEvent.objects.filter(action="return", case_id__in=auto_cases)
        .values("case_id")
        .distinct()
        .count(),
        "pending": corrections.filter(used_in_version__isnull=True).count(),
    }
    pairs = (
        corrections.values("predicted_label", "chosen_label")
        .annotate(n=Count("id"))
        .order_by("-n", "predicted_label")[:10]
    )
    by_version = {
        row["model_version"]: row["n"]
        for row in CasePrediction.objects.values("model_version").annotate(n=Count("id"))
    }
    corrected_by_version = {
        row["model_version"]: row["n"]
        for row in corrections.values("model_version").annotate(n=Count("case_id", distinct=True))
    }
    history = [
        {
            "record": v,
            "macro_f1": (v.metrics.get("holdout") or {}).get("macro_f1"),
            "predicted": by_version.get(v.version, 0),
            "corrected": corrected_by_version.get(v.version, 0),
        }
        for v in versions
    ]
    return {
        "shown": shown,
        "holdout": holdout,
        "per_label": sorted((holdout.get("per_label") or {}).items()),
        "confusion_labels": confusion.get("labels", []),
        "confusion_rows": matrix_rows,
        "history": history,
        "activations": list(ClassifierActivation.objects.select_related("actor__unit", "actor__area")[:20]),
        "desk": desk,
        "pairs": list(pairs),
        "recent_corrections": list(
            corrections.select_related("case", "actor").order_by("-created_at", "-id")[:20]
        ),
    }


# ---------------------------------------------------------------------------------------------
# Similar closed cases and their replies
# ---------------------------------------------------------------------------------------------

# The index covers the most recent SIMILAR_POOL answered cases: enough for a district pilot (it is
# rebuilt in about a second per 10,000 cases); a city would keep vectors in the database instead.
SIMILAR_POOL = 20000
_similar: dict = {"key": None, "index": None, "ids": [], "position": {}, "checked": 0.0}
_similar_lock = threading.Lock()


def _answered_cases():
    from .services import finished_statuses

    return Case.objects.filter(status__in=finished_statuses()).exclude(reply_text="")


def _similar_index():
    """(index, case ids, {case id: row}) over the answered cases, rebuilt when they changed (checked
    at most every CLASSIFY_SIMILAR_CHECK_SECONDS, default 30 s)."""
    from django.db.models import Count, Max

    from .services import root_label
    from .similar import SimilarIndex

    interval = float(getattr(settings, "CLASSIFY_SIMILAR_CHECK_SECONDS", 30.0))
    now = time.monotonic()
    if _similar["index"] is not None and now - _similar["checked"] < interval:
        return _similar["index"], _similar["ids"], _similar["position"]
    with _similar_lock:
        key = tuple(_answered_cases().aggregate(n=Count("id"), last=Max("updated_at")).values())
        if key != _similar["key"] or _similar["index"] is None:
            cases = list(
                _answered_cases()
                .select_related("category__parent__parent")
                .only("id", "title", "text", "category")
                .order_by("-closed_at", "-id")[:SIMILAR_POOL]
            )
            index = SimilarIndex().build(
                [c.title for c in cases],
                [c.text for c in cases],
                [root_label(c.category) if c.category_id else None for c in cases],
            )
            ids = [c.pk for c in cases]
            _similar.update(key=key, index=index, ids=ids, position={pk: i for i, pk in enumerate(ids)})
        _similar["checked"] = now
        return _similar["index"], _similar["ids"], _similar["position"]


def case_label(case) -> str | None:
    """The case's first-level category: the one people confirmed, else the classifier's guess."""
    from .services import root_label

    if case.category_id:
        return root_label(case.category)
    candidates = case.category_candidates or []
    return candidates[0].get("name") if candidates else None


def similar_cases(case, limit: int = 5) -> list[dict]:
    """The finished cases with a reply (answered at intake, closed or rated) most like ``case``, best first:
    [{"case": Case, "score": float, "same_category": bool}]. The case itself, the case it was merged
    into and the cases merged into it are left out (their reply is this case's own)."""
    index, ids, position = _similar_index()
    if not ids:
        return []
    related = {case.pk, case.parent_id, *Case.objects.filter(parent_id=case.pk).values_list("pk", flat=True)}
    exclude = [position[pk] for pk in related if pk in position]
    hits = index.query(case.title, case.text, k=limit, label=case_label(case), exclude=exclude)
    found = Case.objects.select_related("category", "lead_unit").in_bulk([ids[h.index] for h in hits])
    return [
        {"case": found[ids[h.index]], "score": round(h.score, 4), "same_category": h.same_category}
        for h in hits
        if ids[h.index] in found
    ]


def forget_similar_index() -> None:
    with _similar_lock:
        _similar.update(key=None, index=None, ids=[], position={}, checked=0.0)
