"""The small parts: W3C dates, XML rendering, titles, names, redaction."""

import datetime as dt
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

import pytest

from yiwang.core.errors import ApplicationError
from yiwang.open311.formats import to_json, to_xml, w3c_datetime
from yiwang.open311.params import parse_w3c
from yiwang.open311.payloads import redact
from yiwang.open311.services import requester_name, title_from

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    "text, start, end",
    [
        (
            "2026-11-28T15:40:07+08:00",
            dt.datetime(2026, 11, 28, 15, 40, 7, tzinfo=SHANGHAI),
            dt.datetime(2026, 11, 28, 15, 40, 7, 1, tzinfo=SHANGHAI),
        ),
        (
            "2026-11-28T07:40:07Z",
            dt.datetime(2026, 11, 28, 15, 40, 7, tzinfo=SHANGHAI),
            dt.datetime(2026, 11, 28, 15, 40, 7, 1, tzinfo=SHANGHAI),
        ),
        (
            "2026-11-28T15:40+08:00",
            dt.datetime(2026, 11, 28, 15, 40, tzinfo=SHANGHAI),
            dt.datetime(2026, 11, 28, 15, 40, 0, 1, tzinfo=SHANGHAI),
        ),
        (
            "2026-11-28T15:40:07.25+08:00",
            dt.datetime(2026, 11, 28, 15, 40, 7, 250000, tzinfo=SHANGHAI),
            dt.datetime(2026, 11, 28, 15, 40, 7, 250001, tzinfo=SHANGHAI),
        ),
        (
            "2026-11-28",
            dt.datetime(2026, 11, 28, tzinfo=SHANGHAI),
            dt.datetime(2026, 11, 29, tzinfo=SHANGHAI),
        ),
        ("2026-12", dt.datetime(2026, 12, 1, tzinfo=SHANGHAI), dt.datetime(2027, 1, 1, tzinfo=SHANGHAI)),
        ("2026", dt.datetime(2026, 1, 1, tzinfo=SHANGHAI), dt.datetime(2027, 1, 1, tzinfo=SHANGHAI)),
        (
            "2026-11-28T15:40:07 08:00",  # an unencoded "+" read back from a query string
            dt.datetime(2026, 11, 28, 15, 40, 7, tzinfo=SHANGHAI),
            dt.datetime(2026, 11, 28, 15, 40, 7, 1, tzinfo=SHANGHAI),
        ),
    ],
)
def test_w3c_datetimes_name_an_instant_or_a_period(text, start, end):
    # when
    lower, upper = parse_w3c(text, "start_date")
    # then
    assert (lower, upper) == (start, end)


@pytest.mark.parametrize(
    "text",
    ["2026-11-28T15:40:07", "2026-11-28 15:40:07+08:00", "28/11/2026", "2026-02-30", "2026-11-28T25:00Z", ""],
)
def test_other_date_forms_are_refused_naming_the_argument(text):
    # when
    with pytest.raises(ApplicationError) as refused:
        parse_w3c(text, "end_date")
    # then
    assert "end_date" in refused.value.fields


def test_datetimes_are_written_with_their_zone():
    # given
    moment = dt.datetime(2026, 11, 28, 7, 40, 7, 123456, tzinfo=dt.UTC)
    # when / then
    assert w3c_datetime(moment) == "2026-11-28T15:40:07+08:00"
    assert w3c_datetime(None) is None


def test_xml_escapes_text_drops_what_xml_cannot_carry_and_wraps_list_items():
    # given
    document = [{"code": 400, "description": 'a <b> & "c"\x00\x1b ok', "flag": True, "none": None}]
    # when
    body = to_xml("errors", document)
    # then
    root = ET.fromstring(body)
    error = root.find("error")
    assert error.findtext("description") == 'a <b> & "c" ok'
    assert error.findtext("flag") == "true" and error.find("none").text is None
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<errors>')


def test_json_keeps_chinese_readable_and_survives_a_lone_surrogate():
    # when
    body = to_json([{"name": "路灯", "bad": "\ud800"}])
    # then
    assert "路灯".encode() in body


@pytest.mark.parametrize(
    "description, title",
    [
        ("路灯不亮。已经一周了", "路灯不亮"),
        ("\n\n  井盖丢失！很危险", "井盖丢失"),
        ("长" * 60, "长" * 39 + "…"),
        ("Streetlight out on Main St. near the park", "Streetlight out on Main St. near the park"[:39] + "…"),
        ("", "服务名"),
    ],
)
def test_a_title_is_the_first_sentence_of_the_description(description, title):
    assert title_from(description, "服务名") == title


@pytest.mark.parametrize(
    "first, last, name",
    [("三", "张", "张三"), ("John", "Smith", "John Smith"), ("", "", ""), ("Ann", "", "Ann")],
)
def test_requester_names_follow_their_language(first, last, name):
    assert requester_name(first, last) == name


def test_public_text_masks_mobile_and_id_numbers_only():
    # given
    text = "电话13800138000，身份证44070319900101123X，门牌号12345，订单20261128000001"
    # when
    masked = redact(text)
    # then
    assert masked == "电话138****8000，身份证4407**********123X，门牌号12345，订单20261128000001"
