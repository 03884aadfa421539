"""Personal data encrypted at rest, and key rotation with `yiwang rotate_keys`."""

import io

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from yiwang.accounts.models import User
from yiwang.security import crypto

pytestmark = pytest.mark.django_db
KEY_A, KEY_B = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def stored_phone(user) -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT phone FROM accounts_user WHERE id = %s", [user.pk])
        return cur.fetchone()[0]


def test_tests_run_on_the_loudly_named_demo_key(settings):
    assert settings.FIELD_ENCRYPTION_KEYS == [crypto.demo_field_key()]
    assert "NOT-A-SECRET" in crypto.DEMO_FIELD_KEY_LABEL


def test_values_are_unreadable_in_the_database_and_read_back(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    user = User.objects.create(username="t_enc", phone="13800138000")
    raw = stored_phone(user)
    assert raw.startswith("enc1:") and "13800138000" not in raw
    assert Fernet(KEY_A).decrypt(raw[5:].encode()) == b"13800138000"
    assert User.objects.get(pk=user.pk).phone == "13800138000"
    # empty stays empty, so `exclude(phone="")` still works on the encrypted column
    blank = User.objects.create(username="t_blank")
    assert stored_phone(blank) == ""
    assert set(User.objects.filter(pk__in=[user.pk, blank.pk]).exclude(phone="").values_list("pk", flat=True)) == {
        user.pk
    }


def test_rotation_re_encrypts_under_the_new_key_and_the_old_key_can_go(settings):
    # given values under key A and one legacy plaintext value
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    users = [User.objects.create(username=f"t_rot{i}", phone=f"1380013800{i}") for i in range(5)]
    with connection.cursor() as cur:
        cur.execute("UPDATE accounts_user SET phone = %s WHERE id = %s", ["13999999999", users[0].pk])
    # when B is put first and the command runs
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    out = io.StringIO()
    call_command("rotate_keys", "accounts.User", "--batch-size", "2", stdout=out)
    assert "re-encrypted" in out.getvalue()
    # then every value is under B alone, and readable once A is dropped
    for user in users:
        raw = stored_phone(user)
        Fernet(KEY_B).decrypt(raw[5:].encode())
        with pytest.raises(InvalidToken):
            Fernet(KEY_A).decrypt(raw[5:].encode())
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    assert User.objects.get(pk=users[0].pk).phone == "13999999999"
    assert User.objects.get(pk=users[3].pk).phone == "13800138003"
    # and a second run changes nothing
    again = io.StringIO()
    call_command("rotate_keys", "accounts.User", stdout=again)
    assert "0 value(s) in 0 row(s)" in again.getvalue()


def test_a_value_no_key_opens_is_a_loud_error(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    user = User.objects.create(username="t_lost", phone="13800138000")
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    with pytest.raises(ImproperlyConfigured, match="rotate_keys"):
        User.objects.get(pk=user.pk)


def test_rotate_keys_refuses_a_model_without_encrypted_fields():
    with pytest.raises(CommandError):
        call_command("rotate_keys", "geo.Area", stdout=io.StringIO())


def test_bad_keys_are_refused_at_start():
    with pytest.raises(ImproperlyConfigured, match="key 2"):
        crypto.parse_keys(f"{KEY_A},not-a-key")
    assert crypto.parse_keys(f" {KEY_A} , {KEY_B} ") == [KEY_A, KEY_B]


@hsettings(max_examples=50, deadline=None)
@given(st.text(max_size=200))
def test_encrypt_then_decrypt_is_the_identity(value):
    stored = crypto.encrypt(value)
    assert crypto.decrypt(stored) == value
    assert value == "" or (crypto.is_encrypted(stored) and not crypto.needs_rotation(stored))


def test_blind_indexes_match_equal_values_per_purpose():
    a = crypto.blind_index("13800138000", purpose="caller-phone")
    assert a == crypto.blind_index(" 13800138000 ", purpose="caller-phone")
    assert a != crypto.blind_index("13800138000", purpose="other")
    assert crypto.blind_index("", purpose="caller-phone") == ""
