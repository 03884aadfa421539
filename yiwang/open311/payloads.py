"""Our records as GeoReport v2 documents, with the spec's element names and order. Every field the
spec lists is present; what we do not know is null (an empty element in XML)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext as _

from yiwang.cases.models import OPEN_STATUSES, Case, CaseEvent, Satisfaction, Status
from yiwang.cases.selectors import PUBLIC_REASONS
from yiwang.cases.transitions import action_label
from yiwang.routing.models import Category
from yiwang.routing.selectors import unit_by_code
from yiwang.security.masking import mask_personal_text

from .definitions import attributes_for
from .formats import w3c_datetime
from .models import Open311Request, Open311Update, update_id_of
from .selectors import OTHER_SERVICE_CODE, extended_status, open311_status, request_status, service_of

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
DEFAULT_CHANGESET = "2026-01-01 00:00"  # bump OPEN311_CHANGESET when the category tree changes
FORMAT_TYPES = ["text/xml", "application/json"]
# Statuses whose notes carry the reply (from the unit, or the operator's answer at intake).
_REPLY_SHOWN = (Status.REPLIED, Status.VERIFYING, Status.ANSWERED, Status.CLOSED, Status.RATED)

# GET requests needs no api_key, so what it shows is public: the personal data a caller put in the
# text (phones in any form, e-mail, ID numbers, house numbers, their own name) is masked by the
# platform's one rule (security.masking.mask_personal_text), and the point is rounded.
COORDINATE_DECIMALS = 3  # about 110 m north-south and 100 m east-west here: the street, not the door


def redact(text: str | None, *, case: Case | None = None) -> str | None:
    if not text:
        return text
    return mask_personal_text(text, names=(case.requester_name,) if case is not None else ())


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, COORDINATE_DECIMALS)


# --------------------------------------------------------------------------- discovery
def discovery(*, endpoint_url: str) -> dict:
    changeset = getattr(settings, "OPEN311_CHANGESET", DEFAULT_CHANGESET)
    return {
        "changeset": changeset,
        "contact": getattr(settings, "OPEN311_CONTACT", "")
        or _("江门市12345政务服务便民热线指挥中心；接口问题请联系平台管理员。"),
        "key_service": getattr(settings, "OPEN311_KEY_SERVICE", "")
        or _("api_key 即平台的 API 令牌，由管理员签发：yiwang token create --user 账号名"),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": endpoint_url,
                "changeset": changeset,
                "type": "test" if getattr(settings, "DEMO_MODE", False) else "production",
                "formats": FORMAT_TYPES,
            }
        ],
    }


# --------------------------------------------------------------------------- services
def service(category: Category, *, service_type: str) -> dict:
    children = [c.name for c in getattr(category, "active_children", [])]
    description = category.path
    if children:
        shown = "、".join(children[:8]) + ("等" if len(children) > 8 else "")
        description = _("%(path)s：%(children)s") % {"path": category.path, "children": shown}
    return {
        "service_code": category.code,
        "service_name": service_name(category),
        "description": description,
        "metadata": True,  # every service has the required request_type attribute
        "type": service_type,
        "keywords": ", ".join(children),
        "group": category.parent.name if category.parent_id else category.name,
    }


def service_name(category: Category) -> str:
    """A level-1 service is the "other" of its group: what fits none of its level-2 services."""
    if category.level == 1 and category.code != OTHER_SERVICE_CODE:
        return _("%(name)s（其他）") % {"name": category.name}
    return category.name


def service_definition(category: Category) -> dict:
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": a.variable,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": a.datatype_description,
                "order": a.order,
                "description": a.description,
                "values": [{"key": key, "name": name} for key, name in a.values],
            }
            for a in attributes_for(category)
        ],
    }


# --------------------------------------------------------------------------- requests
def service_notice(case: Case) -> str | None:
    """What happens next, while the case is open."""
    if case.status not in OPEN_STATUSES:
        return None
    if case.lead_unit_id and case.due_at:
        return _("由%(unit)s办理，办理时限 %(due)s") % {
            "unit": case.lead_unit.name,
            "due": w3c_datetime(case.due_at),
        }
    return _("已登记（编号 %(n)s），等待受理和派遣") % {"n": case.number}


def status_notes(case: Case, rejection_reason: str = "") -> str:
    label = str(Status(case.status).label)
    if case.status == Status.MERGED and case.parent_id:
        return _("%(label)s：与 %(n)s 为同一诉求，随其办理") % {"label": label, "n": case.parent.number}
    if case.status == Status.REJECTED:
        detail = rejection_reason
    elif case.status in _REPLY_SHOWN:
        detail = case.reply_text
    else:  # e.g. reopened: the last reply is no longer the answer
        detail = ""
    return f"{label}：{detail}" if detail else label


def _address(case: Case) -> str | None:
    if case.address:
        return case.address
    # From the most specific unit to the most general, as the spec asks.
    chain = [a for a in (case.community, case.town, case.district) if a is not None]
    if case.district is not None and case.district.parent is not None:
        chain.append(case.district.parent)
    return ", ".join(a.name for a in chain) or None


def _media_url(case: Case, absolute) -> str | None:
    """The first photo of the case a dispatcher approved for publication (selectors prefetch them as
    `public_photos`). A link an Open311 client sent is not published: nobody here has looked at it."""
    for photo in getattr(case, "public_photos", None) or []:
        return absolute(photo.as_entry()["url"])
    return None


def _updated(case: Case):
    if open311_status(case.status) == "closed" and case.closed_at:
        return case.closed_at  # "For requests with status=closed, this will be the date … closed."
    return case.updated_at


def service_request(
    case: Case, *, rejection_reason: str = "", absolute=lambda url: url, extended: bool = False
) -> dict:
    svc = service_of(case.category)
    return {
        "service_request_id": case.number,
        "status": request_status(case, extended=extended),
        "status_notes": redact(status_notes(case, rejection_reason), case=case),
        "service_name": service_name(svc),
        "service_code": svc.code,
        "description": redact(case.text, case=case),
        "agency_responsible": case.lead_unit.name if case.lead_unit_id else None,
        "service_notice": service_notice(case),
        "requested_datetime": w3c_datetime(case.received_at),
        "updated_datetime": w3c_datetime(_updated(case)),
        "expected_datetime": w3c_datetime(case.due_at),
        "address": redact(_address(case), case=case),
        "address_id": case.grid.code if case.grid_id else None,
        "zipcode": None,
        "lat": _rounded(case.lat),
        "long": _rounded(case.lon),
        "media_url": _media_url(case, absolute),
    }


def created(record: Open311Request, *, service_type: str) -> dict:
    """The answer to POST requests: the id (realtime) or a token (batch), never both."""
    out: dict = (
        {"token": record.token} if service_type == "batch" else {"service_request_id": record.case.number}
    )
    out["service_notice"] = service_notice(record.case)
    out["account_id"] = record.account_id or None
    return out


def token(record: Open311Request) -> dict:
    return {"service_request_id": record.case.number, "token": record.token}


# --------------------------------------------------------------------------- updates
def _update_detail(event: CaseEvent) -> str:
    """What the public timeline says of an event beyond its name: the reply or the answer (public, as
    in status_notes), a public reason, the unit it went to, the check's outcome, the rating, or the
    requester's own supplement. Never a staff note, never who acted."""
    payload = event.payload or {}
    action = event.action
    if action in ("reply", "answer", "supplement"):
        return payload.get("text") or ""
    if action in PUBLIC_REASONS:
        return event.reason
    if action == "merge" and payload.get("into"):
        return _("与 %(n)s 为同一诉求，随其办理") % {"n": payload["into"]}
    if action in ("dispatch", "redispatch") and payload.get("lead_unit"):
        unit = unit_by_code(payload["lead_unit"])
        return _("由%(unit)s办理") % {"unit": unit.name} if unit else ""
    if action == "verify":
        return _("现场核查通过") if payload.get("passed") else _("现场核查未通过，退回重办")
    if action == "extend" and payload.get("request") == "approve" and payload.get("due_at"):
        return _("办理时限延至 %(due)s") % {"due": w3c_datetime(_as_datetime(payload["due_at"]))}
    if action == "rate" and payload.get("satisfaction") in Satisfaction.values:
        return str(Satisfaction(payload["satisfaction"]).label)
    return ""


def _as_datetime(value):
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def update_status(event: CaseEvent, *, extended: bool) -> str:
    """Where the case stood after the event, as open/closed or the extended status."""
    case = event.case
    if not extended:
        return open311_status(event.to_status)
    # The rating the event itself gave; for a later event on a rated case, the case's rating.
    solved = (event.payload or {}).get("solved") if event.action == "rate" else case.solved
    return extended_status(event.to_status, merged=case.parent_id is not None, solved=solved)


def service_request_update(event: CaseEvent, *, extended: bool) -> dict:
    """One event of the public timeline as FixMyStreet's request_update."""
    label = action_label(event.action)
    detail = _update_detail(event)
    return {
        "update_id": update_id_of(event.case.number, event.seq),
        "service_request_id": event.case.number,
        "status": update_status(event, extended=extended),
        "updated_datetime": w3c_datetime(event.created_at),
        "description": redact(f"{label}：{detail}" if detail else label, case=event.case),
        # A link a client sent is not republished (nobody here has looked at it), as in GET requests.
        "media_url": None,
        "external_status_code": event.to_status,
    }


def update_created(record: Open311Update) -> dict:
    """The answer to POST servicerequestupdates: our id of the update (the same on every retry)."""
    return {"update_id": record.update_id}
