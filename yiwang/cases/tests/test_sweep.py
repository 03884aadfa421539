"""The deadline sweep: a yellow card near the deadline, a red card and an escalation past it, each once.

The last tests commit their own data (outside the per-test rollback), as test_concurrency does,
because they need other connections to see it: two sweeps at once, and a real Celery worker on a
real Redis broker reading the test database (PostgreSQL only; SQLite's test database is in memory).
"""

import contextlib
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection, connections

from yiwang.accounts.models import Role, User
from yiwang.cases.models import Card, Case, Status
from yiwang.cases.services import Actor, CaseInput, case_create, perform
from yiwang.cases.tasks import sweep_deadlines
from yiwang.cases.tests.committed import committed_world
from yiwang.core import clock
from yiwang.notify.models import Kind, Outbox

from .conftest import act

SH = dt.timezone(dt.timedelta(hours=8))
MONDAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)
MINUTE = dt.timedelta(minutes=1)
on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="other connections see only committed data on PostgreSQL"
)


def _supervisions(case):
    return list(case.events.filter(action="supervise").order_by("seq").values_list("payload", "reason"))


@pytest.fixture
def dispatched(drive, people):
    """A complaint dispatched on Monday 2026-03-02 10:00 (15 working days), and a dispatcher with a phone."""
    people["dispatcher"].phone = "13900000001"
    people["dispatcher"].save()
    clock.freeze(MONDAY)
    case = drive(Status.DISPATCHED)
    assert case.yellow_at < case.due_at
    return case


@pytest.mark.django_db
def test_the_sweep_gives_yellow_then_red_each_once_and_escalates(dispatched, people):
    case = dispatched
    # given the moment the yellow card is due
    clock.freeze(case.yellow_at + MINUTE)
    # when the sweep runs twice
    first, second = sweep_deadlines(), sweep_deadlines()
    # then the case carries a yellow card, given once by the system
    assert first == {"red": 0, "yellow": 1, "escalated": 0, "skipped": 0}
    assert second == {"red": 0, "yellow": 0, "escalated": 0, "skipped": 0}
    case.refresh_from_db()
    assert case.card == Card.YELLOW and case.red_escalated_at is None and case.status == Status.DISPATCHED
    event = case.events.get(action="supervise")
    assert event.actor_role == "system" and event.payload == {"card": "yellow"} and "黄牌" in event.reason
    # and when the deadline has passed, two more sweeps give one red card with one escalation
    overdue = case.due_at + MINUTE
    clock.freeze(overdue)
    assert sweep_deadlines() == {"red": 1, "yellow": 0, "escalated": 1, "skipped": 0}
    assert sweep_deadlines() == {"red": 0, "yellow": 0, "escalated": 0, "skipped": 0}
    case.refresh_from_db()
    assert case.card == Card.RED and case.red_escalated_at == overdue
    assert [p["card"] for p, _ in _supervisions(case)] == ["yellow", "red"]
    escalation = Outbox.objects.get(case=case, kind=Kind.ESCALATION)
    assert escalation.user == people["dispatcher"] and escalation.recipient == "13900000001"
    assert escalation.event == case.events.order_by("-seq").first()
    assert case.number in escalation.body and "红牌督办" in escalation.body


@pytest.mark.django_db
def test_a_case_found_overdue_gets_only_the_red_card(dispatched):
    clock.freeze(dispatched.due_at + dt.timedelta(days=3))
    assert sweep_deadlines()["red"] == 1
    assert [p["card"] for p, _ in _supervisions(dispatched)] == ["red"]


@pytest.mark.django_db
def test_suspended_cases_are_not_swept(drive, people):
    # given a case suspended right after its dispatch
    clock.freeze(MONDAY)
    case = drive(Status.SUSPENDED)
    events = case.events.count()
    # when sweeps run long after its deadline would have passed
    for days in (20, 40):
        clock.freeze(MONDAY + dt.timedelta(days=days))
        assert sweep_deadlines() == {"red": 0, "yellow": 0, "escalated": 0, "skipped": 0}
    # then it carries no card and its timeline is unchanged
    case.refresh_from_db()
    assert case.status == Status.SUSPENDED and case.card == Card.NONE and case.events.count() == events


