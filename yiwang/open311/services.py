"""The Open311 writes. POST requests turns a submission into an ordinary case (channel "open311")
through yiwang.intake.services.case_submit, and keeps the client's own fields and a token beside it.
POST servicerequestupdates adds a client's comment to a case as the case's `supplement` move, once
per client update id."""

from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yiwang.cases.models import Channel, RequesterKind
from yiwang.cases.services import Actor, CaseInput, perform
from yiwang.core.errors import ApplicationError
from yiwang.geo.models import Area, Level
from yiwang.intake.services import case_submit

from . import error_codes as codes
from . import selectors
from .definitions import attributes_for
from .models import Open311Request, Open311Update
from .params import Submission, UpdateSubmission

TITLE_LENGTH = 40
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SENTENCE_END = re.compile(r"[。！？!?；;]")
_TITLE_PREFIX = re.compile(r"^(?:title|标题|標題)\s*[:：]\s*(.*)$", re.IGNORECASE)


def service_type() -> str:
    """realtime: POST answers with the service_request_id; batch: with a token (GET tokens/{id})."""
    kind = getattr(settings, "OPEN311_SERVICE_TYPE", "realtime")
    return kind if kind in ("realtime", "batch") else "realtime"


def title_from(description: str, fallback: str) -> str:
    """The case title: the description's first sentence of its first line, cut to 40 characters.
    A first line "title: …" (FixMyStreet's extended description) is the title itself."""
    line = next((part.strip() for part in description.splitlines() if part.strip()), "")
    if not line:
        return fallback
    named = _TITLE_PREFIX.match(line)
    if named:
        line = named.group(1).strip()
        if not line:
            return fallback
        return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1] + "…"
    end = _SENTENCE_END.search(line)
    if end and end.start() > 0:
        line = line[: end.start()]
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1] + "…"


def requester_name(first_name: str, last_name: str) -> str:
    """Chinese names are written family name first with no space; others given name first."""
    if _CJK.search(first_name + last_name):
        return f"{last_name}{first_name}"
    return " ".join(p for p in (first_name, last_name) if p)


def _checked_attributes(service, given: dict[str, list[str]]) -> dict[str, str]:
    """Values of the service definition's attributes; unknown attribute codes are ignored."""
    errors: dict[str, str] = {}
    out: dict[str, str] = {}
    for attribute in attributes_for(service):
        name = f"attribute[{attribute.code}]"
        values = given.get(attribute.code, [])
        if not values:
            if attribute.required:
                errors[name] = _("必填：%(d)s") % {"d": attribute.description}
            continue
        if len(values) > 1:
            errors[name] = _("只能选择一项")
            continue
        keys = [key for key, _name in attribute.values]
        if values[0] not in keys:
            errors[name] = _("取值须为：%(v)s") % {"v": ", ".join(keys)}
            continue
        out[attribute.code] = values[0]
    if errors:
        raise ApplicationError(codes.INVALID_ARGUMENT, _("附加属性有误"), fields=errors)
    return out


def _address_area(address_id: str) -> Area:
    """address_id is our addressing system's id: an area or grid code (the address_id we report)."""
    area = (
        Area.objects.select_related("parent__parent__parent__parent")
        .filter(code=address_id, level__gt=Level.CITY)
        .first()
    )
    if area is None:
        raise ApplicationError(
            codes.ADDRESS_NOT_FOUND,
            _("address_id 不存在"),
            fields={"address_id": _("须为本市的区划或网格编码（如 GET requests 返回的 address_id）")},
        )
    return area


