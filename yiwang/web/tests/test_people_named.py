"""People are named on the pages, not by their login: the timeline, the returned-case note, the
audit page and the cockpit's alerts show a person's name and unit; the login page's table of demo
accounts is drawn from the demo's own list of users; the language menu names each language in
itself."""

import re

import pytest

from yiwang.accounts.demo import DEMO_USERS, load_demo_users
from yiwang.accounts.models import User
from yiwang.analytics.models import Alert
from yiwang.core import clock
from yiwang.geo.models import Area, Level
from yiwang.routing.models import Category

from .conftest import act

pytestmark = pytest.mark.django_db


def body(response) -> str:
    return response.content.decode()


def named(people):
    people["operator"].first_name = "陈晓燕"
    people["operator"].save(update_fields=["first_name"])
    people["dispatcher"].first_name = "黄志强"
    people["dispatcher"].save(update_fields=["first_name"])
    people["handler"].first_name = "梁伟文"
    people["handler"].save(update_fields=["first_name"])


def test_the_timeline_names_the_person_and_their_unit_not_their_login(client, people, drive):
    # given a case dispatched and returned by named people
    named(people)
    case = drive("in_progress")
    case = act(case, "return", people["handler"], {"reason": "不属于本单位职责"})
    # when the dispatcher opens it
    client.force_login(people["dispatcher"])
    page = body(client.get(f"/desk/dispatch/case/{case.number}/"))
    # then the timeline and the return note say who, by name and unit
    timeline = page[page.index('<ol class="timeline">') :]
    assert "梁伟文 · " + people["unit"].display_name in timeline
    assert "黄志强" in timeline
    assert not re.search(r"\bw_(handler|dispatcher|operator)\b", timeline)
    assert f"由 梁伟文 · {people['unit'].display_name} 退回" in page


def test_the_audit_page_names_the_actor(client, people, drive):
    named(people)
    case = drive("dispatched")
    client.force_login(people["admin"])
    page = body(client.get(f"/audit/?case={case.number}"))
    cells = re.findall(r'<td class="actor" title="([^"]*)">([^<]*)<', page)
    assert ("w_dispatcher", "黄志强 · 江门市") in cells, cells


def test_the_cockpits_alerts_name_the_leaders_told(client, people):
    # given an alert that told the city leader (stored by login)
    leader = people["leader"]
    leader.first_name = "张建国"
    leader.save(update_fields=["first_name"])
    town = Area.objects.filter(level=Level.TOWN).order_by("code").first()
    Alert.objects.create(
        area=town, category=Category.objects.filter(level=1).first(), day=clock.today(), window_start=clock.today(),
        observed=9, expected=2.0, p_value=0.001, case_ids=[], created_at=clock.now(), notified=[leader.username],
    )
    # when the leader reads the cockpit
    client.force_login(leader)
    page = body(client.get("/cockpit/"))
    # then the alert names the leader, with the area they cover
    alerts = page[page.index('id="alerts"') : page.index('id="hotspots"')]
    assert "张建国 · 江门市" in alerts
    assert leader.username not in alerts


def test_the_login_page_lists_every_demo_user_with_name_and_post(client):
    # given the demo users loaded
    load_demo_users()
    # when anyone opens the login page in demo mode
    page = body(client.get("/accounts/login/"))
    # then its table lists exactly the demo's users, in order, each with role and name
    listed = re.findall(r'<tr data-username="([^"]+)">', page)
    assert listed == [d.username for d in DEMO_USERS]
    for demo in DEMO_USERS:
        row = re.search(rf'<tr data-username="{demo.username}">(.*?)</tr>', page, re.S).group(1)
        assert str(demo.role.label) in row and demo.name in row
    handler = User.objects.select_related("unit").get(username="handler")
    assert handler.get_full_name() == "梁伟文" and handler.unit.display_name in page


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant", "en"])
def test_the_language_menu_names_each_language_in_itself(client, language):
    page = body(client.get("/", headers={"accept-language": language}, follow=True))
    menu = page[page.index('id="lang-select"') : page.index("</select>")]
    options = re.findall(r'<option value="([^"]+)" lang="[^"]+"[^>]*>([^<]+)</option>', menu)
    assert options == [("zh-hans", "简体中文"), ("zh-hant", "繁體中文"), ("en", "English")]
