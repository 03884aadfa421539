"""Delivery of outbox rows through the configured channels, with retries and an attempt log.

Several processes deliver at once (the on-commit hook in each web or worker process, the periodic
retry): a row is claimed by a compare-and-set on its attempt counter, which also gives it a lease
(next_attempt_at moves NOTIFY_LEASE_SECONDS ahead). Exactly one process wins the claim; a process
that dies mid-send leaves the row to be retried once the lease runs out (at-least-once delivery).
Sending happens outside any database transaction, so no lock is held while a gateway is slow.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time

from django.conf import settings
from django.db.models import F, Q
from django.utils.module_loading import import_string

from yiwang.core import clock

from .channels import Channel, DeliveryError, Message
from .models import DeliveryAttempt, Outbox

log = logging.getLogger("yiwang.notify")

DEFAULT_CHANNELS = {
    "sms": "yiwang.notify.channels.ConsoleSmsGateway",
    "email": "yiwang.notify.channels.EmailChannel",
    "webhook": "yiwang.notify.channels.WebhookChannel",
}


def _setting(name: str, default):
    return getattr(settings, name, default)


@functools.lru_cache(maxsize=16)
def _load(paths: tuple[tuple[str, str], ...]) -> dict[str, Channel]:
    return {name: import_string(path)() for name, path in paths}


def channels() -> dict[str, Channel]:
    """The channel instances named in NOTIFY_CHANNELS (dotted paths), loaded once per configuration."""
    configured = _setting("NOTIFY_CHANNELS", DEFAULT_CHANNELS)
    return _load(tuple(sorted(configured.items())))


def channel_enabled(name: str) -> bool:
    return name in _setting("NOTIFY_CHANNELS", DEFAULT_CHANNELS)


def backoff(attempts: int) -> dt.timedelta:
    """Wait before attempt `attempts + 1`: base · 2^(attempts − 1), capped."""
    base = _setting("NOTIFY_RETRY_BASE_SECONDS", 60)
    cap = _setting("NOTIFY_RETRY_MAX_SECONDS", 6 * 3600)
    return dt.timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def due_rows(*, now: dt.datetime, ids: list[int] | None = None):
    qs = Outbox.objects.filter(state=Outbox.State.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.order_by("pk")


def deliver_pending(*, ids: list[int] | None = None, limit: int | None = None) -> dict[str, int]:
    """Attempt every due pending row (or only `ids`). Returns counts by outcome."""
    now = clock.now()
    limit = limit or _setting("NOTIFY_BATCH_SIZE", 500)
    counts = {"sent": 0, "retrying": 0, "failed": 0, "skipped": 0}
    for row in list(due_rows(now=now, ids=ids)[:limit]):
        counts[deliver_one(row)] += 1
    return counts


def deliver_one(row: Outbox) -> str:
    """Claim, send and record one row. Returns sent | retrying | failed | skipped (claimed elsewhere)."""
    now = clock.now()
    lease = now + dt.timedelta(seconds=_setting("NOTIFY_LEASE_SECONDS", 300))
    claimed = Outbox.objects.filter(pk=row.pk, state=Outbox.State.PENDING, attempts=row.attempts).update(
        attempts=F("attempts") + 1, next_attempt_at=lease, last_attempt_at=now
    )
    if not claimed:
        return "skipped"
    number = row.attempts + 1
    started = time.monotonic()
    detail, error, permanent = "", "", False
    try:
        channel = channels().get(row.channel)
        if channel is None:
            raise DeliveryError(f"no channel {row.channel!r} in NOTIFY_CHANNELS")
        message = Message(
            outbox_id=row.pk,
            kind=row.kind,
            recipient=row.recipient,
            body=row.body,
            subject=row.subject,
            language=row.language,
        )
        detail = (channel.send(message) or "")[:300]
    except DeliveryError as exc:
        error, permanent = str(exc), exc.permanent
    except Exception as exc:  # noqa: BLE001 - any failure of a channel is recorded and retried
        error = f"{type(exc).__name__}: {exc}"
    duration_ms = int((time.monotonic() - started) * 1000)
    DeliveryAttempt.objects.create(
        outbox_id=row.pk,
        number=number,
        started_at=now,
        duration_ms=duration_ms,
        ok=not error,
        detail=detail,
        error=error[:2000],
    )
    finished = clock.now()
    if not error:
        Outbox.objects.filter(pk=row.pk).update(
            state=Outbox.State.SENT, sent_at=finished, next_attempt_at=None, last_error=""
        )
        return "sent"
    if permanent or number >= _setting("NOTIFY_MAX_ATTEMPTS", 8):
        Outbox.objects.filter(pk=row.pk).update(
            state=Outbox.State.FAILED, next_attempt_at=None, last_error=error[:2000]
        )
        log.warning("notification %s failed for good after %d attempt(s): %s", row.pk, number, error)
        return "failed"
    Outbox.objects.filter(pk=row.pk).update(
        next_attempt_at=finished + backoff(number), last_error=error[:2000]
    )
    log.info("notification %s attempt %d failed, retrying later: %s", row.pk, number, error)
    return "retrying"


def retry_now(*, ids: list[int]) -> dict[str, int]:
    """Staff's "retry now": make pending or failed rows due at once and attempt them."""
    Outbox.objects.filter(pk__in=ids, state__in=[Outbox.State.PENDING, Outbox.State.FAILED]).update(
        state=Outbox.State.PENDING, next_attempt_at=None
    )
    return deliver_pending(ids=ids, limit=len(ids) or 1)
