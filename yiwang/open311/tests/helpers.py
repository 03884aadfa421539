"""Helpers of the Open311 tests: read either format, post a form, submit a typical request."""

import json
import re
import xml.etree.ElementTree as ET

BASE = "/open311/v2"
POINT = {"lat": "22.60", "long": "113.08"}  # central 蓬江区
W3C_WITH_ZONE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")


def parse(response):
    """The body as Python: JSON as is; XML as the element tree (after checking its declaration)."""
    if response["Content-Type"].startswith("text/xml"):
        assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
        return ET.fromstring(response.content)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def post(api, fmt, **fields):
    return api.post(f"{BASE}/requests.{fmt}", fields)


def submit(api, token, service, fmt="json", **extra):
    fields = {
        "api_key": token,
        "service_code": service.code,
        "attribute[request_type]": "投诉",
        "description": "白沙街道某小区门口路灯连续一周不亮。夜间出行不便，请尽快维修。",
        "first_name": "三",
        "last_name": "张",
        "phone": "13800138000",
        **POINT,
    }
    fields.update(extra)
    fields = {k: v for k, v in fields.items() if v is not None}
    return post(api, fmt, **fields)


def error_list(response):
    """[(code, description)] from either format."""
    body = parse(response)
    if isinstance(body, list):
        return [(e["code"], e["description"]) for e in body]
    assert body.tag == "errors"
    return [(int(e.findtext("code")), e.findtext("description")) for e in body.findall("error")]
