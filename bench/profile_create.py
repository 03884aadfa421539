"""Profile auto-routed creates in process, through the whole request (middleware, API, case_create).

Run by bench/intake.py in the bench's environment (DATABASE_URL on the bench database, the live
stack's settings, BENCH_TOKEN an operator's API token). It POSTs WARM cases first (caches, imports),
then: the SQL of one create (django.test.utils.CaptureQueriesContext), the CPU and wall time of N
creates without a profiler, and a cProfile of N more on the CPU clock (time spent waiting for
PostgreSQL is wall minus CPU). The readable report goes to stderr (and to
--report); the last stdout line is a JSON summary.

    DATABASE_URL=… DJANGO_SETTINGS_MODULE=yiwang.security.testing.settings BENCH_TOKEN=… \\
        .venv/bin/python bench/profile_create.py [--n 20]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def statement_kind(sql: str) -> str:
    """'INSERT cases_case', 'SELECT routing_rule', 'SAVEPOINT', … : the verb and the first table."""
    s = sql.strip()
    verb = s.split(None, 1)[0].upper() if s else "?"
    if verb in ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT"):
        return verb
    pattern = {"SELECT": r'\bFROM\s+"?([\w.]+)"?', "INSERT": r'\bINTO\s+"?([\w.]+)"?',
               "UPDATE": r'^UPDATE\s+"?([\w.]+)"?', "DELETE": r'\bFROM\s+"?([\w.]+)"?'}.get(verb)
    match = re.search(pattern, s, re.IGNORECASE) if pattern else None
    table = match.group(1) if match else ""
    if verb == "SELECT" and re.search(r"\bFOR\s+(NO KEY\s+)?UPDATE\b", s, re.IGNORECASE):
        verb = "SELECT…FOR UPDATE"
    return f"{verb} {table}".strip()


def compact(sql: str) -> str:
    """The statement without its column lists, so the WHERE clause shows."""
    sql = re.sub(r"^SELECT .*? FROM ", "SELECT … FROM ", sql, count=1, flags=re.DOTALL)
    sql = re.sub(r"^(INSERT INTO \S+) \(.*?\) VALUES .*", r"\1 (…) VALUES (…)", sql, count=1, flags=re.DOTALL)
    return re.sub(r"\s+", " ", sql)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20, help="creates timed, and creates profiled")
    parser.add_argument("--warm", type=int, default=5)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--report", type=Path)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.security.testing.settings")
    os.environ.setdefault("YIWANG_MODE", "demo")  # unset means production
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from yiwang.security.testing import case_body

    token = os.environ["BENCH_TOKEN"]
    client = Client()
    counter = iter(range(10_000_000, 20_000_000))

    def create():
        response = client.post("/api/v1/cases", data=json.dumps(case_body(next(counter))),
                               content_type="application/json", HTTP_HOST="127.0.0.1",
                               HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex)
        if response.status_code != 201:
            raise SystemExit(f"create failed: {response.status_code} {response.content[:500]!r}")
        return response.json()

    for _ in range(args.warm):
        create()

    with CaptureQueriesContext(connection) as captured:
        created = create()
    queries = [q["sql"] for q in captured.captured_queries]
    sql_ms = sum(float(q["time"]) for q in captured.captured_queries) * 1000
    kinds = Counter(statement_kind(q) for q in queries)

    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(args.n):
        create()
    cpu_ms = (time.process_time() - cpu0) * 1000 / args.n
    wall_ms = (time.perf_counter() - wall0) * 1000 / args.n

    profiler = cProfile.Profile(time.process_time)  # CPU of this process: waits on PostgreSQL count 0
    profiler.enable()
    for _ in range(args.n):
        create()
    profiler.disable()
    if os.environ.get("BENCH_PROFILE_DUMP"):  # for pstats / snakeviz by hand
        profiler.dump_stats(os.environ["BENCH_PROFILE_DUMP"])

    def top(sort: str, only_project: bool) -> tuple[str, list]:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(sort)
        rows = []
        for func in stats.fcn_list:  # sorted by `sort`
            filename, line, name = func
            if only_project and "/yiwang/" not in filename:
                continue
            cc, nc, tt, ct, _callers = stats.stats[func]
            rel = filename.split("/site-packages/")[-1].replace(str(ROOT) + "/", "")
            rows.append({"fn": f"{rel}:{line}({name})", "calls_per_create": round(nc / args.n, 1),
                         "own_ms": round(tt * 1000 / args.n, 2), "cum_ms": round(ct * 1000 / args.n, 2)})
            if len(rows) >= args.top:
                break
        text = "\n".join(f"  {r['cum_ms']:8.2f} cum  {r['own_ms']:7.2f} own  {r['calls_per_create']:7.1f}x  {r['fn']}"
                         for r in rows)
        return text, rows

    cum_text, cum_rows = top("cumulative", True)
    own_text, own_rows = top("tottime", False)

    report = io.StringIO()
    p = lambda *a: print(*a, file=report)  # noqa: E731
    p(f"one auto-routed create ({created.get('number')}, status {created.get('status')}): "
      f"{len(queries)} queries, {sql_ms:.1f} ms in SQL (as the driver saw it)")
    for kind, n in kinds.most_common():
        p(f"  {n:3d}  {kind}")
    p("the statements, in order:")
    for i, q in enumerate(queries, 1):
        p(f"  {i:3d}. {compact(q)[:200]}")
    p(f"per create, {args.n} creates without profiler: {cpu_ms:.1f} ms CPU in this process, {wall_ms:.1f} ms wall")
    p(f"cProfile (CPU time, profiler overhead included), per create, project functions by cumulative ms:\n{cum_text}")
    p(f"cProfile (CPU time), per create, all functions by own ms:\n{own_text}")
    text = report.getvalue()
    print(text, file=sys.stderr)
    if args.report:
        args.report.write_text(text)
    print(json.dumps({
        "queries": len(queries), "sql_ms": round(sql_ms, 1), "by_kind": dict(kinds.most_common()),
        "cpu_ms": round(cpu_ms, 1), "wall_ms": round(wall_ms, 1),
        "top_cumulative": cum_rows[:12], "top_own": own_rows[:12],
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
