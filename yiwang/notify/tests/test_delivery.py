"""Delivery: retries with exponential backoff, giving up, the attempt log, claims, and the admin."""

import datetime as dt

import pytest

from yiwang.core import clock
from yiwang.notify.channels import DeliveryError, Message, SmsGateway
from yiwang.notify.delivery import backoff, deliver_one, deliver_pending, retry_now
from yiwang.notify.models import Kind, Outbox

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)


class FlakyGateway(SmsGateway):
    """An SMS gateway that fails the first `failures` messages, then works."""

    failures = 0
    sent: list[tuple[str, str]] = []

    def send_sms(self, phone, text):
        if FlakyGateway.failures > 0:
            FlakyGateway.failures -= 1
            raise ConnectionError("gateway unreachable")
        FlakyGateway.sent.append((phone, text))
        return "gateway id 42"


class BrokenGateway(SmsGateway):
    def send_sms(self, phone, text):
        raise DeliveryError("number not in service", permanent=True)


@pytest.fixture
def flaky(settings):
    settings.NOTIFY_CHANNELS = {"sms": f"{__name__}.FlakyGateway"}
    settings.NOTIFY_RETRY_BASE_SECONDS = 60
    settings.NOTIFY_RETRY_MAX_SECONDS = 3600
    settings.NOTIFY_MAX_ATTEMPTS = 3
    FlakyGateway.failures, FlakyGateway.sent = 0, []
    return FlakyGateway


def _row(**kw) -> Outbox:
    values = {"channel": "sms", "recipient": "13800138000", "kind": Kind.ACCEPTED, "body": "您的诉求已受理。"}
    return Outbox.objects.create(**(values | kw))


def test_backoff_doubles_up_to_the_cap(settings):
    settings.NOTIFY_RETRY_BASE_SECONDS, settings.NOTIFY_RETRY_MAX_SECONDS = 60, 300
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [60, 120, 240, 300, 300]


def test_a_failing_channel_is_retried_with_backoff_until_it_works(flaky):
    # given a message and a gateway that fails twice
    flaky.failures = 2
    row = _row()
    clock.freeze(T0)
    # when delivery runs: the first attempt fails and is put off by one base interval
    assert deliver_pending() == {"sent": 0, "retrying": 1, "failed": 0, "skipped": 0}
    row.refresh_from_db()
    assert row.state == Outbox.State.PENDING and row.attempts == 1
    assert row.next_attempt_at == T0 + dt.timedelta(seconds=60) and "gateway unreachable" in row.last_error
    # then nothing is attempted before it is due
    clock.freeze(T0 + dt.timedelta(seconds=30))
    assert deliver_pending()["retrying"] == 0 and Outbox.objects.get(pk=row.pk).attempts == 1
    # the second attempt fails too and waits twice as long
    t2 = T0 + dt.timedelta(seconds=61)
    clock.freeze(t2)
    assert deliver_pending()["retrying"] == 1
    row.refresh_from_db()
    assert row.attempts == 2 and row.next_attempt_at == t2 + dt.timedelta(seconds=120)
    # the third attempt, once due, goes through
    clock.freeze(t2 + dt.timedelta(seconds=121))
    assert deliver_pending()["sent"] == 1
    row.refresh_from_db()
    assert row.state == Outbox.State.SENT and row.attempts == 3 and row.next_attempt_at is None
    assert row.last_error == "" and flaky.sent == [("13800138000", "您的诉求已受理。")]
    # and every attempt is in the log
    log = list(row.attempt_log.values_list("number", "ok", "detail"))
    assert log == [(1, False, ""), (2, False, ""), (3, True, "gateway id 42")]


