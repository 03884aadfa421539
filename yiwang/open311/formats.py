"""Rendering Open311 documents as JSON or XML, the two formats of GeoReport v2.

A document is built once as plain Python (dicts, lists, strings, numbers, booleans, None) and
rendered either way. JSON follows the spec's examples (the Spark convention): a list of requests
is a bare array, a list nested in an object is an array. XML wraps each list in its plural element
and each item in the singular one (<services><service>…, <attributes><attribute>…), built with
xml.etree so every value is escaped; None is an empty element, booleans are true/false.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET

from django.http import HttpResponse
from django.utils import timezone

FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

# The element of each item inside a list element.
ITEM_ELEMENTS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
    "service_request_updates": "request_update",
}

# Characters XML 1.0 cannot carry at all, not even escaped (C0 controls other than tab/LF/CR, U+FFFE/F).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def w3c_datetime(value: dt.datetime | None) -> str | None:
    """RFC 3339 / W3C datetime with the zone, in the jurisdiction's time: 2026-11-28T15:40:07+08:00."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return _XML_INVALID.sub("", str(value))


def _fill(parent: ET.Element, name: str, value) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(element, key, item)
    elif isinstance(value, list):
        child = ITEM_ELEMENTS[name]
        for item in value:
            _fill(element, child, item)
    else:
        element.text = _text(value)


def to_xml(root: str, document) -> bytes:
    """`document` is the content of the root element: a list (of items) or a dict (of fields)."""
    holder = ET.Element("holder")
    _fill(holder, root, document)
    body = ET.tostring(holder[0], encoding="unicode", short_empty_elements=True)
    return (XML_DECLARATION + body).encode("utf-8")


def to_json(document) -> bytes:
    # "replace": a lone surrogate from some old row must not turn a read into a 500.
    return json.dumps(document, ensure_ascii=False).encode("utf-8", "replace")


def render(fmt: str, root: str, document, *, status: int = 200) -> HttpResponse:
    body = to_xml(root, document) if fmt == "xml" else to_json(document)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def render_errors(fmt: str, status: int, descriptions: list[str]) -> HttpResponse:
    """The spec's error document: a list of {code, description}; the code is the HTTP status."""
    errors = [{"code": status, "description": d} for d in descriptions]
    return render(fmt, "errors", errors, status=status)
