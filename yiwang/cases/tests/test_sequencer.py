"""The audit trail after the write-path redesign (issue 14): moves write their case's chain at once,
the sequencer gives them their global place later in signed batches, and verify-audit still names an
edited, deleted or inserted event, before and after sequencing."""

from __future__ import annotations

import io
import json
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction

from yiwang.accounts.models import Role, User
from yiwang.analytics.services import measures_project
from yiwang.cases import audit
from yiwang.cases.audit import head_export, sequence_all, sequence_pending, sequencing_lag, verify_chain
from yiwang.cases.models import AuditBatch, Case, CaseEvent, Status
from yiwang.cases.services import Actor, CaseInput, case_create, perform
from yiwang.cases.tests.committed import committed_world
from yiwang.notify.models import Outbox
from yiwang.routing.models import Unit


@pytest.fixture
def deferred(settings, db):
    """As in production: events wait for the sequencer. Whatever the session left waiting goes first."""
    sequence_all()
    settings.AUDIT_SEQUENCING = "deferred"


def raw(sql, params):
    """Write past the platform, as someone with database access would (and past PostgreSQL's trigger)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute(sql, params)


def test_events_wait_then_join_the_global_chain_in_one_signed_batch(deferred, drive):
    # given a case moved three times with the sequencer not yet run
    before = head_export()["tree_size"]
    case = drive(Status.DISPATCHED)
    events = list(case.events.order_by("seq"))
    assert [e.global_seq for e in events] == [None, None, None]
    # then the trail is intact already (each event continues its case's chain), with 3 waiting
    report = verify_chain()
    assert report.ok and report.unsequenced == 3, report.problem
    assert sequencing_lag()["waiting"] == 3
    # when the sequencer runs
    assert sequence_pending() == 3
    # then they follow the previous head in their case's order, under one signed batch head
    events = list(case.events.order_by("seq"))
    assert [e.global_seq for e in events] == [before + 1, before + 2, before + 3]
    batch = AuditBatch.objects.order_by("-last_seq").first()
    assert (batch.first_seq, batch.last_seq, batch.head_hash) == (before + 1, before + 3, events[-1].global_hash)
    assert audit.batch_signature_ok(batch)
    assert sequence_pending() == 0 and sequencing_lag() == {"waiting": 0, "oldest_seconds": 0.0}
    assert verify_chain().ok


def test_the_measures_count_only_sequenced_events(deferred, drive):
    # given the measures counted up to now, then a new case not yet sequenced
    measures_project()
    checkpoint = measures_project().last_seq
    case = drive(Status.ACCEPTED)
    # then the projector does not pass it (nor anything after it)
    assert measures_project().last_seq == checkpoint
    # and once it is sequenced, the projector takes it up
    sequence_all()
    result = measures_project()
    assert result.last_seq == case.events.order_by("-seq").first().global_seq and result.backlog == 0


def test_an_exported_head_anchors_the_chain(deferred, drive, tmp_path):
    # given a head exported by the command, then more moves sequenced after it
    drive(Status.ACCEPTED)
    out = io.StringIO()
    call_command("audit_head", "--sequence", stdout=out)
    exported = json.loads(out.getvalue())
    assert exported["format"] == "yiwang-audit-head/1" and exported["tree_size"] > 0 and exported["signature"]
    anchor = tmp_path / "head.json"
    anchor.write_text(out.getvalue(), encoding="utf-8")
    drive(Status.DISPATCHED)
    sequence_all()
    # then the chain still contains it
    out = io.StringIO()
    call_command("verify_audit", "--anchor", str(anchor), stdout=out)
    assert f"contains the exported head of size {exported['tree_size']}" in out.getvalue()
    # when a head is forged (what the platform would show after rewriting history)
    anchor.write_text(json.dumps({**exported, "head_hash": "0" * 64}), encoding="utf-8")
    with pytest.raises(CommandError) as err:
        call_command("verify_audit", "--anchor", str(anchor))
    assert "no longer contains the exported head" in str(err.value)


def test_a_rewritten_batch_head_or_signature_is_found(deferred, drive):
    drive(Status.ACCEPTED)
    sequence_all()
    batch = AuditBatch.objects.order_by("-last_seq").first()
    raw("UPDATE cases_auditbatch SET signature = %s WHERE id = %s", ["00" * 64, batch.pk])
    report = verify_chain()
    assert not report.ok and report.broken_event == batch.last_seq and "signature" in report.problem


def test_an_edited_event_waiting_for_the_sequencer_is_named(deferred, drive):
    case = drive(Status.ACCEPTED)
    event = case.events.get(action="accept")
    raw("UPDATE cases_caseevent SET reason = %s WHERE id = %s", ["改过的", event.pk])
    report = verify_chain()
    assert not report.ok and report.broken_event == f"id {event.pk}" and "content changed" in report.problem
    with pytest.raises(CommandError) as err:
        call_command("verify_audit")
    assert f"id {event.pk}" in str(err.value) and err.value.returncode == 1


def test_an_edited_event_with_its_hash_recomputed_is_found(deferred, drive):
    # someone who knows the hashing rewrites the latest event and its hash, so its chain still links
    case = drive(Status.ACCEPTED)
    event = case.events.get(action="accept")
    event.reason = "改过的"
    forged = audit._h(audit.event_content(event, case.number), event.prev_hash)
    raw("UPDATE cases_caseevent SET reason = %s, hash = %s WHERE id = %s", ["改过的", forged, event.pk])
    report = verify_chain()
    assert not report.ok and case.number in report.problem and "recorded latest event" in report.problem


def test_a_deleted_event_waiting_for_the_sequencer_is_found(deferred, drive):
    case = drive(Status.ACCEPTED)
    last = case.events.get(action="accept")
    Outbox.objects.filter(event=last).update(event=None)
    raw("DELETE FROM cases_caseevent WHERE id = %s", [last.pk])
    report = verify_chain()
    assert not report.ok and case.number in report.problem and "deleted" in report.problem


def test_an_inserted_event_is_found_before_and_after_sequencing(deferred, drive):
    # given a case whose chain someone extends with a well-formed event of their own
    case = drive(Status.ACCEPTED)
    last = case.events.order_by("-seq").first()
    fake = CaseEvent(case=case, seq=last.seq + 1, action="close", actor_name="x", actor_role="admin",
                     from_status=Status.ACCEPTED, to_status=Status.CLOSED, reason="", payload={},
                     created_at=last.created_at, prev_hash=last.hash)
    fake.hash = audit._h(audit.event_content(fake, case.number), last.hash)
    CaseEvent.objects.bulk_create([fake])
    # then verify-audit finds it, and still does once the sequencer has taken it into a batch
    report = verify_chain()
    assert not report.ok and "inserted" in report.problem
    sequence_all()
    report = verify_chain()
    assert not report.ok and "inserted" in report.problem


def test_a_sequenced_event_edited_later_is_named_by_its_place(deferred, drive):
    case = drive(Status.DISPATCHED)
    sequence_all()
    event = case.events.get(action="accept")
    raw("UPDATE cases_caseevent SET payload = %s WHERE id = %s", ['{"category": "C02"}', event.pk])
    report = verify_chain()
    assert not report.ok and report.broken_event == event.global_seq


# --------------------------------------------------------------------------- PostgreSQL: no shared lock
pg_only = pytest.mark.skipif("connection.vendor != 'postgresql'")


@pg_only
def test_a_move_on_one_case_does_not_wait_for_a_move_on_another(django_db_setup, django_db_blocker, settings):
    # given two dispatched cases, committed, and a handler's move on case A held open (uncommitted)
    settings.AUDIT_SEQUENCING = "deferred"
    with django_db_blocker.unblock(), committed_world("nl_"):
        unit = Unit.objects.get(code="JM.ZJJ")
        dispatcher = User.objects.create(username="nl_dispatcher", role=Role.DISPATCHER)
        handler = User.objects.create(username="nl_handler", role=Role.HANDLER, unit=unit)
        cases = []
        for title in ("甲处路灯不亮", "乙处路灯不亮"):
            data = CaseInput(request_type="投诉", title=title, text="某小区门口路灯一周不亮", category_code="C01",
                             lon=113.08, lat=22.60)
            case = case_create(data=data, actor=Actor.of(dispatcher))
            assert case.status == Status.DISPATCHED
            cases.append(case)
        holding, release, failures = threading.Event(), threading.Event(), []

        def hold_a_move_on_a():
            try:
                with transaction.atomic():
                    perform(case=Case.objects.get(pk=cases[0].pk), action="sign", actor=Actor.of(handler))
                    holding.set()
                    release.wait(timeout=30)
            except Exception as exc:  # noqa: BLE001 - reported by the main thread
                failures.append(exc)
            finally:
                connections.close_all()

        thread = threading.Thread(target=hold_a_move_on_a)
        thread.start()
        try:
            assert holding.wait(timeout=30)
            # when case B is moved while A's move is open: it must not wait for any lock
            with transaction.atomic():
                with connection.cursor() as cur:
                    cur.execute("SET LOCAL lock_timeout = '2s'")
                moved = perform(case=Case.objects.get(pk=cases[1].pk), action="sign", actor=Actor.of(handler))
            assert moved.status == Status.IN_PROGRESS
            # and the sequencer, run meanwhile, takes what is committed without waiting for A
            with transaction.atomic():
                with connection.cursor() as cur:
                    cur.execute("SET LOCAL lock_timeout = '2s'")
                sequence_all()
            assert CaseEvent.objects.get(case=cases[1], action="sign").global_seq is not None
        finally:
            release.set()
            thread.join(timeout=30)
        assert not failures, failures
        # then A's move committed too; sequenced later, the whole trail verifies
        assert CaseEvent.objects.get(case=cases[0], action="sign").global_seq is None
        sequence_all()
        assert verify_chain().ok


@pg_only
def test_postgres_lets_only_the_sequencer_touch_an_event_once(drive, deferred):
    from django.db import DatabaseError

    case = drive(Status.ACCEPTED)
    event = case.events.get(action="accept")
    # a change of content is refused, waiting or not
    with pytest.raises(DatabaseError), transaction.atomic():
        CaseEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        CaseEvent.objects.filter(pk=event.pk).delete()
    # the sequencer gives it its place once; after that, its place is fixed too
    sequence_all()
    event.refresh_from_db()
    with pytest.raises(DatabaseError), transaction.atomic():
        CaseEvent.objects.filter(pk=event.pk).update(global_seq=event.global_seq + 1000)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditBatch.objects.filter(first_seq__lte=event.global_seq, last_seq__gte=event.global_seq).update(
            head_hash="0" * 64
        )
