"""Celery tasks of notifications: delivery right after a move (NOTIFY_DELIVERY_ON_COMMIT=celery) and
the periodic retry of everything due (beat, every SWEEP_INTERVAL_SECONDS)."""

from yiwang.celery import app

from .delivery import deliver_pending


@app.task(name="yiwang.notify.tasks.deliver_pending_task", ignore_result=True)
def deliver_pending_task(ids: list[int] | None = None) -> dict[str, int]:
    return deliver_pending(ids=ids)
