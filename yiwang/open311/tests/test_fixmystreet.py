"""FixMyStreet as a client: what its Open311 module (perllib/Open311.pm) sends, and what it expects back.

FixMyStreet posts form-encoded bodies (HTTP::Request::Common's POST), appends each resource's path to
the endpoint it was configured with, and reads XML (XML::Simple); the tests do the same."""

from urllib.parse import urlencode

import pytest

from yiwang.cases.models import Case
from yiwang.open311.models import Open311Request

from .helpers import BASE, POINT, parse

pytestmark = pytest.mark.django_db

# The UK description FixMyStreet builds when extended_description is on (the default).
FMS_DESCRIPTION = (
    "title: 白沙街道路灯不亮\n\n"
    "detail: 小区门口的路灯连续一周不亮，夜间出行不便。\n\n"
    "url: https://fixmystreet.example/report/42\n\n"
    "Submitted via FixMyStreet\n"
)


def form_post(api, path, fields, *, query=None):
    """A POST the way FixMyStreet sends it: application/x-www-form-urlencoded, repeated keys allowed."""
    url = f"{BASE}/{path}" + (f"?{urlencode(query)}" if query else "")
    return api.post(url, urlencode(fields, doseq=True), content_type="application/x-www-form-urlencoded")


def fms_report(token, service, **extra):
    fields = {
        "jurisdiction_id": "jiangmen",
        "api_key": token,
        "service_code": service.code,
        "attribute[request_type]": "投诉",
        "description": FMS_DESCRIPTION,
        "first_name": "Zhang",
        "last_name": "San",
        "email": "zhang@example.com",
        **POINT,
    }
    fields.update(extra)
    return {k: v for k, v in fields.items() if v is not None}


def created_number(response) -> str:
    assert response.status_code == 200, response.content
    root = parse(response)
    return root.find("request").findtext("service_request_id")


# --------------------------------------------------------------------------- item 4
def test_the_discovery_endpoint_ends_with_a_slash_so_a_client_can_append_paths(client):
    # given the endpoint as discovery advertises it
    root = parse(client.get(f"{BASE}/discovery.xml"))
    endpoint = root.find("endpoints/endpoint").findtext("url")
    # when a client appends a resource to it, as FixMyStreet does
    response = client.get(endpoint + "services.xml")
    # then it reaches the service list
    assert endpoint.endswith("/open311/v2/")
    assert response.status_code == 200
    assert parse(response).tag == "services"


def test_repeated_media_url_keeps_every_photo(api, tokens, service):
    photos = [f"https://fixmystreet.example/photo/42.{n}.full.jpeg" for n in range(3)]
    # when FixMyStreet (multi_photos) sends one media_url per photo
    response = form_post(api, "requests.xml", fms_report(tokens["operator"], service, media_url=photos))
    # then every one is kept, and GET requests reports the first
    number = created_number(response)
    record = Open311Request.objects.get(case__number=number)
    assert record.media_urls == photos
    root = parse(api.get(f"{BASE}/requests/{number}.xml"))
    assert root.find("request").findtext("media_url") == photos[0]


def test_a_bad_link_among_several_media_urls_is_refused(api, tokens, service):
    photos = ["https://fixmystreet.example/a.jpeg", "javascript:alert(1)"]
    response = form_post(api, "requests.xml", fms_report(tokens["operator"], service, media_url=photos))
    assert response.status_code == 400
    root = parse(response)
    assert root.find("error").findtext("description").startswith("media_url:")
    assert not Case.objects.exists()


def test_the_api_key_may_come_in_the_query_string(api, tokens, service):
    # when the key is sent in the query string instead of the body
    fields = fms_report(None, service)
    response = form_post(api, "requests.xml", fields, query={"api_key": tokens["operator"]})
    # then the request is accepted and filed by the key's account
    number = created_number(response)
    assert Open311Request.objects.get(case__number=number).submitted_by.username == "operator"


def test_a_wrong_api_key_in_the_query_string_is_still_403(api, service):
    response = form_post(api, "requests.xml", fms_report(None, service), query={"api_key": "nope"})
    assert response.status_code == 403
    assert not Case.objects.exists()


def test_a_title_prefix_in_the_description_becomes_the_case_title(api, tokens, service):
    # when FixMyStreet sends its "title: … detail: …" description
    number = created_number(form_post(api, "requests.xml", fms_report(tokens["operator"], service)))
    # then the title is the report's own title, and the text is kept as given
    case = Case.objects.get(number=number)
    assert case.title == "白沙街道路灯不亮"
    assert case.text == FMS_DESCRIPTION.strip()  # optional arguments are stripped


def test_use_service_as_deviceid_is_kept_as_the_device(api, tokens, service):
    fields = fms_report(tokens["operator"], service, deviceid="iOS")
    number = created_number(form_post(api, "requests.xml", fields))
    assert Open311Request.objects.get(case__number=number).device_id == "iOS"
