"""Notifications: written to the outbox inside the move's transaction, delivered after commit.

The requester hears at acceptance, dispatch, reply and closure, and is asked to rate. Delivery
channels and retries live in delivery.py.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from .models import Outbox

# Which moves the requester hears about (to_status or action).
REQUESTER_NOTICES = {
    "accept": "accepted",
    "dispatch": "dispatched",
    "reply": "replied",
    "close": "closed",
    "verify": "closed",
    "answer": "answered",
    "reject": "rejected",
    "merge": "merged",
}


def _message(kind: str, case) -> str:
    texts = {
        "accepted": _("您的诉求（编号 %(n)s）已受理。"),
        "dispatched": _("您的诉求（编号 %(n)s）已转交承办单位办理。"),
        "replied": _("您的诉求（编号 %(n)s）已有答复：%(reply)s"),
        "closed": _("您的诉求（编号 %(n)s）已办结，请对办理结果进行评价。"),
        "answered": _("您的诉求（编号 %(n)s）已答复：%(reply)s 请对答复进行评价。"),
        "rejected": _("您的诉求（编号 %(n)s）不予受理。"),
        "merged": _("您的诉求（编号 %(n)s）与同类诉求合并办理，办理进展将同步告知。"),
    }
    return texts[kind] % {"n": case.number, "reply": (case.reply_text or "")[:200]}


def notify_case_event(*, case, event) -> list[Outbox]:
    kind = REQUESTER_NOTICES.get(event.action)
    if kind is None or (event.action == "verify" and event.to_status != "closed"):
        return []
    if not case.requester_phone:
        return []
    with translation.override(case.requester_language or "zh-hans"):
        body = _message(kind, case)
    rows = [
        Outbox.objects.create(
            case=case,
            event=event,
            channel="sms",
            recipient=case.requester_phone,
            kind=kind,
            language=case.requester_language,
            body=body,
        )
    ]
    # The requesters of merged cases are kept informed of their parent's progress.
    for child in case.merged_children.exclude(requester_phone=""):
        with translation.override(child.requester_language or "zh-hans"):
            body = _message(kind, case)
        rows.append(
            Outbox.objects.create(
                case=child,
                event=event,
                channel="sms",
                recipient=child.requester_phone,
                kind=kind,
                language=child.requester_language,
                body=body,
            )
        )
    ids = [r.pk for r in rows]
    transaction.on_commit(lambda: _deliver_after_commit(ids))
    return rows


def _deliver_after_commit(ids: list[int]) -> None:
    from .delivery import deliver_pending

    deliver_pending(ids=ids)
