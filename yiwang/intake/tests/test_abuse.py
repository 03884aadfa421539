"""Abuse limits: 429 with Retry-After per caller and window, 413 for oversized requests; one error shape."""

import datetime as dt
import json

import pytest

from yiwang.core import clock

from .conftest import BODY, call

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2025, 6, 10, 2, 0, 10, tzinfo=dt.UTC)  # 10 s into a minute window


@pytest.fixture
def limits(settings):
    clock.freeze(T0)
    settings.INTAKE_RATE_LIMITS = [
        ("create", ("POST",), r"^/api/v1/(cases|attachments)$", 2, 60, "client"),
        ("read-ip", ("GET",), r"^/api/v1/openapi.json$", 1, 60, "ip"),
    ]
    return settings


def test_a_caller_over_the_limit_gets_429_with_retry_after(client, tokens, limits):
    # given: two creates allowed per minute per caller
    for _ in range(2):
        assert call(client, "post", "/cases", tokens["resident"], BODY).status_code == 201
    # when
    refused = call(client, "post", "/cases", tokens["resident"], BODY, HTTP_ACCEPT_LANGUAGE="en")
    # then
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited" and set(refused.json()) == {"code", "message", "fields"}
    assert refused["Retry-After"] == "50" and "50" in refused.json()["message"]
    assert "Too many requests" in refused.json()["message"]
    # another caller has their own count; the first one may go on in the next window
    assert call(client, "post", "/cases", tokens["resident2"], BODY).status_code == 201
    clock.freeze(T0 + dt.timedelta(seconds=50))
    assert call(client, "post", "/cases", tokens["resident"], BODY).status_code == 201
    # moves of the loop are not creates: not counted
    assert call(client, "get", "/cases", tokens["resident"]).status_code == 200


def test_limits_by_address_and_behind_a_trusted_proxy(client, limits):
    path = "/api/v1/openapi.json"
    assert client.get(path, REMOTE_ADDR="203.0.113.5").status_code == 200
    assert client.get(path, REMOTE_ADDR="203.0.113.5").status_code == 429
    assert client.get(path, REMOTE_ADDR="203.0.113.6").status_code == 200
    # behind a local proxy nobody is trusted to name the caller: not limited by address
    for _ in range(3):
        assert client.get(path, REMOTE_ADDR="127.0.0.1").status_code == 200
    # with one trusted proxy, the address it forwards is the caller's
    limits.INTAKE_TRUSTED_PROXIES = 1
    forwarded = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    assert client.get(path, **forwarded).status_code == 200
    assert client.get(path, **forwarded).status_code == 429
    assert client.get(path, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 200


def test_oversized_requests_get_413_before_their_body_is_read(client, tokens):
    body = {**BODY, "text": "字" * 400_000}  # over the API's 1 MB
    response = call(client, "post", "/cases", tokens["resident"], body)
    assert response.status_code == 413 and response.json()["code"] == "request_too_large"
    big = b"\xff\xd8" + b"0" * (11 * 1024 * 1024)
    upload = client.post(
        "/api/v1/attachments",
        data=big,
        content_type="multipart/form-data; boundary=x",
        HTTP_AUTHORIZATION=f"Bearer {tokens['resident']}",
    )
    assert upload.status_code == 413 and set(upload.json()) == {"code", "message", "fields"}


def test_a_body_django_refuses_is_413_too(client, tokens, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = client.post(
        "/api/v1/cases",
        data=json.dumps(BODY, ensure_ascii=False),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {tokens['resident']}",
    )
    assert response.status_code == 413 and response.json()["code"] == "request_too_large"
