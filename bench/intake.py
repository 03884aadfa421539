"""Intake throughput, sustained, against PostgreSQL with several server processes, as a ratio to a
plain INSERT of the same rows run beside it.

The platform: SERVERS `yiwang serve` processes (waitress, WEB_THREADS threads each) on one PostgreSQL
(a private cluster started with initdb/pg_ctl when the binaries are there, else a fresh database on
DATABASE_URL's server), migrated and loaded with the demo geography. CLIENTS client threads POST
/api/v1/cases round-robin over the servers, each case with an Idempotency-Key and a named category (so
every case is also accepted and dispatched by the responsibility list, with its audit events and
notification rows: what a real intake does). A warm-up is not counted.

The baseline: the same rows INSERTed with psycopg into a table with the same columns as the case
table (its indexes included), from the same number of client threads, one transaction per row as the
platform commits one case per request. ratio = platform cases/s / baseline rows/s.

    .venv/bin/python bench/intake.py [--servers 3] [--clients 12] [--cases 600]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from yiwang.security.testing import (  # noqa: E402
    PrivatePostgres,
    Server,
    case_body,
    create_database,
    drop_database,
    platform_env,
    post_json,
    prepare_platform,
    private_postgres_available,
)


def run_threads(target, n: int) -> float:
    """Run `target` in `n` threads at once; the seconds until the last one ends."""
    threads = [threading.Thread(target=target) for _ in range(n)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def run_platform(servers: list[Server], token: str, cases: int, clients: int) -> dict:
    bases = itertools.cycle([s.base for s in servers])
    base_lock = threading.Lock()
    counter = itertools.count()
    latencies: list[float] = []
    errors: list = []

    def next_base() -> str:
        with base_lock:
            return next(bases)

    def client():
        while True:
            i = next(counter)
            if i >= cases:
                return
            started = time.perf_counter()
            status, payload = post_json(next_base() + "/api/v1/cases", case_body(i), token=token,
                                        key=uuid.uuid4().hex, timeout=60)
            latencies.append(time.perf_counter() - started)
            if status != 201:
                errors.append((status, payload))

    elapsed = run_threads(client, clients)
    lat = sorted(latencies)
    return {
        "cases": cases,
        "seconds": round(elapsed, 2),
        "per_s": round(cases / elapsed, 2),
        "p50_ms": round(statistics.median(lat) * 1000, 1),
        "p95_ms": round(lat[int(len(lat) * 0.95) - 1] * 1000, 1),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
    }


def run_baseline(url: str, rows: int, clients: int) -> dict:
    """The same rows, plain INSERTs, one transaction per row, CLIENTS connections."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_intake_plain")
        conn.execute("CREATE TABLE bench_intake_plain (LIKE cases_case INCLUDING DEFAULTS INCLUDING INDEXES)")
        columns = [r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'bench_intake_plain' "
            "AND column_name <> 'id' AND is_nullable = 'NO' ORDER BY ordinal_position").fetchall()]
    filled = {"request_type": "投诉", "category_candidates": "[]", "attachments": "[]", "placement": "gps",
              "requester_kind": "resident", "requester_language": "zh-hans", "channel": "api",
              "status": "dispatched", "resume_status": "", "card": "", "extension_reason": "",
              "deadline_flag": "", "reply_text": "", "satisfaction": "", "address": "", "text_normalized": ""}
    counter = itertools.count()

    def row(i: int) -> list:
        body = case_body(i)
        values = []
        for c in columns:
            if c == "number":
                values.append(f"B{i:013d}")
            elif c in ("title", "text", "requester_name", "requester_phone"):
                values.append(body.get(c, ""))
            elif c.endswith("_count") or c == "version":
                values.append(0 if c != "version" else 1)
            elif c.endswith("_at"):
                continue  # now() in the statement itself
            else:
                values.append(filled.get(c, ""))
        return values

    sql_cols = ", ".join(columns)
    placeholders = ", ".join("now()" if c.endswith("_at") else "%s" for c in columns)
    sql = f"INSERT INTO bench_intake_plain (id, {sql_cols}) VALUES (%s, {placeholders})"

    def client():
        with psycopg.connect(url, autocommit=True) as conn:
            while True:
                i = next(counter)
                if i >= rows:
                    return
                conn.execute(sql, [i + 1, *row(i)])

    elapsed = run_threads(client, clients)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE bench_intake_plain")
    return {"rows": rows, "seconds": round(elapsed, 3), "per_s": round(rows / elapsed, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--servers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4, help="threads per server")
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--cases", type=int, default=600)
    parser.add_argument("--warmup", type=int, default=30)
    args = parser.parse_args()

    var = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    pg = None
    name = f"yiwang_bench_{uuid.uuid4().hex[:8]}"
    if private_postgres_available():
        pg = PrivatePostgres().init()
        pg.start()
        admin = pg.admin_url()
    else:
        shared = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        admin = shared.rsplit("/", 1)[0] + "/postgres"
    servers: list[Server] = []
    try:
        url = create_database(admin, name)
        env = platform_env(url, var, WEB_THREADS=str(args.threads))
        print(f"preparing {url} (migrate, demo geography)…", file=sys.stderr)
        token = prepare_platform(env)["rel_operator"]
        servers = [Server(env, var / f"server{i}.log", threads=args.threads).start() for i in range(args.servers)]
        run_platform(servers, token, args.warmup, args.clients)  # warm-up: imports, caches, connections
        platform = run_platform(servers, token, args.cases, args.clients)
        baseline = run_baseline(url, args.cases, args.clients)
        result = {
            "bench": "intake",
            "database": "private PostgreSQL 15 (fsync off)" if pg else "shared PostgreSQL",
            "servers": args.servers,
            "threads_per_server": args.threads,
            "clients": args.clients,
            "cpus": os.cpu_count(),
            "platform": platform,
            "baseline_plain_insert": baseline,
            "ratio": round(platform["per_s"] / baseline["per_s"], 4),
        }
        print(json.dumps(result, ensure_ascii=False))
    finally:
        for s in servers:
            s.stop()
        if pg is not None:
            pg.remove()
        else:
            drop_database(admin, name)


if __name__ == "__main__":
    main()
