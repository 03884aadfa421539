import pytest

from yiwang.accounts.checks import no_demo_passwords_in_production
from yiwang.accounts.demo import load_demo_users

pytestmark = pytest.mark.django_db


def test_production_refuses_demo_passwords(settings):
    load_demo_users()
    settings.DEMO_MODE = False
    errors = no_demo_passwords_in_production(None)
    assert errors and errors[0].id == "yiwang.E001" and "admin" in errors[0].msg
