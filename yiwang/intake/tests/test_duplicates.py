"""Duplicates (重复件): near in place and time, alike in text; listed with a score, merged by hand."""

import datetime as dt

import pytest

from yiwang.accounts.models import Role, User
from yiwang.cases.services import Actor, CaseInput, perform
from yiwang.intake.duplicates import Where, combined_score, place_closeness, text_similarities
from yiwang.intake.selectors import duplicate_candidates
from yiwang.intake.services import case_submit

from .conftest import call

TEXT = "白沙街道东华路和建设路交界处的路灯连续一周不亮，晚上行人很多，存在安全隐患，请尽快维修。"
NOW = dt.datetime(2025, 6, 10, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def operator(db):
    return User.objects.create(username="t_dup_operator", role=Role.OPERATOR)


@pytest.fixture
def make(operator):
    def make(text=TEXT, *, title="路灯不亮", point=(113.0800, 22.6000), days=0, request_type="投诉"):
        data = CaseInput(
            request_type=request_type,
            title=title,
            text=text,
            lon=point[0] if point else None,
            lat=point[1] if point else None,
            received_at=NOW + dt.timedelta(days=days),
        )
        return case_submit(data=data, actor=Actor.of(operator))[0]

    return make


def test_text_similarity_sees_through_script_punctuation_and_spaces():
    copy = "白沙街道東華路和建設路交界處的路燈連續一週不亮 晚上行人很多 存在安全隱患 請儘快維修"
    other = "社保卡丢失了应该去哪里补办，需要带什么材料，多久可以拿到新卡？"
    from yiwang.intake.duplicates import comparable_text

    sims = text_similarities(
        comparable_text("", TEXT), [comparable_text("", copy), comparable_text("", other)]
    )
    assert sims[0] > 0.9 and sims[1] < 0.2


def test_place_and_time_order_near_equals():
    here = Where(113.08, 22.60)
    assert place_closeness(here, Where(113.0805, 22.6005))[0] == 1.0  # ~70 m
    assert place_closeness(here, Where(113.20, 22.70))[0] == 0.0  # ~16 km
    assert place_closeness(Where(district=1), Where(district=2))[0] == 0.0
    assert combined_score(0.9, 1.0, 1.0) > combined_score(0.9, 0.3, 0.5) > combined_score(0.9, 0.0, 0.0)


@pytest.mark.django_db
def test_likely_duplicates_are_listed_best_first_with_scores(make, operator):
    # given
    first = make(days=-1)
    # the same requester again, in other words here and there
    retyped = make(
        "东华路和建设路交界处（白沙街道）的路灯一周都不亮了，晚上行人很多，有安全隐患，请尽快维修！", days=-2
    )
    unrelated = make("白沙街道某小区垃圾一周没人清运，臭气熏天，请处理。", title="垃圾未清运")
    far_away = make(point=(112.79, 21.95))  # 台山: another district
    too_old = make(days=-45)
    rejected = make(days=-3)
    perform(case=rejected, action="reject", actor=Actor.of(operator), payload={"reason": "重复"})
    # when
    case = make()
    found = duplicate_candidates(case=case)
    # then
    numbers = [c.number for c in found]
    assert numbers[:2] == [first.number, retyped.number]
    assert all(n not in numbers for n in (unrelated.number, far_away.number, too_old.number, rejected.number))
    assert 0.61 <= found[1].score < found[0].score <= 1.0
    assert found[0].distance_m == 0.0 and found[0].days_apart == -1.0
    assert duplicate_candidates(case=case, limit=1)[0].number == first.number


@pytest.mark.django_db
def test_the_dispatcher_sees_them_and_merges_with_the_merge_move(client, tokens):
    body = {"request_type": "投诉", "title": "路灯不亮", "text": TEXT, "lon": 113.08, "lat": 22.60}
    parent = call(client, "post", "/cases", tokens["resident"], body).json()["number"]
    child = call(client, "post", "/cases", tokens["resident2"], body).json()["number"]
    # when
    response = call(client, "get", f"/cases/{child}/duplicates", tokens["dispatcher"])
    # then
    assert response.status_code == 200, response.content
    listed = response.json()
    assert listed[0]["number"] == parent and listed[0]["score"] > 0.9
    assert set(listed[0]) >= {"score", "text_similarity", "place_closeness", "distance_m", "days_apart"}
    forbidden = call(client, "get", f"/cases/{child}/duplicates", tokens["resident2"])
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "role_not_allowed"
    merged = call(client, "post", f"/cases/{child}/merge", tokens["dispatcher"], {"into": parent})
    assert merged.status_code == 200 and merged.json()["status"] == "merged"
    # a merged case is no longer offered as a duplicate
    third = call(client, "post", "/cases", tokens["operator"], body).json()["number"]
    again = call(client, "get", f"/cases/{third}/duplicates", tokens["dispatcher"]).json()
    assert [d["number"] for d in again] == [parent]


# --------------------------------------------------------------------------- the same spot, other words
MANHOLE = ("井盖缺失", "白沙街道东华路人行道上的井盖不见了，晚上很危险，有人差点掉下去。")
MANHOLE_AGAIN = ("下水道没盖子", "东华路边有个下水口敞开着，盖板被人偷走了，小孩路过容易出事。")
LAMP = ("路灯不亮", "东华路这一段的路灯坏了好几天，晚上一片漆黑。")
POINT = (113.0800, 22.6000)
TWENTY_M_EAST = (113.0800 + 20 / 102_700, 22.6000)  # 1° of longitude is about 102.7 km at 22.6° N


def report(operator, words, *, point, category, minutes=0):
    data = CaseInput(request_type="求助", title=words[0], text=words[1], lon=point[0], lat=point[1],
                     category_code=category, received_at=NOW + dt.timedelta(minutes=minutes))
    return case_submit(data=data, actor=Actor.of(operator))[0]


def test_two_reports_of_one_manhole_in_other_words_are_found_by_place_and_time(operator, client, tokens):
    first = report(operator, MANHOLE, point=POINT, category="C01")
    second = report(operator, MANHOLE_AGAIN, point=TWENTY_M_EAST, category="C01")
    assert text_similarities(second.text_normalized, [first.text_normalized])[0] < 0.4  # words alone miss it
    found = duplicate_candidates(case=second)
    assert [c.number for c in found] == [first.number]
    assert found[0].same_spot and 15 < found[0].distance_m < 25
    # and the dispatcher sees it the same way through the API
    response = call(client, "get", f"/cases/{second.number}/duplicates", tokens["dispatcher"])
    assert response.status_code == 200
    assert [(d["number"], d["same_spot"]) for d in response.json()] == [(first.number, True)]


def test_the_same_spot_is_not_enough_for_another_problem_or_another_day(operator):
    lamp = report(operator, LAMP, point=POINT, category="C02")  # another category at the same spot
    later = report(operator, MANHOLE_AGAIN, point=TWENTY_M_EAST, category="C01", minutes=5 * 24 * 60)
    far = report(operator, MANHOLE_AGAIN, point=(113.0900, 22.6000), category="C01")  # about 1 km away
    first = report(operator, MANHOLE, point=POINT, category="C01")
    numbers = [c.number for c in duplicate_candidates(case=first)]
    assert lamp.number not in numbers and later.number not in numbers and far.number not in numbers
