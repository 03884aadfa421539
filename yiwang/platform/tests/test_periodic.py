"""The demo's periodic jobs: a thread of `yiwang serve` (production runs them on Celery beat)."""

import threading
import time

from yiwang.notify import delivery
from yiwang.platform import periodic


def test_the_demo_thread_runs_both_jobs_and_survives_a_failure(monkeypatch):
    # given a sweep that fails and a delivery that works
    calls, closed = [], []

    def failing_sweep(**kw):
        calls.append("sweep")
        raise RuntimeError("database unavailable")

    monkeypatch.setattr("yiwang.cases.tasks.sweep_deadlines", failing_sweep)
    monkeypatch.setattr(delivery, "deliver_pending", lambda **kw: calls.append("delivery") or {})
    monkeypatch.setattr(periodic.connections, "close_all", lambda: closed.append(threading.current_thread()))
    # when the thread runs for a few intervals
    thread = periodic.start_periodic_jobs(0.05)
    deadline = time.monotonic() + 5
    while calls.count("delivery") < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    thread.stop()
    # then both jobs ran each time, and the thread closed its own connections after each run
    assert calls[:4] == ["sweep", "delivery", "sweep", "delivery"]
    assert closed and all(t is thread for t in closed) and not thread.is_alive()
