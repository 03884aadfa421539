"""Writes of the analytics app: projecting case events into the rollups, and rebuilding them.

The rollups follow the audit trail, never the other way round: `measures_project` reads the events
after its checkpoint in global_seq order, adds them to the counts and moves the checkpoint, all in
one transaction, so a crash never counts an event twice or skips one. Any process may run it (a
Celery beat task, `yiwang measures_project`, or a cockpit read finding a small backlog); the
checkpoint row is locked, so they take turns.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from yiwang.cases.models import Case, CaseEvent
from yiwang.core import clock
from yiwang.workdays.snapshot import current_schedule

from .dialects import current_dialect
from .intake import empty_intake_rollups, project_intake_range
from .models import Projection
from .projection import ROLLUPS, project_range
from .ruler import ensure_ruler

log = logging.getLogger("yiwang.analytics")
PROJECTION = "measures"
INTAKE = "intake"
DEFAULT_BATCH = 200_000


@dataclass
class ProjectResult:
    events: int  # events counted by this call
    last_seq: int  # the checkpoint after it
    backlog: int  # events still waiting
    skipped: bool = False  # another process held the checkpoint


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment, current_schedule().tz).date()


def _checkpoint(name: str, *, wait: bool) -> Projection | None:
    """A projection's checkpoint row, locked for this transaction (None: another process holds it)."""
    try:
        with transaction.atomic():  # a savepoint: a refused lock must not break the transaction
            state = Projection.objects.select_for_update(nowait=not wait).filter(name=name).first()
    except DatabaseError:
        return None
    if state is None:
        Projection.objects.get_or_create(name=name)
        state = Projection.objects.select_for_update().get(name=name)
    return state


def _head() -> int:
    return CaseEvent.objects.aggregate(m=Max("global_seq"))["m"] or 0


def _project_batch(state: Projection, hi: int, head: int) -> int:
    lo = state.last_seq
    span = CaseEvent.objects.filter(global_seq__gt=lo, global_seq__lte=hi).aggregate(
        first=Min("created_at"), last=Max("created_at")
    )
    if span["first"] is None:  # no events in the range (cannot happen with a gapless chain)
        state.last_seq = hi
        return 0
    oldest_case = Case.objects.aggregate(m=Min("received_at"))["m"] or span["first"]
    first = min(_local_date(span["first"]), _local_date(oldest_case)) - dt.timedelta(days=1)
    last = _local_date(max(span["last"], clock.now())) + dt.timedelta(days=1)
    ensure_ruler(state, first=first, last=last)
    # From nothing to the head: every event of every case, no need to find the cases touched.
    project_range(current_dialect(), lo, hi, whole=lo == 0 and hi == head)
    last_event = CaseEvent.objects.filter(global_seq=hi).values_list("created_at", flat=True).first()
    state.last_seq = hi
    state.last_event_at = last_event or span["last"]
    return hi - lo


def _catch_up(
    name: str, step, *, batch_size: int | None, wait: bool, max_events: int | None = None
) -> ProjectResult:
    """Move a projection's checkpoint to the head, `step(state, hi, head)` counting each batch of
    `batch_size` events (None: everything in one) in its own transaction."""
    counted = 0
    while True:
        with transaction.atomic():
            state = _checkpoint(name, wait=wait)
            if state is None:
                return ProjectResult(counted, 0, 0, skipped=True)
            head = _head()
            if head <= state.last_seq or (max_events is not None and counted >= max_events):
                return ProjectResult(counted, state.last_seq, max(0, head - state.last_seq))
            hi = head if batch_size is None else min(head, state.last_seq + batch_size)
            counted += step(state, hi, head)
            state.last_seq = hi
            state.projected_at = clock.now()
            state.save()


def measures_project(
    *, batch_size: int | None = DEFAULT_BATCH, max_events: int | None = None, wait: bool = True
) -> ProjectResult:
    """Count the events after the checkpoint, in batches of `batch_size` (one transaction each;
    None: everything in one)."""
    return _catch_up(PROJECTION, _project_batch, batch_size=batch_size, wait=wait, max_events=max_events)


def measures_refresh_for_read() -> ProjectResult | None:
    """Before a cockpit read: count a small backlog at once, so the page shows the latest moves.

    A larger backlog (MEASURES_READ_CATCH_UP_MAX events) is left to the periodic task and the page
    says how old its figures are; a read never waits for another process's projection."""
    limit = int(getattr(settings, "MEASURES_READ_CATCH_UP_MAX", 50_000))
    head = _head()
    state = Projection.objects.filter(name=PROJECTION).first()
    backlog = head - (state.last_seq if state else 0)
    intake = Projection.objects.filter(name=INTAKE).first()
    intake_backlog = head - (intake.last_seq if intake else 0)
    if 0 < intake_backlog <= limit:
        intake_project(batch_size=limit, wait=False)
    if backlog <= 0 or backlog > limit:
        return None
    return measures_project(batch_size=limit, max_events=limit, wait=False)


def _empty_rollups() -> None:
    if connection.vendor == "postgresql":
        tables = ", ".join(model._meta.db_table for model, _, _ in ROLLUPS)
        with connection.cursor() as cur:
            cur.execute(f"TRUNCATE {tables}")
    else:
        for model, _, _ in ROLLUPS:
            model.objects.all().delete()


def intake_project(*, batch_size: int = DEFAULT_BATCH, wait: bool = True) -> ProjectResult:
    """Count the cases created after the intake checkpoint into the hot spots' and the warnings'
    rollups (intake.py), in batches of `batch_size` events, one transaction each."""
    return _catch_up(
        INTAKE,
        lambda state, hi, head: project_intake_range(state.last_seq, hi),
        batch_size=batch_size,
        wait=wait,
    )


def intake_rebuild() -> ProjectResult:
    with transaction.atomic():
        state = _checkpoint(INTAKE, wait=True)
        empty_intake_rollups()
        state.last_seq = 0
        state.save()
    return intake_project()


def cockpit_refresh() -> dict:
    """Everything the cockpit reads, brought up to date: the measures' and the intake rollups, the
    early warnings of today and the hot topics. The periodic task and the demo loader call it."""
    from .early_warnings import warnings_scan
    from .topics import topics_refresh

    measures = measures_project()
    intake = intake_project()
    alerts = warnings_scan()
    topics = topics_refresh()
    return {
        "measures_events": measures.events,
        "intake_cases": intake.events,
        "alerts": len(alerts),
        "topics": topics,
    }


def measures_rebuild(*, batch_size: int | None = None) -> ProjectResult:
    """Empty the rollups and count every event again (after the definitions or the calendar change).

    By default in one pass and one transaction: one sort of all events and no look-ups; cockpit
    reads wait for it (the rollups are locked) and never see half the counts. With `batch_size`,
    in batches of that many events, each its own transaction (readers see the counts grow)."""
    with transaction.atomic():
        state = _checkpoint(PROJECTION, wait=True)
        _empty_rollups()
        state.last_seq, state.last_event_at, state.ruler_revision = 0, None, -1
        if batch_size is None:
            head = _head()
            counted = _project_batch(state, head, head) if head else 0
            state.projected_at = clock.now()
            state.save()
            return ProjectResult(counted, state.last_seq, 0)
        state.save()
    return measures_project(batch_size=batch_size)
