"""Sign-in lockout through the real login page and admin (django.contrib.auth + our backend)."""

import datetime as dt

import pytest
from django.contrib.auth import authenticate
from django.contrib.messages import get_messages

from yiwang.accounts.models import LoginLock, Role, User
from yiwang.core import clock

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-password-1"


@pytest.fixture
def alice(db):
    user = User.objects.create(username="t_alice", role=Role.DISPATCHER)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.LOGIN_THROTTLE_FREE_FAILURES = 3
    settings.LOGIN_THROTTLE_BASE_SECONDS = 2
    settings.LOGIN_THROTTLE_MAX_SECONDS = 900
    settings.LOGIN_USERNAME_FREE_FAILURES = 10
    settings.LOGIN_USERNAME_MAX_SECONDS = 30
    settings.LOGIN_LOCKOUT_WINDOW_SECONDS = 900
    clock.freeze(T0)


T0 = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)  # 17:00 in Jiangmen


def login(client, username, password, address="10.1.1.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(response) -> bool:
    return "_auth_user_id" in response.wsgi_request.session


def at(seconds):
    clock.freeze(T0 + dt.timedelta(seconds=seconds))


def test_passwords_are_hashed_with_argon2(alice):
    # given a password set through Django
    # then it is stored as Argon2id and still checks
    assert alice.password.startswith("argon2$argon2id$")
    assert alice.check_password(PASSWORD)


def test_failures_at_one_address_wait_longer_each_time_even_with_the_right_password(client, alice):
    # given three wrong passwords from one address
    for _ in range(3):
        assert login(client, "t_alice", "wrong").status_code == 200
    # when the right one comes at once from there
    response = login(client, "t_alice", PASSWORD)
    # then it waits, with a message saying why and until when
    assert not signed_in(response)
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("登录失败次数过多" in t and "17:00:02" in t for t in texts), texts
    assert "登录失败次数过多" in response.content.decode()
    # each further failure doubles the wait: 2 s, then 4 s, then 8 s
    at(3)
    login(client, "t_alice", "wrong")
    at(3 + 3)
    assert not signed_in(login(client, "t_alice", PASSWORD))
    at(3 + 5)
    login(client, "t_alice", "wrong")
    at(3 + 5 + 7)
    assert not signed_in(login(client, "t_alice", PASSWORD))
    at(3 + 5 + 9)
    assert signed_in(login(client, "t_alice", PASSWORD))
    assert not LoginLock.objects.filter(key__startswith="t_alice").exists()  # success forgets the failures


def test_a_stranger_failing_for_a_user_does_not_stop_the_user_at_their_own_desk(client, alice):
    # given a stranger who fails 50 times for alice, from one address
    for i in range(50):
        at(i * 60)  # slowly, so that every one counts
        login(client, "t_alice", "wrong", address="198.51.100.9")
    # then alice at her own desk waits at most the short ceiling for one username
    response = login(client, "t_alice", PASSWORD, address="10.8.8.8")
    if not signed_in(response):
        at(49 * 60 + 31)
        response = login(client, "t_alice", PASSWORD, address="10.8.8.8")
    assert signed_in(response)


def test_many_addresses_failing_for_a_user_slow_it_for_a_short_while_only(client, alice):
    # given twenty failures for alice, each from another address
    for i in range(20):
        login(client, "t_alice", "wrong", address=f"203.0.113.{i}")
    # then the right password waits, but no longer than the ceiling, however many come
    assert not signed_in(login(client, "t_alice", PASSWORD, address="10.8.8.8"))
    at(31)
    assert signed_in(login(client, "t_alice", PASSWORD, address="10.8.8.8"))


def test_one_address_failing_for_many_users_stops_nobody_else_there(client, alice):
    # given one office behind a proxy: 25 failures there, for other names
    for i in range(25):
        login(client, f"nobody{i}", "wrong", address="10.2.2.2")
    # then alice, from the same address, signs in at once
    assert signed_in(login(client, "t_alice", PASSWORD, address="10.2.2.2"))


def test_the_message_is_in_the_callers_language(client, alice):
    for _ in range(3):
        login(client, "t_alice", "wrong")
    response = client.post(
        "/accounts/login/",
        {"username": "t_alice", "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en",
        REMOTE_ADDR="10.1.1.1",
    )
    assert "Too many failed sign-ins" in response.content.decode()


def test_failures_outside_the_window_do_not_add_up(client, alice):
    login(client, "t_alice", "wrong")
    login(client, "t_alice", "wrong")
    at(901)
    login(client, "t_alice", "wrong")
    assert signed_in(login(client, "t_alice", PASSWORD))


def test_an_admin_unlocks_a_user(client, alice):
    # given an account that waits
    for i in range(10):
        login(client, "t_alice", "wrong", address=f"10.4.4.{i}")
    assert authenticate(None, username="t_alice", password=PASSWORD) is None
    # when an admin runs the user admin's unlock action
    admin = User.objects.create(username="t_admin", role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/user/", {"action": "unlock_login", "_selected_action": [alice.pk]}, follow=True
    )
    assert response.status_code == 200
    client.logout()
    # then the user signs in again
    assert login(client, "t_alice", PASSWORD, address="10.5.5.5").status_code == 302


def test_the_lock_admin_lists_and_unlocks(client, alice):
    for _ in range(3):
        login(client, "t_alice", "wrong")
    admin = User.objects.create(username="t_admin", role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    listing = client.get("/admin/accounts/loginlock/")
    assert listing.status_code == 200 and "t_alice" in listing.content.decode()
    lock = LoginLock.objects.get(scope="pair", key="t_alice|10.1.1.1")
    client.post("/admin/accounts/loginlock/", {"action": "unlock", "_selected_action": [lock.pk]})
    assert not LoginLock.objects.filter(pk=lock.pk).exists()


def test_the_admin_login_is_locked_too(client, alice):
    alice.is_staff = True
    alice.save()
    for _ in range(3):
        client.post("/admin/login/", {"username": "t_alice", "password": "wrong"}, REMOTE_ADDR="10.6.6.6")
    response = client.post(
        "/admin/login/", {"username": "t_alice", "password": PASSWORD}, REMOTE_ADDR="10.6.6.6"
    )
    assert response.status_code == 200 and "_auth_user_id" not in client.session
