"""The tamper-evident audit trail, written like a transparency log (Trillian / Certificate Transparency).

Two chains, two moments:

- **In the move's transaction**, each event is hashed with the previous event *of its case*
  (`hash = sha256(prev_hash + content)`). The case row keeps the tip of its own chain
  (`Case.version` is the latest seq, `Case.audit_hash` its hash), so writing an event reads nothing
  back, and a move locks nothing but its own case: no row is shared by two cases' moves.
- **Afterwards, in batches**, one sequencer (`sequence_pending`: a Celery task on a worker in
  production, a thread of `yiwang serve` in demo mode) gives the waiting events their place in the
  one global order (`global_seq`) and the global chain
  (`global_hash = sha256(global_prev_hash + global_seq + hash)`), and writes one signed batch head
  (`AuditBatch`: the chain's length and head, signed with Ed25519). A head exported outside the
  platform (`yiwang audit-head`) anchors everything up to it.

Readers that need one order (the measures' projector, the audit page) read sequenced events only:
the sequencer commits a batch at once, so every global_seq up to the head is visible when the head
is, and a checkpoint on global_seq never skips an event.

`verify_chain` (`yiwang verify-audit`) recomputes both chains and every batch head and names the first
broken event: an edited event breaks its hash, a deleted one leaves a gap in its case and in the
global order, an inserted one breaks its case's chain.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from yiwang.core import clock
from yiwang.core.inserts import insert_rows

from .models import AuditBatch, AuditHead, Case, CaseEvent


# --------------------------------------------------------------------------- hashing
def event_content(e: CaseEvent, case_number: str) -> str:
    """The canonical text that is hashed: every field a reader of the timeline relies on."""
    return json.dumps(
        {
            "case": case_number,
            "seq": e.seq,
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


def _global_h(prev: str, global_seq: int, event_hash: str) -> str:
    return _h(f"{global_seq}:{event_hash}", prev)


def new_event(
    *,
    case: Case,
    action: str,
    actor,
    actor_role: str,
    from_status: str,
    to_status: str,
    reason: str,
    payload: dict,
    at: dt.datetime,
) -> CaseEvent:
    """The next event of `case`'s chain, hashed, not saved; moves the case's tip (version, audit_hash).

    The caller holds the case (locked, or not yet inserted) and saves both in its transaction: the
    case with `version` and `audit_hash` among its fields, the event with `save_events`."""
    # Hash the moment in UTC: that is how it reads back from the database, whatever zone `at` came in.
    at = at.astimezone(dt.UTC)
    seq = case.version if case.pk is None and not case.audit_hash else case.version + 1
    event = CaseEvent(
        case=case,
        seq=seq,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "username", "") or "system",
        actor_role=actor_role,
        from_status=from_status,
        to_status=to_status,
        reason=reason or "",
        payload=json.loads(json.dumps(payload or {}, cls=DjangoJSONEncoder)),
        created_at=at,
        prev_hash=case.audit_hash,
    )
    event.hash = _h(event_content(event, case.number), case.audit_hash)
    case.version, case.audit_hash = seq, event.hash
    return event


def save_events(events: list[CaseEvent]) -> None:
    """Insert the events of one transaction in one statement (their ids come back on PostgreSQL and
    SQLite alike); in "inline" sequencing (AUDIT_SEQUENCING) they join the global chain at once."""
    for e in events:
        e.case_id = e.case.pk  # the case may have been inserted after the event was made
    insert_rows(events)
    if settings.AUDIT_SEQUENCING == "inline":
        sequence_pending(events=events)


# --------------------------------------------------------------------------- signing
@lru_cache(maxsize=4)
def _signing_key(secret: str) -> Ed25519PrivateKey:
    raw = base64.b64decode(secret) if secret else hashlib.sha256(settings.SECRET_KEY.encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(raw[:32])


def signing_key() -> Ed25519PrivateKey:
    """AUDIT_SIGNING_KEY (base64 of a 32-byte Ed25519 seed), else one derived from SECRET_KEY."""
    return _signing_key(settings.AUDIT_SIGNING_KEY)


def public_key_raw(key: Ed25519PublicKey | None = None) -> bytes:
    return (key or signing_key().public_key()).public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(raw_public: bytes | None = None) -> str:
    return hashlib.sha256(raw_public or public_key_raw()).hexdigest()[:16]


def batch_signature_ok(batch: AuditBatch, public_raw: bytes | None = None) -> bool:
    key = Ed25519PublicKey.from_public_bytes(public_raw or public_key_raw())
    try:
        key.verify(bytes.fromhex(batch.signature), batch.statement().encode())
    except (InvalidSignature, ValueError):
        return False
    return True


def head_export(batch: AuditBatch | None = None) -> dict:
    """The latest signed batch head, to be kept outside the platform (a notary, a newspaper, another
    agency's log). `verify_chain(anchor=…)` later proves the chain still ends there."""
    batch = batch or AuditBatch.objects.order_by("-last_seq").first()
    if batch is None:
        return {"tree_size": 0}
    return {
        "format": "yiwang-audit-head/1",
        "tree_size": batch.last_seq,
        "head_hash": batch.head_hash,
        "created_at": batch.created_at.isoformat(),
        "statement": batch.statement(),
        "signature": batch.signature,
        "key_id": batch.key_id,
        "public_key": base64.b64encode(public_key_raw()).decode(),
    }


# --------------------------------------------------------------------------- the sequencer
def _take_head() -> AuditHead | None:
    """The global head, locked for this transaction; None when another sequencer holds it."""
    if connection.vendor == "postgresql":
        AuditHead.objects.get_or_create(pk=1)
        return AuditHead.objects.select_for_update(skip_locked=True).filter(pk=1).first()
    # SQLite: transactions begin IMMEDIATE (settings), so this transaction already holds the writer lock.
    head, _ = AuditHead.objects.get_or_create(pk=1)
    return head


_TABLE = CaseEvent._meta.db_table


def _pending_rows(limit: int) -> list[tuple[int, str]]:
    """(id, hash) of the oldest waiting events, read straight off the partial index of unsequenced ids."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, hash FROM {_TABLE} WHERE global_seq IS NULL ORDER BY id LIMIT %s", [limit])
        return cursor.fetchall()


def _place(placed: list[tuple[int, int, str, str]]) -> None:
    """Write (id, global_seq, global_prev_hash, global_hash) of a batch: on PostgreSQL one UPDATE joined to
    the batch as arrays (constant work per row; Django's bulk_update builds a CASE over the whole batch,
    which costs the sequencer more than the request path costs the web workers); elsewhere one statement
    run per row."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            ids, seqs, prevs, hashes = (list(column) for column in zip(*placed, strict=True))
            cursor.execute(
                f"UPDATE {_TABLE} AS e SET global_seq = b.seq, global_prev_hash = b.prev, global_hash = b.hash "
                "FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[]) AS b(id, seq, prev, hash) "
                "WHERE e.id = b.id AND e.global_seq IS NULL",
                [ids, seqs, prevs, hashes],
            )
        else:
            cursor.executemany(
                f"UPDATE {_TABLE} SET global_seq = %s, global_prev_hash = %s, global_hash = %s "
                "WHERE id = %s AND global_seq IS NULL",
                [(seq, prev, h, event_id) for event_id, seq, prev, h in placed],
            )
        if cursor.rowcount != len(placed):  # only this sequencer, holding the head, places events
            raise RuntimeError(f"the sequencer placed {cursor.rowcount} of {len(placed)} events")


def sequence_pending(*, batch_size: int | None = None, events: list[CaseEvent] | None = None) -> int:
    """Give the waiting events their global place, oldest first, in one batch; returns how many.

    Events of one case were committed one after another (each move locks its case), and by id they
    come in the same order, so each case's events keep their order in the global chain. Two
    sequencers never work at once: the second finds the head locked and returns 0."""
    batch_size = batch_size or settings.AUDIT_SEQUENCER_BATCH
    with transaction.atomic():
        head = _take_head()
        if head is None:
            return 0
        if events is None:
            pending = _pending_rows(batch_size)
        else:  # inline: exactly the events just written, in this transaction
            pending = [(e.id, e.hash) for e in events]
        if not pending:
            return 0
        seq, prev = head.last_seq, head.last_hash
        first = seq + 1
        placed = []
        for event_id, event_hash in pending:
            seq += 1
            new_hash = _global_h(prev, seq, event_hash)
            placed.append((event_id, seq, prev, new_hash))
            prev = new_hash
        _place(placed)
        for e, (_id, global_seq, global_prev_hash, global_hash) in zip(events or (), placed, strict=False):
            e.global_seq, e.global_prev_hash, e.global_hash = global_seq, global_prev_hash, global_hash
        batch = AuditBatch(first_seq=first, last_seq=seq, head_hash=prev, created_at=clock.now().astimezone(dt.UTC),
                           key_id=key_id())
        batch.signature = signing_key().sign(batch.statement().encode()).hex()
        batch.save(force_insert=True)
        AuditHead.objects.filter(pk=1).update(last_seq=seq, last_hash=prev)
    return len(pending)


def sequence_all() -> int:
    """Sequence until nothing waits (the demo loader, tests, `yiwang verify-audit --sequence`)."""
    total = 0
    while n := sequence_pending():
        total += n
    return total


def sequencing_lag() -> dict:
    """How many events wait for the sequencer and since when (the health of the audit trail)."""
    oldest = (
        CaseEvent.objects.filter(global_seq__isnull=True).order_by("id").values_list("created_at", flat=True).first()
    )
    waiting = CaseEvent.objects.filter(global_seq__isnull=True).count() if oldest else 0
    return {
        "waiting": waiting,
        "oldest_seconds": round((clock.now() - oldest).total_seconds(), 3) if oldest else 0.0,
    }


# --------------------------------------------------------------------------- verification
@dataclass
class AuditReport:
    ok: bool
    checked: int
    broken_event: int | None = None  # global_seq of the first broken event (or its id when unsequenced)
    problem: str = ""
    unsequenced: int = 0  # events checked on their case's chain that wait for the sequencer


def verify_chain(*, batch: int = 5000, anchor: dict | None = None) -> AuditReport:
    """Walk the global chain in order, recomputing both hashes of every event and every batch head;
    then the events still waiting for the sequencer, on their cases' chains. `anchor`: a head exported
    earlier (`head_export`), which the chain must still contain."""
    last_case: dict[int, tuple[int, str]] = {}
    numbers: dict[int, str] = {}
    heads = dict(AuditBatch.objects.values_list("last_seq", "head_hash"))
    prev_global, expected_seq, checked = "", 1, 0

    def case_numbers(rows):
        missing = {e.case_id for e in rows} - set(numbers)
        numbers.update(Case.objects.filter(pk__in=missing).values_list("pk", "number"))

    def case_link(e: CaseEvent, label) -> AuditReport | None:
        number = numbers.get(e.case_id)
        seq, prev = last_case.get(e.case_id, (0, ""))
        if e.seq != seq + 1 or e.prev_hash != prev:
            return AuditReport(False, checked, label, f"case chain broken before event {e.seq} of case {number}")
        if e.hash != _h(event_content(e, number or ""), prev):
            return AuditReport(
                False, checked, label, f"event {e.seq} of case {number} does not match its hash (content changed)"
            )
        last_case[e.case_id] = (e.seq, e.hash)
        return None

    # The head and each case's length before the walk: every event up to them was committed, so the
    # walk must reach them (moves committed during the walk only add to what it finds).
    head_seq = AuditHead.objects.filter(pk=1).values_list("last_seq", flat=True).first() or 0
    tips = {pk: (version, tip) for pk, version, tip in Case.objects.values_list("pk", "version", "audit_hash")}
    lengths = {pk: version for pk, (version, _) in tips.items()}
    sequenced = CaseEvent.objects.filter(global_seq__isnull=False).order_by("global_seq")
    last_seen = 0
    while True:
        chunk = list(sequenced.filter(global_seq__gt=last_seen)[:batch])
        if not chunk:
            break
        case_numbers(chunk)
        for e in chunk:
            last_seen = e.global_seq
            if e.global_seq != expected_seq:
                return AuditReport(
                    False,
                    checked,
                    e.global_seq,
                    f"global sequence jumps from {expected_seq - 1} to {e.global_seq} (an event was deleted)",
                )
            if broken := case_link(e, e.global_seq):
                return broken
            if e.global_prev_hash != prev_global or e.global_hash != _global_h(prev_global, e.global_seq, e.hash):
                return AuditReport(False, checked, e.global_seq, "global chain broken")
            if e.global_seq in heads and heads[e.global_seq] != e.global_hash:
                return AuditReport(False, checked, e.global_seq, "the chain does not end in the signed batch head")
            prev_global, expected_seq = e.global_hash, expected_seq + 1
            checked += 1
    walked = expected_seq - 1
    if walked < head_seq:
        return AuditReport(
            False, checked, head_seq, "the chain ends before the recorded head (the latest events were deleted)"
        )
    for b in AuditBatch.objects.filter(last_seq__lte=walked).order_by("last_seq").iterator(chunk_size=2000):
        if not batch_signature_ok(b):
            return AuditReport(False, checked, b.last_seq, "a batch head's signature does not verify")
    if anchor and anchor.get("tree_size"):
        size = int(anchor["tree_size"])
        if size > walked or heads.get(size) != anchor.get("head_hash"):
            return AuditReport(False, checked, size, "the chain no longer contains the exported head")
    # Events still waiting for the sequencer: each continues its case's chain.
    waiting = list(CaseEvent.objects.filter(global_seq__isnull=True).order_by("id"))
    case_numbers(waiting)
    for e in waiting:
        if broken := case_link(e, f"id {e.pk}"):
            return broken
        checked += 1
    # The case row knows how long its chain is and how it ends: a deleted latest event shows, and so
    # does one added after it (a case read before the walk may have moved since: read it again).
    short = [pk for pk, length in lengths.items() if length > last_case.get(pk, (0, ""))[0]]
    if short:
        return AuditReport(
            False, checked, None, f"case {numbers.get(short[0])} ends before its latest event (an event was deleted)"
        )
    moved = [pk for pk, tip in last_case.items() if tip != tips.get(pk)]
    for pk, version, tip in Case.objects.filter(pk__in=moved).values_list("pk", "version", "audit_hash"):
        if last_case[pk] != (version, tip):
            return AuditReport(
                False, checked, None,
                f"case {numbers.get(pk)} does not end in its recorded latest event (one was inserted or rewritten)",
            )
    return AuditReport(True, checked, unsequenced=len(waiting))

