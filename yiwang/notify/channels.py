"""Delivery channels. Which class serves which channel name is configuration (NOTIFY_CHANNELS).

A channel gets one `Message` and either returns (the message was handed over; an optional short
receipt goes to the attempt log) or raises. `DeliveryError(permanent=True)` gives up at once
(a recipient that can never work); anything else is retried with backoff.

To plug in a real SMS gateway (the city's 政务短信平台, a cloud SMS service…): subclass `SmsGateway`,
implement `send_sms`, and point NOTIFY_CHANNELS["sms"] at it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage

from yiwang.core import clock

log = logging.getLogger("yiwang.notify")

SIGNATURE_HEADER = "X-Yiwang-Signature"
TIMESTAMP_HEADER = "X-Yiwang-Timestamp"
DELIVERY_HEADER = "X-Yiwang-Delivery"
EVENT_HEADER = "X-Yiwang-Event"


class DeliveryError(Exception):
    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Message:
    outbox_id: int
    kind: str
    recipient: str
    body: str
    subject: str = ""
    language: str = "zh-hans"


class Channel:
    def send(self, message: Message) -> str:
        """Hand the message over; return a short receipt for the attempt log."""
        raise NotImplementedError


# --------------------------------------------------------------------------- SMS
class SmsGateway(Channel):
    """The SMS interface: a gateway implements send_sms(phone, text) -> receipt."""

    def send(self, message: Message) -> str:
        phone = message.recipient.strip()
        if not phone:
            raise DeliveryError("no phone number", permanent=True)
        return self.send_sms(phone, message.body) or ""

    def send_sms(self, phone: str, text: str) -> str:
        raise NotImplementedError


class ConsoleSmsGateway(SmsGateway):
    """The default SMS gateway: writes the message to the log (demo, pilots without a gateway)."""

    def send_sms(self, phone: str, text: str) -> str:
        log.info("SMS to %s: %s", phone, text)
        return "logged"


# --------------------------------------------------------------------------- email
class EmailChannel(Channel):
    """Email through Django's email backend (EMAIL_BACKEND, EMAIL_HOST, …)."""

    def send(self, message: Message) -> str:
        if "@" not in message.recipient:
            raise DeliveryError(f"not an email address: {message.recipient!r}", permanent=True)
        email = EmailMessage(
            subject=message.subject or message.body[:60],
            body=message.body,
            from_email=getattr(settings, "NOTIFY_EMAIL_FROM", None) or settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient],
        )
        if email.send(fail_silently=False) != 1:
            raise DeliveryError("the email backend accepted no message")
        return "accepted by the email backend"


# --------------------------------------------------------------------------- webhooks
def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256 over "<timestamp>.<body>" (signing the time stops replays)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def webhook_signature_valid(
    secret: str, timestamp: str, body: bytes, signature: str, *, tolerance_seconds: int = 300, now=None
) -> bool:
    """What a receiver checks: the signature matches and the timestamp is recent."""
    try:
        age = abs((now or clock.now()).timestamp() - int(timestamp))
    except (TypeError, ValueError):
        return False
    expected = webhook_signature(secret, timestamp, body)
    return age <= tolerance_seconds and hmac.compare_digest(expected, signature or "")


def webhook_config(url: str) -> dict | None:
    return next((w for w in getattr(settings, "NOTIFY_WEBHOOKS", []) if w.get("url") == url), None)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a redirect is an answer we do not follow: the receiver must fix its URL


class WebhookChannel(Channel):
    """POST the JSON body to the row's URL, signed with that webhook's secret (NOTIFY_WEBHOOKS)."""

    def send(self, message: Message) -> str:
        config = webhook_config(message.recipient)
        if config is None:
            raise DeliveryError(f"webhook {message.recipient} is no longer configured", permanent=True)
        body = message.body.encode()
        timestamp = str(int(clock.now().timestamp()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "yiwang-webhook/1",
            TIMESTAMP_HEADER: timestamp,
            DELIVERY_HEADER: str(message.outbox_id),
            EVENT_HEADER: message.kind,
        }
        if config.get("secret"):
            headers[SIGNATURE_HEADER] = webhook_signature(config["secret"], timestamp, body)
        request = urllib.request.Request(message.recipient, data=body, headers=headers, method="POST")
        proxy = getattr(settings, "NOTIFY_WEBHOOK_PROXY", "")
        # No proxy unless configured: an http_proxy in the environment must not reroute webhooks.
        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({"http": proxy, "https": proxy} if proxy else {}), _NoRedirect
        )
        timeout = getattr(settings, "NOTIFY_WEBHOOK_TIMEOUT", 5)
        try:
            with opener.open(request, timeout=timeout) as response:
                return f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            # 4xx (other than timeout / rate limit) will not get better by trying again.
            permanent = 400 <= exc.code < 500 and exc.code not in (408, 425, 429)
            raise DeliveryError(f"HTTP {exc.code} from {message.recipient}", permanent=permanent) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise DeliveryError(f"{message.recipient}: {getattr(exc, 'reason', exc)}") from exc
