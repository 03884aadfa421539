"""FixMyStreet as a client: what its Open311 module (perllib/Open311.pm) sends, and what it expects back.

FixMyStreet posts form-encoded bodies (HTTP::Request::Common's POST), appends each resource's path to
the endpoint it was configured with, and reads XML (XML::Simple); the tests do the same."""

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from yiwang.cases.models import Case, Status
from yiwang.cases.services import Actor, HistoricalCase, case_import_historical
from yiwang.cases.tests.conftest import act
from yiwang.open311.models import Open311Request, Open311Update
from yiwang.routing.models import Category

from .helpers import BASE, POINT, W3C_WITH_ZONE, error_list, parse

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


# --------------------------------------------------------------------------- item 1: updates both ways
def fms_update(token, number, update_id="7701", **extra):
    """What FixMyStreet's post_service_request_update sends for a comment on a report."""
    fields = {
        "jurisdiction_id": "jiangmen",
        "api_key": token,
        "updated_datetime": "2026-12-04T18:05:00+08:00",
        "service_request_id": number,
        "status": "OPEN",
        "description": "路灯还是不亮，旁边的井盖也松了。",
        "last_name": "San",
        "first_name": "Zhang",
        "email": "zhang@example.com",
        "update_id": update_id,
        "media_url": "https://fixmystreet.example/c/7701.0.full.jpeg",
    }
    fields.update(extra)
    return {k: v for k, v in fields.items() if v is not None}


def update_ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    root = parse(response)
    assert root.tag == "service_request_updates"
    return [u.findtext("update_id") for u in root.findall("request_update")]


def test_a_posted_update_becomes_a_supplement_move_on_the_case(api, tokens, drive):
    # given a case being handled
    case = drive(Status.IN_PROGRESS)
    before = case.version
    # when FixMyStreet posts a resident's comment on it
    response = form_post(api, "servicerequestupdates.xml", fms_update(tokens["operator"], case.number))
    # then it answers with our update id, in the shape FixMyStreet reads
    (update_id,) = update_ids(response)
    assert update_id == f"{case.number}-{before + 1}"
    # and the case has a supplement event of its own, by the key's account, its status unchanged
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS and case.version == before + 1
    event = case.events.order_by("-seq").first()
    assert event.action == "supplement" and event.actor.username == "operator"
    assert event.from_status == event.to_status == Status.IN_PROGRESS
    assert event.payload == {
        "text": "路灯还是不亮，旁边的井盖也松了。",
        "media_urls": ["https://fixmystreet.example/c/7701.0.full.jpeg"],
        "channel": "open311",
    }
    record = Open311Update.objects.get(case=case)
    assert (record.client_update_id, record.email, record.client_status) == ("7701", "zhang@example.com", "open")


def test_a_retried_update_returns_the_same_id_and_adds_nothing(api, tokens, drive):
    # given an update FixMyStreet already sent
    case = drive(Status.DISPATCHED)
    first = update_ids(form_post(api, "servicerequestupdates.xml", fms_update(tokens["operator"], case.number)))
    version = Case.objects.get(pk=case.pk).version
    # when it sends it again (its send-comments job retries on a lost answer)
    again = update_ids(form_post(api, "servicerequestupdates.xml", fms_update(tokens["operator"], case.number)))
    as_json = form_post(api, "servicerequestupdates.json", fms_update(tokens["operator"], case.number))
    # then the same update id, and no second supplement
    assert again == first
    assert as_json.status_code == 200 and parse(as_json) == [{"update_id": first[0]}]
    assert Case.objects.get(pk=case.pk).version == version
    assert case.events.filter(action="supplement").count() == 1
    # while another update id is another supplement
    other = update_ids(
        form_post(api, "servicerequestupdates.xml", fms_update(tokens["operator"], case.number, update_id="7702"))
    )
    assert other != first and case.events.filter(action="supplement").count() == 2


