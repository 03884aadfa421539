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
    settings.LOGIN_LOCKOUT_USERNAME_FAILURES = 3
    settings.LOGIN_LOCKOUT_ADDRESS_FAILURES = 6
    settings.LOGIN_LOCKOUT_WINDOW_SECONDS = 900
    settings.LOGIN_LOCKOUT_SECONDS = 600
    clock.freeze(dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC))


def login(client, username, password, address="10.1.1.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_passwords_are_hashed_with_argon2(alice):
    # given a password set through Django
    # then it is stored as Argon2id and still checks
    assert alice.password.startswith("argon2$argon2id$")
    assert alice.check_password(PASSWORD)


def test_a_username_is_locked_after_repeated_failures_even_with_the_right_password(client, alice):
    # given three wrong passwords
    for _ in range(3):
        assert login(client, "t_alice", "wrong").status_code == 200
    # when the right one comes
    response = login(client, "t_alice", PASSWORD, address="10.9.9.9")
    # then sign-in is refused, with a message saying why and until when
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("登录失败次数过多" in t and "17:10" in t for t in texts), texts
    assert "登录失败次数过多" in response.content.decode()


def test_the_message_is_in_the_callers_language(client, alice):
    for _ in range(3):
        login(client, "t_alice", "wrong")
    response = client.post(
        "/accounts/login/", {"username": "t_alice", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Too many failed sign-ins" in response.content.decode()


def test_the_lock_ends_by_itself(client, alice):
    for _ in range(3):
        login(client, "t_alice", "wrong")
    clock.freeze(clock.now() + dt.timedelta(seconds=601))
    response = login(client, "t_alice", PASSWORD)
    assert response.status_code == 302
    assert not LoginLock.objects.filter(key="t_alice").exists()  # success forgets the failures


def test_failures_outside_the_window_do_not_add_up(client, alice):
    login(client, "t_alice", "wrong")
    login(client, "t_alice", "wrong")
    clock.freeze(clock.now() + dt.timedelta(seconds=901))
    login(client, "t_alice", "wrong")
    assert login(client, "t_alice", PASSWORD).status_code == 302


def test_one_address_trying_many_usernames_is_locked(client, alice):
    # given six failures from one address, each against another (unknown) name
    for i in range(6):
        login(client, f"nobody{i}", "wrong", address="10.2.2.2")
    # then even a real user from that address is refused, while other addresses still work
    assert "_auth_user_id" not in login(client, "t_alice", PASSWORD, address="10.2.2.2").wsgi_request.session
    assert login(client, "t_alice", PASSWORD, address="10.3.3.3").status_code == 302


def test_an_admin_unlocks_a_user(client, alice):
    # given a locked account
    for _ in range(3):
        login(client, "t_alice", "wrong", address="10.4.4.4")
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
    lock = LoginLock.objects.get(scope="username", key="t_alice")
    client.post("/admin/accounts/loginlock/", {"action": "unlock", "_selected_action": [lock.pk]})
    assert not LoginLock.objects.filter(pk=lock.pk).exists()


def test_the_admin_login_is_locked_too(client, alice):
    alice.is_staff = True
    alice.save()
    for _ in range(3):
        client.post("/admin/login/", {"username": "t_alice", "password": "wrong"}, REMOTE_ADDR="10.6.6.6")
    response = client.post("/admin/login/", {"username": "t_alice", "password": PASSWORD}, REMOTE_ADDR="10.7.7.7")
    assert response.status_code == 200 and "_auth_user_id" not in client.session
