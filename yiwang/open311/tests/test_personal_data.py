"""The public feed and personal data (issue 15): only reviewed cases, personal data masked in every
form it is written, points rounded, photos only once a dispatcher approved them."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from yiwang.accounts.models import User
from yiwang.cases.models import Case
from yiwang.cases.services import Actor, CaseInput, perform
from yiwang.intake.services import attachment_upload, case_submit

from .helpers import BASE, parse

pytestmark = pytest.mark.django_db

TEXT = (
    "路灯坏了。我叫王五，电话138-0013-8000，也可打+8613900139000或0750-3123456，"
    "１３８００１３８０００，邮箱 wang.wu@example.com，香港身份证A123456(7)，身份证440703199001011234，"
    "住幸福路12号3栋502。"
)
LEAKS = (
    "138-0013-8000", "13800138000", "+8613900139000", "13900139000", "0750-3123456", "3123456",
    "１３８００１３８０００", "wang.wu@", "A123456", "440703199001011234", "12号", "3栋502", "王五",
)


@pytest.fixture
def people(tokens):
    return {name: User.objects.get(username=name) for name in ("resident", "dispatcher", "operator")}


def file_case(people, *, text=TEXT, attachments=(), address="幸福路12号3栋502"):
    data = CaseInput(
        request_type="投诉",
        title="路灯不亮",
        text=text,
        lon=113.081234,
        lat=22.605678,
        address=address,
        requester_name="王五",
        requester_phone="13800138000",
        attachments=list(attachments),
    )
    return case_submit(data=data, actor=Actor.of(people["resident"]))[0]


def review(case, people):
    case = Case.objects.get(pk=case.pk)
    if case.status == "received":
        return perform(case=case, action="accept", actor=Actor.of(people["dispatcher"]), payload={"category": "C01"})
    return perform(case=case, action="supervise", actor=Actor.of(people["dispatcher"]), payload={"card": "yellow"})


def listed(client, fmt="json"):
    response = client.get(f"{BASE}/requests.{fmt}")
    assert response.status_code == 200
    return response


def test_a_case_nobody_at_the_centre_has_read_is_not_published(client, people):
    # given a case just filed (possibly routed by the classifier alone)
    case = file_case(people)
    # when the public asks for the list and for the case
    numbers = [r["service_request_id"] for r in parse(listed(client))]
    one = client.get(f"{BASE}/requests/{case.number}.json")
    # then it is in neither: 404, as for a number that does not exist
    assert case.number not in numbers
    assert one.status_code == 404
    # and once a dispatcher has acted on it, it is published
    review(case, people)
    assert case.number in [r["service_request_id"] for r in parse(listed(client))]
    assert client.get(f"{BASE}/requests/{case.number}.json").status_code == 200


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_personal_data_in_the_text_is_masked_in_every_form(client, people, fmt):
    # given a reviewed case whose text carries the caller's data in many forms
    case = review(file_case(people), people)
    # when the public reads the list and the case
    bodies = [listed(client, fmt).content.decode(), client.get(f"{BASE}/requests/{case.number}.{fmt}").content.decode()]
    # then none of it appears, and the description says what it is with the data masked
    for body in bodies:
        found = [leak for leak in LEAKS if leak in body]
        assert not found, found
    (request,) = parse(client.get(f"{BASE}/requests/{case.number}.json"))
    assert "138****8000" in request["description"] and "w***@example.com" in request["description"]
    assert request["address"] == "幸福路**号*栋***"


def test_the_point_is_rounded_to_the_street(client, people):
    case = review(file_case(people), people)
    (request,) = parse(client.get(f"{BASE}/requests/{case.number}.json"))
    assert (request["lat"], request["long"]) == (22.606, 113.081)
    assert "113.081234" not in json.dumps(request) and "22.605678" not in json.dumps(request)


def _photo() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 120, 40)).save(out, "JPEG")
    return SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg")


def test_a_photo_is_published_only_after_a_dispatcher_approves_it(client, people, settings, tmp_path):
    # given a reviewed case with a photo
    settings.MEDIA_ROOT = tmp_path
    photo = attachment_upload(upload=_photo(), user=people["resident"])
    case = review(file_case(people, attachments=[photo.token]), people)
    # then the public sees no photo yet
    assert parse(client.get(f"{BASE}/requests/{case.number}.json"))[0]["media_url"] is None
    # when a dispatcher approves it from the case page
    staff = client.__class__()
    staff.force_login(people["dispatcher"])
    answer = staff.post(f"/desk/dispatch/case/{case.number}/photos/{photo.token}/publish/")
    assert answer.status_code == 302
    # then its address is the media_url
    media_url = parse(client.get(f"{BASE}/requests/{case.number}.json"))[0]["media_url"]
    assert media_url.startswith("http://testserver/") and media_url.endswith(photo.file)
    # and withdrawing it hides it again
    staff.post(f"/desk/dispatch/case/{case.number}/photos/{photo.token}/publish/", {"publish": "no"})
    assert parse(client.get(f"{BASE}/requests/{case.number}.json"))[0]["media_url"] is None


def test_only_the_centre_approves_photos(client, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    photo = attachment_upload(upload=_photo(), user=people["resident"])
    case = review(file_case(people, attachments=[photo.token]), people)
    operator = client.__class__()
    operator.force_login(people["operator"])
    # the operator's desk has no such move (their role is not a dispatch role)
    assert operator.post(f"/desk/dispatch/case/{case.number}/photos/{photo.token}/publish/").status_code == 403
    assert parse(client.get(f"{BASE}/requests/{case.number}.json"))[0]["media_url"] is None