def _location(sub: Submission) -> dict:
    """CaseInput's place fields. A point wins; then an area/grid code; then the address text."""
    if sub.lat is not None and sub.long is not None:
        return {"lon": sub.long, "lat": sub.lat, "address": sub.address_string, "placement": None}
    if sub.address_id:
        area = _address_area(sub.address_id)
        chain, node = [], area
        while node is not None:
            chain.insert(0, node)
            node = node.parent
        names = [a.name for a in chain if Level.CITY < a.level < Level.GRID]
        address = ("".join(names) + (f" {sub.address_string}" if sub.address_string else ""))[:300]
        if area.level == Level.GRID and area.centroid_lon is not None:
            # A grid is small: its centre stands for the point, so the case lands on that grid.
            return {
                "lon": area.centroid_lon,
                "lat": area.centroid_lat,
                "address": address,
                "placement": "address",
            }
        return {"address": address, "placement": None}
    return {"address": sub.address_string, "placement": None}


def open311_request_create(*, submission: Submission, user) -> Open311Request:
    """Create the case for one POST requests.[format]; returns the Open311 record (with its case).

    media_url stays on the record: a case's attachments are images uploaded to us, not links."""
    sub = submission
    service = selectors.service_get(service_code=sub.service_code)
    values = _checked_attributes(service, sub.attributes)
    place = _location(sub)
    fallback_title = service.name
    text = sub.description or _("%(path)s（Open311 客户端未附描述）") % {"path": service.path}
    data = CaseInput(
        request_type=values["request_type"],
        title=title_from(sub.description, fallback_title),
        text=text,
        lon=place.get("lon"),
        lat=place.get("lat"),
        address=place["address"],
        placement=place["placement"],
        # "other" is no category: the case comes in unclassified, for the classifier and the operator
        category_code=values.get("subcategory") or (None if service.pk is None else service.code),
        requester_name=requester_name(sub.first_name, sub.last_name)[:100],
        requester_phone=sub.phone,
        requester_kind=values.get("requester_kind", RequesterKind.RESIDENT),
        requester_language="",  # detected from the text, as for every channel
        channel=Channel.OPEN311,
    )
    with transaction.atomic():
        case = case_submit(data=data, actor=Actor.of(user))[0]
        return Open311Request.objects.create(
            case=case,
            token=secrets.token_hex(16),
            submitted_by=user,
            email=sub.email,
            device_id=sub.device_id,
            account_id=sub.account_id,
            first_name=sub.first_name,
            last_name=sub.last_name,
            media_url=sub.media_url,
            media_urls=sub.media_urls,
            attributes=values,
        )


def _same_update(found: Open311Update, sub: UpdateSubmission) -> Open311Update:
    if found.case.number != sub.service_request_id:
        raise ApplicationError(
            codes.INVALID_ARGUMENT,
            _("update_id 已用于另一诉求件"),
            fields={"update_id": _("update_id %(u)s 已用于诉求件 %(n)s") % {"u": sub.update_id, "n": found.case.number}},
        )
    return found


def open311_update_create(*, submission: UpdateSubmission, user) -> Open311Update:
    """Add a client's comment (FixMyStreet's update) to a case: the case's supplement move, by the
    api_key's account, with its own event. A retry with the same update_id returns the first one."""
    sub = submission
    found = selectors.update_by_client_id(user=user, client_update_id=sub.update_id)
    if found is not None:
        return _same_update(found, sub)
    case = selectors.case_for_update(service_request_id=sub.service_request_id)
    payload = {"text": sub.description, "media_urls": sub.media_urls, "channel": "open311"}
    try:
        with transaction.atomic():
            case = perform(case=case, action="supplement", actor=Actor.of(user), payload=payload)
            return Open311Update.objects.create(
                case=case,
                seq=case.version,  # the supplement's own event: the case's latest
                submitted_by=user,
                client_update_id=sub.update_id,
                first_name=sub.first_name,
                last_name=sub.last_name,
                email=sub.email,
                client_status=sub.status,
                client_updated_at=sub.updated_datetime,
            )
    except IntegrityError:
        # The same update sent twice at once: the other one won, and this one rolled back whole.
        found = selectors.update_by_client_id(user=user, client_update_id=sub.update_id)
        if found is None:
            raise
        return _same_update(found, sub)
