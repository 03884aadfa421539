"""Notifications: written to the outbox inside the move's transaction, delivered after commit.

`notify_case_event` is called by every move (yiwang.cases.services._event), inside its transaction,
so a rolled-back move leaves no message behind. It writes:
- the requester's notices (acceptance, dispatch, reply, closure with the request to rate, …) by SMS,
  rendered in the requester's language (the zh-hans texts are the msgids);
- the red-card escalation to the supervising dispatchers (SMS, and email when they have an address);
- one signed JSON post per configured webhook (NOTIFY_WEBHOOKS).
After commit the rows are delivered (delivery.py) in this process, or on a Celery worker
(NOTIFY_DELIVERY_ON_COMMIT); whatever fails is retried by the periodic job.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yiwang.cases.models import Status
from yiwang.core.inserts import insert_rows
from yiwang.core.language import in_requester_script
from yiwang.geo.locate import get_index

from .delivery import channel_enabled
from .models import Kind, Outbox
from .selectors import supervising_dispatchers

log = logging.getLogger("yiwang.notify")

# Which moves the requester hears about.
REQUESTER_NOTICES = {
    "accept": Kind.ACCEPTED,
    "dispatch": Kind.DISPATCHED,
    "reply": Kind.REPLIED,
    "close": Kind.CLOSED,
    "verify": Kind.CLOSED,  # only when the verification passed (to_status closed)
    "answer": Kind.ANSWERED,
    "reject": Kind.REJECTED,
    "merge": Kind.MERGED,
    "reopen": Kind.REOPENED,
}


def _language(code: str | None) -> str:
    known = {c for c, _name in settings.LANGUAGES}
    return code if code in known else settings.LANGUAGE_CODE


def requester_text(kind: str, *, number: str, reply: str = "", reason: str = "") -> str:
    """A requester notice in the active language."""
    if kind == Kind.REJECTED and reason:
        return _("您的诉求（编号 %(n)s）不予受理，理由：%(reason)s") % {"n": number, "reason": reason[:200]}
    texts = {
        Kind.ACCEPTED: _("您的诉求（编号 %(n)s）已受理。"),
        Kind.DISPATCHED: _("您的诉求（编号 %(n)s）已转交承办单位办理。"),
        Kind.REPLIED: _("您的诉求（编号 %(n)s）已有答复：%(reply)s"),
        Kind.CLOSED: _("您的诉求（编号 %(n)s）已办结，请对办理结果进行评价。"),
        Kind.ANSWERED: _("您的诉求（编号 %(n)s）已答复：%(reply)s 请对答复进行评价。"),
        Kind.REJECTED: _("您的诉求（编号 %(n)s）不予受理。"),
        Kind.MERGED: _("您的诉求（编号 %(n)s）与同类诉求合并办理，办理进展将同步告知。"),
        Kind.REOPENED: _("您的诉求（编号 %(n)s）已重新交承办单位办理。"),
    }
    return texts[kind] % {"n": number, "reply": (reply or "")[:200]}


def escalation_text(case) -> tuple[str, str]:
    """(subject, body) of a red-card escalation, in the active language."""
    values = {
        "n": case.number,
        "title": case.title[:60],
        "due": timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M") if case.due_at else "-",
        "unit": case.lead_unit.display_name if case.lead_unit_id else _("未指定"),
        "status": str(Status(case.status).label),
    }
    subject = _("【红牌督办】诉求件 %(n)s 已超过办理时限") % values
    body = (
        _(
            "【红牌督办】诉求件 %(n)s“%(title)s”已超过办理时限（%(due)s），"
            "承办单位：%(unit)s，当前状态：%(status)s。请督促办理。"
        )
        % values
    )
    return subject, body


def notify_case_event(*, case, event) -> list[Outbox]:
    """Write the outbox rows for one move (inside its transaction) and deliver them after commit."""
    return notify_case_events(case=case, events=[event])


def notify_case_events(*, case, events) -> list[Outbox]:
    """The outbox rows of one write's events, in one INSERT, delivered after commit."""
    rows = []
    for event in events:
        rows += _requester_notices(case, event) + _escalation(case, event) + _webhooks(case, event)
    if rows:
        insert_rows(rows)
        ids = [r.pk for r in rows]
        transaction.on_commit(lambda: deliver_after_commit(ids), robust=True)
    return rows


def on_move_recorded(sender, *, case, events, **kwargs) -> dict:
    """Receiver of cases.events.move_recorded; answers with the escalations written (the sweep counts them)."""
    rows = notify_case_events(case=case, events=events)
    return {"escalations": sum(1 for r in rows if r.kind == Kind.ESCALATION)}


