"""Abuse of the portal (issue 15): guessing follow codes, filing without limit, texting strangers."""

import re
import threading

import pytest
from django.conf import settings as django_settings
from django.db import connection, connections
from django.test import Client

from yiwang.accounts.models import Role, User
from yiwang.cases.services import Actor, CaseInput, case_create
from yiwang.cases.tests.committed import committed_world
from yiwang.notify.models import Outbox
from yiwang.web.models import FollowCode

from .conftest import PHONE, POINT

GUESSES = 30  # simultaneous wrong guesses on one code (each thread holds one database connection)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_simultaneous_guesses_at_a_follow_code_get_five_tries_in_all(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), committed_world("ab_"):
        # given: a committed case and a visitor who asked for its code
        operator = User.objects.create(username="ab_operator", role=Role.OPERATOR)
        case = case_create(
            data=CaseInput(
                request_type="投诉",
                title="验证码",
                text="同时猜验证码的测试",
                lon=POINT[0],
                lat=POINT[1],
                requester_phone=PHONE,
            ),
            actor=Actor.of(operator),
        )
        visitor = Client()
        code = visitor.post("/portal/follow/", {"number": case.number, "phone": PHONE}).context["demo_code"]
        wrong = f"{(int(code) + 1) % 10**6:06d}"
        cookie = visitor.cookies[django_settings.SESSION_COOKIE_NAME].value
        try:
            # when: many wrong guesses arrive at once from the same session
            answers, barrier = [], threading.Barrier(GUESSES)

            def guess():
                try:
                    client = Client()
                    client.cookies[django_settings.SESSION_COOKIE_NAME] = cookie
                    barrier.wait(timeout=30)
                    page = client.post("/portal/follow/code/", {"code": wrong}).content.decode()
                    answers.append(
                        "wrong" if "验证码不正确" in page else "spent" if "已失效" in page else page
                    )
                finally:
                    connections.close_all()

            threads = [threading.Thread(target=guess) for _ in range(GUESSES)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=120)
            # then: five were checked, the others were refused unchecked, and the code is spent
            assert len(answers) == GUESSES
            assert answers.count("wrong") == 5, answers.count("wrong")
            assert answers.count("spent") == GUESSES - 5
            assert visitor.post("/portal/follow/code/", {"code": code}).status_code == 200
            assert "已失效" in visitor.post("/portal/follow/code/", {"code": code}).content.decode()
        finally:
            FollowCode.objects.filter(number=case.number).delete()
            Outbox.objects.filter(case=case).delete()


def _page(response, phone):
    """The page as the visitor reads it (the CSRF token differs between any two visitors)."""
    return re.sub(
        r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode().replace(phone, "")
    )


@pytest.mark.django_db
def test_too_many_codes_answers_as_if_the_phone_did_not_match(client, make_case):
    # given: a case that had its five codes this hour
    case = make_case()
    for _ in range(5):
        Client().post("/portal/follow/", {"number": case.number, "phone": PHONE})
    assert Outbox.objects.filter(case=case, kind="verification_code").count() == 5
    # when: someone asks again with the right phone, and someone with a wrong one
    right = Client().post("/portal/follow/", {"number": case.number, "phone": PHONE})
    other = Client().post("/portal/follow/", {"number": case.number, "phone": "13900000000"})
    # then: the two answers cannot be told apart, and no sixth SMS goes out
    assert right.status_code == other.status_code == 200
    assert _page(right, PHONE) == _page(other, "13900000000")
    assert "验证码已发送" in right.content.decode()
    assert Outbox.objects.filter(case=case, kind="verification_code").count() == 5
