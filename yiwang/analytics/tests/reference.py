"""A naive reference for the rollups: replay every case's events in Python and count the measures
from their definitions (measures.py), with yiwang.workdays' own working_time_between for handling
times. Written independently of the projector's SQL, so that the two can be compared.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.utils.dateparse import parse_datetime

from yiwang.analytics.models import COUNTERS
from yiwang.cases.models import Case, CaseEvent
from yiwang.routing.models import Unit
from yiwang.workdays.selectors import working_time_between
from yiwang.workdays.snapshot import current_schedule

DISPATCHES = ("dispatch", "redispatch")


def _day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(current_schedule().tz).date()


def reference_facts() -> dict[tuple, Counter]:
    """{(day, unit_id, district, town, community, grid, request_type, category L1): counters}."""
    units = dict(Unit.objects.values_list("code", "id"))
    events_by_case: dict[int, list[CaseEvent]] = defaultdict(list)
    for e in CaseEvent.objects.order_by("case_id", "seq"):
        events_by_case[e.case_id].append(e)
    cases = {c.id: c for c in Case.objects.select_related("category__parent__parent")}
    facts: dict[tuple, Counter] = defaultdict(Counter)

    def unit_of(event):
        return units.get((event.payload or {}).get("lead_unit"), 0) if event else 0

    def dispatch_before(case_id, global_seq):
        found = None
        for e in events_by_case[case_id]:
            if e.global_seq < global_seq and e.action in DISPATCHES:
                found = e
        return found

    for case_id, events in events_by_case.items():
        case = cases[case_id]
        category = case.category.lineage()[-1].id if case.category_id else 0
        dims = (
            case.district_id or 0,
            case.town_id or 0,
            case.community_id or 0,
            case.grid_id or 0,
            case.request_type or "",
            category,
        )

        def add(day, unit, **counts):
            key = (day, unit, *dims)  # noqa: B023 - used at once
            facts[key].update(counts)

        d = None  # the dispatch in force
        due = None  # the handling deadline in force
        response_due = None  # the response deadline in force, when an event carried it
        last_reply = None
        pauses: list[tuple[dt.datetime, dt.datetime]] = []
        suspended_at = None
        for e in events:
            p = e.payload or {}
            a, t = e.action, e.created_at
            unit = unit_of(d)
            deadline = response_due or case.response_due_at
            responds_in_time = deadline is not None and t <= deadline
            if a == "create":
                add(_day(t), 0, received=1)
            elif a == "answer":
                add(_day(t), unit, answered=1)
            elif a == "reject":
                add(_day(t), unit, rejected=1)
            elif a == "merge":
                add(_day(t), unit, merged=1)
                if d is not None and e.from_status == "dispatched" and responds_in_time:
                    add(_day(d.created_at), unit, withdrawn=1)
            elif a in DISPATCHES:
                if d is not None and a == "redispatch" and e.from_status == "dispatched" and responds_in_time:
                    add(_day(d.created_at), unit, withdrawn=1)
                add(_day(t), unit_of(e), dispatched=1)
            elif a == "sign":
                if responds_in_time:
                    add(_day(d.created_at), unit, responded=1)
            elif a == "return":
                add(_day(d.created_at), unit, returned=1)
                if e.from_status == "dispatched" and responds_in_time:
                    add(_day(d.created_at), unit, responded=1)
            elif a == "reply":
                add(_day(t), unit, replied=1)
                last_reply = t
            elif a == "suspend":
                add(_day(t), unit, suspended=1)
                suspended_at = t
            elif a == "resume":
                pauses.append((suspended_at, t))
            elif a == "extend" and p.get("request") == "approve":
                add(_day(t), unit, extended=1)
            elif a == "supervise" and p.get("card") in ("yellow", "red"):
                add(_day(t), unit, **{f"{p['card']}_cards": 1})
            elif a == "rate":
                rate_unit = unit
                if case.parent_id:
                    rate_unit = unit_of(dispatch_before(case.parent_id, e.global_seq)) or unit
                counts = {"rated": 1, p["satisfaction"]: 1}
                if p.get("solved") is True:
                    counts["solved"] = 1
                elif p.get("solved") is False:
                    counts["unsolved"] = 1
                add(_day(t), rate_unit, **counts)
            closure = (a == "close" and e.from_status in ("replied", "verifying")) or (
                a == "verify" and p.get("passed") is True
            )
            if closure:
                on_time = due is not None and t <= due
                spent = 0
                if d is not None:
                    inside = [(s, r) for s, r in pauses if s >= d.created_at]
                    spent = int(working_time_between(d.created_at, t, inside).seconds)
                add(_day(t), unit, closed=1, closed_on_time=int(on_time), handling_seconds=spent)
            if a == "reopen" or (a == "verify" and p.get("passed") is False):
                add(_day(last_reply or t), unit, reopened=1)
            if a in DISPATCHES:
                d = e
                pauses = []
            if a in ("dispatch", "redispatch", "extend", "resume") and p.get("due_at"):
                due = parse_datetime(p["due_at"])
            if a in ("dispatch", "redispatch", "resume") and p.get("response_due_at"):
                response_due = parse_datetime(p["response_due_at"])
    return {k: v for k, v in facts.items() if any(v.values())}


def rollup(facts: dict[tuple, Counter], key) -> dict[tuple, dict]:
    """Sum reference facts by key(day, unit, district, town, community, grid, type, category)."""
    out: dict[tuple, Counter] = defaultdict(Counter)
    for k, counts in facts.items():
        out[key(*k)].update(counts)
    return {k: {c: v.get(c, 0) for c in COUNTERS} for k, v in out.items() if any(v.values())}
