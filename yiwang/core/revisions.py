"""A per-process copy of shared configuration, reloaded when its revision counter moves.

The hot path (intake, every move) reads categories, units, the responsibility list and the deadline
policies on every case; they change a few times a year. Each process keeps one snapshot per kind,
built by `load()`, and looks at the shared counter (core.Revision) at most every `check_seconds`
(a setting), so an admin's edit in one process reaches every web server and worker within seconds
without assuming one process. A write bumps the counter inside its transaction and drops this
process's copy at once (and again on commit), so the writer's own process never reads stale data.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.db.models import F

from .models import Revision

T = TypeVar("T")

_SNAPSHOTS: dict[str, SharedSnapshot] = {}


def bump_revision(name: str) -> None:
    """Tell every process that the data behind snapshot `name` changed (inside the writing
    transaction); this process's copy is dropped at once and again on commit."""
    if not Revision.objects.filter(name=name).update(value=F("value") + 1):
        Revision.objects.get_or_create(name=name, defaults={"value": 1})
    snapshot = _SNAPSHOTS.get(name)
    if snapshot is not None:
        snapshot.invalidate()
        transaction.on_commit(snapshot.invalidate)


def revision_queryset(name: str) -> type[models.QuerySet]:
    """A QuerySet whose bulk writes (update, delete, bulk_create, bulk_update: no signals) bump the
    revision `name` too, so no way of editing the data leaves a process with a stale snapshot."""

    class BumpingQuerySet(models.QuerySet):
        def update(self, **kwargs):
            bump_revision(name)
            return super().update(**kwargs)

        def delete(self):
            bump_revision(name)
            return super().delete()

        def bulk_create(self, *args, **kwargs):
            bump_revision(name)
            return super().bulk_create(*args, **kwargs)

        def bulk_update(self, *args, **kwargs):
            bump_revision(name)
            return super().bulk_update(*args, **kwargs)

    BumpingQuerySet.__name__ = BumpingQuerySet.__qualname__ = f"BumpingQuerySet[{name}]"
    return BumpingQuerySet


class SharedSnapshot(Generic[T]):
    def __init__(self, name: str, load: Callable[[], T], *, check_setting: str, default_seconds: float = 2.0):
        self.name, self._load = name, load
        self._check_setting, self._default_seconds = check_setting, default_seconds
        self._lock = threading.Lock()
        self._value: T | None = None
        self._revision: int | None = None
        self._checked_at = 0.0
        _SNAPSHOTS[name] = self

    def _current_revision(self) -> int:
        return Revision.objects.filter(name=self.name).values_list("value", flat=True).first() or 0

    def get(self) -> T:
        now = time.monotonic()
        seconds = getattr(settings, self._check_setting, self._default_seconds)
        value = self._value
        if value is not None and now - self._checked_at < seconds:
            return value
        with self._lock:
            revision = self._current_revision()
            if self._value is None or revision != self._revision:
                self._value, self._revision = self._load(), revision
            self._checked_at = now
            return self._value

    def invalidate(self) -> None:
        self._value, self._checked_at = None, 0.0

    def bump(self) -> None:
        """Tell every process the data changed. Call inside the writing transaction."""
        bump_revision(self.name)