def _requester_notices(case, event) -> list[Outbox]:
    kind = REQUESTER_NOTICES.get(event.action)
    if kind is None or (event.action == "verify" and event.to_status != Status.CLOSED):
        return []
    if not channel_enabled("sms"):
        return []
    rows = []
    if case.requester_phone and case.requester_phone_proven:
        rows.append(_requester_row(case, event, kind, recipient_case=case, reason=event.reason))
    # The requesters of merged cases follow their parent. Its closure closes each of them with an
    # event of their own (and its own notice), so only the other steps are relayed here.
    if kind != Kind.CLOSED and not getattr(case, "created_in_this_write", False):
        children = case.merged_children.filter(status=Status.MERGED, requester_phone_proven=True)
        for child in children.exclude(requester_phone=""):
            rows.append(_requester_row(case, event, kind, recipient_case=child))
    return rows


def _requester_row(case, event, kind, *, recipient_case, reason="") -> Outbox:
    language = _language(recipient_case.requester_language)
    # The unit writes in simplified Chinese: the reply and the reason go out in the requester's script.
    reply, reason = in_requester_script(case.reply_text, language), in_requester_script(reason, language)
    with translation.override(language):
        body = requester_text(kind, number=recipient_case.number, reply=reply, reason=reason)
    return Outbox(
        case=recipient_case,
        event=event,
        channel="sms",
        recipient=recipient_case.requester_phone,
        kind=kind,
        language=language,
        body=body,
    )


def _escalation(case, event) -> list[Outbox]:
    """A red card given with escalate=True (the move sets red_escalated_at to its own time)."""
    if event.action != "supervise" or event.payload.get("card") != "red":
        return []
    if case.red_escalated_at is None or case.red_escalated_at != event.created_at:
        return []
    people = supervising_dispatchers(case=case)
    if not people:
        log.warning("red card on %s: no dispatcher or command centre covers it", case.number)
        return []
    rows = []
    for user in people:
        language = _language(user.language)
        with translation.override(language):
            subject, body = escalation_text(case)
        addresses = [("sms", user.phone), ("email", user.email)]
        for channel, recipient in addresses:
            if recipient and channel_enabled(channel):
                rows.append(
                    Outbox(
                        case=case,
                        event=event,
                        user=user,
                        channel=channel,
                        recipient=recipient,
                        kind=Kind.ESCALATION,
                        language=language,
                        subject=subject,
                        body=body,
                    )
                )
    return rows


def webhook_payload(case, event) -> dict:
    """What a webhook receives for one move: the event and the case's public state (no personal data)."""
    return {
        "event": {
            "action": event.action,
            "seq": event.seq,
            "id": event.pk,  # its place in the global order comes later (the audit sequencer)
            "from_status": event.from_status,
            "to_status": event.to_status,
            "actor_role": event.actor_role,
            "reason": event.reason,
            "payload": event.payload,
            "at": event.created_at,
            "hash": event.hash,
        },
        "case": {
            "number": case.number,
            "status": case.status,
            "request_type": case.request_type,
            "category": case.category.code if case.category_id else None,
            "lead_unit": case.lead_unit.code if case.lead_unit_id else None,
            "grid": get_index().refs[case.grid_id].code if case.grid_id else None,
            "due_at": case.due_at,
            "card": case.card,
        },
    }


def _webhooks(case, event) -> list[Outbox]:
    hooks = [
        w
        for w in getattr(settings, "NOTIFY_WEBHOOKS", [])
        if w.get("url") and ("*" in w.get("events", ["*"]) or event.action in w.get("events", []))
    ]
    if not hooks or not channel_enabled("webhook"):
        return []
    body = json.dumps(
        webhook_payload(case, event), cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")
    )
    return [
        Outbox(
            case=case, event=event, channel="webhook", recipient=w["url"], kind=Kind.EVENT, body=body
        )
        for w in hooks
    ]


def deliver_after_commit(ids: list[int]) -> None:
    """Right after the move commits: deliver in this process, hand over to a worker, or leave it."""
    mode = getattr(settings, "NOTIFY_DELIVERY_ON_COMMIT", "inline")
    if mode == "celery":
        from kombu.exceptions import OperationalError

        from .tasks import deliver_pending_task

        try:
            # No retries here: with the broker down, a move would wait on it (about 40 s measured).
            # The rows stay in the outbox and the periodic job delivers them when the broker is back.
            deliver_pending_task.apply_async(kwargs={"ids": ids}, retry=False, ignore_result=True)
        except (OperationalError, OSError):
            log.warning("broker unreachable: %d notification(s) left to the periodic job", len(ids))
    elif mode == "inline":
        from .delivery import deliver_pending

        deliver_pending(ids=ids)
    # "periodic": the next periodic run delivers them
