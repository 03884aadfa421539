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


FORM = {
    "request_type": "投诉",
    "title": "小区路灯不亮",
    "text": "白沙街道某小区门口路灯连续一周不亮，夜间出行不便。",
    "lon": str(POINT[0]),
    "lat": str(POINT[1]),
    "requester_phone": "13912345678",
    "requester_name": "李四",
    "requester_kind": "resident",
    "placement": "map",
}


@pytest.mark.django_db
def test_a_phone_typed_on_the_anonymous_portal_is_texted_only_after_it_is_proven(people):
    from yiwang.cases.models import Case
    from yiwang.cases.services import Actor, perform

    # given: a visitor files a request with someone's phone, and it is accepted (the requester is told)
    response = Client().post("/portal/submit/", FORM)
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.order_by("-pk").first()
    case = perform(case=case, action="accept", actor=Actor.of(people["operator"]))
    # then: that phone gets no text
    assert case.requester_phone_proven is False and case.status == "accepted"
    assert not Outbox.objects.filter(case=case, channel="sms").exists()
    # when: someone proves the phone with a follow code
    other = Client()
    code = other.post("/portal/follow/", {"number": case.number, "phone": "13912345678"}).context["demo_code"]
    assert other.post("/portal/follow/code/", {"code": code}).status_code == 302
    case.refresh_from_db()
    assert case.requester_phone_proven is True
    # then: the next notice goes to it
    perform(
        case=case, action="dispatch", actor=Actor.of(people["dispatcher"]), payload={"lead_unit": "JM.ZJJ"}
    )
    assert Outbox.objects.filter(
        case=case, channel="sms", kind="dispatched", recipient="13912345678"
    ).exists()


@pytest.mark.django_db
def test_a_signed_in_residents_own_phone_is_texted_at_once(client, people):
    from yiwang.cases.models import Case
    from yiwang.cases.services import Actor, perform

    client.force_login(people["resident"])
    assert client.post("/portal/submit/", {**FORM, "requester_phone": PHONE}).status_code == 302
    case = Case.objects.order_by("-pk").first()
    assert case.requester_phone_proven is True
    perform(case=case, action="accept", actor=Actor.of(people["operator"]))
    assert Outbox.objects.filter(case=case, channel="sms", recipient=PHONE).exists()


@pytest.mark.django_db
def test_the_anonymous_portal_form_is_rate_limited_like_the_api(settings):
    from django.core.cache import cache

    from yiwang.cases.models import Case

    cache.clear()
    before = Case.objects.count()
    # when: one address posts the form 35 times in a row
    answers = [Client().post("/portal/submit/", FORM, REMOTE_ADDR="203.0.113.50") for _ in range(35)]
    # then: 30 are filed, the rest refused with 429 in the error shape, and another address goes on
    assert [r.status_code for r in answers].count(302) == 30
    refused = answers[-1]
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited" and refused["Retry-After"]
    assert Case.objects.count() == before + 30
    assert Client().post("/portal/submit/", FORM, REMOTE_ADDR="203.0.113.51").status_code == 302


def _jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


@pytest.mark.django_db
def test_a_case_photo_is_shown_only_to_whoever_may_read_the_case(settings, tmp_path, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yiwang.cases.models import Case

    settings.MEDIA_ROOT = tmp_path / "media"
    # given: a visitor files a request with a photo
    visitor = Client()
    photo = SimpleUploadedFile("p.jpg", _jpeg(), content_type="image/jpeg")
    assert visitor.post("/portal/submit/", {**FORM, "photos": photo}).status_code == 302
    case = Case.objects.order_by("-pk").first()
    url = case.attachments[0]["url"]
    assert url.startswith("/media/attachments/")
    # then: the visitor who filed it sees it, and so does the dispatcher of the area
    seen = visitor.get(url)
    assert seen.status_code == 200 and b"".join(seen.streaming_content)[:2] == b"\xff\xd8"
    dispatcher = Client()
    dispatcher.force_login(people["dispatcher"])
    assert dispatcher.get(url).status_code == 200
    # but not a stranger, another resident or a unit the case is not theirs: 404, as if it did not exist
    assert Client().get(url).status_code == 404
    for name in ("resident2", "other_handler"):
        other = Client()
        other.force_login(people[name])
        assert other.get(url).status_code == 404, name
    # once a dispatcher approves it for the public (Open311's media_url), anyone may see it
    assert dispatcher.post(f"/desk/dispatch/case/{case.number}/photos/{case.attachments[0]['token']}/publish/",
                           {"publish": "1"}).status_code in (302, 200)
    assert Client().get(url).status_code == 200
    # behind nginx the view only checks, and nginx sends the file
    settings.MEDIA_SENDFILE = "x-accel-redirect"
    handed = dispatcher.get(url)
    assert (
        handed.status_code == 200
        and handed["X-Accel-Redirect"] == "/protected-media/" + url[len("/media/") :]
    )
    assert handed.content == b""
