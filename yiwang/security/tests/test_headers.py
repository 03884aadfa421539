"""Security headers on real responses: pages, the API, errors, static refusals."""

import pytest
from django.test import Client, override_settings

from yiwang.security.middleware import build_csp, tile_origin

pytestmark = pytest.mark.django_db


def csp_of(response) -> dict[str, list[str]]:
    return {
        part.split()[0]: part.split()[1:]
        for part in response.headers["Content-Security-Policy"].split(";")
        if part.strip()
    }


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/healthz", "/api/v1/openapi.json", "/no-such-page"])
def test_every_answer_carries_the_headers(client, path):
    response = client.get(path)
    csp = csp_of(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert set(csp["img-src"]) >= {"'self'", "data:"}
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_an_api_refusal_carries_them_too(client):
    response = client.get("/api/v1/cases")
    assert response.status_code == 401
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_the_demo_sends_no_hsts_and_plain_cookies(client):
    response = client.get("/accounts/login/")
    assert "Strict-Transport-Security" not in response.headers
    cookie = response.cookies["csrftoken"]
    assert not cookie["secure"] and cookie["samesite"] == "Lax"


@override_settings(
    SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True, SECURE_HSTS_SECONDS=31536000
)
def test_production_settings_give_hsts_and_secure_cookies(django_user_model):
    # given the cookie and HSTS settings production mode computes (see the settings test below)
    client = Client()
    user = django_user_model.objects.create(username="t_dan")
    user.set_password("a-long-enough-password-1")
    user.save()
    page = client.get("/accounts/login/", secure=True)
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
    response = client.post(
        "/accounts/login/",
        {"username": "t_dan", "password": "a-long-enough-password-1"},
        secure=True,
    )
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    assert page.cookies["csrftoken"]["secure"]


def test_production_mode_computes_secure_settings():
    # The settings module itself, imported fresh in production mode (a subprocess keeps this one clean).
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps([settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, "
        "settings.SECURE_HSTS_SECONDS, settings.SESSION_COOKIE_HTTPONLY, settings.SESSION_COOKIE_SAMESITE]))"
    )
    from cryptography.fernet import Fernet

    env = {**os.environ, "YIWANG_MODE": "production", "SECRET_KEY": "x" * 50, "DJANGO_SETTINGS_MODULE": "yiwang.settings",
           "YIWANG_FIELD_KEYS": Fernet.generate_key().decode(), "DEBUG": "0"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [True, True, 31536000, True, "Lax"]
    # and production without field keys refuses to serve (what a WSGI server loads first)
    env.pop("YIWANG_FIELD_KEYS")
    failed = subprocess.run([sys.executable, "-c", "import yiwang.wsgi"], env=env, capture_output=True, text=True)
    assert failed.returncode != 0 and "YIWANG_FIELD_KEYS" in failed.stderr


def test_the_tile_server_is_allowed_for_images_only():
    assert tile_origin("https://{s}.tiles.example.cn/{z}/{x}/{y}.png") == "https://*.tiles.example.cn"
    assert tile_origin("https://gis.jiangmen.gov.cn:8443/tiles/{z}/{x}/{y}.png") == "https://gis.jiangmen.gov.cn:8443"
    assert tile_origin("javascript:alert(1)") == "" and tile_origin("") == ""
    assert build_csp({"default-src": ["'self'"], "img-src": ["'self'", "data:"]}) == (
        "default-src 'self'; img-src 'self' data:"
    )


def test_map_tile_url_reaches_the_policy():
    import os
    import subprocess
    import sys

    code = ("import django; from django.conf import settings; django.setup(); "
            "print(' '.join(settings.SECURITY_CSP['img-src']))")
    env = {**os.environ, "MAP_TILE_URL": "https://tiles.example.cn/{z}/{x}/{y}.png",
           "DJANGO_SETTINGS_MODULE": "yiwang.settings"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert "https://tiles.example.cn" in out.stdout.split()


@pytest.mark.parametrize(
    "method, path, kwargs",
    [
        ("get", "/api/v1/cases?channel=a%00b", {}),
        ("post", "/api/v1/cases", {"data": '{"title": "x\\u0000y"}', "content_type": "application/json"}),
        ("post", "/open311/v2/requests.json", {"data": "description=a%00b", "content_type": "application/x-www-form-urlencoded"}),
    ],
)
def test_nul_characters_are_refused_in_the_error_shape(client, method, path, kwargs):
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_characters"
    assert "Content-Security-Policy" in response.headers


def test_a_page_with_a_nul_is_refused_in_the_readers_language(client):
    response = client.get("/accounts/login/?next=%00", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "NUL" in response.content.decode()