def test_after_the_last_attempt_the_message_fails_and_staff_can_retry_it(flaky):
    # given a gateway that keeps failing
    flaky.failures = 100
    row = _row()
    clock.freeze(T0)
    for minutes in (0, 2, 10):
        clock.freeze(T0 + dt.timedelta(minutes=minutes))
        deliver_pending()
    # then after three attempts it is failed and no longer attempted
    row.refresh_from_db()
    assert row.state == Outbox.State.FAILED and row.attempts == 3 and row.next_attempt_at is None
    clock.freeze(T0 + dt.timedelta(days=1))
    assert deliver_pending() == {"sent": 0, "retrying": 0, "failed": 0, "skipped": 0}
    # when the gateway is back and staff retry it now
    flaky.failures = 0
    assert retry_now(ids=[row.pk])["sent"] == 1
    row.refresh_from_db()
    assert row.state == Outbox.State.SENT and row.attempts == 4


def test_a_permanent_error_fails_at_once(settings):
    settings.NOTIFY_CHANNELS = {"sms": f"{__name__}.BrokenGateway"}
    row = _row()
    assert deliver_pending()["failed"] == 1
    row.refresh_from_db()
    assert row.state == Outbox.State.FAILED and row.attempts == 1 and "not in service" in row.last_error


def test_an_unknown_channel_is_an_error_not_a_crash(settings):
    settings.NOTIFY_CHANNELS = {"sms": "yiwang.notify.channels.ConsoleSmsGateway"}
    row = _row(channel="fax")
    assert deliver_pending()["retrying"] == 1
    assert "no channel 'fax'" in Outbox.objects.get(pk=row.pk).last_error


def test_a_row_claimed_by_another_process_is_skipped(flaky):
    # given two processes that read the same due row
    row = _row()
    mine, theirs = Outbox.objects.get(pk=row.pk), Outbox.objects.get(pk=row.pk)
    # when both try to deliver it, only the first claim wins
    assert deliver_one(theirs) == "sent"
    assert deliver_one(mine) == "skipped"
    assert len(flaky.sent) == 1 and Outbox.objects.get(pk=row.pk).attempts == 1


def test_a_claimed_row_is_leased(flaky, settings, monkeypatch):
    # given an attempt that is still running (the claim moved next_attempt_at ahead by the lease)
    settings.NOTIFY_LEASE_SECONDS = 300
    row = _row()
    clock.freeze(T0)

    def still_sending(self, message: Message):
        # then another delivery run meanwhile does not pick it up
        assert deliver_pending(ids=[row.pk])["skipped"] == 0
        assert not Outbox.objects.filter(pk=row.pk, next_attempt_at__lte=T0).exists()
        return "ok"

    monkeypatch.setattr(FlakyGateway, "send", still_sending)
    assert deliver_pending()["sent"] == 1


# --------------------------------------------------------------------------- admin
def test_staff_see_the_outbox_with_filters_and_attempts(admin_client, flaky):
    # given a failed message
    flaky.failures = 100
    row = _row()
    for minutes in (0, 2, 10):
        clock.freeze(T0 + dt.timedelta(minutes=minutes))
        deliver_pending()
    # when staff filter the outbox by state and open the message
    listing = admin_client.get("/admin/notify/outbox/", {"state__exact": "failed", "channel": "sms"})
    detail = admin_client.get(f"/admin/notify/outbox/{row.pk}/change/")
    # then they see it, and each attempt with its error
    assert listing.status_code == 200 and row.recipient in listing.content.decode()
    assert detail.status_code == 200 and detail.content.decode().count("gateway unreachable") >= 3


def test_staff_retry_now_from_the_admin(admin_client, flaky):
    # given a failed message and a gateway that works again
    flaky.failures = 1
    row = _row()
    deliver_pending()
    Outbox.objects.filter(pk=row.pk).update(state=Outbox.State.FAILED)
    # when staff choose "retry now"
    response = admin_client.post(
        "/admin/notify/outbox/",
        {"action": "retry_now_action", "_selected_action": [row.pk]},
        follow=True,
    )
    # then it is sent at once
    assert response.status_code == 200
    row.refresh_from_db()
    assert row.state == Outbox.State.SENT and row.attempts == 2
