"""Webhooks: each move POSTed as signed JSON to a receiver. The receiver here is an http.server on
127.0.0.1 started by the test itself; nothing leaves the machine."""

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from yiwang.cases.tests.conftest import act
from yiwang.core import clock
from yiwang.notify.channels import webhook_signature_valid
from yiwang.notify.delivery import deliver_pending
from yiwang.notify.models import Kind, Outbox

pytestmark = pytest.mark.django_db
SECRET = "test-webhook-secret"


class Receiver:
    """A local HTTP endpoint answering with the queued status codes (then 200), recording each request."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/yiwang-hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    r = Receiver()
    settings.NOTIFY_WEBHOOKS = [{"url": r.url, "secret": SECRET, "events": ["*"]}]
    yield r
    r.close()


def test_a_move_is_posted_as_signed_json(receiver, people, make_case):
    # given a webhook receiving every move
    case = make_case()
    # when the case is accepted and the outbox delivered
    case = act(case, "accept", people["operator"])
    row = Outbox.objects.get(case=case, channel="webhook", event__action="accept")
    assert deliver_pending(ids=[row.pk])["sent"] == 1
    # then the receiver got the event as JSON, without the requester's personal data
    (request,) = receiver.requests
    payload = json.loads(request["body"])
    assert payload["event"]["action"] == "accept" and payload["event"]["to_status"] == "accepted"
    assert payload["case"]["number"] == case.number and "13800138000" not in request["body"].decode()
    headers = request["headers"]
    assert headers["Content-Type"].startswith("application/json")
    assert headers["X-Yiwang-Delivery"] == str(row.pk) and headers["X-Yiwang-Event"] == Kind.EVENT
    # and the signature is the HMAC-SHA256 of "<timestamp>.<body>" under the shared secret
    timestamp = headers["X-Yiwang-Timestamp"]
    expected = hmac.new(SECRET.encode(), timestamp.encode() + b"." + request["body"], hashlib.sha256)
    assert hmac.compare_digest(headers["X-Yiwang-Signature"], "sha256=" + expected.hexdigest())
    assert webhook_signature_valid(SECRET, timestamp, request["body"], headers["X-Yiwang-Signature"])
    assert not webhook_signature_valid(
        "another secret", timestamp, request["body"], headers["X-Yiwang-Signature"]
    )
    assert not webhook_signature_valid(
        SECRET, timestamp, request["body"] + b" ", headers["X-Yiwang-Signature"]
    )
    row.refresh_from_db()
    assert row.state == Outbox.State.SENT and row.attempt_log.get().detail == "HTTP 200"


def test_a_server_error_is_retried_and_a_client_error_is_not(receiver, people, make_case, settings):
    settings.NOTIFY_RETRY_BASE_SECONDS = 60
    t0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    clock.freeze(t0)
    # given a receiver that answers 503 once
    receiver.statuses = [503]
    case = act(make_case(), "accept", people["operator"])
    row = Outbox.objects.get(case=case, channel="webhook", event__action="accept")
    # when delivery runs, the 503 is retried after the backoff and then succeeds
    assert deliver_pending(ids=[row.pk])["retrying"] == 1
    assert "HTTP 503" in Outbox.objects.get(pk=row.pk).last_error
    clock.freeze(t0 + dt.timedelta(seconds=61))
    assert deliver_pending(ids=[row.pk])["sent"] == 1
    # a 404 will not get better by trying again
    receiver.statuses = [404]
    case = act(case, "dispatch", people["dispatcher"], {"lead_unit": "JM.ZJJ"})
    row = Outbox.objects.get(case=case, channel="webhook", event__action="dispatch")
    assert deliver_pending(ids=[row.pk])["failed"] == 1


def test_a_webhook_can_take_only_some_moves(receiver, settings, people, make_case):
    settings.NOTIFY_WEBHOOKS = [{"url": receiver.url, "secret": SECRET, "events": ["dispatch"]}]
    case = act(make_case(), "accept", people["operator"])
    act(case, "dispatch", people["dispatcher"], {"lead_unit": "JM.ZJJ"})
    hooks = Outbox.objects.filter(case=case, channel="webhook")
    assert list(hooks.values_list("event__action", flat=True)) == ["dispatch"]


def test_an_unreachable_receiver_is_retried(settings, people, make_case):
    # a port nobody listens on: bind one, then close it
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.NOTIFY_WEBHOOKS = [{"url": f"http://127.0.0.1:{port}/x", "secret": SECRET, "events": ["*"]}]
    case = act(make_case(), "accept", people["operator"])
    row = Outbox.objects.get(case=case, channel="webhook", event__action="accept")
    assert deliver_pending(ids=[row.pk])["retrying"] == 1