@pytest.mark.django_db
def test_closed_and_unclocked_cases_are_not_swept(drive):
    clock.freeze(MONDAY)
    replied, accepted = drive(Status.REPLIED), drive(Status.ACCEPTED)
    clock.freeze(MONDAY + dt.timedelta(days=60))
    assert sweep_deadlines()["red"] == 0
    for case in (replied, accepted):
        case.refresh_from_db()
        assert case.card == Card.NONE


@pytest.mark.django_db
def test_a_red_card_given_by_hand_is_neither_downgraded_nor_repeated(dispatched, people):
    # given a dispatcher who gave a red card by hand before the deadline
    clock.freeze(dispatched.yellow_at + MINUTE)
    case = act(dispatched, "supervise", people["dispatcher"], {"card": "red"})
    # when the sweep runs near the deadline and past it
    near = sweep_deadlines()
    clock.freeze(case.due_at + MINUTE)
    past = sweep_deadlines()
    # then the case keeps its one red card
    assert near["yellow"] == 0 and past["red"] == 0
    roles = case.events.filter(action="supervise").values_list("actor_role", flat=True)
    assert [p["card"] for p, _ in _supervisions(case)] == ["red"] and list(roles) == ["dispatcher"]
    case.refresh_from_db()
    assert case.card == Card.RED


@pytest.mark.django_db
def test_the_command_prints_the_counts(dispatched, capsys):
    call_command("sweep_deadlines", "--at", (dispatched.due_at + MINUTE).isoformat(), "--json")
    assert json.loads(capsys.readouterr().out) == {"red": 1, "yellow": 0, "escalated": 1, "skipped": 0}
    call_command("sweep_deadlines", "--at", (dispatched.due_at + MINUTE).isoformat())
    assert capsys.readouterr().out.strip() == "red=0 yellow=0 escalated=0 skipped=0"


# --------------------------------------------------------------------------- committed data
def _overdue_case(prefix: str) -> tuple[Case, User]:
    """A complaint dispatched 60 days ago (so overdue now), and a city dispatcher with a phone."""
    from yiwang.geo.models import Area

    dispatcher = User.objects.create(
        username=f"{prefix}dispatcher",
        role=Role.DISPATCHER,
        area=Area.objects.get(code="440700"),
        phone="13900000009",
    )
    clock.freeze(clock.now() - dt.timedelta(days=60))
    case = case_create(
        data=CaseInput(
            request_type="投诉", title="超期测试", text="路灯长期不亮，无人处理", lon=113.08, lat=22.60
        ),
        actor=Actor.of(dispatcher),
    )
    case = perform(case=case, action="accept", actor=Actor.of(dispatcher))
    case = perform(case=case, action="dispatch", actor=Actor.of(dispatcher), payload={"lead_unit": "JM.ZJJ"})
    clock.freeze(None)
    assert case.due_at < clock.now()
    return case, dispatcher


@on_postgres
def test_two_sweeps_at_once_give_the_red_card_once(django_db_setup, django_db_blocker, monkeypatch):
    import yiwang.cases.tasks as tasks

    with django_db_blocker.unblock(), committed_world("sw2_"):
        # given an overdue case, and two sweeps that both read it before either acts
        case, _ = _overdue_case("sw2_")
        barrier, real_perform, results = threading.Barrier(2), tasks.perform, []

        def perform_together(**kw):
            barrier.wait(timeout=10)
            return real_perform(**kw)

        monkeypatch.setattr(tasks, "perform", perform_together)

        def sweep():
            try:
                results.append(sweep_deadlines())
            finally:
                connections.close_all()

        # when they run at once
        threads = [threading.Thread(target=sweep) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        # then one gave the red card and the other was told the case had changed
        assert sorted((r["red"], r["skipped"]) for r in results) == [(0, 1), (1, 0)], results
        assert [p["card"] for p, _ in _supervisions(case)] == ["red"]
        assert Outbox.objects.filter(case=case, kind=Kind.ESCALATION).count() == 1


# --------------------------------------------------------------------------- a real worker and broker
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
REDIS_DB = int(os.environ.get("YIWANG_TEST_REDIS_DB", "5"))  # a database of its own on the local Redis


def _require_redis() -> None:
    try:
        socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=3).close()
    except OSError as exc:
        message = f"Redis is not reachable at {REDIS_HOST}:{REDIS_PORT} ({exc})"
        if os.environ.get("CI") == "true":
            pytest.fail(message + ": CI needs a real broker")
        pytest.skip(message)


