"""The cockpit's measures at scale: rollups against a naive full aggregation, on PostgreSQL.

Creates its own database (yiwang_bench), migrates it, loads the Jiangmen areas, units, categories
and calendar, and generates N cases over the last three years with their audit events straight in
SQL (one INSERT ... SELECT each; hashes left empty, the chain is not what is measured):

    intake:     7% answered at once (60% of them rated), 2% rejected, 3% merged into an earlier case
    dispatched: the rest, to the unit the responsibility list names for (category, town); 5%
                returned and redispatched to another unit, 8% signed late, 3% suspended for 1-10
                days, replies after 1 h to ~20 days, half closed by the dispatcher and half after
                on-site verification, 75% rated (80% satisfied, 12% basically, 8% not; 88% solved),
                4% of the rated reopened and handled again. Cases of the last weeks are still open.
    mix:        咨询 25%, 求助 25%, 投诉 35%, 举报 5%, 建议 8%, 表扬 2%; grids skewed towards the
                first (urban) grids; categories uniform over the third level.

Then it projects every event into the rollups (measures_rebuild, timed), and for the last full
month times
  - the cockpit query: the unit table (every measure per unit, city total, weights), read from the
    rollups as GET /api/v1/measures?group=unit does; and the whole cockpit page's reads (area and
    unit rankings with last month, the 12-month trend), median of several warm runs;
  - the naive query: the same unit table computed from the raw events and cases in one GROUP BY
    (the projector's own SELECT over every event: what a cockpit without rollups must run);
  - for context, a plain GROUP BY over the cases table's final-state columns (fast but not the
    same numbers: it cannot attribute returns or redispatches to the unit that had the case).
It checks that the rollups and the naive query give the same counts, drops its database, and
prints one JSON object last, with `ratio` = naive seconds / cockpit query seconds.

    .venv/bin/python bench/measures.py [--cases 1000000] [--admin-url postgres://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
BENCH_DB = "yiwang_bench"


def _url_with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _admin(url: str, sql: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def _say(msg: str) -> None:
    print(msg, flush=True)


class Clock:
    def __init__(self):
        self.t = time.perf_counter()

    def lap(self) -> float:
        now = time.perf_counter()
        spent, self.t = now - self.t, now
        return spent


def setup_django(url: str):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    os.environ.setdefault("YIWANG_MODE", "demo")
    os.environ.setdefault("DB_CONN_MAX_AGE", "0")
    import django

    django.setup()


def load_reference_data() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from yiwang.geo.demo import load_demo_geography
    from yiwang.routing.demo import load_categories, load_rules, load_units
    from yiwang.workdays.services import calendar_seed_from_library

    load_demo_geography(progress=False)
    load_units()
    load_categories()
    load_rules()
    calendar_seed_from_library()


def reference_tables(cur) -> None:
    """Small lookup tables the generator joins: grids with their chain, categories, routes."""
    from yiwang.geo.models import Area, Level
    from yiwang.routing.models import Category, Unit
    from yiwang.routing.selectors import route

    grids = list(
        Area.objects.filter(level=Level.GRID).select_related("parent__parent__parent").order_by("code")
    )
    cur.execute(
        "CREATE UNLOGGED TABLE bench_grid (idx int PRIMARY KEY, grid_id int, community_id int, "
        "town_id int, district_id int)"
    )
    with cur.copy("COPY bench_grid FROM STDIN") as copy:
        for i, g in enumerate(grids, start=1):
            community = g.parent
            town = community.parent
            copy.write_row((i, g.id, community.id, town.id, town.parent_id))
    cats = list(Category.objects.filter(level=3).select_related("parent__parent").order_by("code"))
    cur.execute("CREATE UNLOGGED TABLE bench_cat (idx int PRIMARY KEY, cat_id int, cat1_id int)")
    with cur.copy("COPY bench_cat FROM STDIN") as copy:
        for i, c in enumerate(cats, start=1):
            copy.write_row((i, c.id, c.parent.parent_id))
    towns = {g.parent.parent_id: g.parent.parent for g in grids}
    town_units = {u.area_id: u for u in Unit.objects.filter(kind=Unit.Kind.TOWN)}
    fallback = Unit.objects.filter(kind=Unit.Kind.COMMAND).first() or Unit.objects.first()
    bureaus = list(Unit.objects.filter(kind=Unit.Kind.BUREAU).order_by("code"))
    cur.execute(
        "CREATE UNLOGGED TABLE bench_route (cat1_id int, town_id int, unit_id int, unit_code text, "
        "alt_id int, alt_code text, PRIMARY KEY (cat1_id, town_id))"
    )
    rows = []  # routed before the COPY: the connection cannot query while it copies
    for cat1 in Category.objects.filter(level=1):
        for town in towns.values():
            decision = route(category=cat1, area=town)
            unit = decision.lead_unit if decision else town_units.get(town.id, fallback)
            alt = town_units.get(town.id) if unit.kind != Unit.Kind.TOWN else None
            alt = alt or bureaus[(cat1.id + town.id) % len(bureaus)]
            rows.append((cat1.id, town.id, unit.id, unit.code, alt.id, alt.code))
    with cur.copy("COPY bench_route FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    cur.execute("ANALYZE bench_grid; ANALYZE bench_cat; ANALYZE bench_route")


PLAN = """
CREATE UNLOGGED TABLE bench_plan AS
SELECT case_id, path, request_type, grid_id, community_id, town_id, district_id, cat_id,
    unit_id, unit_code, alt_id, alt_code, returned, suspended, verified, rated, reopened, sat, solved,
    t0, t_accept, t_answer, t_reject, t_dispatch, t_return, t_redispatch, t_merge, t_sign, t_suspend,
    t_resume, t_reply, t_check, t_close, t_rate, t_reopen, t_reply2, t_close2, t_rate2,
    date_trunc('day', COALESCE(t_dispatch, t0) AT TIME ZONE 'Asia/Shanghai')
        + interval '1 day 18 hours' AS response_due_local,
    date_trunc('day', COALESCE(t_dispatch, t0) AT TIME ZONE 'Asia/Shanghai')
        + due_days * interval '1 day' + interval '18 hours' AS due_local
