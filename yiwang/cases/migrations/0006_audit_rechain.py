"""The audit trail in its sequenced form (cases.audit).

1. On PostgreSQL the append-only trigger is replaced by one that still refuses every DELETE and every
   UPDATE except the sequencer's: setting global_seq, global_prev_hash and global_hash once, on an
   event that has none, with nothing else changed. Batch heads are append-only outright.
2. Events already written are re-chained under the new content (the per-case hash no longer covers
   global_seq, which a move no longer knows), each case keeps the tip of its chain, and one signed
   batch head covers them. A database whose old chain was broken is refused: verify it first.
3. Case numbers continue from the highest ordinal used (a PostgreSQL sequence; a counter on SQLite).
"""

from django.db import migrations

TRIGGER = """
CREATE OR REPLACE FUNCTION yiwang_events_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.global_seq IS NULL AND NEW.global_seq IS NOT NULL
       AND (to_jsonb(NEW) - 'global_seq' - 'global_prev_hash' - 'global_hash')
           = (to_jsonb(OLD) - 'global_seq' - 'global_prev_hash' - 'global_hash') THEN
        RETURN NEW;  -- the sequencer gives the event its global place, once
    END IF;
    RAISE EXCEPTION 'cases_caseevent is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS caseevent_append_only ON cases_caseevent;
CREATE TRIGGER caseevent_append_only BEFORE UPDATE OR DELETE ON cases_caseevent
    FOR EACH ROW EXECUTE FUNCTION yiwang_events_append_only();

CREATE OR REPLACE FUNCTION yiwang_batches_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'cases_auditbatch is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS auditbatch_append_only ON cases_auditbatch;
CREATE TRIGGER auditbatch_append_only BEFORE UPDATE OR DELETE ON cases_auditbatch
    FOR EACH ROW EXECUTE FUNCTION yiwang_batches_append_only();
"""


def _old_content(e, number: str) -> str:
    """The hashed content before this migration (it covered global_seq)."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    return json.dumps(
        {"case": number, "seq": e.seq, "global_seq": e.global_seq, "action": e.action, "actor": e.actor_id,
         "actor_name": e.actor_name, "actor_role": e.actor_role, "from": e.from_status, "to": e.to_status,
         "reason": e.reason, "payload": e.payload, "at": e.created_at.isoformat()},
        sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder, separators=(",", ":"),
    )


def rechain(apps, schema_editor):
    from django.utils import timezone

    from yiwang.cases.audit import _global_h, _h, event_content, key_id, signing_key

    Case = apps.get_model("cases", "Case")
    CaseEvent = apps.get_model("cases", "CaseEvent")
    AuditBatch = apps.get_model("cases", "AuditBatch")
    AuditHead = apps.get_model("cases", "AuditHead")
    Sequence = apps.get_model("cases", "CaseNumberSequence")
    pg = schema_editor.connection.vendor == "postgresql"
    if pg:
        schema_editor.execute("DROP TRIGGER IF EXISTS caseevent_append_only ON cases_caseevent")
    numbers = dict(Case.objects.values_list("pk", "number"))
    tips: dict[int, tuple[int, str]] = {}
    old_tips: dict[int, str] = {}
    prev_global, seq, pending = "", 0, []
    for e in CaseEvent.objects.order_by("global_seq").iterator(chunk_size=5000):
        last_seq, prev = tips.get(e.case_id, (0, ""))
        old_prev = old_tips.get(e.case_id, "")
        if e.prev_hash != old_prev or e.hash != _h(_old_content(e, numbers[e.case_id]), old_prev):
            raise RuntimeError(
                f"audit trail broken at event {e.seq} of case {numbers.get(e.case_id)} (global {e.global_seq}): "
                "run the previous release's `yiwang verify-audit` and investigate before migrating"
            )
        old_tips[e.case_id] = e.hash
        seq += 1
        e.prev_hash = prev
        e.hash = _h(event_content(e, numbers[e.case_id]), prev)
        e.global_seq, e.global_prev_hash = seq, prev_global
        e.global_hash = prev_global = _global_h(prev_global, seq, e.hash)
        tips[e.case_id] = (e.seq, e.hash)
        pending.append(e)
        if len(pending) >= 2000:
            CaseEvent.objects.bulk_update(pending, ["prev_hash", "hash", "global_seq", "global_prev_hash", "global_hash"])
            pending = []
    if pending:
        CaseEvent.objects.bulk_update(pending, ["prev_hash", "hash", "global_seq", "global_prev_hash", "global_hash"])
    for pk, (last_seq, last_hash) in tips.items():
        Case.objects.filter(pk=pk).update(version=last_seq, audit_hash=last_hash)
    if seq:
        at = timezone.now()
        statement = f"yiwang-audit-head/1 {seq} {prev_global} {at.isoformat()}"
        AuditBatch.objects.create(first_seq=1, last_seq=seq, head_hash=prev_global, created_at=at,
                                  signature=signing_key().sign(statement.encode()).hex(), key_id=key_id())
    AuditHead.objects.update_or_create(pk=1, defaults={"last_seq": seq, "last_hash": prev_global})
    # Case numbers: the day (8 digits) and an ordinal; continue after the highest one used.
    highest = max((int(n[8:]) for n in numbers.values() if n[8:].isdigit()), default=0)
    if pg:
        schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS cases_case_number_seq START {highest + 1}")
        schema_editor.execute(TRIGGER, params=None)  # no placeholders: its % are PL/pgSQL's
    else:
        Sequence.objects.update_or_create(name="case", defaults={"last": highest})


def unchain(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS auditbatch_append_only ON cases_auditbatch")
        schema_editor.execute("DROP SEQUENCE IF EXISTS cases_case_number_seq")


class Migration(migrations.Migration):
    atomic = True
    dependencies = [("cases", "0005_audit_sequencer")]
    operations = [migrations.RunPython(rechain, unchain)]
