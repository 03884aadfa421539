"""Nearby open reports on the portal's submit page, "this is my problem too", and the map on the
requester's case page (issue 16, items 3 and 8)."""

import re

import pytest
from django.core.cache import cache
from django.test import Client

from yiwang.cases.models import Case, Status
from yiwang.cases.services import Actor, CaseInput
from yiwang.intake.services import case_submit
from yiwang.web.models import SameProblem

from .conftest import PHONE, POINT, act

LAT_M = 0.001 * 111_320  # 0.001° of latitude in metres


def filed(people, *, dlon=0.0, dlat=0.0, title="小区路灯不亮", by="resident", name="张三", review=True):
    """A case at POINT + (dlon, dlat) degrees; reviewed (accepted by the operator) unless told."""
    data = CaseInput(
        request_type="投诉", title=title, text="小区门口路灯连续一周不亮，夜间出行不便。",
        lon=round(POINT[0] + dlon, 6), lat=round(POINT[1] + dlat, 6), requester_name=name, requester_phone=PHONE,
    )
    case = case_submit(data=data, actor=Actor.of(people[by]))[0]
    if review:
        case = act(case, "accept", people["operator"], {"category": "C01"})
    return case


def nearby(client=None, lon=POINT[0], lat=POINT[1], **extra):
    return (client or Client()).get("/portal/nearby/", {"lon": lon, "lat": lat}, **extra)


def numbers_in(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'<span class="muted">(\d{14})</span>', html)


@pytest.mark.django_db
def test_nearby_lists_up_to_five_open_reviewed_cases_within_300_m_nearest_first(people, django_assert_max_num_queries):
    # given: seven reviewed open cases within 300 m, at known distances (points on the 0.001° grid)
    here = filed(people)  # 0 m
    east = filed(people, dlon=0.001)  # ~103 m
    north = filed(people, dlat=0.001)  # ~111 m
    diagonal = filed(people, dlon=0.001, dlat=0.001)  # ~152 m
    west = filed(people, dlon=-0.002)  # ~206 m
    filed(people, dlat=-0.002)  # ~223 m: sixth
    filed(people, dlon=0.002, dlat=0.001)  # ~234 m: seventh
    # and others that must not show: too far, not reviewed yet, refused, merged, closed by an answer
    far = filed(people, dlat=0.003)  # ~334 m
    unreviewed = filed(people, review=False)
    refused = act(filed(people, review=False), "reject", people["operator"], {"reason": "不属于受理范围"})
    merged = act(filed(people), "merge", people["dispatcher"], {"into": here.number})
    answered = act(filed(people, review=False), "answer", people["operator"], {"text": "已答复"})
    assert unreviewed.status == Status.RECEIVED and merged.status == Status.MERGED
    # when: a visitor asks what is open around POINT
    response = nearby()
    # then: the five nearest, nearest first, with distance and plain status
    assert response.status_code == 200
    assert numbers_in(response) == [here.number, east.number, north.number, diagonal.number, west.number]
    html = response.content.decode()
    assert "相距约 0 米" in html and "相距约 100 米" in html and "相距约 150 米" in html
    assert "已受理" in html and "我也遇到这个问题" in html
    for hidden in (far, unreviewed, refused, merged, answered):
        assert hidden.number not in html, hidden.status
    # in a few queries whatever the list's length (the cases, their +1 counts, the area index's revision)
    with django_assert_max_num_queries(3):
        nearby()
    # a point with nothing open around it answers an empty fragment
    assert nearby(lon=112.79, lat=22.26).content.decode().strip() == ""


@pytest.mark.django_db
def test_nearby_shows_no_personal_data(people):
    # given: a reviewed case whose title names its requester and carries a phone
    case = filed(people, title="王小明家门口路灯坏了联系13912345678", name="王小明")
    # when: a stranger lists what is open there
    html = nearby().content.decode()
    # then: the title is masked and nothing of the requester is shown
    assert case.number in html
    assert "王小明" not in html and "13912345678" not in html and PHONE not in html
    assert "王*明家门口路灯坏了联系139****5678" in html


