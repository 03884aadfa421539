import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from yiwang.accounts.demo import load_demo_users

POINT = {"lon": 113.08, "lat": 22.60}  # central 蓬江区
BODY = {
    "request_type": "投诉",
    "title": "路灯不亮",
    "text": "白沙街道某路段路灯一周不亮，请尽快维修。",
    **POINT,
}


@pytest.fixture(scope="session", autouse=True)
def _intake_catalogues():
    """Compile the intake's .po files (.mo files are not in git; `make test` compiles only LOCALE_PATHS)."""
    import polib
    from django.utils.translation import trans_real

    compiled = False
    for po in (Path(__file__).resolve().parent.parent / "locale").glob("*/LC_MESSAGES/django.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            polib.pofile(str(po)).save_as_mofile(str(mo))
            compiled = True
    if compiled:
        trans_real._translations = {}
        trans_real._default = None
    yield


@pytest.fixture
def tokens(db, settings):
    load_demo_users()

    def token(name):
        out = io.StringIO()
        call_command("token", "create", "--user", name, stdout=out)
        return out.getvalue().strip()

    return {name: token(name) for name in ("resident", "resident2", "operator", "dispatcher")}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _no_rate_limits_unless_asked(settings):
    # Every test starts with empty counters; test_abuse turns the limits on with its own rules.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def call(client, method, path, token=None, body=None, **extra):
    if token:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    kwargs = {"content_type": "application/json", "data": json.dumps(body)} if body is not None else {}
    return getattr(client, method)(f"/api/v1{path}", **kwargs, **extra)
