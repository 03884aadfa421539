"""No default password outside demo mode: production refuses to start while a demo user has it."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from yiwang.accounts.demo import load_demo_users

pytestmark = pytest.mark.django_db


def test_production_refuses_demo_passwords(settings):
    load_demo_users()
    settings.DEMO_MODE = False
    with pytest.raises(SystemCheckError, match="yiwang.E001"):
        call_command("check", fail_level="ERROR")


def test_demo_users_cannot_be_made_outside_demo_mode(settings):
    settings.DEMO_MODE = False
    with pytest.raises(RuntimeError):
        load_demo_users()


def test_the_user_phone_is_encrypted_at_rest(db):
    from django.db import connection

    from yiwang.accounts.models import User

    user = User.objects.create(username="t_carol", phone="13900001111")
    with connection.cursor() as cur:
        cur.execute("SELECT phone FROM accounts_user WHERE id = %s", [user.pk])
        stored = cur.fetchone()[0]
    assert stored.startswith("enc1:") and "13900001111" not in stored
    assert User.objects.get(pk=user.pk).phone == "13900001111"