def _test_database_url() -> str:
    """The database this test process uses (its test database), as a DATABASE_URL for the worker."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = f":{quote(str(db['PASSWORD']), safe='')}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = db.get("HOST") or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{quote(db['NAME'], safe='')}"


def _forget_queue(queue: str) -> None:
    """Remove what the test queue left in its Redis database."""
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    client.close()


@contextlib.contextmanager
def _project_app_on(broker_url: str):
    """Point the project's Celery app at the test broker, and back afterwards."""
    from yiwang.celery import app

    keys = ("broker_url", "result_backend")
    saved = {k: app.conf[k] for k in keys}

    def forget_clients():
        app.close()  # the pooled broker connections
        app._backend_cache = None  # the result backend client (Celery caches it per app or thread)
        app._local.__dict__.pop("backend", None)

    app.conf.update(broker_url=broker_url, result_backend=broker_url)
    forget_clients()
    try:
        yield app
    finally:
        app.conf.update(saved)
        forget_clients()


@on_postgres
def test_a_real_worker_on_a_real_broker_gives_the_red_card(django_db_setup, django_db_blocker, tmp_path):
    _require_redis()
    from yiwang.cases.tasks import sweep_deadlines_task

    broker = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
    queue = f"yiwang-test-{uuid.uuid4().hex[:12]}"
    log_path = tmp_path / "worker.log"
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "yiwang.settings",
        "YIWANG_MODE": "demo",
        "YIWANG_VAR_DIR": str(tmp_path),
        "DATABASE_URL": _test_database_url(),
        "DB_CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
        "CELERY_QUEUE": queue,
        "NOTIFY_DELIVERY_ON_COMMIT": "inline",
    }
    command = [
        sys.executable, "-m", "celery", "-A", "yiwang.celery", "worker",
        "--pool", "solo", "--concurrency", "1", "--queues", queue, "--hostname", f"{queue}@%h",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "info",
    ]  # fmt: skip
    with django_db_blocker.unblock(), committed_world("swc_"):
        # given an overdue case committed to the test database, and a worker reading that database
        case, dispatcher = _overdue_case("swc_")
        with open(log_path, "wb") as log:
            worker = subprocess.Popen(
                command, cwd=Path(django_settings.BASE_DIR), env=env, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            # when the sweep task is sent through the broker
            with _project_app_on(broker):
                result = sweep_deadlines_task.apply_async(queue=queue)
                try:
                    counts = result.get(timeout=60)
                except Exception as exc:
                    pytest.fail(
                        f"no result from the worker ({exc!r}); its log:\n{log_path.read_text()[-4000:]}"
                    )
                result.forget()
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(timeout=10)
            _forget_queue(queue)
        # then the worker gave the red card and escalated it to the dispatcher
        assert counts == {"red": 1, "yellow": 0, "escalated": 1, "skipped": 0}, log_path.read_text()[-4000:]
        case.refresh_from_db()
        assert case.card == Card.RED and case.red_escalated_at is not None
        event = case.events.order_by("-seq").first()
        assert (event.action, event.actor_role, event.payload) == ("supervise", "system", {"card": "red"})
        escalation = Outbox.objects.get(case=case, kind=Kind.ESCALATION)
        assert escalation.user_id == dispatcher.pk
        # delivered by the worker right after its transaction committed (the console SMS gateway)
        assert escalation.state == Outbox.State.SENT and escalation.attempts == 1
