"""The projector: case events (append-only, in global_seq order) -> counts in the rollups.

One set-based pass per range of events (lo, hi]. It reads the whole history of every case the range
touches, in (case, seq) order, and one window pass over it carries, for each event, what the
events before it established:

- d: the dispatch in force, i.e. the latest 派遣/改派 before the event (its time and lead unit);
- the handling deadline in force: the due_at of the latest dispatch, approved extension or
  resumption before it; the response deadline in force, when an event carried one;
- the latest reply (a 重办 is counted against it);
- whether a resumption came after d (then the suspended working time is taken out).

"Latest" is by seq: each value is packed with its event's seq (seq * 10^13 + value) so that a
running MAX picks the latest. Times are compared as epoch milliseconds. The same query serves a
catch-up of a few events and a rebuild of all of them (then it is a sort and a scan, no look-ups).

Each event then adds to up to three anchors, so that every numerator counts a subset of its
denominator (measures.py has the definitions):

- E, the event itself (its day; the unit in force): received, answered, rejected, merged,
  dispatched, replied, closed, closed_on_time, handling_seconds, rated and its parts, suspended,
  extended, yellow/red cards;
- D, the dispatch it answers (the dispatch's day and unit): responded, withdrawn, returned;
- R, the reply it reopens (the reply's day; the unit in force): reopened.

The case's area, request type and first-level category are read from the case row (they are fixed
once a case is dispatched). Only sequenced events have a global_seq: the
sequencer commits a batch at once and batches in order (cases.audit), so a checkpoint on global_seq
never skips one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection

from yiwang.cases.models import Case, CaseEvent
from yiwang.routing.models import Category, Unit

from .dialects import Dialect
from .models import COUNTERS, MeasureDay, MeasureMonth, MeasureMonthGrid, MeasureMonthKind
from .ruler import ruler_sql, ruler_table, ruler_value

DIMS = ("unit_id", "district_id", "town_id", "community_id", "grid_id", "request_type", "category_id")
CONTRIB = "analytics_contrib"
DISPATCHES = "('dispatch', 'redispatch')"
P = 10**13  # packs seq * P + epoch milliseconds (good until the year 2286)
U = 10**7  # packs seq * U + unit id


def _q(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _unpack(expr: str, base: int) -> str:
    return f"({expr} - ({expr} / {base}) * {base})"


def history_sql(x: Dialect, *, whole: bool) -> str:
    """Every event of the cases with an event in (lo, hi], with what the events before it set.

    Params: lo, hi (unless `whole`: every case, for a rebuild or the naive aggregation)."""
    ev, unit = _q(CaseEvent), _q(Unit)
    pay = "ev.payload"
    lead = x.json_text(pay, "lead_unit")
    touched = (
        ""
        if whole
        else f"WHERE ev.case_id IN (SELECT t.case_id FROM {ev} t "
        "WHERE t.global_seq > %s AND t.global_seq <= %s)"
    )
    return f"""
    SELECT h.*,
        MAX(CASE WHEN h.is_dispatch = 1 THEN h.seq END) OVER w AS d_seq,
        MAX(CASE WHEN h.is_dispatch = 1 THEN CAST(h.seq AS BIGINT) * {P} + h.t_ms END) OVER w AS d_pack,
        MAX(CASE WHEN h.is_dispatch = 1 THEN CAST(h.seq AS BIGINT) * {U} + h.disp_unit END) OVER w AS du_pack,
        MAX(CASE WHEN h.due_ms IS NOT NULL THEN CAST(h.seq AS BIGINT) * {P} + h.due_ms END) OVER w AS due_pack,
        MAX(CASE WHEN h.rdue_ms IS NOT NULL THEN CAST(h.seq AS BIGINT) * {P} + h.rdue_ms END) OVER w AS rdue_pack,
        MAX(CASE WHEN h.action = 'reply' THEN CAST(h.seq AS BIGINT) * {P} + h.t_ms END) OVER w AS reply_pack,
        MAX(CASE WHEN h.action = 'resume' THEN h.seq END) OVER w AS resume_seq
    FROM (
        SELECT ev.case_id, ev.seq, ev.global_seq, ev.action, ev.from_status,
            {x.epoch_ms("ev.created_at")} AS t_ms,
            CASE WHEN (ev.action = 'close' AND ev.from_status IN ('replied', 'verifying'))
                  OR (ev.action = 'verify' AND {x.json_is(pay, "passed", True)}) THEN 1 ELSE 0 END AS is_closure,
            CASE WHEN ev.action = 'verify' AND {x.json_is(pay, "passed", False)} THEN 1 ELSE 0 END AS failed,
            CASE WHEN ev.action = 'rate' THEN {x.json_text(pay, "satisfaction")} END AS satisfaction,
            CASE WHEN ev.action = 'rate' THEN CASE WHEN {x.json_is(pay, "solved", True)} THEN 1
                WHEN {x.json_is(pay, "solved", False)} THEN 0 END END AS solved,
            CASE WHEN ev.action = 'supervise' THEN {x.json_text(pay, "card")} END AS card,
            CASE WHEN ev.action = 'extend' THEN {x.json_text(pay, "request")} END AS request,
            CASE WHEN ev.action IN {DISPATCHES} THEN 1 ELSE 0 END AS is_dispatch,
            CASE WHEN ev.action IN {DISPATCHES} THEN COALESCE(u.id, 0) END AS disp_unit,
            CASE WHEN ev.action IN ('dispatch', 'redispatch', 'extend', 'resume')
                THEN {x.json_epoch_ms(x.json_text("ev.payload", "due_at"))} END AS due_ms,
            CASE WHEN ev.action IN ('dispatch', 'redispatch', 'resume')
                THEN {x.json_epoch_ms(x.json_text("ev.payload", "response_due_at"))} END AS rdue_ms
        FROM {ev} ev
        LEFT JOIN {unit} u ON ev.action IN {DISPATCHES} AND u.code = {lead}
        {touched}
    ) h
    WINDOW w AS (PARTITION BY h.case_id ORDER BY h.seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
    """


def events_sql(x: Dialect, *, whole: bool) -> str:
    """The events of (lo, hi], one row each: their look-ups decoded, the payload fields they need,
    the anchors' local day numbers, R() at a closure and at its dispatch (ruler.py), and the case's
    dimensions. Work is done only on the rows that need it (CASE guards)."""
    ev, case, unit, cat = _q(CaseEvent), _q(Case), _q(Unit), _q(Category)
    range_filter = "" if whole else "WHERE e.global_seq > %s AND e.global_seq <= %s"
    d_ms = _unpack("e.d_pack", P)
    reply_ms = _unpack("e.reply_pack", P)
    return f"""
    SELECT e.case_id, e.seq, e.action, e.from_status, e.t_ms, e.d_seq, e.resume_seq, e.is_closure,
        e.failed, e.satisfaction, e.solved, e.card, e.request,
        {x.day_number("e.t_ms")} AS dn_e,
        {x.day_number(d_ms)} AS dn_d,
        {x.day_number(reply_ms)} AS dn_r,
        {d_ms} AS d_ms,
        CASE WHEN re.day_number IS NOT NULL THEN {ruler_value("re", "e.t_ms", x)} END AS r_e,
        CASE WHEN rd.day_number IS NOT NULL THEN {ruler_value("rd", d_ms, x)} END AS r_d,
        {_unpack("e.du_pack", U)} AS du_id,
        CASE WHEN e.action IN {DISPATCHES} THEN e.disp_unit END AS eu_id,
        {_unpack("e.due_pack", P)} AS due_ms,
        CASE WHEN e.action IN ('sign', 'return', 'redispatch', 'merge') THEN
            COALESCE({_unpack("e.rdue_pack", P)}, {x.epoch_ms("c.response_due_at")}) END AS rdue_ms,
        c.district_id, c.town_id, c.community_id, c.grid_id, c.request_type, c.parent_id,
        COALESCE(p2.id, p1.id, cat.id) AS category_id,
        CASE WHEN e.action = 'rate' AND c.parent_id IS NOT NULL THEN (
            SELECT pu.id FROM {ev} pd JOIN {unit} pu ON pu.code = {x.json_text("pd.payload", "lead_unit")}
            WHERE pd.case_id = c.parent_id AND pd.global_seq < e.global_seq AND pd.action IN {DISPATCHES}
            ORDER BY pd.global_seq DESC LIMIT 1) END AS pu_id
    FROM ({history_sql(x, whole=whole)}) e
    JOIN {case} c ON c.id = e.case_id
    LEFT JOIN {cat} cat ON cat.id = c.category_id
    LEFT JOIN {cat} p1 ON p1.id = cat.parent_id
    LEFT JOIN {cat} p2 ON p2.id = p1.parent_id
    LEFT JOIN {ruler_table()} re ON re.day_number = CASE WHEN e.is_closure = 1 THEN {x.day_number("e.t_ms")} END
    LEFT JOIN {ruler_table()} rd ON rd.day_number = CASE WHEN e.is_closure = 1 THEN {x.day_number(d_ms)} END
    {range_filter}
    """


def contributions_sql(x: Dialect, *, whole: bool = False) -> str:
    """Counter contributions: each event once per anchor it adds to (k = 1 E, 2 D, 3 R), with the
    anchor's local day number and unit. Params: lo, hi, lo, hi (none when `whole`)."""
    ev = _q(CaseEvent)
    pauses = (
        f"CASE WHEN b.resume_seq > b.d_seq THEN COALESCE((SELECT SUM("
        f"{ruler_sql(x.epoch_ms('s2.created_at'), x)} - {ruler_sql(x.epoch_ms('s1.created_at'), x)}) "
        f"FROM {ev} s2 JOIN {ev} s1 ON s1.case_id = s2.case_id AND s1.seq = s2.seq - 1 "
        f"WHERE s2.case_id = b.case_id AND s2.action = 'resume' AND s2.seq > b.d_seq AND s2.seq < b.seq), 0) "
        f"ELSE 0 END"
    )
    in_time = "b.rdue_ms IS NOT NULL AND b.t_ms <= b.rdue_ms"
    e_values = {
        "received": "b.action = 'create'",
        "answered": "b.action = 'answer'",
        "rejected": "b.action = 'reject'",
        "merged": "b.action = 'merge'",
        "dispatched": f"b.action IN {DISPATCHES}",
        "replied": "b.action = 'reply'",
        "closed": "b.is_closure = 1",
        "closed_on_time": "b.is_closure = 1 AND b.due_ms IS NOT NULL AND b.t_ms <= b.due_ms",
        "rated": "b.action = 'rate'",
        "satisfied": "b.satisfaction = 'satisfied'",
        "basically_satisfied": "b.satisfaction = 'basically_satisfied'",
        "unsatisfied": "b.satisfaction = 'unsatisfied'",
        "solved": "b.solved = 1",
        "unsolved": "b.solved = 0",
        "suspended": "b.action = 'suspend'",
        "extended": "b.request = 'approve'",
        "yellow_cards": "b.card = 'yellow'",
        "red_cards": "b.card = 'red'",
    }
    d_values = {
        "responded": f"(b.action = 'sign' OR (b.action = 'return' AND b.from_status = 'dispatched')) AND {in_time}",
        "withdrawn": f"b.action IN ('redispatch', 'merge') AND b.from_status = 'dispatched' AND {in_time}",
        "returned": "b.action = 'return'",
    }
    columns = []
    for name in COUNTERS:
        if name == "handling_seconds":
            columns.append(
                f"CASE WHEN a.k = 1 AND b.is_closure = 1 AND b.d_ms IS NOT NULL "
                f"THEN b.r_e - b.r_d - {pauses} ELSE 0 END AS handling_seconds"
            )
        elif name == "reopened":
            columns.append("CASE WHEN a.k = 3 THEN 1 ELSE 0 END AS reopened")
        elif name in d_values:
            columns.append(f"CASE WHEN a.k = 2 AND {d_values[name]} THEN 1 ELSE 0 END AS {name}")
        else:
            columns.append(f"CASE WHEN a.k = 1 AND {e_values[name]} THEN 1 ELSE 0 END AS {name}")
    e_unit = (
        f"CASE WHEN b.action IN {DISPATCHES} THEN COALESCE(b.eu_id, 0) "
        "WHEN b.action = 'rate' AND b.parent_id IS NOT NULL THEN COALESCE(b.pu_id, b.du_id, 0) "
        "ELSE COALESCE(b.du_id, 0) END"
    )
    e_actions = (
        "('create', 'answer', 'reject', 'merge', 'dispatch', 'redispatch', 'reply', 'close', 'verify', "
        "'rate', 'suspend', 'extend', 'supervise')"
    )
    return f"""
    SELECT CASE a.k WHEN 1 THEN b.dn_e WHEN 2 THEN b.dn_d ELSE COALESCE(b.dn_r, b.dn_e) END AS dn,
        CASE WHEN a.k = 1 THEN {e_unit} ELSE COALESCE(b.du_id, 0) END AS unit_id,
        COALESCE(b.district_id, 0) AS district_id, COALESCE(b.town_id, 0) AS town_id,
        COALESCE(b.community_id, 0) AS community_id, COALESCE(b.grid_id, 0) AS grid_id,
        COALESCE(b.request_type, '') AS request_type, COALESCE(b.category_id, 0) AS category_id,
        {", ".join(columns)}
    FROM ({events_sql(x, whole=whole)}) b
    CROSS JOIN (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3) a
    WHERE (a.k = 1 AND b.action IN {e_actions})
       OR (a.k = 2 AND b.d_ms IS NOT NULL AND b.action IN ('sign', 'return', 'redispatch', 'merge'))
       OR (a.k = 3 AND (b.action = 'reopen' OR b.failed = 1))
    """


# (model, period column, keys, GROUPING() id of its set in the PostgreSQL pass, see _aggregate_sets)
ROLLUPS = (
    (MeasureDay, "day", ("unit_id", "district_id", "town_id")),
    (MeasureMonth, "month", ("unit_id", "district_id", "town_id")),
    (MeasureMonthGrid, "month", ("unit_id", "district_id", "town_id", "community_id", "grid_id")),
    (MeasureMonthKind, "month", ("unit_id", "district_id", "town_id", "request_type", "category_id")),
)
# GROUPING(dn, community_id, request_type) of each rollup's set; the month rollup is summed from
# the day set's rows (same keys), which is cheaper than a fourth set over every contribution.
_SET_ID = {MeasureDay: 3, MeasureMonthGrid: 5, MeasureMonthKind: 6}
_COUNTER_TYPES = ", ".join(f"{c} {'bigint' if c == 'handling_seconds' else 'integer'}" for c in COUNTERS)


def _write(x: Dialect, model, period: str, keys: tuple[str, ...], *, grouped: bool, empty: bool) -> str:
    """INSERT the model's rows from the staged sums: already grouped (PostgreSQL: one grouping
    set per rollup) or grouped here (SQLite). Into empty rollups (a rebuild) a plain INSERT; else an
    upsert that adds to the counts there."""
    table = _q(model)
    key_cols = (period, *keys)
    if grouped and model in _SET_ID:
        source = (
            f"SELECT {', '.join(key_cols)}, {', '.join(COUNTERS)} FROM {CONTRIB} WHERE gid = {_SET_ID[model]}"
        )
    else:
        period_expr = "day" if period == "day" else x.month_of_day("day")
        sums = ", ".join(f"SUM({c})" for c in COUNTERS)
        only_days = f"gid = {_SET_ID[MeasureDay]}" if grouped else "1 = 1"
        source = (
            f"SELECT {period_expr}, {', '.join(keys)}, {sums} FROM {CONTRIB} WHERE {only_days} "
            f"GROUP BY {', '.join([period_expr, *keys])}"
        )
    sql = f"INSERT INTO {table} ({', '.join(key_cols)}, {', '.join(COUNTERS)}) {source}"
    if empty:
        return sql
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COUNTERS)
    return f"{sql} ON CONFLICT ({', '.join(key_cols)}) DO UPDATE SET {updates}"


