"""POST requests creates an ordinary case; GET requests / requests/{id} / tokens/{id} read it back."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.cases.models import Case, Channel, Status
from yiwang.cases.services import Actor, CaseInput, perform
from yiwang.intake.services import case_submit
from yiwang.open311.models import Open311Request

from .helpers import BASE, W3C_WITH_ZONE, error_list, parse, post, submit

pytestmark = pytest.mark.django_db
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


def review(number: str) -> Case:
    """A person of the centre reads the case and accepts it: from then on it is published."""
    case = Case.objects.get(number=number)
    dispatcher = User.objects.get(username="dispatcher")
    if case.status == Status.RECEIVED:
        return perform(case=case, action="accept", actor=Actor.of(dispatcher), payload={})
    return perform(case=case, action="supervise", actor=Actor.of(dispatcher), payload={"card": "yellow"})


def submitted(response) -> str:
    """The number of a case posted through Open311, once the centre has reviewed it."""
    number = parse(response)[0]["service_request_id"]
    review(number)
    return number


def make_case(service, *, days_ago=0, title="路面坑洼", request_type="投诉", reviewed=True):
    """A case entered through another channel (the web), received some days ago; reviewed by the
    centre unless told otherwise (only reviewed cases are published)."""
    resident = User.objects.get(username="resident")
    data = CaseInput(
        request_type=request_type,
        title=title,
        text=f"{title}，已经很久了，请尽快处理。",
        lon=113.08,
        lat=22.60,
        category_code=service.code,
        received_at=timezone.now() - dt.timedelta(days=days_ago),
    )
    case = case_submit(data=data, actor=Actor.of(resident))[0]
    return review(case.number) if reviewed else case


# --------------------------------------------------------------------------- POST
def test_post_json_creates_an_ordinary_case_with_the_fields_given(api, tokens, service):
    # when
    response = submit(
        api,
        tokens["operator"],
        service,
        email="zhang@example.com",
        device_id="dev-1",
        account_id="acct-9",
        media_url="https://example.com/p/1.jpg",
    )
    # then
    assert response.status_code == 200, response.content
    (created,) = parse(response)
    assert list(created) == ["service_request_id", "service_notice", "account_id"]
    assert created["account_id"] == "acct-9" and created["service_notice"]
    case = Case.objects.get(number=created["service_request_id"])
    assert case.channel == Channel.OPEN311
    assert case.category.code == service.code
    assert case.request_type == "投诉"
    assert case.title == "白沙街道某小区门口路灯连续一周不亮"
    assert case.text.startswith("白沙街道某小区门口路灯连续一周不亮。")
    assert case.requester_name == "张三" and case.requester_phone == "13800138000"
    assert (case.lon, case.lat) == (113.08, 22.60) and case.grid is not None
    record = Open311Request.objects.get(case=case)
    assert (record.email, record.device_id, record.account_id) == ("zhang@example.com", "dev-1", "acct-9")
    assert record.media_url == "https://example.com/p/1.jpg"
    review(case.number)
    (request,) = parse(api.get(f"{BASE}/requests/{case.number}.json"))
    assert request["media_url"] is None  # the client's own link is not republished (nobody checked it)
    assert record.submitted_by.username == "operator"
    assert case.events.first().action == "create"


def test_post_xml_answers_with_service_requests(api, tokens, service):
    # when
    response = submit(api, tokens["resident"], service, fmt="xml")
    # then
    assert response.status_code == 200, response.content
    root = parse(response)
    assert root.tag == "service_requests"
    request = root.find("request")
    assert [e.tag for e in request] == ["service_request_id", "service_notice", "account_id"]
    number = request.findtext("service_request_id")
    assert request.find("account_id").text is None  # not sent: an empty element
    case = Case.objects.get(number=number)
    assert case.requester_user.username == "resident"  # a resident's key files the case as theirs


def test_a_posted_request_appears_in_get_requests_and_in_the_json_api(api, client, tokens, service):
    # given
    number = submitted(submit(api, tokens["operator"], service))
    # when
    listed = parse(client.get(f"{BASE}/requests.json"))
    one = parse(client.get(f"{BASE}/requests/{number}.json"))
    cases = client.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {tokens['operator']}").json()
    # then
    assert number in [r["service_request_id"] for r in listed]
    assert one[0]["service_request_id"] == number and one[0]["service_code"] == service.code
    found = next(c for c in cases["results"] if c["number"] == number)
    assert found["channel"] == "open311" and found["category"]["code"] == service.code


def test_a_subcategory_attribute_files_the_case_one_level_deeper(api, tokens, service):
    # given
    child = service.children.order_by("code").first()
    # when
    response = submit(api, tokens["operator"], service, **{"attribute[subcategory]": child.code})
    # then
    number = submitted(response)
    assert Case.objects.get(number=number).category == child
    # and the request still reports its service, the level-2 category
    assert parse(api.get(f"{BASE}/requests/{number}.json"))[0]["service_code"] == service.code


def test_an_address_string_alone_is_a_location(api, tokens, service):
    # when
    response = submit(
        api, tokens["operator"], service, lat=None, long=None, address_string="蓬江区白沙街道某小区"
    )
    # then
    assert response.status_code == 200, response.content
    case = Case.objects.get(number=parse(response)[0]["service_request_id"])
    assert case.address == "蓬江区白沙街道某小区" and case.lon is None
    assert case.district is not None and case.district.name == "蓬江区"


def test_an_address_id_is_a_grid_or_area_code(api, tokens, service):
    # given: the grid a first request landed on, as GET requests reports it
    first = submitted(submit(api, tokens["operator"], service))
    grid_code = parse(api.get(f"{BASE}/requests/{first}.json"))[0]["address_id"]
    # when
    response = submit(api, tokens["operator"], service, lat=None, long=None, address_id=grid_code)
    # then
    assert response.status_code == 200, response.content
    case = Case.objects.get(number=parse(response)[0]["service_request_id"])
    assert case.grid.code == grid_code and case.placement == "address"


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("key", [None, "", "yw_not-a-real-token"])
def test_a_missing_or_invalid_api_key_is_403_and_creates_nothing(api, tokens, service, fmt, key):
    # given
    before = Case.objects.count()
    # when
    response = submit(api, key, service, fmt=fmt)
    # then
    assert response.status_code == 403
    ((code, description),) = error_list(response)
    assert code == 403 and "api_key" in description
    assert Case.objects.count() == before


def test_the_api_key_is_checked_before_anything_else(api, service):
    # when: an invalid key and no service_code either
    response = post(api, "json", api_key="nope")
    # then
    assert response.status_code == 403


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_service_code_is_404(api, tokens, service, fmt):
    # when
    response = submit(api, tokens["operator"], service, fmt=fmt, service_code="C99.99")
    # then
    assert response.status_code == 404
    assert error_list(response)[0] == (404, error_list(response)[0][1])
    assert "C99.99" in error_list(response)[0][1]


def test_missing_arguments_are_400_each_named_in_its_own_error(api, tokens):
    # when: no service_code and no location
    response = post(api, "json", api_key=tokens["operator"], description="路灯不亮很久了")
    # then
    assert response.status_code == 400
    errors = error_list(response)
    assert {code for code, _ in errors} == {400}
    named = " ".join(description for _, description in errors)
    assert "service_code" in named and "lat" in named and len(errors) == 2


@pytest.mark.parametrize(
    "extra, argument",
    [
        ({"attribute[request_type]": None}, "attribute[request_type]"),
        ({"attribute[request_type]": "闲聊"}, "attribute[request_type]"),
        ({"attribute[subcategory]": "C99.99.999"}, "attribute[subcategory]"),
        ({"lat": "abc"}, "lat"),
        ({"lat": "95", "long": "113.08"}, "lat"),
        ({"long": None}, "long"),
        ({"long": "nan"}, "long"),
        ({"email": "not-an-email"}, "email"),
        ({"media_url": "javascript:alert(1)"}, "media_url"),
        ({"phone": "12"}, "phone"),
        ({"lat": None, "long": None, "address_string": "某个地方"}, "address_string"),
        ({"description": "坑"}, "description"),
        ({"description": "很" * 4001}, "description"),
        ({"lat": None, "long": None, "address_id": "999999999999999"}, "address_id"),
        ({"jurisdiction_id": "sfgov.org"}, None),
    ],
)
def test_bad_arguments_are_refused_in_the_spec_format_never_a_500(api, tokens, service, extra, argument):
    # when
    response = submit(api, tokens["operator"], service, **extra)
    # then
    expected = 404 if "jurisdiction_id" in extra else 400
    assert response.status_code == expected, response.content
    errors = error_list(response)
    assert errors[0][0] == expected
    if argument:
        assert any(description.startswith(f"{argument}:") for _, description in errors), errors


def test_a_point_outside_the_city_is_refused(api, tokens, service):
    # when: Beijing
    response = submit(api, tokens["operator"], service, lat="39.9", long="116.4")
    # then
    assert response.status_code == 400
    ((code, description),) = error_list(response)
    assert code == 400 and "本市" in description


def test_the_post_needs_no_csrf_token(api, tokens, service):
    # given: the client enforces CSRF checks and holds no cookie
    assert api.handler.enforce_csrf_checks
    # when
    response = submit(api, tokens["operator"], service)
    # then
    assert response.status_code == 200


def test_without_a_description_the_case_still_says_what_it_is(api, tokens, service):
    # when
    response = submit(api, tokens["operator"], service, description=None)
    # then
    assert response.status_code == 200, response.content
    case = Case.objects.get(number=parse(response)[0]["service_request_id"])
    assert case.title == service.name and service.path in case.text


def test_anonymous_requester_kind_keeps_no_name_or_phone(api, tokens, service):
    # when
    response = submit(api, tokens["operator"], service, **{"attribute[requester_kind]": "anonymous"})
    # then
    case = Case.objects.get(number=parse(response)[0]["service_request_id"])
    assert case.requester_kind == "anonymous" and case.requester_name == "" and case.requester_phone == ""


# --------------------------------------------------------------------------- batch mode and tokens
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_in_batch_mode_the_post_returns_a_token_that_resolves_to_the_request(
    api, tokens, service, settings, fmt
):
    # given
    settings.OPEN311_SERVICE_TYPE = "batch"
    assert parse(api.get(f"{BASE}/services.json"))[0]["type"] == "batch"
    # when
    created = parse(submit(api, tokens["operator"], service, fmt=fmt))
    token = created[0]["token"] if fmt == "json" else created.findtext("request/token")
    resolved = api.get(f"{BASE}/tokens/{token}.{fmt}")
    # then
    case = Open311Request.objects.get(token=token).case
    if fmt == "json":
        assert "service_request_id" not in created[0]
        assert parse(resolved) == [{"service_request_id": case.number, "token": token}]
    else:
        assert created.find("request/service_request_id") is None
        request = parse(resolved).find("request")
        assert [e.tag for e in request] == ["service_request_id", "token"]
        assert request.findtext("service_request_id") == case.number


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_realtime_request_also_has_a_token(api, tokens, service, fmt):
    # given
    number = submitted(submit(api, tokens["operator"], service))
    token = Open311Request.objects.get(case__number=number).token
    # when
    response = api.get(f"{BASE}/tokens/{token}.{fmt}")
    # then
    assert response.status_code == 200
    body = parse(response)
    found = body[0]["service_request_id"] if fmt == "json" else body.findtext("request/service_request_id")
    assert found == number


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_token_is_404(client, fmt):
    # when
    response = client.get(f"{BASE}/tokens/nope.{fmt}")
    # then
    assert response.status_code == 404 and error_list(response)[0][0] == 404


# --------------------------------------------------------------------------- GET requests
def test_get_requests_json_has_every_spec_field_and_dates_with_a_zone(api, tokens, service):
    # given: a caller who put their phone number into the text
    description = "路灯不亮一周了，请联系我13800138000。"
    number = submitted(submit(api, tokens["operator"], service, description=description))
    # when
    (request,) = parse(api.get(f"{BASE}/requests.json", {"service_request_id": number}))
    # then
    assert list(request) == REQUEST_FIELDS
    assert request["status"] == "open"
    assert request["service_name"] == service.name and request["service_code"] == service.code
    assert request["lat"] == 22.60 and request["long"] == 113.08
    assert len(request["address_id"]) == 15  # the grid code: our addressing system's id
    assert W3C_WITH_ZONE.match(request["requested_datetime"])
    assert W3C_WITH_ZONE.match(request["updated_datetime"])
    assert request["requested_datetime"].endswith("+08:00")
    if request["expected_datetime"] is not None:
        assert W3C_WITH_ZONE.match(request["expected_datetime"])
    # the phone number the caller typed into the text is not published
    assert request["description"] == "路灯不亮一周了，请联系我138****8000。"
    assert "13800138000" not in json.dumps(request, ensure_ascii=False)


def test_get_requests_xml_has_the_spec_elements(api, tokens, service):
    # given
    number = submitted(submit(api, tokens["operator"], service))
    # when
    root = parse(api.get(f"{BASE}/requests.xml"))
    one = parse(api.get(f"{BASE}/requests/{number}.xml"))
    # then
    assert root.tag == "service_requests"
    found = next(r for r in root.findall("request") if r.findtext("service_request_id") == number)
    assert [e.tag for e in found] == REQUEST_FIELDS
    assert W3C_WITH_ZONE.match(found.findtext("requested_datetime"))
    assert one.tag == "service_requests" and one.find("request/service_request_id").text == number
    assert one.find("request/zipcode").text is None


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_service_request_id_is_404(client, fmt):
    # when
    response = client.get(f"{BASE}/requests/20000101000001.{fmt}")
    # then
    assert response.status_code == 404 and error_list(response)[0][0] == 404


def test_service_request_ids_select_several_and_override_every_other_filter(client, tokens, service):
    # given: one recent case, one 200 days old (outside the default window), one not asked for
    recent, old, other = make_case(service), make_case(service, days_ago=200), make_case(service)
    # when
    response = client.get(
        f"{BASE}/requests.json",
        {"service_request_id": f"{recent.number},{old.number}", "status": "closed", "service_code": "C99"},
    )
    # then
    assert {r["service_request_id"] for r in parse(response)} == {recent.number, old.number}
    assert other.number not in {r["service_request_id"] for r in parse(response)}


def test_status_filter_maps_our_statuses_to_open_and_closed(client, tokens, service):
    # given: one case still open, one answered at intake (closed)
    open_case = make_case(service)
    answered = make_case(service, request_type="咨询")
    operator = User.objects.get(username="operator")
    perform(case=answered, action="answer", actor=Actor.of(operator), payload={"text": "已电话答复。"})
    # when
    opened = {r["service_request_id"]: r for r in parse(client.get(f"{BASE}/requests.json?status=open"))}
    closed = {r["service_request_id"]: r for r in parse(client.get(f"{BASE}/requests.json?status=closed"))}
    both = parse(client.get(f"{BASE}/requests.json?status=open,closed"))
    # then
    assert open_case.number in opened and answered.number not in opened
    assert answered.number in closed and open_case.number not in closed
    assert closed[answered.number]["status"] == "closed"
    assert closed[answered.number]["status_notes"] == "直接办结：已电话答复。"
    answered.refresh_from_db()
    assert closed[answered.number]["updated_datetime"] == timezone.localtime(answered.closed_at).isoformat(
        timespec="seconds"
    )
    assert {open_case.number, answered.number} <= {r["service_request_id"] for r in both}


def test_a_rejected_case_is_closed_with_its_reason(client, tokens, service):
    # given
    case = make_case(service, reviewed=False)
    operator = User.objects.get(username="operator")
    perform(case=case, action="reject", actor=Actor.of(operator), payload={"reason": "不属于受理范围"})
    # when
    (request,) = parse(client.get(f"{BASE}/requests/{case.number}.json"))
    # then
    assert request["status"] == "closed" and request["status_notes"] == "不予受理：不属于受理范围"


def test_dates_filter_by_requested_datetime_within_90_days(client, tokens, service):
    # given
    now = timezone.localtime()
    old, middle, recent = (make_case(service, days_ago=d) for d in (150, 60, 1))
    day = dt.timedelta(days=1)
    start = (now - 70 * day).isoformat(timespec="seconds")
    end = (now - 30 * day).isoformat(timespec="seconds")
    # when
    default = {r["service_request_id"] for r in parse(client.get(f"{BASE}/requests.json"))}
    window = {
        r["service_request_id"]
        for r in parse(client.get(f"{BASE}/requests.json", {"start_date": start, "end_date": end}))
    }
    from_start = {
        r["service_request_id"]
        for r in parse(
            client.get(f"{BASE}/requests.json", {"start_date": (now - 160 * day).date().isoformat()})
        )
    }
    # then: the default is the most recent 90 days
    assert recent.number in default and middle.number in default and old.number not in default
    assert window == {middle.number}
    # a start_date alone covers 90 days from it
    assert old.number in from_start and recent.number not in from_start


def test_a_start_date_sent_with_an_unencoded_plus_still_reads(client, tokens, service):
    # given
    case = make_case(service, days_ago=1)
    start = (timezone.localtime() - dt.timedelta(days=2)).isoformat(timespec="seconds")
    # when: "+08:00" put raw in a query string arrives as " 08:00"
    response = client.get(f"{BASE}/requests.json?start_date={start}")
    # then
    assert response.status_code == 200
    assert case.number in {r["service_request_id"] for r in parse(response)}


@pytest.mark.parametrize(
    "query",
    [
        {"start_date": "2026-01-01T00:00:00"},  # a time without a zone
        {"start_date": "yesterday"},
        {"end_date": "2026-13-01"},
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},  # > 90 days
        {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},  # backwards
        {"status": "pending"},
        {"jurisdiction_id": "sfgov.org"},
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_filters_are_refused_in_the_spec_format(client, query, fmt):
    # when
    response = client.get(f"{BASE}/requests.{fmt}", query)
    # then
    expected = 404 if "jurisdiction_id" in query else 400
    assert response.status_code == expected
    assert error_list(response)[0][0] == expected


def test_service_code_filter_takes_a_list(client, tokens, service):
    # given
    from yiwang.routing.models import Category

    other_service = Category.objects.filter(level=2).exclude(pk=service.pk).first()
    mine, theirs = make_case(service), make_case(other_service)
    # when
    only_mine = {
        r["service_request_id"]
        for r in parse(client.get(f"{BASE}/requests.json?service_code={service.code}"))
    }
    both = {
        r["service_request_id"]
        for r in parse(client.get(f"{BASE}/requests.json?service_code={service.code},{other_service.code}"))
    }
    # then
    assert mine.number in only_mine and theirs.number not in only_mine
    assert {mine.number, theirs.number} <= both


def test_get_requests_returns_at_most_the_spec_limit(client, tokens, service, monkeypatch):
    # given: a smaller limit stands in for 1000
    from yiwang.open311 import selectors

    monkeypatch.setattr(selectors, "MAX_RESULTS", 2)
    for _ in range(3):
        make_case(service)
    # when
    body = parse(client.get(f"{BASE}/requests.json"))
    # then
    assert len(body) == 2


def test_requests_can_be_made_private_by_setting(client, tokens, service, settings):
    # given
    settings.OPEN311_PUBLIC_REQUESTS = False
    case = make_case(service)
    # when
    anonymous = client.get(f"{BASE}/requests/{case.number}.json")
    keyed = client.get(f"{BASE}/requests/{case.number}.json", {"api_key": tokens["operator"]})
    # then
    assert anonymous.status_code == 403 and error_list(anonymous)[0][0] == 403
    assert keyed.status_code == 200


def test_merged_cases_are_closed_as_duplicates(client, tokens, service):
    # given
    parent, child = make_case(service), make_case(service)
    dispatcher = User.objects.get(username="dispatcher")
    perform(case=child, action="merge", actor=Actor.of(dispatcher), payload={"into": parent.number})
    # when
    (request,) = parse(client.get(f"{BASE}/requests/{child.number}.json"))
    # then
    assert Case.objects.get(pk=child.pk).status == Status.MERGED
    assert request["status"] == "closed" and parent.number in request["status_notes"]


def test_text_that_needs_escaping_stays_well_formed_xml(api, tokens, service):
    # given
    description = '井盖丢失 <b>危险</b> & "很深"\x07 ]]> 请处理'
    number = submitted(submit(api, tokens["operator"], service, description=description))
    # when
    root = parse(api.get(f"{BASE}/requests/{number}.xml"))
    # then
    assert root.findtext("request/description") == '井盖丢失 <b>危险</b> & "很深" ]]> 请处理'


def test_every_endpoint_answers_both_formats(api, tokens, service):
    # given
    number = submitted(submit(api, tokens["operator"], service))
    token = Open311Request.objects.get(case__number=number).token
    paths = [
        "discovery",
        "services",
        f"services/{service.code}",
        "requests",
        f"requests/{number}",
        f"tokens/{token}",
    ]
    for path in paths:
        for fmt, content_type in (("json", "application/json"), ("xml", "text/xml")):
            # when
            response = api.get(f"{BASE}/{path}.{fmt}")
            # then
            assert response.status_code == 200, (path, fmt, response.content)
            assert response["Content-Type"] == f"{content_type}; charset=utf-8"
            parse(response)
