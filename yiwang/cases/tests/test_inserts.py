"""core.inserts writes exactly what Django's own save and bulk_create write (issue 14's fast INSERT).

The case is the widest row the write path inserts: encrypted personal fields, the phone's digest,
JSON, dates, choices, foreign keys. A case written by `Case.insert()` and the same case written by
`save()` must read back equal in every column, on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Value

from yiwang.cases.audit import new_event, save_events
from yiwang.cases.models import Case, CaseEvent, Channel, Status
from yiwang.core.inserts import insert_rows
from yiwang.routing.models import Unit

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def _case(number: str) -> Case:
    return Case(
        number=number, request_type="投诉", title="路灯不亮", text="白沙街道路灯一周不亮", text_normalized="路灯",
        lon=113.08, lat=22.6, address="白沙街道 3 号", requester_name="张三", requester_phone="13800138000",
        requester_phone_proven=True, requester_id_number="", requester_language="zh-hant",
        channel=Channel.WEB, attachments=[{"path": "attachments/a.jpg"}], received_at=AT, status=Status.RECEIVED,
        lead_unit=Unit.objects.get(code="JM.ZJJ"), due_at=AT + dt.timedelta(days=5),
    )


def _columns(pk: int) -> dict:
    """Every stored column, as the database holds it (encrypted values as stored)."""
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{Case._meta.db_table}" WHERE id = %s', [pk])
        names = [c[0] for c in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def test_an_inserted_case_reads_back_as_a_saved_one():
    fast, slow = _case("20260302000001"), _case("20260302000002")
    fast.insert()
    slow.save(force_insert=True)
    assert fast.pk and fast.pk != slow.pk and not fast._state.adding and fast._state.db == "default"

    a, b = Case.objects.get(pk=fast.pk), Case.objects.get(pk=slow.pk)
    for field in Case._meta.concrete_fields:
        if field.name in ("id", "number"):
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            assert getattr(a, field.attname) is not None, field.name  # set by its pre_save, as save() does
            continue
        assert getattr(a, field.attname) == getattr(b, field.attname), field.name
    assert a.requester_phone == "13800138000" and a.requester_phone_digest == b.requester_phone_digest != ""
    # Personal data is encrypted at rest by the fast path too: the stored phone is not the phone.
    stored = _columns(fast.pk)
    assert "13800138000" not in str(stored["requester_phone"]) and stored["requester_phone"]
    assert a.attachments == [{"path": "attachments/a.jpg"}] and a.received_at == AT


def test_events_get_their_ids_back_in_order_and_expressions_fall_back_to_the_orm():
    case = _case("20260302000003")
    case.insert()
    events = [new_event(case=case, action=action, actor=None, actor_role="system", from_status="",
                        to_status=Status.RECEIVED, reason="", payload={"n": i}, at=AT)
              for i, action in enumerate(("create", "accept", "dispatch"))]
    save_events(events)
    stored = list(CaseEvent.objects.filter(case=case).order_by("seq").values_list("pk", "action", "payload"))
    assert stored == [(e.pk, e.action, {"n": i}) for i, e in enumerate(events)]

    # A value that is an expression cannot be precompiled: the row still goes in, through Django.
    other = _case("20260302000004")
    other.version = Value(3) + Value(4)
    insert_rows([other])
    assert Case.objects.get(number="20260302000004").version == 7
