"""Abuse of the moves (issue 15): a dispatcher cannot reach outside their area through a merge."""

import pytest

from yiwang.accounts.models import Role, User
from yiwang.cases.models import Status
from yiwang.geo.models import Area

pytestmark = pytest.mark.django_db
TAISHAN = (112.79, 22.25)  # 台山市, outside 蓬江区


def test_a_dispatcher_cannot_merge_into_a_case_outside_their_area_nor_tell_it_exists(
    people, make_case, client
):
    # given: a dispatcher of 蓬江区, one case of theirs and one in 台山
    dispatcher = User.objects.create(
        username="t_pj", role=Role.DISPATCHER, area=Area.objects.get(code="440703")
    )
    mine, theirs = make_case(), make_case(point=TAISHAN)
    client.force_login(dispatcher)
    # when: they merge their case into the other one, into a number that does not exist, into itself
    answers = {}
    for into in (theirs.number, "20990101999999", mine.number):
        r = client.post(f"/api/v1/cases/{mine.number}/merge", {"into": into}, content_type="application/json")
        body = r.json()
        answers[into] = (r.status_code, body["code"], body["message"])
    # then: refused, with one and the same answer for each
    assert len(set(answers.values())) == 1, answers
    assert next(iter(answers.values()))[:2] == (400, "merge_invalid")
    # and the same on the desk page
    pages = []
    for into in (theirs.number, "20990101999999"):
        page = client.post(
            f"/desk/dispatch/case/{mine.number}/merge/", {"merge-version": mine.version, "merge-into": into}
        )
        assert page.status_code == 200
        pages.append(page.content.decode().replace(into, "NUMBER").count("不能并入该诉求件"))
    assert pages[0] == pages[1] == 1
    mine.refresh_from_db()
    assert mine.status == Status.RECEIVED and mine.parent_id is None
