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

from yiwang.core.errors import ApplicationError

from . import error_codes
from .models import ClassifierModel
from .pipeline import MessageClassifier

_lock = threading.Lock()
# artifact sha256 -> model. Keyed by content, not version number, so a version number reused
# (a test database rolled back, a fresh database) can never serve another model's bytes.
_loaded: dict[str, MessageClassifier] = {}
_active: dict = {"version": None, "sha": None, "checked": 0.0}


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
    return result


def forget_active_version() -> None:
    """Re-read the active version on the next prediction (called after an activation commits)."""
    _active.update(version=None, sha=None, checked=0.0)


def forget_cached_state() -> None:
    """Drop what this process remembers (tests; after an activation in this process)."""
    with _lock:
        _loaded.clear()
    forget_active_version()
