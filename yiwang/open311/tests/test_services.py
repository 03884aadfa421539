"""Discovery, the service list and service definitions, in both formats, as the spec names them."""

import pytest

from yiwang.cases.models import RequestType
from yiwang.routing.models import Category

from .helpers import BASE, error_list, parse

pytestmark = pytest.mark.django_db
SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
ATTRIBUTE_FIELDS = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
]


def test_discovery_json_names_the_v2_endpoint_and_both_formats(client):
    # when
    response = client.get(f"{BASE}/discovery.json")
    # then
    assert response.status_code == 200
    body = parse(response)
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    (endpoint,) = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2/"
    assert endpoint["type"] in ("production", "test")
    assert endpoint["formats"] == ["text/xml", "application/json"]


def test_discovery_xml_has_the_spec_elements(client):
    # when
    response = client.get(f"{BASE}/discovery.xml")
    # then
    assert response.status_code == 200 and response["Content-Type"] == "text/xml; charset=utf-8"
    root = parse(response)
    assert root.tag == "discovery"
    assert [e.tag for e in root] == ["changeset", "contact", "key_service", "endpoints"]
    endpoint = root.find("endpoints/endpoint")
    assert endpoint.findtext("url") == "http://testserver/open311/v2/"
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]


def test_the_root_serves_the_discovery_document(client):
    # when
    response = client.get(f"{BASE}/")
    # then
    assert response.status_code == 200 and parse(response).tag == "discovery"


def test_services_json_is_a_bare_array_of_level_2_categories(client, service):
    # given
    level2 = Category.objects.filter(level=2, is_active=True).count()
    level1 = Category.objects.filter(level=1, is_active=True).count()
    # when
    response = client.get(f"{BASE}/services.json")
    # then: the level-2 categories, each level-1 one as its group's "other", and "other" itself
    assert response.status_code == 200
    body = parse(response)
    assert isinstance(body, list) and len(body) == level2 + level1 + 1
    assert all(list(s) == SERVICE_FIELDS for s in body)
    found = next(s for s in body if s["service_code"] == service.code)
    assert found["service_name"] == "城市建设和市政管理"
    assert found["group"] == "城乡建设"
    assert found["metadata"] is True and found["type"] == "realtime"
    children = list(service.children.values_list("name", flat=True))
    assert set(found["keywords"].split(", ")) == set(children)


def test_services_xml_has_the_spec_elements(client, service):
    # when
    response = client.get(f"{BASE}/services.xml")
    # then
    root = parse(response)
    assert root.tag == "services"
    services = root.findall("service")
    assert services and all([e.tag for e in s] == SERVICE_FIELDS for s in services)
    found = next(s for s in services if s.findtext("service_code") == service.code)
    assert found.findtext("metadata") == "true" and found.findtext("group") == "城乡建设"


@pytest.mark.parametrize("jurisdiction", ["jiangmen", "440700", "JiangMen", ""])
def test_our_jurisdiction_is_accepted_under_each_name(client, jurisdiction):
    # when
    response = client.get(f"{BASE}/services.json", {"jurisdiction_id": jurisdiction})
    # then
    assert response.status_code == 200 and len(parse(response)) > 100


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_jurisdiction_gets_the_spec_error(client, fmt):
    # when
    response = client.get(f"{BASE}/services.{fmt}", {"jurisdiction_id": "sfgov.org"})
    # then
    assert response.status_code == 404
    ((code, description),) = error_list(response)
    assert code == 404 and "sfgov.org" in description


def test_service_definition_json_lists_the_attributes(client, service):
    # when
    response = client.get(f"{BASE}/services/{service.code}.json")
    # then
    assert response.status_code == 200
    body = parse(response)
    assert list(body) == ["service_code", "attributes"] and body["service_code"] == service.code
    attributes = {a["code"]: a for a in body["attributes"]}
    assert list(attributes) == ["request_type", "subcategory", "requester_kind"]
    assert all(list(a) == ATTRIBUTE_FIELDS for a in body["attributes"])
    request_type = attributes["request_type"]
    assert request_type["datatype"] == "singlevaluelist" and request_type["required"] is True
    assert request_type["order"] == 1 and request_type["variable"] is True
    assert [v["key"] for v in request_type["values"]] == list(RequestType.values)
    assert [v["key"] for v in request_type["values"]] == ["咨询", "求助", "投诉", "举报", "建议", "表扬"]
    subcategory = attributes["subcategory"]
    assert subcategory["required"] is False
    assert {v["key"] for v in subcategory["values"]} == set(service.children.values_list("code", flat=True))
    assert sorted(a["order"] for a in body["attributes"]) == [1, 2, 3]


def test_service_definition_xml_has_the_spec_elements(client, service):
    # when
    response = client.get(f"{BASE}/services/{service.code}.xml")
    # then
    root = parse(response)
    assert root.tag == "service_definition" and root.findtext("service_code") == service.code
    first = root.find("attributes/attribute")
    assert [e.tag for e in first] == ATTRIBUTE_FIELDS
    assert first.findtext("code") == "request_type" and first.findtext("required") == "true"
    values = first.findall("values/value")
    assert [(v.findtext("key"), v.findtext("name")) for v in values][2] == ("投诉", "投诉")


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("code", ["C99.99", "C99", "<script>", "C01.01.001", "other"])
def test_an_unknown_service_code_is_404_in_the_spec_format(client, fmt, code):
    # when
    response = client.get(f"{BASE}/services/{code}.{fmt}")
    # then
    assert response.status_code == 404
    assert error_list(response)[0][0] == 404


def test_a_path_that_is_no_resource_is_404_in_the_spec_format(client):
    # when
    missing_json = client.get(f"{BASE}/nothing.json")
    missing = client.get(f"{BASE}/services.yaml")
    # then
    assert missing_json.status_code == 404 and error_list(missing_json)[0][0] == 404
    assert missing.status_code == 404 and error_list(missing)[0][0] == 404


def test_a_method_the_resource_does_not_take_is_400(client):
    # when
    response = client.post(f"{BASE}/services.json")
    # then
    assert response.status_code == 400 and error_list(response)[0][0] == 400
