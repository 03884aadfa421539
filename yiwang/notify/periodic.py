"""The periodic jobs without a broker: a daemon thread of `yiwang serve` in demo mode.

Production runs the same two jobs as Celery beat entries (yiwang.celery, CELERY_BEAT_SCHEDULE).
Each run uses this thread's own database connections and closes them afterwards, so an idle demo
holds none and SQLite's writer lock is never kept between runs.
"""

from __future__ import annotations

import logging
import threading

from django.db import connections

log = logging.getLogger("yiwang.notify")


def run_periodic_jobs_once() -> dict:
    """One deadline sweep and one delivery of the due notifications; a failing job never stops the other."""
    from yiwang.cases.tasks import sweep_deadlines

    from .delivery import deliver_pending

    results: dict = {}
    try:
        for name, job in (("sweep", sweep_deadlines), ("delivery", deliver_pending)):
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


def start_periodic_jobs(interval: float) -> PeriodicJobs:
    thread = PeriodicJobs(interval)
    thread.start()
    return thread