def test_an_update_id_reused_for_another_request_is_refused(api, tokens, drive):
    one, two = drive(Status.RECEIVED), drive(Status.RECEIVED)
    update_ids(form_post(api, "servicerequestupdates.xml", fms_update(tokens["operator"], one.number)))
    response = form_post(api, "servicerequestupdates.xml", fms_update(tokens["operator"], two.number))
    assert response.status_code == 400
    assert "update_id" in parse(response).findtext("error/description")
    assert not two.events.filter(action="supplement").exists()


@pytest.mark.parametrize(
    ("change", "status", "named"),
    [
        ({"api_key": "nope"}, 403, "api_key"),
        ({"api_key": None}, 403, "api_key"),
        ({"description": None}, 400, "description"),
        ({"update_id": None}, 400, "update_id"),
        ({"service_request_id": "20990101999999"}, 404, "20990101999999"),
        ({"updated_datetime": "yesterday"}, 400, "updated_datetime"),
        ({"status": "SOLVED_BY_MAGIC"}, 400, "status"),
        ({"media_url": "ftp://example.com/a.jpeg"}, 400, "media_url"),
        ({"jurisdiction_id": "elsewhere"}, 404, "jurisdiction_id"),
    ],
)
def test_a_bad_update_is_refused_with_the_specs_error_and_adds_nothing(api, tokens, drive, change, status, named):
    case = drive(Status.RECEIVED)
    response = form_post(api, "servicerequestupdates.xml", fms_update(tokens["operator"], case.number, **change))
    assert response.status_code == status
    root = parse(response)
    assert root.tag == "errors" and root.findtext("error/code") == str(status)
    assert named in root.findtext("error/description")
    assert not case.events.filter(action="supplement").exists()
    assert not Open311Update.objects.exists()


def test_a_residents_key_may_add_only_to_the_residents_own_case(api, tokens, drive):
    # given a case filed by someone else
    case = drive(Status.RECEIVED)
    # when the demo resident's key posts on it
    response = form_post(api, "servicerequestupdates.json", fms_update(tokens["resident"], case.number))
    # then it is refused, as the same move would be on the platform
    assert response.status_code == 403
    assert not case.events.filter(action="supplement").exists()


def window():
    now = timezone.localtime()
    return {
        "start_date": (now - dt.timedelta(hours=1)).isoformat(timespec="seconds"),
        "end_date": (now + dt.timedelta(minutes=1)).isoformat(timespec="seconds"),
    }


def test_get_updates_lists_the_public_timeline_only(api, client, tokens, drive, people):
    # given a case handled through the loop, with an internal card and a reply that names a phone
    case = drive(Status.IN_PROGRESS)
    case = act(case, "supervise", people["dispatcher"], {"card": "yellow", "note": "内部督办：t_dispatcher 跟进"})
    act(case, "reply", people["handler"], {"text": "路灯已修复，如有问题请致电13912345678。"})
    posted = update_ids(form_post(api, "servicerequestupdates.xml", fms_update(tokens["operator"], case.number)))
    # when FixMyStreet polls for updates (its api_key and a window, in XML)
    response = client.get(f"{BASE}/servicerequestupdates.xml", {"api_key": tokens["operator"], **window()})
    # then
    assert response.status_code == 200
    root = parse(response)
    assert root.tag == "service_request_updates"
    mine = [u for u in root.findall("request_update") if u.findtext("service_request_id") == case.number]
    assert [e.tag for e in mine[0]] == [
        "update_id", "service_request_id", "status", "updated_datetime", "description", "media_url",
        "external_status_code",
    ]
    by_id = {u.findtext("update_id"): u for u in mine}
    events = {e.seq: e for e in case.events.all()}
    actions = [events[int(i.rsplit("-", 1)[1])].action for i in by_id]
    # the steps a requester sees, in order, without the request itself or the internal card
    assert actions == ["accept", "dispatch", "sign", "reply", "supplement"]
    reply = next(u for i, u in by_id.items() if events[int(i.rsplit("-", 1)[1])].action == "reply")
    assert reply.findtext("description") == "反馈：路灯已修复，如有问题请致电139****5678。"
    assert reply.findtext("status") == "open" and reply.findtext("external_status_code") == "replied"
    assert W3C_WITH_ZONE.match(reply.findtext("updated_datetime"))
    dispatched = by_id[f"{case.number}-3"]
    assert dispatched.findtext("description").startswith("派遣：由")
    # the comment FixMyStreet posted carries the id it was given, so FixMyStreet knows it as its own
    assert posted[0] in by_id
    # a link a client sent is not republished (nobody here has looked at it)
    assert by_id[posted[0]].find("media_url").text is None
    # and nobody's account or working note is published
    body = response.content.decode()
    for secret in ("t_dispatcher", "t_handler", "t_operator", "内部督办", "13912345678", "zhang@example.com"):
        assert secret not in body


