"""Tests that must commit (real concurrent transactions on PostgreSQL, the sweep's workers): what they
write is removed afterwards and the audit trail's head put back, so the next test sees the trail as
the session left it."""

from __future__ import annotations

import contextlib

from django.db import connection, transaction

from yiwang.accounts.models import User
from yiwang.cases.models import AuditBatch, AuditHead, Case, CaseEvent
from yiwang.core import clock
from yiwang.notify.models import Outbox


@contextlib.contextmanager
def committed_world(prefix: str):
    """Lets the test commit cases and users (named with `prefix`); afterwards removes them."""
    head = AuditHead.objects.filter(pk=1).values("last_seq", "last_hash").first()
    last_batch = AuditBatch.objects.order_by("-last_seq").values_list("last_seq", flat=True).first() or 0
    first_case = (Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    try:
        yield
    finally:
        clock.freeze(None)
        case_ids = list(Case.objects.filter(pk__gte=first_case).values_list("pk", flat=True))
        with transaction.atomic(), connection.cursor() as cur:
            if connection.vendor == "postgresql":
                cur.execute("SET LOCAL session_replication_role = replica")  # past the append-only triggers
            Outbox.objects.filter(case_id__in=case_ids).delete()
            CaseEvent.objects.filter(case_id__in=case_ids).delete()
            AuditBatch.objects.filter(last_seq__gt=last_batch).delete()
        Case.objects.filter(pk__in=case_ids).delete()
        User.objects.filter(username__startswith=prefix).delete()
        AuditHead.objects.filter(pk=1).update(**head) if head else AuditHead.objects.all().delete()
