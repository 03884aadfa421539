"""API tokens: one user each, they expire and can be revoked; a dead token gets 401 with the error shape."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from yiwang.accounts.models import ApiToken, Role, User
from yiwang.core import clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob(db):
    return User.objects.create(username="t_bob", role=Role.DISPATCHER)


def create(*args) -> str:
    out = io.StringIO()
    call_command("token", "create", "--user", "t_bob", *args, stdout=out)
    return out.getvalue().strip()


def get_cases(client, key):
    return client.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {key}")


def test_a_token_expires_after_the_default_lifetime(client, bob, settings):
    settings.API_TOKEN_DEFAULT_DAYS = 30
    start = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    clock.freeze(start)
    key = create()
    token = ApiToken.objects.get(user=bob)
    assert token.expires_at == start + dt.timedelta(days=30)
    assert key not in token.key_hash and token.prefix == key[3:11]  # only a hash is kept
    clock.freeze(start + dt.timedelta(days=29))
    assert get_cases(client, key).status_code == 200
    clock.freeze(start + dt.timedelta(days=30, seconds=1))
    response = get_cases(client, key)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized" and set(response.json()) == {"code", "message", "fields"}


def test_a_tokens_last_use_is_kept_at_most_every_five_minutes(client, bob):
    start = dt.datetime(2027, 1, 1, 9, tzinfo=dt.UTC)
    clock.freeze(start)
    key = create()
    assert ApiToken.objects.get(user=bob).last_used_at is None
    assert get_cases(client, key).status_code == 200
    assert ApiToken.objects.get(user=bob).last_used_at == start
    clock.freeze(start + dt.timedelta(minutes=4))
    assert get_cases(client, key).status_code == 200
    assert ApiToken.objects.get(user=bob).last_used_at == start  # no write on every request
    clock.freeze(start + dt.timedelta(minutes=6))
    assert get_cases(client, key).status_code == 200
    assert ApiToken.objects.get(user=bob).last_used_at == start + dt.timedelta(minutes=6)


def test_days_sets_the_lifetime_within_bounds(bob, settings):
    clock.freeze(dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    create("--days", "7")
    assert ApiToken.objects.get(user=bob).expires_at == dt.datetime(2027, 1, 8, tzinfo=dt.UTC)
    settings.API_TOKEN_MAX_DAYS = 100
    with pytest.raises(CommandError):
        create("--days", "101")


def test_a_revoked_token_gets_401_at_once(client, bob):
    key = create()
    other = create()
    assert get_cases(client, key).status_code == 200
    out = io.StringIO()
    call_command("token", "revoke", "--prefix", key[3:11], stdout=out)
    assert "revoked 1" in out.getvalue()
    response = get_cases(client, key)
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"
    assert get_cases(client, other).status_code == 200  # only that one


def test_revoke_every_token_of_a_user(client, bob):
    keys = [create(), create()]
    call_command("token", "revoke", "--user", "t_bob", stdout=io.StringIO())
    assert all(get_cases(client, k).status_code == 401 for k in keys)


def test_an_admin_revokes_tokens_in_the_admin(client, bob):
    key = create()
    admin = User.objects.create(username="t_admin", role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    token = ApiToken.objects.get(user=bob)
    page = client.get("/admin/accounts/apitoken/")
    assert page.status_code == 200 and token.prefix in page.content.decode()
    client.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    client.logout()
    assert get_cases(client, key).status_code == 401


def test_a_deactivated_users_token_is_refused(client, bob):
    key = create()
    bob.is_active = False
    bob.save()
    assert get_cases(client, key).status_code == 401


def test_open311_refuses_a_revoked_api_key(client, bob):
    key = create()
    call_command("token", "revoke", "--prefix", key[3:11], stdout=io.StringIO())
    response = client.post("/open311/v2/requests.json", {"api_key": key, "service_code": "x"})
    assert response.status_code in (401, 403)
