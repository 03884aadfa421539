"""The rollups agree with a naive replay of the raw events (tests/reference.py) on random histories:
cases driven through random sequences of real moves (returns, redispatches, merges, suspensions,
extensions, cards, failed verifications, reopens, ratings) at random times.
"""

import datetime as dt
import random

import pytest

from yiwang.analytics.models import COUNTERS, MeasureDay, MeasureMonth, MeasureMonthGrid, MeasureMonthKind
from yiwang.analytics.services import measures_project, measures_rebuild
from yiwang.cases.models import Case
from yiwang.cases.transitions import MOVES
from yiwang.core.errors import ApplicationError

from .conftest import at
from .reference import reference_facts, rollup

pytestmark = pytest.mark.django_db
UNITS = ("JM.ZJJ", "JM.SHJ")
POINTS = ((113.08, 22.60), (113.12, 22.56), (113.03, 22.46), (112.79, 22.25), (112.96, 22.77), None)
FORWARD = {"accept": 6, "dispatch": 6, "sign": 6, "reply": 6, "check": 6, "close": 5, "rate": 5, "verify": 5}
STEPS_MINUTES = (5, 30, 90, 240, 1440, 2880, 4320)


def _payload(case, action, rng, numbers):
    if action in ("reject", "return", "suspend", "reopen"):
        return {"reason": "测试原因"}
    if action in ("answer", "reply"):
        return {"text": "已处理"}
    if action == "merge":
        targets = [n for n, c in numbers.items() if n != case.number]
        return {"into": rng.choice(targets)} if targets else None
    if action in ("dispatch", "redispatch"):
        return {"lead_unit": rng.choice(UNITS)}
    if action == "extend":
        if case.extension_requested_days:
            return {"decision": rng.choice(["approve", "deny"])}
        return {"days": rng.randint(1, 5), "reason": "需要更多时间"}
    if action == "supervise":
        return {"card": rng.choice(["yellow", "red"])}
    if action == "verify":
        return {"passed": rng.random() < 0.75, "note": "核查"}
    if action == "rate":
        body = {"satisfaction": rng.choice(["satisfied", "basically_satisfied", "unsatisfied"])}
        solved = rng.choice([True, False, None])
        return body if solved is None else {**body, "solved": solved}
    return {}


def _actor(case, action, people, handlers):
    if action in ("accept", "reject", "answer"):
        return people["operator"]
    if action in ("sign", "return", "reply") or (action == "extend" and not case.extension_requested_days):
        # a merged case reopened on its own has no unit: nobody can act for one
        return handlers[case.lead_unit.code] if case.lead_unit_id else None
    if action == "rate":
        return people["resident"]
    return people["dispatcher"]


def random_history(people, make_case, *, seed: int, n_cases: int) -> int:
    from yiwang.cases.services import Actor, perform

    rng = random.Random(seed)
    handlers = {"JM.ZJJ": people["handler"], "JM.SHJ": people["other_handler"]}
    start = at(1, 6)
    numbers, moves = {}, 0
    for _ in range(n_cases):
        t = start + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 80))
        point = rng.choice(POINTS)
        case = make_case(
            received_at=t,
            point=point,
            address="" if point else "江门市蓬江区白沙街道",
            request_type=rng.choice(["投诉", "求助", "咨询", "建议"]),
            category_code=rng.choice(["C01", "C04", "C06", "C01.01", "C04.02.001"]),
        )
        numbers[case.number] = case
        for _step in range(30):
            case = Case.objects.select_related("lead_unit").get(pk=case.pk)
            options = [a for a, m in MOVES.items() if case.status in m.sources]
            if not options or (case.status == "rated" and rng.random() < 0.8):
                break
            weights = [FORWARD.get(a, 1) for a in options]
            action = rng.choices(options, weights)[0]
            payload = _payload(case, action, rng, numbers)
            actor = _actor(case, action, people, handlers)
            if payload is None or actor is None:
                continue
            t += dt.timedelta(minutes=rng.choice(STEPS_MINUTES))
            try:
                perform(case=case, action=action, actor=Actor.of(actor), payload=payload, at=t)
                moves += 1
            except ApplicationError:
                continue
    return moves


def _table(model, period_field, keys):
    rows = {}
    for row in model.objects.values():
        key = (row[period_field], *(row[k] for k in keys))
        counts = {c: row[c] for c in COUNTERS}
        if any(counts.values()):
            rows[key] = counts
    return rows


def _month(day):
    return day.replace(day=1)


COARSE_KEYS = ("unit_id", "district_id", "town_id")
GRID_KEYS = ("unit_id", "district_id", "town_id", "community_id", "grid_id")
KIND_KEYS = ("unit_id", "district_id", "town_id", "request_type", "category_id")


def _assert_rollups_match(facts):
    """facts are keyed (day, unit, district, town, community, grid, request type, category)."""
    assert _table(MeasureDay, "day", COARSE_KEYS) == rollup(facts, lambda day, u, d, t, *_: (day, u, d, t))
    assert _table(MeasureMonth, "month", COARSE_KEYS) == rollup(
        facts, lambda day, u, d, t, *_: (_month(day), u, d, t)
    )
    assert _table(MeasureMonthGrid, "month", GRID_KEYS) == rollup(
        facts, lambda day, u, d, t, c, g, *_: (_month(day), u, d, t, c, g)
    )
    assert _table(MeasureMonthKind, "month", KIND_KEYS) == rollup(
        facts, lambda day, u, d, t, c, g, rt, cat: (_month(day), u, d, t, rt, cat)
    )


@pytest.mark.parametrize("seed", [7, 2024])
def test_rollups_agree_with_a_naive_replay_of_random_histories(people, make_case, settings, seed):
    # given random histories of real moves
    settings.VERIFY_ON_SITE = True
    moves = random_history(people, make_case, seed=seed, n_cases=45)
    assert moves > 200
    facts = reference_facts()
    # when the events are projected in small batches (batch edges fall everywhere)
    measures_project(batch_size=7)
    # then every rollup equals the replay's counts, to the second of handling time
    _assert_rollups_match(facts)
    # and a rebuild in one pass gives the same
    measures_rebuild()
    _assert_rollups_match(facts)


def test_projection_is_incremental_and_never_counts_an_event_twice(people, make_case, settings):
    # given a history projected halfway, then continued
    settings.VERIFY_ON_SITE = False
    random_history(people, make_case, seed=11, n_cases=10)
    first = measures_project()
    random_history(people, make_case, seed=12, n_cases=10)
    # when projected again, twice
    second = measures_project()
    third = measures_project()
    # then the second run counted only the new events and the third nothing
    assert first.events > 0 and second.events > 0 and third.events == 0
    assert second.last_seq == first.last_seq + second.events and third.backlog == 0
    _assert_rollups_match(reference_facts())
