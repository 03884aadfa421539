"""Delivery of outbox rows through pluggable channels. The default SMS gateway logs to the console."""

from __future__ import annotations

import logging

from django.utils import timezone

from .models import Outbox

log = logging.getLogger("yiwang.notify")


class ConsoleSmsGateway:
    """The default SMS backend: writes the message to the log (a real gateway plugs in here)."""

    def send(self, *, recipient: str, body: str) -> None:
        log.info("SMS to %s: %s", recipient, body)


CHANNELS = {"sms": ConsoleSmsGateway()}


def deliver_pending(*, ids: list[int] | None = None) -> int:
    qs = Outbox.objects.filter(state=Outbox.State.PENDING)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    sent = 0
    for row in qs:
        channel = CHANNELS.get(row.channel)
        row.attempts += 1
        try:
            if channel is None:
                raise RuntimeError(f"no channel {row.channel}")
            channel.send(recipient=row.recipient, body=row.body)
        except Exception as exc:  # noqa: BLE001 - a failed delivery is recorded and retried later
            row.last_error = str(exc)[:1000]
            row.save(update_fields=["attempts", "last_error"])
            continue
        row.state, row.sent_at = Outbox.State.SENT, timezone.now()
        row.save(update_fields=["state", "sent_at", "attempts"])
        sent += 1
    return sent