@pytest.mark.django_db
def test_nearby_refuses_bad_coordinates_in_the_visitors_language():
    response = Client().get("/portal/nearby/", {"lon": "abc", "lat": "22.6"})
    assert response.status_code == 400
    assert response.json()["message"] == "经纬度必须是数字，例如 113.08 22.60。"
    english = Client().get("/portal/nearby/", {"lon": "200", "lat": "22.6"}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 400 and "longitude" in english.json()["message"].lower()


@pytest.mark.django_db
def test_nearby_is_rate_limited_by_address(db):
    cache.clear()
    answers = [nearby(REMOTE_ADDR="203.0.113.70").status_code for _ in range(121)]
    assert answers.count(200) == 120 and answers[-1] == 429
    assert nearby(REMOTE_ADDR="203.0.113.71").status_code == 200


@pytest.mark.django_db
def test_same_problem_is_counted_once_per_visitor_and_files_no_case(client, people):
    # given: a reviewed open case near POINT, and a visitor who opened the nearby list
    case = filed(people)
    visitor = Client()
    assert case.number in nearby(visitor).content.decode()
    before = Case.objects.count(), Case.objects.filter(pk=case.pk).values("status", "version").get()
    url = f"/portal/nearby/{case.number}/same/"
    # when: they say it is their problem too, and the request is sent again (a retry, a double click)
    first = visitor.post(url)
    again = visitor.post(url)
    # then: one +1, no new case, the case itself untouched
    assert first.status_code == again.status_code == 200
    assert "已记录" in first.content.decode() and "已经表示过" in again.content.decode()
    assert "目前共 1 人" in again.content.decode()
    assert SameProblem.objects.filter(case=case).count() == 1
    assert (Case.objects.count(), Case.objects.filter(pk=case.pk).values("status", "version").get()) == before
    # a signed-in resident counts once too, and the list shows the count
    resident = Client()
    resident.force_login(people["resident2"])
    resident.post(url)
    resident.post(url)
    assert SameProblem.objects.filter(case=case).count() == 2
    assert "另有 2 人也遇到" in nearby().content.decode()
    # the dispatcher sees it on the case page, where the merge suggestion is
    client.force_login(people["dispatcher"])
    assert "另有 2 位群众在门户提交前表示遇到同一问题" in client.get(f"/desk/dispatch/case/{case.number}/").content.decode()


@pytest.mark.django_db
def test_same_problem_only_on_cases_the_list_may_show_and_not_by_staff(people):
    unreviewed = filed(people, review=False)
    assert Client().post(f"/portal/nearby/{unreviewed.number}/same/").status_code == 404
    assert Client().post("/portal/nearby/00000000000000/same/").status_code == 404
    reviewed = filed(people)
    staff = Client()
    staff.force_login(people["operator"])
    assert staff.post(f"/portal/nearby/{reviewed.number}/same/").status_code == 403
    assert not SameProblem.objects.exists()


@pytest.mark.django_db
def test_same_problem_is_rate_limited_by_address(people):
    cache.clear()
    case = filed(people)
    answers = [Client().post(f"/portal/nearby/{case.number}/same/", REMOTE_ADDR="203.0.113.72").status_code
               for _ in range(31)]
    assert answers.count(200) == 30 and answers[-1] == 429


@pytest.mark.django_db
def test_the_requesters_case_page_shows_a_map_of_the_rounded_point_without_the_grid(client, people):
    # given: the resident's case at a precise point
    case = filed(people, dlon=0.001234, dlat=0.000987)
    client.force_login(people["resident"])
    # when: they open its page
    html = client.get(f"/portal/case/{case.number}/").content.decode()
    # then: a map of the point rounded to 3 decimals (like the public feed), the community's outline, no grid
    assert 'data-casemap data-lon="113.081" data-lat="22.601"' in html
    assert f"/desk/area/{case.community.code}.geojson" in html
    assert case.grid.code not in html and "网格 " not in html  # the desks' note "网格 <code>"
    assert "113.081234" not in html and "leaflet.js" in html and "casemap.js" in html


@pytest.mark.django_db
def test_a_residents_own_case_is_marked_and_has_no_same_problem_button(people):
    # given: the resident's own reviewed case, and another resident's beside it
    own = filed(people, by="resident")
    other = filed(people, by="resident2", dlat=0.001)
    resident = Client()
    resident.force_login(people["resident"])
    # when: the resident lists what is open there, in English
    html = nearby(resident, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # then: their own is marked as theirs, the other one can be "mine too"
    assert "You reported this." in html and "2 open reports within 300 m" in html
    assert f"/portal/nearby/{own.number}/same/" not in html
    assert f"/portal/nearby/{other.number}/same/" in html and "I have this problem too" in html