FROM (
    SELECT h.*,
        -- offsets in hours from t0 are computed as plain numbers, then turned into times once
        t0 + h_accept * interval '1 hour' AS t_accept, t0 + h_answer * interval '1 hour' AS t_answer,
        t0 + h_reject * interval '1 hour' AS t_reject, t0 + h_dispatch * interval '1 hour' AS t_dispatch,
        t0 + h_return * interval '1 hour' AS t_return, t0 + h_redispatch * interval '1 hour' AS t_redispatch,
        t0 + h_merge * interval '1 hour' AS t_merge, t0 + h_sign * interval '1 hour' AS t_sign,
        t0 + h_suspend * interval '1 hour' AS t_suspend, t0 + h_resume * interval '1 hour' AS t_resume,
        t0 + h_reply * interval '1 hour' AS t_reply,
        CASE WHEN verified THEN t0 + h_reply * interval '1 hour' END AS t_check,
        t0 + h_close * interval '1 hour' AS t_close, t0 + h_rate * interval '1 hour' AS t_rate,
        CASE WHEN reopened THEN t0 + (h_rate + 1.0 / 60) * interval '1 hour' END AS t_reopen,
        CASE WHEN reopened THEN t0 + (h_rate + 24 + u3 * 192) * interval '1 hour' END AS t_reply2,
        CASE WHEN reopened THEN t0 + (h_rate + 48 + u3 * 216) * interval '1 hour' END AS t_close2,
        CASE WHEN reopened AND u1 < 0.7 THEN t0 + (h_rate + 72 + u3 * 240) * interval '1 hour' END AS t_rate2
    FROM (
        SELECT g.*,
            g.h_reply + 1 + g.u1 * 40 AS h_close,
            CASE WHEN rated AND path = 'normal' THEN g.h_reply + 42 + g.u2 * 72
                 WHEN rated AND path = 'answer' THEN g.h_answer + 1 + g.u2 * 48 END AS h_rate
        FROM (
            SELECT f.*,
                COALESCE(f.h_resume, f.h_sign) + power(f.u6 * 0.9 + f.u2 * 0.1, 2.0) * f.due_days * 31.2 + 1
                    AS h_reply
            FROM (
                SELECT e.*,
                    CASE WHEN suspended THEN e.h_sign + 1 + e.u5 * 1500 END AS h_suspend,
                    CASE WHEN suspended THEN e.h_sign + 25 + e.u5 * 8000 END AS h_resume
                FROM (
                    SELECT d.*,
                        CASE WHEN path = 'normal' THEN COALESCE(d.h_redispatch, d.h_dispatch)
                            + CASE WHEN late THEN 31 + d.u4 * 300 ELSE 0.1 + d.u4 * 18 END END AS h_sign
                    FROM (
                        SELECT c.*,
                            CASE WHEN path IN ('normal', 'merge') THEN (5 + u1 * 55) / 60 END AS h_accept,
                            CASE WHEN path = 'answer' THEN (2 + u1 * 20) / 60 END AS h_answer,
                            CASE WHEN path = 'reject' THEN (2 + u1 * 60) / 60 END AS h_reject,
                            CASE WHEN path IN ('normal', 'merge') THEN (70 + u2 * 120) / 60 END AS h_dispatch,
                            CASE WHEN returned THEN (70 + u2 * 120) / 60 + 0.5 + u3 * 400 END AS h_return,
                            CASE WHEN returned THEN (70 + u2 * 120) / 60 + 1 + u3 * 440 END AS h_redispatch,
                            CASE WHEN path = 'merge' THEN (70 + u2 * 120 + 5 + u3 * 55) / 60 END AS h_merge
                        FROM (
                            SELECT p.*,
                                path = 'normal' AND u3 < 0.05 AS returned,
                                path = 'normal' AND u4 < 0.08 AS late,
                                path = 'normal' AND u5 < 0.03 AS suspended,
                                path = 'normal' AND u6 < 0.5 AS verified,
                                (path = 'normal' AND u7 < 0.75) OR (path = 'answer' AND u7 < 0.6) AS rated,
                                CASE WHEN u8 < 0.80 THEN 'satisfied' WHEN u8 < 0.92 THEN 'basically_satisfied'
                                     ELSE 'unsatisfied' END AS sat,
                                CASE WHEN u9 < 0.88 THEN 'true' WHEN u9 < 0.98 THEN 'false' END AS solved,
                                path = 'normal' AND u7 < 0.75 AND u5 > 0.96 AS reopened
                            FROM (
                                SELECT s.*, gr.grid_id, gr.community_id, gr.town_id, gr.district_id,
                                    c.cat_id, r.unit_id, r.unit_code, r.alt_id, r.alt_code,
                                    CASE s.request_type WHEN '咨询' THEN 3 WHEN '投诉' THEN 21
                                        WHEN '举报' THEN 21 ELSE 14 END AS due_days
                                FROM (
                                    SELECT b.*,
                                        CASE WHEN u_path < 0.07 THEN 'answer' WHEN u_path < 0.09 THEN 'reject'
                                             WHEN u_path < 0.12 THEN 'merge' ELSE 'normal' END AS path,
                                        CASE WHEN u_type < 0.25 THEN '咨询' WHEN u_type < 0.50 THEN '求助'
                                             WHEN u_type < 0.85 THEN '投诉' WHEN u_type < 0.90 THEN '举报'
                                             WHEN u_type < 0.98 THEN '建议' ELSE '表扬' END AS request_type
                                    FROM bench_random b
                                ) s
                                JOIN bench_grid gr ON gr.idx = s.grid_idx
                                JOIN bench_cat c ON c.idx = s.cat_idx
                                JOIN bench_route r ON r.cat1_id = c.cat1_id AND r.town_id = gr.town_id
                            ) p
                        ) c
                    ) d
                ) e
            ) f
        ) g
    ) h
) plan
"""

# The random draws of each case, made once (volatile functions are never inlined twice).
RANDOM = """
CREATE UNLOGGED TABLE bench_random AS
SELECT g AS case_id,
    %(start)s::timestamptz + (g - 1) * (%(span)s::interval / %(n)s) + random() * interval '10 minutes' AS t0,
    random() AS u_path, random() AS u_type,
    1 + floor(power(random(), 1.6) * %(grids)s)::int AS grid_idx,
    1 + floor(random() * %(cats)s)::int AS cat_idx,
    random() AS u1, random() AS u2, random() AS u3, random() AS u4, random() AS u5,
    random() AS u6, random() AS u7, random() AS u8, random() AS u9
