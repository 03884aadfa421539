import pytest
from django.core.management import call_command

from yiwang.accounts.demo import load_demo_users
from yiwang.accounts.models import User

pytestmark = pytest.mark.django_db


def test_demo_users_one_per_role_can_log_in(client):
    load_demo_users()
    for name in (
        "admin",
        "operator",
        "dispatcher",
        "handler",
        "gridworker",
        "leader",
        "auditor",
        "resident",
        "resident2",
    ):
        assert client.login(username=name, password="yiwang-demo"), name
    assert User.objects.get(username="gridworker").area.level == 5


def test_a_second_demo_run_keeps_existing_data(capsys):
    # given the demo is loaded (the session fixture) and a user changed something
    load_demo_users()
    User.objects.filter(username="resident").update(first_name="保留")
    # when make demo runs again
    call_command("demo")
    # then nothing was reloaded or lost
    assert "keeping it" in capsys.readouterr().out
    assert User.objects.get(username="resident").first_name == "保留"


def test_pages_render_in_three_languages(client):
    expected = {"zh-hans": "江门市区域与网格", "zh-hant": "江門市區域與網格", "en": "Jiangmen areas and grids"}
    for lang, heading in expected.items():
        response = client.get("/geo/map/", HTTP_ACCEPT_LANGUAGE=lang)
        assert response.status_code == 200
        body = response.content.decode()
        assert heading in body, lang
        assert f'lang="{lang}"' in body
