"""The tamper-evident audit trail: each event hashes its content with the previous event's hash,
per case and in one global chain. `verify_chain` recomputes everything and names the first break.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder

from .models import AuditHead, Case, CaseEvent


def event_content(e: CaseEvent, case_number: str) -> str:
    """The canonical text that is hashed: every field a reader of the timeline relies on."""
    return json.dumps(
        {
            "case": case_number,
            "seq": e.seq,
            "global_seq": e.global_seq,
            "action": e.action,
            "actor": e.actor_id,
            "actor_name": e.actor_name,
            "actor_role": e.actor_role,
            "from": e.from_status,
            "to": e.to_status,
            "reason": e.reason,
            "payload": e.payload,
            "at": e.created_at.isoformat(),
        },
        sort_keys=True,
        ensure_ascii=False,
        cls=DjangoJSONEncoder,
        separators=(",", ":"),
    )


def _h(content: str, prev: str) -> str:
    return hashlib.sha256((prev + "\n" + content).encode()).hexdigest()


def append_event(
    *,
    case: Case,
    action: str,
    actor,
    actor_role: str,
    from_status: str,
    to_status: str,
    reason: str,
    payload: dict,
    at,
) -> CaseEvent:
    """Append one event. Must run inside the transition's transaction (it locks the global head)."""
    # Hash the moment in UTC: that is how it reads back from the database, whatever zone `at` came in.
    at = at.astimezone(dt.UTC)
    head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
    last = case.events.order_by("-seq").values_list("seq", "hash").first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, "")
    event = CaseEvent(
        case=case,
        seq=seq,
        global_seq=head.last_seq + 1,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "username", "") or "system",
        actor_role=actor_role,
        from_status=from_status,
        to_status=to_status,
        reason=reason or "",
        payload=json.loads(json.dumps(payload or {}, cls=DjangoJSONEncoder)),
        created_at=at,
        prev_hash=prev,
        global_prev_hash=head.last_hash,
    )
    content = event_content(event, case.number)
    event.hash = _h(content, prev)
    event.global_hash = _h(content, head.last_hash)
    event.save(force_insert=True)
    head.last_seq, head.last_hash = event.global_seq, event.global_hash
    head.save(update_fields=["last_seq", "last_hash"])
    return event


@dataclass
class AuditReport:
    ok: bool
    checked: int
    broken_event: int | None = None  # global_seq of the first broken event
    problem: str = ""


def verify_chain(*, batch: int = 5000) -> AuditReport:
    """Walk the global chain in order, recomputing both hashes of every event."""
    # The head before the walk: every event up to it was committed, so the walk must reach it. Moves
    # committed during the walk move the head on; that is no break (they are checked next time).
    start_seq = AuditHead.objects.filter(pk=1).values_list("last_seq", flat=True).first() or 0
    last_case: dict[int, tuple[int, str]] = {}
    numbers: dict[int, str] = {}
    prev_global, expected_seq, checked = "", 1, 0
    qs = CaseEvent.objects.order_by("global_seq")
    last_seen = 0
    while True:
        chunk = list(qs.filter(global_seq__gt=last_seen)[:batch])
        if not chunk:
            break
        missing = {e.case_id for e in chunk} - set(numbers)
        numbers.update(Case.objects.filter(pk__in=missing).values_list("pk", "number"))
        for e in chunk:
            last_seen = e.global_seq
            if e.global_seq != expected_seq:
                return AuditReport(
                    False,
                    checked,
                    e.global_seq,
                    f"global sequence jumps from {expected_seq - 1} to {e.global_seq} (an event was deleted)",
                )
            content = event_content(e, numbers.get(e.case_id, ""))
            seq, prev = last_case.get(e.case_id, (0, ""))
            if e.seq != seq + 1 or e.prev_hash != prev:
                return AuditReport(
                    False,
                    checked,
                    e.global_seq,
                    f"case chain broken before event {e.seq} of case {numbers.get(e.case_id)}",
                )
            if e.hash != _h(content, prev):
                return AuditReport(
                    False,
                    checked,
                    e.global_seq,
                    f"event {e.seq} of case {numbers.get(e.case_id)} "
                    "does not match its hash (content changed)",
                )
            if e.global_prev_hash != prev_global or e.global_hash != _h(content, prev_global):
                return AuditReport(False, checked, e.global_seq, "global chain broken")
            last_case[e.case_id] = (e.seq, e.hash)
            prev_global, expected_seq = e.global_hash, expected_seq + 1
            checked += 1
    head = AuditHead.objects.filter(pk=1).first()
    walked = expected_seq - 1
    if head and head.last_seq > walked >= start_seq:
        return AuditReport(True, checked)  # moves committed after the walk's last read
    if head and (head.last_seq != walked or head.last_hash != prev_global):
        return AuditReport(
            False,
            checked,
            head.last_seq,
            "the chain ends before the recorded head (the latest events were deleted)",
        )
    return AuditReport(True, checked)