FROM generate_series(1, %(n)s) g
"""

# Each potential step of a case: (seq expression, action, time column, from, to, payload expression).
STEPS = [
    ("1", "create", "t0", "", "received", '\'{"channel": "hotline"}\'::jsonb'),
    ("2", "accept", "t_accept", "received", "accepted", "'{}'::jsonb"),
    ("2", "answer", "t_answer", "received", "answered", '\'{"text": "已当场答复"}\'::jsonb'),
    ("2", "reject", "t_reject", "received", "rejected", "'{}'::jsonb"),
    (
        "3",
        "dispatch",
        "t_dispatch",
        "accepted",
        "dispatched",
        "jsonb_build_object('lead_unit', unit_code, 'due_at', {due})",
    ),
    (
        "4",
        "merge",
        "t_merge",
        "dispatched",
        "merged",
        "jsonb_build_object('into', lpad(greatest(case_id - 1 - mod(case_id, 50), 1)::text, 14, '0'))",
    ),
    ("3", "rate", "CASE WHEN path = 'answer' THEN t_rate END", "answered", "rated", "{rating}"),
    ("4", "return", "t_return", "dispatched", "returned", "'{}'::jsonb"),
    (
        "5",
        "redispatch",
        "t_redispatch",
        "returned",
        "dispatched",
        "jsonb_build_object('lead_unit', alt_code, 'due_at', {due})",
    ),
    ("s_sign", "sign", "t_sign", "dispatched", "in_progress", "'{}'::jsonb"),
    ("s_sign + 1", "suspend", "t_suspend", "in_progress", "suspended", "'{}'::jsonb"),
    (
        "s_sign + 2",
        "resume",
        "t_resume",
        "suspended",
        "in_progress",
        "jsonb_build_object('due_at', {due_shifted})",
    ),
    ("s_reply", "reply", "t_reply", "in_progress", "replied", '\'{"text": "已办理"}\'::jsonb'),
    ("s_reply + 1", "check", "t_check", "replied", "verifying", "'{}'::jsonb"),
    (
        "s_reply + 2",
        "verify",
        "CASE WHEN verified THEN t_close END",
        "verifying",
        "closed",
        "'{\"passed\": true}'::jsonb",
    ),
    ("s_reply + 1", "close", "CASE WHEN NOT verified THEN t_close END", "replied", "closed", "'{}'::jsonb"),
    ("s_close + 1", "rate", "CASE WHEN path = 'normal' THEN t_rate END", "closed", "rated", "{rating}"),
    ("s_close + 2", "reopen", "t_reopen", "rated", "in_progress", "'{}'::jsonb"),
    ("s_close + 3", "reply", "t_reply2", "in_progress", "replied", '\'{"text": "已重办"}\'::jsonb'),
    ("s_close + 4", "close", "t_close2", "replied", "closed", "'{}'::jsonb"),
    ("s_close + 5", "rate", "t_rate2", "closed", "rated", "{rating}"),
]


def events_sql(now_param: str) -> list[str]:
    """One INSERT per potential step, each over the cases that take it (payloads built only there)."""
    due = 'to_char(due_local, \'YYYY-MM-DD"T"HH24:MI:SS"+08:00"\')'
    due_shifted = 'to_char(due_local + (t_resume - t_suspend), \'YYYY-MM-DD"T"HH24:MI:SS"+08:00"\')'
    rating = (
        "CASE WHEN solved IS NULL THEN jsonb_build_object('satisfaction', sat) "
        "ELSE jsonb_build_object('satisfaction', sat, 'solved', solved::boolean) END"
    )
    seqs = {
        "s_sign": "(4 + CASE WHEN returned THEN 2 ELSE 0 END)",
        "s_reply": "(5 + CASE WHEN returned THEN 2 ELSE 0 END + CASE WHEN suspended THEN 2 ELSE 0 END)",
        "s_close": "(5 + CASE WHEN returned THEN 2 ELSE 0 END + CASE WHEN suspended THEN 2 ELSE 0 END"
        " + CASE WHEN verified THEN 2 ELSE 1 END)",
    }
    statements = []
    for seq, action, t, src, dst, payload in STEPS:
        for name, expr in seqs.items():
            seq = seq.replace(name, expr)
        payload = (
            payload.replace("{due_shifted}", due_shifted).replace("{due}", due).replace("{rating}", rating)
        )
        statements.append(
            f"""
            INSERT INTO cases_caseevent (case_id, seq, global_seq, action, actor_name, actor_role,
                from_status, to_status, reason, payload, created_at, prev_hash, global_prev_hash, hash,
                global_hash)
            SELECT case_id, {seq}, case_id * 32 + {seq}, '{action}', 'bench', 'system', '{src}', '{dst}', '',
                {payload}, {t}, '', '', '', ''
            FROM bench_plan WHERE {t} IS NOT NULL AND {t} <= {now_param}
            """
        )
    return statements


STATUS_CHAIN = [
    ("t_rate2", "rated"),
    ("t_close2", "closed"),
    ("t_reply2", "replied"),
    ("t_reopen", "in_progress"),
    ("t_rate", "rated"),
    ("t_close", "closed"),
    ("t_check", "verifying"),
    ("t_reply", "replied"),
    ("t_resume", "in_progress"),
    ("t_suspend", "suspended"),
    ("t_sign", "in_progress"),
    ("t_redispatch", "dispatched"),
    ("t_return", "returned"),
    ("t_merge", "merged"),
    ("t_dispatch", "dispatched"),
    ("t_answer", "answered"),
    ("t_reject", "rejected"),
    ("t_accept", "accepted"),
]


def _filler(cur, table: str, given: set[str]) -> dict[str, str]:
    """Values for NOT NULL columns without a default that the generator does not set (columns other
    apps may have added to the case table since this benchmark was written)."""
    cur.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL",
        [table],
    )
    empty = {
        "text": "''",
        "character varying": "''",
        "jsonb": "'{}'::jsonb",
        "boolean": "false",
        "integer": "0",
        "bigint": "0",
        "smallint": "0",
        "double precision": "0",
        "timestamp with time zone": "now()",
        "date": "current_date",
        "uuid": "gen_random_uuid()",
    }
    return {name: empty.get(kind, "''") for name, kind in cur.fetchall() if name not in given}


def cases_sql(cur, now_param: str) -> str:
    status = (
        "CASE "
        + " ".join(f"WHEN {t} IS NOT NULL AND {t} <= {now_param} THEN '{s}'" for t, s in STATUS_CHAIN)
        + " ELSE 'received' END"
    )
    columns = {
        "id": "case_id",
        "number": "lpad(case_id::text, 14, '0')",
        "request_type": "request_type",
        "category_id": "cat_id",
        "category_confidence": "1.0",
        "category_candidates": "'[]'::jsonb",
        "title": "'小区路灯不亮，夜间出行不便'",
        "text": "'白沙街道某小区门口路灯连续一周不亮，夜间出行不便，老人小孩经过时容易摔倒，"
        "请有关部门尽快派人维修，并检查附近其他路灯的情况。'",
        "text_normalized": "''",
        "address": "''",
        "placement": "'gps'",
        "grid_id": "grid_id",
        "community_id": "community_id",
        "town_id": "town_id",
        "district_id": "district_id",
        "requester_name": "'张三'",
        "requester_phone": "'13800138000'",
        "requester_id_number": "''",
        "requester_kind": "'resident'",
        "requester_language": "'zh-hans'",
        "channel": "'hotline'",
        "attachments": "'[]'::jsonb",
        "lead_unit_id": f"CASE WHEN t_redispatch <= {now_param} THEN alt_id "
        f"WHEN t_dispatch <= {now_param} THEN unit_id END",
        "status": status,
        "resume_status": "''",
        "response_due_at": "CASE WHEN t_dispatch IS NOT NULL THEN response_due_local AT TIME ZONE 'Asia/Shanghai' END",
        "due_at": "CASE WHEN t_dispatch IS NOT NULL THEN (due_local AT TIME ZONE 'Asia/Shanghai')"
        " + COALESCE(t_resume - t_suspend, interval '0') END",
        "deadline_flag": "''",
        "card": "''",
        "extension_reason": "''",
        "extension_count": "0",
        "received_at": "t0",
        "dispatched_at": "COALESCE(t_redispatch, t_dispatch)",
        "signed_at": "t_sign",
        "replied_at": "t_reply",
        "closed_at": "COALESCE(t_close2, t_close, t_answer, t_reject)",
        "rated_at": "COALESCE(t_rate2, t_rate)",
        "reply_text": "''",
        "satisfaction": f"CASE WHEN t_rate <= {now_param} THEN sat ELSE '' END",
        "solved": f"CASE WHEN t_rate <= {now_param} THEN solved::boolean END",
        "return_count": "CASE WHEN returned THEN 1 ELSE 0 END",
        "reopen_count": "CASE WHEN reopened THEN 1 ELSE 0 END",
        "closed_on_time": "t_close <= (due_local AT TIME ZONE 'Asia/Shanghai')",
        "version": "1",
        "created_at": "t0",
        "updated_at": "t0",
    }
    columns.update(_filler(cur, "cases_case", set(columns)))
    return (
        f"INSERT INTO cases_case ({', '.join(columns)}) "
        f"SELECT {', '.join(columns.values())} FROM bench_plan ORDER BY case_id"
    )


KEEP_INDEXES = {
    # what the measures read: the projector's look-ups, the overdue count, the ruler's first day
    "cases_caseevent": [
        "ALTER TABLE cases_caseevent ADD PRIMARY KEY (id)",
        "CREATE UNIQUE INDEX bench_ev_case_seq ON cases_caseevent (case_id, seq)",
        "CREATE UNIQUE INDEX bench_ev_global ON cases_caseevent (global_seq)",
    ],
    "cases_case": [
        "ALTER TABLE cases_case ADD PRIMARY KEY (id)",
        "CREATE INDEX bench_case_status ON cases_case (status)",
        "CREATE INDEX bench_case_due ON cases_case (due_at)",
        "CREATE INDEX bench_case_received ON cases_case (received_at)",
    ],
}


def drop_secondary_indexes(cur) -> int:
    """Load without indexes, constraints or WAL (the bench database is thrown away afterwards)."""
    dropped = 0
    cur.execute(
        "SELECT conrelid::regclass::text, conname FROM pg_constraint "
        "WHERE contype = 'f' AND confrelid IN ('cases_case'::regclass, 'cases_caseevent'::regclass)"
    )
    for table, name in cur.fetchall():
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        dropped += 1
    for table in KEEP_INDEXES:
        cur.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('u', 'f', 'p')",
            [table],
        )
        for (name,) in cur.fetchall():
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}" CASCADE')
            dropped += 1
        cur.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [table])
        for (name,) in cur.fetchall():
            cur.execute(f'DROP INDEX IF EXISTS "{name}"')
            dropped += 1
        cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    for table in KEEP_INDEXES:
        cur.execute(f"ALTER TABLE {table} SET UNLOGGED")
    return dropped


def naive_sql() -> str:
    """The unit table of one month straight from the raw events and cases: every event's
    contributions (the projector's SELECT, over all events), summed per unit for the month."""
    from yiwang.analytics.dialects import current_dialect
    from yiwang.analytics.models import COUNTERS
    from yiwang.analytics.projection import contributions_sql

    sums = ", ".join(f"SUM({c}) AS {c}" for c in COUNTERS)
    return (
        f"SELECT unit_id, {sums} FROM ({contributions_sql(current_dialect(), whole=True)}) contrib "
        f"WHERE dn >= %s AND dn < %s GROUP BY unit_id"
    )


def cases_only_sql() -> str:
    return """
    SELECT lead_unit_id,
        COUNT(*) FILTER (WHERE dispatched_at >= %(a)s AND dispatched_at < %(b)s) AS dispatched,
        COUNT(*) FILTER (WHERE dispatched_at >= %(a)s AND dispatched_at < %(b)s
                         AND signed_at <= response_due_at) AS responded,
        COUNT(*) FILTER (WHERE closed_at >= %(a)s AND closed_at < %(b)s AND replied_at IS NOT NULL) AS closed,
        COUNT(*) FILTER (WHERE closed_at >= %(a)s AND closed_at < %(b)s AND closed_on_time) AS on_time,
        COUNT(*) FILTER (WHERE rated_at >= %(a)s AND rated_at < %(b)s) AS rated,
        COUNT(*) FILTER (WHERE rated_at >= %(a)s AND rated_at < %(b)s
                         AND satisfaction IN ('satisfied', 'basically_satisfied')) AS satisfied,
        COUNT(*) FILTER (WHERE rated_at >= %(a)s AND rated_at < %(b)s AND solved) AS solved
    FROM cases_case GROUP BY lead_unit_id
    """


def warnings_eval(seed: int = 7, months: int = 12, spikes: int = 300) -> dict:
    """The early warnings on generated daily series: 82 towns x 60 categories, ~1M cases a year
    (Zipf-skewed towns and categories, weekly rhythm, overdispersed noise), with `spikes` rises
    injected (extra cases over 2-5 days: 1x, 2x or 3x the series' weekly baseline, at least 4). The
    scan (early_warnings.detect, exactly what runs) is applied every day of `months` months after a
    warm-up; an alert counts as a detection when raised while its spike lasts or within 3 days after,
    a false alarm otherwise; one alert per series per window, as the service does."""
    import numpy as np

    from yiwang.analytics.early_warnings import BASELINE, WINDOW, detect

    rng = np.random.default_rng(seed)
    towns, cats = 82, 60
    days = BASELINE + WINDOW + months * 30
    per_day = 1_000_000 / 365
    w_town = 1 / np.arange(1, towns + 1) ** 0.8
    w_cat = 1 / np.arange(1, cats + 1) ** 1.1
    rate = per_day * np.outer(w_town / w_town.sum(), w_cat / w_cat.sum())
    weekday = np.array([1.1, 1.1, 1.05, 1.05, 1.0, 0.85, 0.85])[np.arange(days) % 7]
    drift = 1 + 0.1 * np.sin(np.arange(days) * 2 * np.pi / 365)
    mean = rate[:, :, None] * weekday * drift
    counts = rng.poisson(rng.gamma(8.0, mean / 8.0))  # gamma-Poisson: overdispersed
    first = BASELINE + WINDOW
    injected = []
    for _ in range(spikes):
        t, c = rng.integers(towns), rng.integers(cats)
        start = int(rng.integers(first, days - 8))
        length = int(rng.integers(2, 6))
        weekly = rate[t, c] * 7
        size = int(rng.choice([1, 2, 3]))
        extra = max(4, int(round(size * weekly)))
        for k in rng.integers(0, length, extra):
            counts[t, c, start + k] += 1
        injected.append((t, c, start, start + length, size, extra))
    by_series = {}
    for t, c, s0, s1, size, extra in injected:
        by_series.setdefault((t, c), []).append([s0, s1, size, extra, False])
    false_alarms = 0
    last = {}
    for d in range(first, days):
        window = counts[:, :, d - WINDOW + 1 : d + 1]
        base = counts[:, :, d - WINDOW + 1 - BASELINE : d - WINDOW + 1]
        observed = window.sum(axis=2)
        candidates = np.argwhere(observed >= 5)
        for t, c in candidates:
            if last.get((t, c), -999) > d - WINDOW:
                continue
            if detect(window[t, c], base[t, c]) is None:
                continue
            last[(t, c)] = d
            hit = False
            for spike in by_series.get((t, c), []):
                if spike[0] <= d <= spike[1] + 3:
                    spike[4] = hit = True
            if not hit:
                false_alarms += 1
    by_size = {}
    for spikes_of in by_series.values():
        for _s0, _s1, size, _extra, found in spikes_of:
            n, k = by_size.get(size, (0, 0))
            by_size[size] = (n + 1, k + int(found))
    found = sum(k for _, k in by_size.values())
    return {
        "series": towns * cats,
        "months": months,
        "cases_per_year": int(counts[:, :, first:].sum() * 365 / (days - first)),
        "spikes": len(injected),
        "detection_rate": round(found / len(injected), 3),
        "detection_rate_by_size": {
            f"{s}x weekly baseline": round(k / n, 3) for s, (n, k) in sorted(by_size.items())
        },
        "false_alarms_per_month": round(false_alarms / months, 1),
    }


def topics_eval(path: str) -> dict:
    """Hot topics on the shared hot_issues.csv (4,290 real messages): how well the clusters group
    real repeats. Repeats: messages with the same title or the same first 60 characters of text
    (the sample's known duplicates). Reported: the share of repeat pairs put in one group, and the
    topics (groups of 3 or more) found."""
    import csv
    import itertools
    from collections import defaultdict

    from yiwang.analytics import topics as t

    with open(path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    titles = [r["title"] for r in rows]
    texts = [r["text"][:400] for r in rows]
    started = time.perf_counter()
    clusters = t.cluster_texts(titles, texts, min_size=2)
    seconds = time.perf_counter() - started
    label = {i: k for k, c in enumerate(clusters) for i in c.members}
    groups = defaultdict(set)
    for i, r in enumerate(rows):
        groups[("title", r["title"])].add(i)
        groups[("text", r["text"][:60])].add(i)
    gold = {pair for g in groups.values() for pair in itertools.combinations(sorted(g), 2)}
    together = sum(1 for a, b in gold if a in label and label[a] == label.get(b))
    topics = [c for c in clusters if len(c.members) >= t.MIN_SIZE]
    return {
        "messages": len(rows),
        "repeat_pairs": len(gold),
        "repeat_pairs_grouped": round(together / len(gold), 3) if gold else None,
        "topics": len(topics),
        "messages_in_topics": sum(len(c.members) for c in topics),
        "largest": [[len(c.members), titles[c.centre], c.keywords] for c in topics[:10]],
        "seconds": round(seconds, 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument(
        "--admin-url", default=os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/test")
    )
    parser.add_argument(
        "--batch", type=int, default=0, help="events per projection batch (0: all in one pass, the default)"
    )
    parser.add_argument("--runs", type=int, default=5, help="warm runs of the cockpit query (median)")
    parser.add_argument("--keep", action="store_true", help="keep the yiwang_bench database")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="use the cases already generated in a kept yiwang_bench database (skips generation)",
    )
    parser.add_argument(
        "--no-rebuild", action="store_true", help="with --reuse: keep the rollups already built, time the queries only"
    )
    parser.add_argument(
        "--part",
        choices=("measures", "warnings", "topics"),
        default="measures",
        help="warnings: detection rate and false alarms on generated series; topics: clusters of "
        "the shared hot_issues.csv (neither needs PostgreSQL)",
    )
    parser.add_argument(
        "--hot-issues",
        default=str(Path(__file__).resolve().parents[2] / "shared/data/messages/hot_issues.csv"),
    )
    args = parser.parse_args()
    n = args.cases
    if args.part != "measures":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
        import django

        django.setup()
        result = warnings_eval() if args.part == "warnings" else topics_eval(args.hot_issues)
        print(json.dumps({"benchmark": f"measures-{args.part}", **result}, ensure_ascii=False))
        return

    if not args.reuse:
        _admin(args.admin_url, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        _admin(args.admin_url, f"CREATE DATABASE {BENCH_DB}")
    try:
        result = run(args, n)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            _admin(args.admin_url, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    print(json.dumps(result, ensure_ascii=False))


def run(args, n: int) -> dict:
    setup_django(_url_with_db(args.admin_url, BENCH_DB))
    import datetime as dt

    from django.db import connection

    from yiwang.core import clock

    watch = Clock()
    now = clock.now().replace(microsecond=0)
    start = (now - dt.timedelta(days=3 * 365)).replace(hour=0, minute=0, second=0)
    if args.reuse:
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM cases_case")
            n = cur.fetchone()[0]
        _say(f"reusing the {n:,} cases already in {BENCH_DB}")
        return measure(args, n, watch, generation=None)
    load_reference_data()
    _say(f"migrated and loaded areas, units, categories, calendar in {watch.lap():.1f}s")

    with connection.cursor() as cur:
        cur.execute("SET synchronous_commit = off; SET work_mem = '256MB'; SET maintenance_work_mem = '1GB'")
        reference_tables(cur)
        dropped = drop_secondary_indexes(cur)
        _say(f"reference tables (routes for every category and town) in {watch.lap():.1f}s")
        cur.execute("SELECT count(*) FROM bench_grid")
        grids = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM bench_cat")
        cats = cur.fetchone()[0]
        cur.execute(
            RANDOM % {"start": "%(start)s", "span": "%(span)s", "n": n, "grids": grids, "cats": cats},
            {"start": start, "span": f"{(now - start).total_seconds():.0f} seconds"},
        )
        cur.execute(PLAN)
        cur.execute("DROP TABLE bench_random")
        plan_s = watch.lap()
        cur.execute(cases_sql(cur, "%(now)s"), {"now": now})
        cases_s = watch.lap()
        events = 0
        for sql in events_sql("%(now)s"):
            cur.execute(sql, {"now": now})
            events += cur.rowcount
        events_s = watch.lap()
        for statements in KEEP_INDEXES.values():
            for sql in statements:
                cur.execute(sql)
        cur.execute(
            "INSERT INTO cases_audithead (id, last_seq, last_hash) SELECT 1, max(global_seq), '' "
            "FROM cases_caseevent ON CONFLICT (id) DO UPDATE SET last_seq = excluded.last_seq"
        )
        cur.execute("DROP TABLE bench_plan")
        cur.execute("ANALYZE cases_case; ANALYZE cases_caseevent")
        index_s = watch.lap()
    generation = plan_s + cases_s + events_s + index_s
    _say(
        f"generated {n:,} cases and {events:,} events in {generation:.1f}s "
        f"(plan {plan_s:.1f}s, cases {cases_s:.1f}s, events {events_s:.1f}s, indexes {index_s:.1f}s; "
        f"{dropped} secondary indexes/constraints not rebuilt)"
    )

    return measure(args, n, watch, generation=generation)


def measure(args, n: int, watch, *, generation: float | None) -> dict:
    import datetime as dt

    from django.db import connection

    from yiwang.analytics import selectors, services
    from yiwang.analytics.models import COUNTERS
    from yiwang.analytics.periods import month_of
    from yiwang.analytics.projection import ROLLUPS
    from yiwang.core import clock

    if args.reuse and args.no_rebuild:
        _say("keeping the rollups already built (--no-rebuild)")
    else:
        services.measures_rebuild(batch_size=args.batch or None)
    rollup_s = watch.lap()
    sizes = {}
    with connection.cursor() as cur:
        for model, _, _ in ROLLUPS:
            cur.execute(f"ANALYZE {model._meta.db_table}")
            sizes[model.__name__] = model.objects.count()
    _say(f"projected every event into the rollups in {rollup_s:.1f}s; rows {sizes}")

    period = month_of(clock.today()).previous()  # the last full month
    scope = selectors.Scope()

    def cockpit_query():
        return selectors.measure_table(period=period, group="unit", scope=scope)

    def cockpit_page(shown=period):
        services.measures_refresh_for_read()
        selectors.measure_rankings(period=shown, group="district", scope=scope)
        selectors.measure_rankings(period=shown, group="unit", scope=scope)
        selectors.measure_trend(period=shown, scope=scope)

    def timed(fn, runs):
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            value = fn()
            times.append(time.perf_counter() - t)
        return statistics.median(times), max(times), value

    current = month_of(clock.today())

    def cockpit_page_now():
        # this month: with the live overdue count (cases past due now, from the case table)
        cockpit_page(current)

    cockpit_query()  # warm the caches once, as a running server would be
    query_s, query_max, table = timed(cockpit_query, args.runs)
    page_s, page_max, _ = timed(cockpit_page, args.runs)
    now_s, now_max, _ = timed(cockpit_page_now, args.runs)
    _say(
        f"cockpit unit table for {period.code}: median {query_s * 1000:.1f} ms; whole page {page_s * 1000:.1f} ms;"
        f" this month's page (with the live overdue count) {now_s * 1000:.1f} ms"
    )

    with connection.cursor() as cur:
        cur.execute("SET work_mem = '256MB'")
        cur.execute("SET jit = off")
        t = time.perf_counter()
        epoch = dt.date(1970, 1, 1)
        cur.execute(naive_sql(), [(period.start - epoch).days, (period.end - epoch).days])
        naive_rows = cur.fetchall()
        naive_s = time.perf_counter() - t
        t = time.perf_counter()
        cur.execute(cases_only_sql(), {"a": period.start, "b": period.end})
        cur.fetchall()
        cases_only_s = time.perf_counter() - t
    _say(
        f"naive full aggregation: {naive_s:.1f}s; plain GROUP BY over cases (not the same numbers): {cases_only_s:.1f}s"
    )

    naive = {row[0]: dict(zip(COUNTERS, (int(v) for v in row[1:]), strict=True)) for row in naive_rows}
    rolled = {r["id"]: r["counts"] for r in table["rows"]}
    agree = {k: v for k, v in naive.items() if any(v.values())} == {
        k: v for k, v in rolled.items() if any(v.values())
    }
    return {
        "benchmark": "measures",
        "cases": n,
        "period": period.code,
        "generation_seconds": round(generation, 1) if generation is not None else None,
        "rollup_build_seconds": None if (args.reuse and args.no_rebuild) else round(rollup_s, 1),
        "rollup_rows": sizes,
        "cockpit_query_seconds": round(query_s, 4),
        "cockpit_query_max_seconds": round(query_max, 4),
        "cockpit_page_seconds": round(page_s, 4),
        "cockpit_page_max_seconds": round(page_max, 4),
        "cockpit_page_this_month_seconds": round(now_s, 4),
        "cockpit_page_this_month_max_seconds": round(now_max, 4),
        "naive_seconds": round(naive_s, 2),
        "naive_cases_table_seconds": round(cases_only_s, 2),
        "agree": agree,
        "units": len(rolled),
        "ratio": round(naive_s / query_s, 1),
    }


if __name__ == "__main__":
    main()
