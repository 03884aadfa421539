"""The periodic jobs without a broker: a daemon thread of `yiwang serve` in demo mode.

Production runs the same jobs as Celery beat entries (yiwang.celery, CELERY_BEAT_SCHEDULE).
Each run uses this thread's own database connections and closes them afterwards, so an idle demo
holds none and SQLite's writer lock is never kept between runs.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import connections

# Modules, not their functions: a job is looked up when it runs, so tests can replace it.
from yiwang.analytics import services as analytics_services
from yiwang.cases import audit as case_audit
from yiwang.cases import tasks as case_tasks
from yiwang.notify import delivery

log = logging.getLogger("yiwang.platform")


_last_cockpit_refresh = 0.0


def _cockpit_refresh_if_due() -> dict | None:
    """The cockpit's refresh (topics, warnings) is heavier: at most every COCKPIT_REFRESH_SECONDS."""
    global _last_cockpit_refresh
    if time.monotonic() - _last_cockpit_refresh < settings.COCKPIT_REFRESH_SECONDS and _last_cockpit_refresh:
        return None
    _last_cockpit_refresh = time.monotonic()
    return analytics_services.cockpit_refresh()


def run_periodic_jobs_once() -> dict:
    """One deadline sweep, one delivery of the due notifications and, when due, the cockpit's refresh;
    a failing job never stops the others."""
    results: dict = {}
    try:
        jobs = (
            ("sweep", lambda: case_tasks.sweep_deadlines()),
            ("delivery", lambda: delivery.deliver_pending()),
            ("cockpit", _cockpit_refresh_if_due),
        )
        for name, job in jobs:
            try:
                results[name] = job()
            except Exception:  # noqa: BLE001 - logged; the next run tries again
                log.exception("periodic job %s failed", name)
    finally:
        connections.close_all()  # this thread's connections only (they are per thread)
    return results


class PeriodicJobs(threading.Thread):
    """Runs the jobs at once, then every `interval` seconds, until `stop()`."""

    def __init__(self, interval: float):
        super().__init__(name="yiwang-periodic-jobs", daemon=True)
        self.interval = interval
        self._stop_event = threading.Event()

    def run(self) -> None:
        while True:
            run_periodic_jobs_once()
            if self._stop_event.wait(self.interval):
                return

    def stop(self, timeout: float | None = 10) -> None:
        self._stop_event.set()
        self.join(timeout)


class Sequencer(threading.Thread):
    """The audit trail's sequencer in demo mode: every AUDIT_SEQUENCER_INTERVAL_SECONDS, give the
    waiting events their global place (cases.audit.sequence_pending), until `stop()`. Production runs
    the same on Celery beat (sequence-audit-events)."""

    def __init__(self, interval: float):
        super().__init__(name="yiwang-audit-sequencer", daemon=True)
        self.interval = interval
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            try:
                while case_audit.sequence_pending():
                    pass
            except Exception:  # noqa: BLE001 - logged; the next tick tries again
                log.exception("audit sequencer failed")
            finally:
                connections.close_all()

    def stop(self, timeout: float | None = 10) -> None:
        self._stop_event.set()
        self.join(timeout)


def start_sequencer() -> Sequencer | None:
    """The audit sequencer thread of `yiwang serve` in demo mode (AUDIT_SEQUENCER_INTERVAL_SECONDS > 0)."""
    seconds = settings.AUDIT_SEQUENCER_INTERVAL_SECONDS
    if seconds <= 0:
        return None
    sequencer = Sequencer(seconds)
    sequencer.start()
    return sequencer


def start_periodic_jobs(interval: float) -> PeriodicJobs:
    thread = PeriodicJobs(interval)
    thread.start()
    return thread
