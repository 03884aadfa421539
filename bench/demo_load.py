"""How long `yiwang demo` takes to load: the geography and the rest, then the case history.

Migrates a fresh SQLite database in a temporary directory, loads the demo in one transaction as the
`demo` command does, and times each part in wall-clock and CPU seconds (CPU is the fairer figure on
a shared machine). The history's budget is part of `make demo`'s five minutes: the whole load should
stay well inside two. `ratio` is the whole load's wall time over that 120 s budget (below 1 is
inside it). The last line is one JSON object.

    .venv/bin/python bench/demo_load.py [--cases 1500] [--seed N] [--keep]
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

BUDGET_SECONDS = 120.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=None, help="messages to play (default: the demo's)")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the database (its path is printed)")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="yiwang-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/demo.sqlite3"
    os.environ["YIWANG_VAR_DIR"] = workdir
    os.environ.setdefault("YIWANG_MODE", "demo")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from yiwang.cases import demo_history
    from yiwang.cases.audit import verify_chain
    from yiwang.core import demo

    call_command("migrate", verbosity=0)
    cases = args.cases if args.cases is not None else demo_history.DEFAULT_CASES
    timings = {}

    def timed(name, fn):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        timings[name] = {
            "wall_s": round(time.perf_counter() - wall, 2),
            "cpu_s": round(time.process_time() - cpu, 2),
        }
        return result

    original = demo_history.load_history
    history = {}

    def load_history(**options):  # time the history apart from the rest of load_demo
        if args.seed is not None:
            options["seed"] = args.seed
        history.update(timed("history", lambda: original(**options)))
        return history

    demo_history.load_history = load_history
    with transaction.atomic():
        timed("demo", lambda: demo.load_demo(history=cases))
    report = timed("verify_audit", verify_chain)
    total = timings["demo"]
    rest = {k: round(total[k] - timings["history"][k], 2) for k in ("wall_s", "cpu_s")}
    print(f"geography, units, categories, rules, deadlines: {rest['wall_s']} s (cpu {rest['cpu_s']} s)")
    h = timings["history"]
    print(
        f"history: {history['cases']} cases, {history['events']} events in {h['wall_s']} s "
        f"(cpu {h['cpu_s']} s, {1000 * h['cpu_s'] / max(history['cases'], 1):.1f} ms cpu per case)"
    )
    print(f"statuses: {history['statuses']}")
    if args.keep:
        print(f"database kept: {os.environ['DATABASE_URL']}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    print(
        json.dumps(
            {
                "bench": "demo_load",
                "cases": history["cases"],
                "events": history["events"],
                "errors": len(history["errors"]),
                "audit_ok": report.ok,
                "rest": rest,
                "history": h,
                "total": total,
                "budget_s": BUDGET_SECONDS,
                "ratio": round(total["wall_s"] / BUDGET_SECONDS, 3),
                "cpu_ratio": round(total["cpu_s"] / BUDGET_SECONDS, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
