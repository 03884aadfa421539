"""Parsing and checking the arguments of Open311 calls. Refusals are ApplicationErrors with the status
the spec asks for (400 bad or missing argument, 404 unknown resource); `fields` names each argument
at fault, so several problems come back together as several errors.

"Optional" arguments follow the spec: an argument sent empty is treated as not sent.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core import clock
from yiwang.core.errors import ApplicationError
from yiwang.geo.models import Area, Level

from . import error_codes as codes

DEFAULT_JURISDICTION_ALIASES = ("jiangmen", "jiangmen.gov.cn")
MAX_WINDOW = dt.timedelta(days=90)  # GET requests: "may not span more than 90 days"
MAX_DESCRIPTION = 4000  # "free form text limited to 4,000 characters"
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
# W3C NOTE-datetime: YYYY, YYYY-MM, YYYY-MM-DD, or a time with seconds, fraction and zone optional.
_W3C = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:[Tt](?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?P<f>\.\d+)?)?(?P<z>[Zz]|[+-]\d{2}:\d{2}))?)?)?$"
)


def optional(params: QueryDict, name: str) -> str:
    return (params.get(name) or "").strip()


def listed(params: QueryDict, name: str) -> list[str]:
    """A list argument: comma delimited, and/or declared several times."""
    out: list[str] = []
    for raw in params.getlist(name):
        out.extend(v.strip() for v in raw.split(",") if v.strip())
    return out


# --------------------------------------------------------------------------- jurisdiction
def jurisdiction_ids() -> set[str]:
    """The one jurisdiction this endpoint serves, under each name it answers to (lower case)."""
    aliases = getattr(settings, "OPEN311_JURISDICTION_IDS", DEFAULT_JURISDICTION_ALIASES)
    codes_ = Area.objects.filter(level=Level.CITY).values_list("code", flat=True)
    return {a.lower() for a in aliases} | set(codes_)


def check_jurisdiction(params: QueryDict) -> None:
    """jurisdiction_id is optional (one jurisdiction); when sent it must be ours (404 otherwise)."""
    given = optional(params, "jurisdiction_id")
    if given and given.lower() not in jurisdiction_ids():
        raise ApplicationError(
            codes.JURISDICTION_NOT_FOUND,
            _("jurisdiction_id %(j)s 不存在（本接口服务：%(ids)s）")
            % {"j": given, "ids": ", ".join(sorted(jurisdiction_ids()))},
            status=404,
        )


# --------------------------------------------------------------------------- extended statuses
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def extended_statuses_asked(params: QueryDict) -> bool | None:
    """`extended_statuses=1|true` asks for FixMyStreet's extended statuses, `0|false` for open/closed;
    None when not sent (the account's setting decides)."""
    given = optional(params, "extended_statuses").lower()
    if not given:
        return None
    if given in _TRUE:
        return True
    if given in _FALSE:
        return False
    problem = _("须为 true 或 false")
    raise ApplicationError(codes.INVALID_ARGUMENT, problem, fields={"extended_statuses": problem})


# --------------------------------------------------------------------------- dates
def parse_w3c(value: str, name: str) -> tuple[dt.datetime, dt.datetime]:
    """The instant or period a W3C datetime names, as [start, end). A time must carry its zone;
    a bare date (or month, or year) is the whole period in the jurisdiction's time zone."""
    text = value.strip()
    # An unencoded "+08:00" in a query string arrives as " 08:00": read it as the "+" it was.
    text = re.sub(r" (\d{2}:\d{2})$", r"+\1", text)
    m = _W3C.match(text)
    problem = _("须为 W3C/RFC 3339 格式并带时区，如 2026-11-28T15:40:07+08:00")
    if not m:
        raise ApplicationError(codes.INVALID_ARGUMENT, problem, fields={name: problem})
    try:
        if m["H"] is None:
            local = timezone.get_default_timezone()  # the jurisdiction's own time zone
            year, month, day = int(m["y"]), int(m["m"] or 1), int(m["d"] or 1)
            start = dt.datetime(year, month, day, tzinfo=local)
            if m["d"]:
                end = start + dt.timedelta(days=1)
            elif m["m"]:
                end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=local)
            else:
                end = dt.datetime(year + 1, 1, 1, tzinfo=local)
            return start, end
        zone = m["z"].upper()
        if zone == "Z":
            tz = dt.UTC
        else:
            sign = 1 if zone[0] == "+" else -1
            tz = dt.timezone(sign * dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
        micro = int((m["f"] or ".0")[1:7].ljust(6, "0"))
        instant = dt.datetime(
            int(m["y"]), int(m["m"]), int(m["d"]), int(m["H"]), int(m["M"]), int(m["S"] or 0), micro, tz
        )
        return instant, instant + dt.timedelta(microseconds=1)
    except (ValueError, OverflowError):
        raise ApplicationError(codes.INVALID_ARGUMENT, problem, fields={name: problem}) from None


@dataclass
class RequestQuery:
    """GET requests: either a list of ids (which overrides everything else) or filters in a window."""

    ids: list[str] = field(default_factory=list)
    service_codes: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    start: dt.datetime | None = None
    end: dt.datetime | None = None  # exclusive


def parse_request_query(params: QueryDict) -> RequestQuery:
    ids = listed(params, "service_request_id")
    if ids:  # "This overrides all other arguments."
        return RequestQuery(ids=ids)
    errors: dict[str, str] = {}
    statuses = [s.lower() for s in listed(params, "status")]
    bad = [s for s in statuses if s not in ("open", "closed")]
    if bad:
        errors["status"] = _("取值须为 open 或 closed（收到 %(v)s）") % {"v": ", ".join(bad)}
    start = end = None
    for name in ("start_date", "end_date"):
        value = optional(params, name)
        if not value:
            continue
        try:
            lower, upper = parse_w3c(value, name)
        except ApplicationError as exc:
            errors.update(exc.fields)
            continue
        if name == "start_date":
            start = lower
        else:
            end = upper
    if not errors:
        if start is not None and end is not None:
            if start >= end:
                errors["end_date"] = _("end_date 须晚于 start_date")
            elif end - start > MAX_WINDOW + dt.timedelta(microseconds=1):
                errors["end_date"] = _("查询区间不能超过 90 天")
        elif start is not None:
            end = start + MAX_WINDOW
        elif end is not None:
            start = end - MAX_WINDOW
        else:  # "When not specified, the range defaults to most recent 90 days."
            start = clock.now() - MAX_WINDOW
    if errors:
        raise ApplicationError(codes.INVALID_ARGUMENT, _("查询参数有误"), fields=errors)
    return RequestQuery(
        service_codes=listed(params, "service_code"), statuses=sorted(set(statuses)), start=start, end=end
    )


# --------------------------------------------------------------------------- POST requests
@dataclass
class Submission:
    """A POST requests.[format] after parsing: what the client sent, checked, not yet looked up."""

    service_code: str
    lat: float | None = None
    long: float | None = None
    address_string: str = ""
    address_id: str = ""
    attributes: dict[str, list[str]] = field(default_factory=dict)
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    description: str = ""
    media_url: str = ""  # the first of media_urls (the one GET requests reports)
    media_urls: list[str] = field(default_factory=list)  # every media_url sent (repeated: several photos)


_LIMITS = {
    "address_string": 300,
    "address_id": 15,
    "email": 254,
    "device_id": 200,
    "account_id": 200,
    "first_name": 50,
    "last_name": 50,
    "phone": 30,
    "description": MAX_DESCRIPTION,
    "media_url": 1000,
}
MAX_MEDIA = 10  # media_url may be repeated (FixMyStreet's multi_photos); more than this is refused


def _coordinate(raw: str, name: str, bound: float, errors: dict) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or abs(value) > bound:
        errors[name] = _("须为 WGS84 坐标（-%(b)s 到 %(b)s 之间的数）") % {"b": int(bound)}
        return None
    return value


def media_list(params: QueryDict, errors: dict) -> list[str]:
    """Every media_url sent: the argument may be repeated, one photo each (FixMyStreet's multi_photos
    sends them so). Each must be an http(s) link of at most 1,000 characters."""
    urls = [v.strip() for v in params.getlist("media_url") if v.strip()]
    check = URLValidator(schemes=["http", "https"])
    for url in urls:
        if len(url) > _LIMITS["media_url"]:
            errors["media_url"] = _("不能超过 %(n)d 个字符") % {"n": _LIMITS["media_url"]}
            break
        try:
            check(url)
        except ValidationError:
            errors["media_url"] = _("须为 http(s) 链接")
            break
    if len(urls) > MAX_MEDIA:
        errors["media_url"] = _("最多 %(n)d 个链接") % {"n": MAX_MEDIA}
    return list(dict.fromkeys(urls))  # the same link twice is one photo


def parse_submission(params: QueryDict) -> Submission:
    """Check the form of every argument (lengths, numbers, e-mail, URL) and that a location is given.
    Whether the service, the attributes' values and the place exist is for the service to decide."""
    errors: dict[str, str] = {}
    values = {name: optional(params, name) for name in _LIMITS if name != "media_url"}
    for name, limit in _LIMITS.items():
        if name == "media_url":
            continue  # repeated: checked one by one below
        if len(values[name]) > limit:
            errors[name] = _("不能超过 %(n)d 个字符") % {"n": limit}
    if not values["device_id"]:  # FixMyStreet's use_service_as_deviceid sends it as "deviceid"
        values["device_id"] = optional(params, "deviceid")
        if len(values["device_id"]) > _LIMITS["device_id"]:
            errors["device_id"] = _("不能超过 %(n)d 个字符") % {"n": _LIMITS["device_id"]}
    service_code = optional(params, "service_code")
    if not service_code:
        errors["service_code"] = _("必填：取自 GET services 的 service_code")
    lat_raw, long_raw = optional(params, "lat"), optional(params, "long")
    lat = lon = None
    if lat_raw or long_raw:
        if not (lat_raw and long_raw):
            errors["lat" if not lat_raw else "long"] = _("lat 和 long 须同时提供")
        else:
            lat = _coordinate(lat_raw, "lat", 90, errors)
            lon = _coordinate(long_raw, "long", 180, errors)
    elif not (values["address_string"] or values["address_id"]):
        errors["lat"] = _("须提供位置：lat 和 long，或 address_string，或 address_id")
    if values["email"] and "email" not in errors:
        try:
            validate_email(values["email"])
        except ValidationError:
            errors["email"] = _("电子邮箱格式无效")
    media_urls = media_list(params, errors)
    values["media_url"] = media_urls[0] if media_urls else ""
    attributes: dict[str, list[str]] = {}
    for key in params:
        m = _ATTRIBUTE.match(key)
        if m:
            given = [v.strip() for v in params.getlist(key) if v.strip()]
            if given:
                attributes.setdefault(m.group(1), []).extend(given)
    if errors:
        raise ApplicationError(codes.INVALID_ARGUMENT, _("提交的参数有误"), fields=errors)
    return Submission(
        service_code=service_code,
        lat=lat,
        long=lon,
        attributes=attributes,
        media_urls=media_urls,
        **values,
    )


# --------------------------------------------------------------------------- servicerequestupdates
# The statuses a client may send with an update (FixMyStreet: OPEN/CLOSED, or its extended ones and
# REOPEN). Kept with the update as what the client said; they never move the case.
CLIENT_STATUSES = (
    "open", "closed", "fixed", "in_progress", "action_scheduled", "investigating", "duplicate",
    "not_councils_responsibility", "no_further_action", "internal_referral", "reopen",
)


@dataclass
class UpdateQuery:
    """GET servicerequestupdates: updates whose time falls in [start, end)."""

    start: dt.datetime
    end: dt.datetime


def parse_update_query(params: QueryDict) -> UpdateQuery:
    """start_date and end_date as in GET requests: W3C datetimes, at most 90 days apart; with none,
    the last 90 days; with one, 90 days from (or up to) it."""
    query = parse_request_query(_only(params, ("start_date", "end_date")))
    return UpdateQuery(start=query.start, end=query.end or clock.now() + dt.timedelta(seconds=1))


def _only(params: QueryDict, names: tuple[str, ...]) -> QueryDict:
    out = QueryDict(mutable=True)
    for name in names:
        out.setlist(name, params.getlist(name))
    return out


@dataclass
class UpdateSubmission:
    """A POST servicerequestupdates after parsing: the client's comment on one of our requests."""

    service_request_id: str
    update_id: str
    description: str
    status: str = ""
    updated_datetime: dt.datetime | None = None
    media_urls: list[str] = field(default_factory=list)
    first_name: str = ""
    last_name: str = ""
    email: str = ""


_UPDATE_LIMITS = {
    "service_request_id": 20,
    "update_id": 200,
    "description": MAX_DESCRIPTION,
    "first_name": 50,
    "last_name": 50,
    "email": 254,
}


def parse_update_submission(params: QueryDict) -> UpdateSubmission:
    errors: dict[str, str] = {}
    values = {name: optional(params, name) for name in _UPDATE_LIMITS}
    # FixMyStreet's older "extended updates" name its own ids update_id_ext / service_request_id_ext.
    values["update_id"] = values["update_id"] or optional(params, "update_id_ext")
    for name, limit in _UPDATE_LIMITS.items():
        if len(values[name]) > limit:
            errors[name] = _("不能超过 %(n)d 个字符") % {"n": limit}
    if not values["service_request_id"]:
        errors["service_request_id"] = _("必填：要补充的诉求件编号")
    if not values["update_id"]:
        errors["update_id"] = _("必填：客户端自己的更新编号（重试时原样发送，不会重复登记）")
    if not values["description"]:
        errors["description"] = _("必填：补充的内容")
    if values["email"] and "email" not in errors:
        try:
            validate_email(values["email"])
        except ValidationError:
            errors["email"] = _("电子邮箱格式无效")
    status = optional(params, "status").lower()
    if status and status not in CLIENT_STATUSES:
        errors["status"] = _("取值须为：%(v)s") % {"v": ", ".join(CLIENT_STATUSES)}
    updated = None
    if optional(params, "updated_datetime"):
        try:
            updated, _end = parse_w3c(optional(params, "updated_datetime"), "updated_datetime")
        except ApplicationError as exc:
            errors.update(exc.fields)
    media_urls = media_list(params, errors)
    if errors:
        raise ApplicationError(codes.INVALID_ARGUMENT, _("提交的参数有误"), fields=errors)
    return UpdateSubmission(status=status, updated_datetime=updated, media_urls=media_urls, **values)
