"""The demo's case history: real messages, renamed to Jiangmen places, played through the services."""

import csv
import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction

from yiwang.accounts.models import User
from yiwang.cases.audit import verify_chain
from yiwang.cases.demo_history import SOURCE_NOTE, History, PlaceNames, load_history, read_messages
from yiwang.cases.models import OPEN_STATUSES, Case, CaseEvent, Status
from yiwang.core import clock
from yiwang.geo.models import Area, Level

NOW = dt.datetime(2026, 11, 20, 7, 30, tzinfo=dt.UTC)  # a Friday, 15:30 in Jiangmen
pytestmark = pytest.mark.django_db
PLACEHOLDER = re.compile(r"西地省|(?<![A-Za-z0-9])[A-N]\d{0,2}[市县州]|(?<![A-Za-z0-9])[A-N]\d{1,2}区")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The demo users get their (demo) password here; Argon2 would cost seconds per load.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def messages():
    return read_messages()


class Rollback(Exception):
    pass


def fingerprint(**options) -> list[tuple]:
    """Load a history, read what it made, and roll it all back. Numbers are left out: on PostgreSQL
    they come from a sequence, which a rollback does not rewind (a number is never given twice)."""
    try:
        with transaction.atomic():
            load_history(**options)
            rows = list(
                Case.objects.order_by("received_at", "title").values_list(
                    "title",
                    "status",
                    "lon",
                    "lat",
                    "lead_unit__code",
                    "received_at",
                    "satisfaction",
                )
            )
            raise Rollback
    except Rollback:
        return rows


def test_messages_are_read_without_segmented_rows_and_with_real_replies(messages):
    # given the shared messages (7,329 rows, about 1,100 of them only word-segmented)
    # when they are read
    # then only full texts are kept, each with a title and a label, some with their official reply
    with open(Path(settings.DATA_DIR) / "messages" / "train.csv", encoding="utf-8") as fh:
        segmented = {row["id"] for row in csv.DictReader(fh) if row["text_form"] == "segmented_only"}
    assert len(segmented) > 1000
    assert 6000 < len(messages) < 6300
    assert not {m.id for m in messages} & segmented
    assert all(m.title and m.label and len(m.text) >= 10 for m in messages)
    assert sum(1 for m in messages if m.reply) > 80


def test_place_names_become_jiangmen_ones_consistently():
    # given the organiser's placeholders
    names = PlaceNames()
    streets = set(
        Area.objects.filter(level=Level.TOWN, parent__name="新会区", kind="街道").values_list(
            "name", flat=True
        )
    )

    # when they are substituted in a title, a text and a reply together
    title, text, reply = names.substitute(
        "西地省A市A3区学士街道路灯不亮",
        "A3区学士街道某小区D区门口，K市K1区也有。A8县市双凫铺镇",
        "已转学士街道处理",
    )

    # then the province, city and districts are Jiangmen's, a made-up street is a real one everywhere,
    # a block of an estate ("D区") is left alone, and the doubled "县市" is one place
    assert title.startswith("广东省江门市新会区")
    street = title[len("广东省江门市新会区") : -len("路灯不亮")]
    assert street in streets
    assert text.startswith(f"新会区{street}某小区D区门口，蓬江区")
    assert reply == f"已转{street}处理"
    assert "开平市" in text and "开平市市" not in text
    assert not any(PLACEHOLDER.search(t) for t in (title, text, reply))
    # and the place a message names is found: a town before a district
    town, district = names.named(title, text)
    assert district == "440705" and town.startswith("440705")
    assert names.named("江门市的路灯", "") == (None, None)


def test_a_small_history_runs_the_whole_loop_through_the_services(messages):
    # given the demo (geography, units, categories, rules, deadlines) and 60 real messages
    # when the history of the 90 days before NOW is played
    summary = load_history(cases=60, seed=7, now=NOW, messages=messages)

    # then every message became a case through the services, with no refused move
    cases = Case.objects.all()
    assert summary["cases"] == cases.count() == 60
    assert summary["errors"] == []
    assert summary["events"] == CaseEvent.objects.count()
    # the statuses cover the loop: rated, closed, still open, and overdue
    statuses = set(cases.values_list("status", flat=True))
    assert {Status.RATED, Status.CLOSED} <= statuses
    assert statuses & set(OPEN_STATUSES)
    assert cases.overdue(NOW).exists() or cases.filter(closed_on_time=False).exists()
    assert cases.exclude(satisfaction="").exists()
    # every move happened in the 90 days, in the order of the global chain, which verifies
    times = list(CaseEvent.objects.order_by("global_seq").values_list("created_at", flat=True))
    assert NOW - dt.timedelta(days=90) <= times[0] and times[-1] <= NOW
    assert times == sorted(times)
    assert verify_chain().ok
    # every case is placed (a grid, at least a district), named with Jiangmen places, and credits its source
    assert not cases.filter(district=None).exists()
    assert cases.exclude(grid=None).count() >= 58
    for case in cases:
        assert not PLACEHOLDER.search(case.title + case.text + case.reply_text), case.number
    credited = CaseEvent.objects.filter(
        action__in=("accept", "answer", "merge"), reason__startswith=SOURCE_NOTE
    )
    assert credited.count() == CaseEvent.objects.filter(action__in=("accept", "answer", "merge")).count() > 30
    # the demo users find work in their queues
    handler, gridworker = User.objects.get(username="handler"), User.objects.get(username="gridworker")
    assert cases.filter(lead_unit=handler.unit, status=Status.DISPATCHED).exists()
    assert cases.filter(grid=gridworker.area, status=Status.VERIFYING).exists()
    assert cases.filter(requester_user__username="resident").count() >= 3
    assert cases.filter(status=Status.RECEIVED).exists() and cases.filter(status=Status.ACCEPTED).exists()
    # and the project clock is released
    assert clock.now() > NOW + dt.timedelta(days=1)


def test_the_same_seed_gives_the_same_history(messages):
    # given two loads with one seed
    # when each is played (and rolled back)
    first = fingerprint(cases=12, seed=11, now=NOW, messages=messages)
    second = fingerprint(cases=12, seed=11, now=NOW, messages=messages)

    # then they made the same cases, at the same places, with the same outcomes
    assert len(first) == 12
    assert first == second
    # and another seed plans another history
    plans = [
        [
            (p.message.id, p.received_at, p.lon)
            for p in History(n=20, seed=s, end=NOW, days=90, messages=messages).plan()
        ]
        for s in (11, 12)
    ]
    assert plans[0] != plans[1]