def test_get_updates_in_json_with_extended_statuses(client, tokens, drive, people):
    # given a case refused at intake, and one merged into another
    rejected = drive(Status.REJECTED)
    merged = drive(Status.MERGED)
    # when
    plain = parse(client.get(f"{BASE}/servicerequestupdates.json", window()))
    extended = parse(client.get(f"{BASE}/servicerequestupdates.json", {"extended_statuses": "1", **window()}))
    # then
    def of(updates, case):
        return [(u["status"], u["description"]) for u in updates if u["service_request_id"] == case.number]

    assert of(plain, rejected) == [("closed", "不予受理：不属于受理范围")]
    assert of(extended, rejected) == [("not_councils_responsibility", "不予受理：不属于受理范围")]
    ((status, description),) = of(extended, merged)
    assert status == "duplicate" and merged.parent.number in description
    assert all(set(u) == {"update_id", "service_request_id", "status", "updated_datetime", "description",
                          "media_url", "external_status_code"} for u in extended)


def test_get_updates_keeps_to_the_window(client, drive, people):
    # given an update made two hours ago, and one now
    old = drive(Status.RECEIVED)
    act(old, "accept", people["operator"], at=timezone.now() - dt.timedelta(hours=2))
    new = drive(Status.ACCEPTED)
    # when the last hour is asked for
    listed = parse(client.get(f"{BASE}/servicerequestupdates.json", window()))
    # then
    numbers = {u["service_request_id"] for u in listed}
    assert new.number in numbers and old.number not in numbers


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_get_updates_with_a_bad_window_is_a_400(client, fmt):
    response = client.get(f"{BASE}/servicerequestupdates.{fmt}", {"start_date": "2026-01-01", "end_date": "2026-12-01"})
    assert response.status_code == 400
    ((code, description),) = error_list(response)
    assert code == 400 and description.startswith("end_date:")


def test_get_updates_needs_a_key_when_requests_are_not_public(client, tokens, settings):
    settings.OPEN311_PUBLIC_REQUESTS = False
    assert client.get(f"{BASE}/servicerequestupdates.xml").status_code == 403
    assert client.get(f"{BASE}/servicerequestupdates.xml", {"api_key": tokens["operator"]}).status_code == 200


# --------------------------------------------------------------------------- item 3: service codes
def imported(external_id, category_code, *, status=Status.RECEIVED):
    data = HistoricalCase(
        external_id=external_id, request_type="投诉", title="历史诉求", text="旧系统中的诉求，道路破损。",
        received_at=timezone.now() - dt.timedelta(days=2), status=status, lon=113.08, lat=22.60,
        category_code=category_code,
    )
    return case_import_historical(data=data, actor=Actor.system(), notes={})


