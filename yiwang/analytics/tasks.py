"""Periodic projection of the case events into the measures' rollups (Celery beat in production).

Add to CELERY_BEAT_SCHEDULE, e.g. every minute:
    "project-measures": {"task": "yiwang.analytics.tasks.project_measures_task", "schedule": 60,
                         "options": {"expires": 60}},
Idempotent: the checkpoint is locked, so a second run at the same time waits, then finds nothing to do.
"""

from __future__ import annotations

import logging

from celery import shared_task

from .services import measures_project

log = logging.getLogger("yiwang.analytics")


@shared_task(name="yiwang.analytics.tasks.project_measures_task", ignore_result=True)
def project_measures_task() -> dict:
    result = measures_project()
    if result.events:
        log.info("measures: projected %d events (checkpoint %d)", result.events, result.last_seq)
    return {"events": result.events, "last_seq": result.last_seq, "backlog": result.backlog}


@shared_task(name="yiwang.analytics.tasks.cockpit_refresh_task", ignore_result=True)
def cockpit_refresh_task() -> dict:
    """Measures, hot spots, early warnings and hot topics (CELERY_BEAT_SCHEDULE: every 15 minutes)."""
    from .services import cockpit_refresh

    return cockpit_refresh()
