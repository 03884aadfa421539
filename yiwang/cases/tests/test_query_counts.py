"""How many queries one create and each move cost, through the API a client uses (issue 14).

The request path reads the routing snapshot, the deadline policies and the geography from
per-process caches and writes the case, its events, its outbox rows and its idempotency row without
reading them back; the global audit order is given later by the sequencer. These tests pin the
counts so a change that adds a query to every case is seen. Caches are warmed first (as in a
running server) and their revision checks pushed out of the way; sequencing is deferred, as in
production.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yiwang.cases.models import CaseEvent, Status
from yiwang.notify.models import Outbox

pytestmark = pytest.mark.django_db

BODY = {"request_type": "投诉", "title": "路灯不亮", "text": "白沙街道某路段路灯一周不亮，请尽快维修。",
        "lon": 113.08, "lat": 22.60, "requester_name": "张三", "requester_phone": "13800138000"}

# The most queries each operation may take. Raise one only with a reason in the commit.
CREATE_AUTO_ROUTED = 9  # issue 14 asks at most 15
CREATE_NOT_ROUTED = 8
# A move: the caller's token and the case (2), the move under the case's row lock (savepoint, lock,
# update, event insert, release: 5), the assisting units read for the answer (1); a move that tells
# the requester adds its outbox row and the look for merged children to tell too (2); a merge reads
# the parent for the answer (1).
MOVES = {
    # move: (status it starts from, who, body, at most)
    "accept": (Status.RECEIVED, "operator", {}, 10),
    "reject": (Status.RECEIVED, "operator", {"reason": "不属于受理范围"}, 10),
    "answer": (Status.RECEIVED, "operator", {"text": "已电话答复"}, 10),
    "merge": (Status.RECEIVED, "dispatcher", "merge", 11),
    "dispatch": (Status.ACCEPTED, "dispatcher", {"lead_unit": "JM.ZJJ"}, 10),
    "redispatch": (Status.RETURNED, "dispatcher", {"lead_unit": "JM.SHJ"}, 8),
    "sign": (Status.DISPATCHED, "handler", {}, 8),
    "return": (Status.IN_PROGRESS, "handler", {"reason": "不属于本单位职责"}, 8),
    "reply": (Status.IN_PROGRESS, "handler", {"text": "已修复路灯"}, 10),
    "extend": (Status.IN_PROGRESS, "handler", {"days": 3, "reason": "需采购配件"}, 8),
    "suspend": (Status.DISPATCHED, "dispatcher", {"reason": "等待上级批复"}, 8),
    "resume": (Status.SUSPENDED, "dispatcher", {}, 8),
    "supervise": (Status.IN_PROGRESS, "dispatcher", {"card": "yellow", "note": "请加快办理"}, 8),
    "check": (Status.REPLIED, "dispatcher", {}, 8),
    "verify": (Status.VERIFYING, "gridworker", {"passed": True, "note": "现场已修复"}, 10),
    "reopen": (Status.CLOSED, "dispatcher", {"reason": "群众反映仍未修好"}, 10),
    "close": (Status.REPLIED, "dispatcher", {}, 10),
    "rate": (Status.CLOSED, "operator", {"satisfaction": "satisfied", "solved": True}, 8),
    "supplement": (Status.IN_PROGRESS, "operator", {"text": "群众补充：路灯旁的井盖也松了"}, 8),
}


@pytest.fixture
def warm(settings, client, tokens):
    """A server that has served a request: caches loaded, revision checks not due."""
    settings.AUDIT_SEQUENCING = "deferred"
    settings.ROUTING_CHECK_SECONDS = settings.GEO_INDEX_CHECK_SECONDS = 3600
    settings.WORKDAY_CALENDAR_CHECK_SECONDS = settings.CLASSIFY_CHECK_SECONDS = 3600
    settings.VERIFY_ON_SITE = False
    for name in ("operator", "resident"):
        assert post(client, "/cases", tokens[name], {**BODY, "category": "C01"}).status_code == 201
    for name in ("dispatcher", "handler", "gridworker"):  # each token's first use is written down once
        assert client.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {tokens[name]}").status_code == 200
    return client


def post(client, path, token, body, **headers):
    return client.post(f"/api/v1{path}", data=json.dumps(body), content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {token}", **headers)


def counted(fn):
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
    kinds = Counter(q["sql"].split()[0].upper() for q in ctx.captured_queries)
    listing = "\n".join(q["sql"][:120] + " … " + q["sql"][-200:] for q in ctx.captured_queries)
    return response, len(ctx.captured_queries), f"{dict(kinds)}\n{listing}"


def test_an_auto_routed_create_takes_at_most_15_queries(warm, tokens):
    # given an operator's case with its category: the responsibility list routes it at once
    response, n, detail = counted(
        lambda: post(warm, "/cases", tokens["operator"], {**BODY, "category": "C01"}, HTTP_IDEMPOTENCY_KEY="q-1")
    )
    # then it was accepted and dispatched in the same write, in few queries
    assert response.status_code == 201, response.content
    case = response.json()
    assert case["status"] == Status.DISPATCHED and case["lead_unit"]["code"] == "JM.ZJJ"
    assert n <= CREATE_AUTO_ROUTED, detail
    # the three events and the requester's notices were written, waiting for the sequencer
    events = CaseEvent.objects.filter(case__number=case["number"])
    assert [e.action for e in events.order_by("seq")] == ["create", "accept", "dispatch"]
    assert all(e.global_seq is None for e in events)
    assert Outbox.objects.filter(case__number=case["number"]).exists()


def test_a_create_that_is_not_routed_takes_at_most_15_queries(warm, tokens, settings):
    # given a resident's report the classifier may not route (threshold above any confidence)
    settings.AUTO_DISPATCH_THRESHOLD = 1.01
    response, n, detail = counted(lambda: post(warm, "/cases", tokens["resident"], BODY, HTTP_IDEMPOTENCY_KEY="q-2"))
    assert response.status_code == 201, response.content
    assert response.json()["status"] == Status.RECEIVED
    assert n <= CREATE_NOT_ROUTED, detail


def test_a_retried_create_reads_its_first_answer_back(warm, tokens):
    first = post(warm, "/cases", tokens["resident"], BODY, HTTP_IDEMPOTENCY_KEY="q-3")
    again, n, detail = counted(lambda: post(warm, "/cases", tokens["resident"], BODY, HTTP_IDEMPOTENCY_KEY="q-3"))
    # the key is not looked up before the write (retries are rare): the second write is refused by the
    # unique key and rolled back whole, then the first case is read
    assert again.json()["number"] == first.json()["number"]
    assert n <= 11, detail


@pytest.mark.parametrize("action", list(MOVES))
def test_each_move_takes_few_queries(action, warm, tokens, drive, make_case):
    source, who, body, most = MOVES[action]
    case = drive(source)
    if body == "merge":
        body = {"into": make_case(title="同一路灯").number}
    response, n, detail = counted(lambda: post(warm, f"/cases/{case.number}/{action}", tokens[who], body))
    assert response.status_code == 200, response.content
    assert CaseEvent.objects.filter(case=case).order_by("-seq").first().action == action
    assert n <= most, detail


def test_every_move_of_the_registry_is_pinned():
    from yiwang.cases.transitions import MOVES as REGISTRY

    assert set(MOVES) == set(REGISTRY)