def test_every_service_code_in_requests_is_in_the_service_list(client, api, tokens, service, people):
    # given requests filed every way: under a level-2 service, one level deeper, only at level 1,
    # imported without a category, and under a level-2 category since retired
    level2 = created_number(form_post(api, "requests.xml", fms_report(tokens["operator"], service)))
    child = service.children.filter(is_active=True).order_by("code").first()
    deeper = created_number(
        form_post(api, "requests.xml", fms_report(tokens["operator"], service, **{"attribute[subcategory]": child.code}))
    )
    level1 = imported("import:t1", service.parent.code)
    unclassified = imported("import:t2", None)
    retired_category = Category.objects.filter(level=2, is_active=True).exclude(pk=service.pk).first()
    retired = imported("import:t3", retired_category.code)
    Category.objects.filter(pk=retired_category.pk).update(is_active=False)
    # each reviewed by the centre, since GET requests publishes reviewed cases only
    for number in (level2, deeper, level1.number, unclassified.number, retired.number):
        case = Case.objects.get(number=number)
        if case.status == Status.RECEIVED:
            act(case, "accept", people["operator"])
        else:
            act(case, "supervise", people["dispatcher"], {"card": "yellow"})
    # when
    services = {s["service_code"]: s for s in parse(client.get(f"{BASE}/services.json"))}
    requests_xml = parse(client.get(f"{BASE}/requests.xml"))
    codes = {r.findtext("service_request_id"): r.findtext("service_code") for r in requests_xml.findall("request")}
    # then every request's service_code is one the list has
    assert set(codes.values()) <= set(services)
    assert codes[level2] == codes[deeper] == service.code
    assert codes[level1.number] == service.parent.code
    assert services[service.parent.code]["service_name"] == f"{service.parent.name}（其他）"
    assert services[service.parent.code]["group"] == service.parent.name
    assert codes[unclassified.number] == "OTHER" and services["OTHER"]["service_name"] == "其他"
    assert codes[retired.number] == retired_category.parent.code
    # and each service_code filters to its requests
    def listed(code):
        return {r["service_request_id"] for r in parse(client.get(f"{BASE}/requests.json", {"service_code": code}))}

    assert unclassified.number in listed("OTHER") and level1.number not in listed("OTHER")
    assert level1.number in listed(service.parent.code) and level2 not in listed(service.parent.code)


def test_a_client_may_post_to_a_level_1_service_and_to_other(api, tokens, service):
    # when a report is sent under a group's "other", with a level-2 subcategory, and one under "other"
    group = created_number(form_post(api, "requests.xml", fms_report(
        tokens["resident"], service.parent, service_code=service.parent.code,
        **{"attribute[subcategory]": service.code})))
    other = created_number(form_post(api, "requests.xml", fms_report(tokens["resident"], service, service_code="OTHER")))
    definition = parse(api.get(f"{BASE}/services/OTHER.xml"))
    # then
    assert Case.objects.get(number=group).category.code == service.code
    assert Case.objects.get(number=other).channel == "open311"
    assert [a.findtext("code") for a in definition.findall("attributes/attribute")] == [
        "request_type", "requester_kind",
    ]


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "description: required: the text of the update"), ("zh-hant", "description: 必填：補充的內容")],
)
def test_update_errors_are_translated(api, tokens, drive, language, expected):
    case = drive(Status.RECEIVED)
    response = api.post(
        f"{BASE}/servicerequestupdates.xml",
        urlencode(fms_update(tokens["operator"], case.number, description=None)),
        content_type="application/x-www-form-urlencoded",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400
    assert parse(response).findtext("error/description") == expected


def test_the_update_feed_reads_in_a_fixed_number_of_queries(client, drive, settings):
    # given a server whose caches are loaded (no revision check due), one case with a few updates,
    # then several more cases
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.ROUTING_CHECK_SECONDS = settings.GEO_INDEX_CHECK_SECONDS = 3600
    settings.WORKDAY_CALENDAR_CHECK_SECONDS = settings.CLASSIFY_CHECK_SECONDS = 3600
    drive(Status.IN_PROGRESS)
    captured = []

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"{BASE}/servicerequestupdates.xml", {"extended_statuses": "1", **window()})
        assert response.status_code == 200
        captured.append([q["sql"][:150] for q in ctx.captured_queries])
        return len(ctx.captured_queries), len(parse(response).findall("request_update"))

    few_queries, few = count()
    for _n in range(3):
        drive(Status.RATED)
    many_queries, many = count()
    # then more updates cost no more queries
    assert many > few and many_queries == few_queries, captured
