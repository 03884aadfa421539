"""Celery tasks of notifications: delivery right after a move (NOTIFY_DELIVERY_ON_COMMIT=celery) and
the periodic retry of everything due (beat, every SWEEP_INTERVAL_SECONDS).

A shared task: it runs on whichever Celery app is current, the project's (yiwang.celery) in workers
and, once yiwang.platform has loaded it, in the web process that hands deliveries over. notify sits
below the project modules and does not import them."""

from celery import shared_task

from .delivery import deliver_pending


@shared_task(name="yiwang.notify.tasks.deliver_pending_task", ignore_result=True)
def deliver_pending_task(ids: list[int] | None = None) -> dict[str, int]:
    return deliver_pending(ids=ids)
