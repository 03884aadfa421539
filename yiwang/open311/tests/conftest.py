import io

import pytest
from django.core.management import call_command
from django.test import Client

from yiwang.accounts.demo import load_demo_users
from yiwang.routing.models import Category


@pytest.fixture
def tokens(db):
    load_demo_users()

    def token(name):
        out = io.StringIO()
        call_command("token", "create", "--user", name, stdout=out)
        return out.getvalue().strip()

    return {name: token(name) for name in ("operator", "resident")}


@pytest.fixture
def api():
    # A client that enforces CSRF like a real browser would: the POST must not need a CSRF token.
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def service(db) -> Category:
    """A level-2 category with level-3 children: 城乡建设 / 城市建设和市政管理."""
    return Category.objects.get(level=2, name="城市建设和市政管理", parent__name="城乡建设")


# Cases brought to any status through the real moves (the cases app's own fixtures).
from yiwang.cases.tests.conftest import drive, make_case, people  # noqa: E402, F401