def _stage(x: Dialect, cur, *, whole: bool, params: list) -> int:
    """Sum the contributions into the temp table CONTRIB; returns its rows."""
    dims = ", ".join(DIMS)
    sums = ", ".join(f"SUM({c})" for c in COUNTERS)
    contributions = contributions_sql(x, whole=whole)
    if x.vendor == "postgresql":
        # One pass, three grouping sets (days; months by grid; months by kind); GROUPING() tells
        # them apart.
        cur.execute(
            x.temp_table(
                CONTRIB,
                "gid integer, day date, month date, unit_id integer, district_id integer, town_id integer, "
                f"community_id integer, grid_id integer, request_type varchar(4), category_id integer, "
                f"{_COUNTER_TYPES}",
            )
        )
        month = x.month_of_day(x.date_of_day_number("q.dn"))
        coarse = "unit_id, district_id, town_id"
        cur.execute(
            f"INSERT INTO {CONTRIB} (gid, day, month, {dims}, {', '.join(COUNTERS)}) "
            f"SELECT GROUPING(dn, community_id, request_type), {x.date_of_day_number('dn')}, mn, "
            f"{dims}, {sums} FROM (SELECT q.*, {month} AS mn FROM ({contributions}) q) q "
            f"GROUP BY GROUPING SETS ((dn, {coarse}), (mn, {coarse}, community_id, grid_id), "
            f"(mn, {coarse}, request_type, category_id))",
            params,
        )
        return cur.rowcount
    cur.execute(x.temp_table(CONTRIB, f"day date, {dims}, {_COUNTER_TYPES}"))
    cur.execute(
        f"INSERT INTO {CONTRIB} (day, {dims}, {', '.join(COUNTERS)}) "
        f"SELECT {x.date_of_day_number('dn')}, {dims}, {sums} "
        f"FROM ({contributions}) q WHERE 1 = 1 GROUP BY dn, {dims}",
        params,
    )
    return cur.rowcount


def project_range(x: Dialect, lo: int, hi: int, *, whole: bool = False) -> int:
    """Add the events lo < global_seq <= hi to the rollups (`whole`: every event, into rollups the
    caller has emptied). Runs inside the caller's transaction. Returns the staged rows."""
    with connection.cursor() as cur:
        if x.vendor == "postgresql":
            # The planner's cost of these statements would switch JIT compilation on, which takes
            # far longer than the work itself; the sort and the grouping want memory.
            cur.execute("SET LOCAL jit = off")
            cur.execute("SET LOCAL work_mem = %s", [getattr(settings, "MEASURES_WORK_MEM", "256MB")])
        cur.execute(f"DROP TABLE IF EXISTS {CONTRIB}")
        rows = _stage(x, cur, whole=whole, params=[] if whole else [lo, hi, lo, hi])
        for model, period, keys in ROLLUPS:
            cur.execute(_write(x, model, period, keys, grouped=x.vendor == "postgresql", empty=whole))
        cur.execute(f"DROP TABLE {CONTRIB}")
    return rows
