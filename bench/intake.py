"""Intake throughput, sustained, on PostgreSQL behind gunicorn, beside a plain INSERT of the same rows
and beside a bare Django JSON view served the same way.

Database: a private PostgreSQL cluster (initdb + pg_ctl, fsync off, trust auth, its own port) when the
binaries are there (PG_BIN, default /usr/lib/postgresql/15/bin), else a fresh database on
DATABASE_URL's server; the JSON line's `database` says which one a run used. The database, the servers
and the clients all share this machine.

The platform: `gunicorn yiwang.wsgi:application -w W --threads T` (gthread workers, sync when T = 1;
hooks in bench/gunicorn_conf.py warm each worker up as `yiwang serve` does and mark it ready), in the
live stack's environment (yiwang.security.testing.platform_env: demo mode, the per-client rate limits
off, no periodic jobs), migrated and loaded with the demo geography, units and rules. Each client
holds one keep-alive HTTP connection (http.client) and POSTs /api/v1/cases back to back, each case with
its own Idempotency-Key and a named category, so every case is also accepted and dispatched by the
responsibility list, with its audit events and notification rows: what a real intake does. A lost
keep-alive connection is retried once on a new one with the same key (counted as `retries`); any
answer other than 201 is an error. Each server gets an uncounted warm-up first; each figure is a run
of --seconds at 1, 4 and 12 clients.

Baselines in the same run:
- bare view: bench/bare_view.py (one view that parses the JSON body and answers JsonResponse, no
  database) under bench/bare_settings.py (the same settings and middleware, only ROOT_URLCONF
  changed), the same gunicorn command and workers, the same clients and body: the ceiling of one
  request here.
- plain INSERT: the same rows INSERTed with psycopg into a copy of the case table (its indexes
  included), one transaction per row, one connection per client.

Every worker count in --workers, times every thread count in --threads, is measured (platform and
bare view); the best by platform cases/s at the most clients is reported, the sweep beside it. Clients run in this process as threads or as forked
processes: --client-mode auto measures both on the bare view at the most clients and keeps the faster.
Then one auto-routed create is profiled in process (bench/profile_create.py: its SQL and cProfile).

The machine is shared: the cores others keep busy are sampled (/proc/stat) before and after the runs
and printed as others_busy_cores_before_after; figures taken beside a test suite are not comparable.

The last line is one JSON object: per client count the platform, bare view and insert figures;
cases_per_s (platform, most clients), scaling_12_vs_1, ratio (platform / plain INSERT) and
ratio_to_bare_view at the most clients; workers, cpus, database.

    .venv/bin/python bench/intake.py [--workers 2,3,4] [--threads 4] [--clients 1,4,12] [--seconds 15]
    .venv/bin/python bench/intake.py --threads 1,4    # sync workers beside gthread ones
    .venv/bin/python bench/intake.py --quick      # one worker count, short runs (about a minute)
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from yiwang.security.testing import (  # noqa: E402
    PrivatePostgres,
    case_body,
    create_database,
    drop_database,
    free_port,
    platform_env,
    prepare_platform,
    private_postgres_available,
    wait_until,
)

PLATFORM_SETTINGS = "yiwang.security.testing.settings"
BARE_SETTINGS = "bench.bare_settings"
RETRYABLE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


# --------------------------------------------------------------------------- servers
@dataclass
class Gunicorn:
    """One gunicorn master with `workers` workers of `threads` threads on its own port."""

    env: dict[str, str]
    log_path: Path
    workers: int
    threads: int
    settings: str = PLATFORM_SETTINGS
    warm_up: bool = True
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    def command(self) -> list[str]:
        return [sys.executable, "-m", "gunicorn", "yiwang.wsgi:application",
                "-w", str(self.workers), "--threads", str(self.threads), "-b", f"127.0.0.1:{self.port}",
                "-c", str(ROOT / "bench" / "gunicorn_conf.py"), "--chdir", str(ROOT),
                "--keep-alive", "30", "--timeout", "120", "--worker-tmp-dir", "/dev/shm",
                "--log-level", "warning", "--error-logfile", "-"]

    def start(self, timeout: float = 180) -> Gunicorn:
        ready = Path(tempfile.mkdtemp(prefix="ready-", dir=self.log_path.parent))
        env = {**self.env, "DJANGO_SETTINGS_MODULE": self.settings, "BENCH_READY_DIR": str(ready),
               "BENCH_WARM_UP": "1" if self.warm_up else "0"}
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(self.command(), env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)

        def up():
            if self.proc.poll() is not None:
                raise RuntimeError("gunicorn exited:\n" + self.log_path.read_text(errors="replace")[-3000:])
            if len(list(ready.iterdir())) < self.workers:
                return False
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=5) as r:
                return r.status == 200

        try:
            wait_until(up, timeout=timeout, what=f"gunicorn ({self.settings}) on {self.port}", every=0.2)
        except (TimeoutError, RuntimeError):
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # graceful: the master stops its workers
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


class SequencerProcess:
    """`yiwang sequencer` beside the platform's workers (in production: a worker's beat task or this
    command), so the audit events get their global place while cases come in; with a sampler of how
    long the oldest waiting event has waited (psycopg, every 0.25 s)."""

    def __init__(self, env: dict[str, str], log_path: Path, url: str):
        self.env, self.log_path, self.url = env, log_path, url
        self.proc: subprocess.Popen | None = None
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._sampler: threading.Thread | None = None

    def start(self) -> SequencerProcess:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "yiwang", "sequencer"], env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT, cwd=ROOT)
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        return self

    def _waiting(self, conn) -> tuple[int, float]:
        row = conn.execute("SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0) "
                           "FROM cases_caseevent WHERE global_seq IS NULL").fetchone()
        return int(row[0]), float(row[1])

    def _sample(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self._stop.wait(0.25):
                self.samples.append(self._waiting(conn)[1])

    def reset(self) -> None:
        self.samples = []

    def lag(self) -> dict:
        s = sorted(self.samples) or [0.0]
        return {"oldest_wait_p50_s": round(s[len(s) // 2], 3), "oldest_wait_p95_s": round(s[int(len(s) * 0.95)], 3),
                "oldest_wait_max_s": round(s[-1], 3)}

    def drain(self, timeout: float = 60) -> float:
        """Seconds until nothing waits after the clients stopped."""
        import psycopg

        started = time.monotonic()
        with psycopg.connect(self.url, autocommit=True) as conn:
            while self._waiting(conn)[0] and time.monotonic() - started < timeout:
                time.sleep(0.05)
            left = self._waiting(conn)[0]
        if left:
            raise RuntimeError(f"{left} events still wait for the sequencer after {timeout:g} s")
        return round(time.monotonic() - started, 3)

    def stop(self) -> None:
        self._stop.set()
        if self._sampler:
            self._sampler.join(timeout=5)
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


# --------------------------------------------------------------------------- clients
# A "client factory" is called once inside each client thread or process with the client's number;
# it opens that client's connection and returns `do(i) -> (ok, error, retried)`, called back to back.
ClientFactory = Callable[[int], Callable[[int], tuple]]


def http_client(port: int, token: str) -> ClientFactory:
    def factory(_k: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        base_headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

        def send(data: bytes, key: str):
            conn.request("POST", "/api/v1/cases", body=data, headers={**base_headers, "Idempotency-Key": key})
            r = conn.getresponse()
            return r.status, r.read()

        def do(i: int):
            data = json.dumps(case_body(i)).encode()
            key = uuid.uuid4().hex
            retried = False
            try:
                status, payload = send(data, key)
            except RETRYABLE:  # the server closed the idle keep-alive connection: once more, same key
                conn.close()
                retried = True
                status, payload = send(data, key)
            if status != 201:
                return False, (status, payload[:300].decode(errors="replace")), retried
            return True, None, retried

        return do

    return factory


def insert_client(url: str, sql: str, row: Callable[[int], list]) -> ClientFactory:
    def factory(_k: int):
        import psycopg

        conn = psycopg.connect(url, autocommit=True)

        def do(i: int):
            conn.execute(sql, [i, *row(i)])
            return True, None, False

        return do

    return factory


def _client_loop(factory: ClientFactory, k: int, first_id: int, stop_at_box, started_evt) -> dict:
    do = factory(k)
    started_evt.wait()
    stop_at = stop_at_box.value
    latencies, errors, n_errors, retries = [], [], 0, 0
    i = first_id
    while time.monotonic() < stop_at:
        t0 = time.perf_counter()
        try:
            ok, err, retried = do(i)
        except Exception as exc:  # noqa: BLE001 - counted as an error, the run goes on
            ok, err, retried = False, repr(exc)[:300], False
        latencies.append(time.perf_counter() - t0)
        retries += retried
        if not ok:
            n_errors += 1
            if len(errors) < 3:
                errors.append(err)
        i += 1
    return {"latencies": latencies, "errors": errors, "n_errors": n_errors, "retries": retries,
            "ended": time.monotonic()}


class _Box:
    def __init__(self):
        self.value = 0.0


def _process_main(factory, k, first_id, stop_at_box, started_evt, queue):
    try:
        queue.put(_client_loop(factory, k, first_id, stop_at_box, started_evt))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent as a failed client
        queue.put({"latencies": [], "errors": [repr(exc)[:300]], "n_errors": 1, "retries": 0,
                   "ended": time.monotonic()})


_run_serial = iter(range(1, 10**6))


def measure(factory: ClientFactory, clients: int, seconds: float, mode: str) -> dict:
    """`clients` clients calling their `do` back to back for `seconds`; throughput and latencies."""
    base = next(_run_serial) * 10**9  # ids unique over the whole bench
    if mode == "threads":
        box, started = _Box(), threading.Event()
        results: list[dict] = []
        threads = [threading.Thread(target=lambda k=k: results.append(
            _client_loop(factory, k, base + k * 10**7, box, started))) for k in range(clients)]
        for t in threads:
            t.start()
        time.sleep(0.2)  # let every client open its connection before the clock starts
        t0 = time.monotonic()
        box.value = t0 + seconds
        started.set()
        for t in threads:
            t.join()
    else:
        ctx = multiprocessing.get_context("fork")
        box, started, queue = ctx.Value("d", 0.0), ctx.Event(), ctx.Queue()
        procs = [ctx.Process(target=_process_main, args=(factory, k, base + k * 10**7, box, started, queue))
                 for k in range(clients)]
        for p in procs:
            p.start()
        time.sleep(0.3)
        t0 = time.monotonic()
        box.value = t0 + seconds
        started.set()
        results = [queue.get(timeout=seconds + 300) for _ in procs]
        for p in procs:
            p.join(timeout=30)
    elapsed = max(r["ended"] for r in results) - t0
    lat = sorted(x for r in results for x in r["latencies"])
    n = len(lat)
    errors = [e for r in results for e in r["errors"]]
    return {
        "requests": n,
        "seconds": round(elapsed, 2),
        "per_s": round(n / elapsed, 1) if elapsed > 0 else 0.0,
        "p50_ms": round(statistics.median(lat) * 1000, 1) if lat else None,
        "p95_ms": round(lat[min(n - 1, int(n * 0.95))] * 1000, 1) if lat else None,
        "errors": sum(r["n_errors"] for r in results),
        "retries": sum(r["retries"] for r in results),
        "first_error": errors[0] if errors else None,
    }


# --------------------------------------------------------------------------- plain INSERT
class PlainInsert:
    """A copy of the case table (defaults and indexes), and the INSERT of one case-like row."""

    TEXT = {"request_type": "投诉", "category_candidates": "[]", "attachments": "[]", "placement": "gps",
            "requester_kind": "resident", "requester_language": "zh-hans", "channel": "api",
            "status": "dispatched"}

    def __init__(self, url: str):
        import psycopg

        self.url = url
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS bench_intake_plain")
            conn.execute("CREATE TABLE bench_intake_plain (LIKE cases_case INCLUDING DEFAULTS INCLUDING INDEXES)")
            self.columns = conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = 'bench_intake_plain' AND column_name <> 'id' AND is_nullable = 'NO' "
                "AND column_default IS NULL ORDER BY ordinal_position").fetchall()
        timeish = ("timestamp with time zone", "timestamp without time zone", "date")
        self.values = [c for c, t in self.columns if t not in timeish]
        cols = ", ".join(c for c, _ in self.columns)
        marks = ", ".join("now()" if t in timeish else "%s" for _, t in self.columns)
        self.sql = f"INSERT INTO bench_intake_plain (id, {cols}) VALUES (%s, {marks})"
        self.types = dict(self.columns)

    def row(self, i: int) -> list:
        body = case_body(i)
        out = []
        for c in self.values:
            t = self.types[c]
            if c == "number":
                out.append(f"B{i:013d}")
            elif c in body and isinstance(body[c], str):
                out.append(body[c])
            elif c == "version":
                out.append(1)
            elif t in ("integer", "bigint", "smallint", "numeric", "double precision", "real"):
                out.append(0)
            elif t == "boolean":
                out.append(False)
            elif t in ("json", "jsonb"):
                out.append(self.TEXT.get(c, "{}"))
            elif t == "uuid":
                out.append(str(uuid.uuid4()))
            else:
                out.append(self.TEXT.get(c, ""))
        return out

    def truncate(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("TRUNCATE bench_intake_plain")

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS bench_intake_plain")


# --------------------------------------------------------------------------- the run
def busy_cores(seconds: float = 2.0) -> float | None:
    """Cores kept busy by the whole machine over `seconds` (/proc/stat): taken while the bench itself is
    idle, it is the load of others (a test suite, a build) that the figures shared the CPUs with."""
    def sample():
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return sum(fields) - idle, sum(fields)

    try:
        busy0, total0 = sample()
        time.sleep(seconds)
        busy1, total1 = sample()
    except OSError:
        return None
    return round((busy1 - busy0) / max(1, total1 - total0) * (os.cpu_count() or 1), 2)


def _process_group(pid: int) -> str | None:
    """Which part of the run a process is: the web workers, PostgreSQL, the sequencer or this bench."""
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None
    if pid == os.getpid() or "bench/intake.py" in cmd:
        return "bench_clients"
    if "gunicorn" in cmd:
        return "web_workers"
    if "yiwang sequencer" in cmd:
        return "sequencer"
    if cmd.startswith("postgres") or "/postgres" in cmd.split(" ")[0]:
        return "postgres"
    return "other"


def cpu_by_group() -> dict[str, float]:
    """CPU seconds used so far by each group of processes (utime + stime of /proc/<pid>/stat, with the
    reaped children's time of gunicorn's master and the postmaster)."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        group = _process_group(int(entry))
        if group is None:
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # fields[11..14] are utime, stime, cutime, cstime (stat fields 14..17)
        out[group] = out.get(group, 0.0) + sum(int(x) for x in fields[11:15]) / tick
    return out


def cpu_ms_per_request(before: dict[str, float], after: dict[str, float], requests: int) -> dict[str, float]:
    """CPU milliseconds per request by group between two cpu_by_group() samples (processes that started
    or ended between the samples count only the part seen)."""
    per = {g: round((after.get(g, 0.0) - before.get(g, 0.0)) * 1000 / max(1, requests), 2)
           for g in sorted(set(before) | set(after))}
    per = {g: v for g, v in per.items() if v > 0}
    per["total"] = round(sum(per.values()), 2)
    return per


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def short(m: dict) -> str:
    return (f"{m['per_s']:8.1f}/s  p50 {m['p50_ms']} ms  p95 {m['p95_ms']} ms  errors {m['errors']}"
            f"  retries {m['retries']}" + (f"  first error {m['first_error']}" if m["first_error"] else ""))


def run_server(server: Gunicorn, token: str, clients: list[int], seconds: float, warmup: float, mode: str,
               what: str, sequencer: SequencerProcess | None = None) -> dict[int, dict]:
    server.start()
    if sequencer:
        sequencer.start()
    try:
        log(f"{what}: {server.workers} workers x {server.threads} threads up; warm-up {warmup:g} s")
        measure(http_client(server.port, token), max(clients), warmup, mode)
        out = {}
        for n in clients:
            if sequencer:
                sequencer.drain()
                sequencer.reset()
            cpu0 = cpu_by_group()
            out[n] = measure(http_client(server.port, token), n, seconds, mode)
            if sequencer:  # the sequencer's work for these cases counts too: drained before the CPU is read
                out[n]["sequencer"] = {**sequencer.lag(), "drained_after_s": sequencer.drain()}
            out[n]["cpu_ms_per_request"] = cpu_ms_per_request(cpu0, cpu_by_group(), out[n]["requests"])
            log(f"{what} W={server.workers} {n:3d} clients: {short(out[n])}  cpu ms/request {out[n]['cpu_ms_per_request']}"
                + (f"  sequencer {out[n]['sequencer']}" if sequencer else ""))
        return out
    finally:
        if sequencer:
            sequencer.stop()
        server.stop()


def choose_client_mode(env: dict, var: Path, workers: int, threads: int, clients: int, seconds: float) -> dict:
    """The bare view at `clients` clients, from threads and from processes: which client is cheaper."""
    server = Gunicorn(env, var / "bare-probe.log", workers, threads, settings=BARE_SETTINGS, warm_up=False).start()
    try:
        measure(http_client(server.port, ""), clients, 1.0, "threads")
        probe: dict[str, float] = {}
        for m in ("threads", "processes", "threads", "processes"):  # twice each, interleaved: the best
            probe[m] = max(probe.get(m, 0.0), measure(http_client(server.port, ""), clients, seconds, m)["per_s"])
    finally:
        server.stop()
    return probe


def profile_create(env: dict, token: str, var: Path) -> dict | None:
    report = var / "profile_create.txt"
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "profile_create.py"), "--report", str(report)],
                          env={**env, "BENCH_TOKEN": token}, capture_output=True, text=True, cwd=ROOT,
                          timeout=900)
    print(done.stderr, file=sys.stderr)
    if done.returncode != 0:
        log(f"profile failed ({done.returncode})")
        return None
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    summary["report"] = str(report)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", default="2,3,4", help="gunicorn worker counts to measure")
    parser.add_argument("--threads", default="4", help="threads per worker to measure (1 = sync workers)")
    parser.add_argument("--clients", default="1,4,12", help="client counts")
    parser.add_argument("--seconds", type=float, default=15, help="length of each measured run")
    parser.add_argument("--warmup", type=float, default=5, help="uncounted warm-up per server")
    parser.add_argument("--client-mode", choices=("auto", "threads", "processes"), default="auto")
    parser.add_argument("--no-profile", action="store_true", help="skip the in-process profile")
    parser.add_argument("--quick", action="store_true", help="one worker count (3), 4 s runs")
    parser.add_argument("--profile-only", action="store_true", help="only the in-process profile of one create")
    args = parser.parse_args()
    if args.quick:
        args.workers = "3" if args.workers == parser.get_default("workers") else args.workers
        args.seconds, args.warmup = min(args.seconds, 4), min(args.warmup, 3)
    configs = [(int(w), int(t)) for t in args.threads.split(",") for w in args.workers.split(",")]
    client_counts = sorted(int(c) for c in args.clients.split(","))
    most = client_counts[-1]
    when = datetime.datetime.now().astimezone().isoformat(timespec="seconds")

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
    plain = None
    try:
        url = create_database(admin, name)
        import psycopg

        with psycopg.connect(url) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0].split()[0]
        database = (f"private PostgreSQL {version} (initdb, fsync off, same machine)" if pg
                    else f"shared PostgreSQL {version} ({admin.split('@')[-1].rsplit('/', 1)[0]})")
        env = platform_env(url, var)
        log(f"preparing {url} (migrate, demo geography); logs in {var}")
        token = prepare_platform(env)["rel_operator"]
        if args.profile_only:
            print(json.dumps({"bench": "intake", "when": when, "database": database,
                              "profile_one_create": profile_create(env, token, var)}, ensure_ascii=False))
            return

        background = [busy_cores()]
        log(f"cores busy before the runs (others' load): {background[0]}")
        if args.client_mode == "auto":
            probe = choose_client_mode(env, var, *configs[0], most, 2.0 if args.quick else 4.0)
            mode = max(("threads", "processes"), key=lambda m: probe[m])
            log(f"clients at {most} on the bare view: {probe}; using {mode}")
            client_mode = {"mode": mode, "bare_view_probe_per_s": probe}
        else:
            mode = args.client_mode
            client_mode = {"mode": mode}

        sweep: dict[tuple[int, int], dict] = {}
        for w, t in configs:
            bare = run_server(Gunicorn(env, var / f"bare-{w}x{t}.log", w, t, settings=BARE_SETTINGS, warm_up=False),
                              "", client_counts, args.seconds, args.warmup, mode, "bare view")
            platform = run_server(Gunicorn(env, var / f"platform-{w}x{t}.log", w, t), token,
                                  client_counts, args.seconds, args.warmup, mode, "platform",
                                  SequencerProcess(env, var / f"sequencer-{w}x{t}.log", url))
            sweep[w, t] = {"platform": platform, "bare_view": bare}
        best = max(configs, key=lambda c: sweep[c]["platform"][most]["per_s"])
        best_w, best_t = best

        plain = PlainInsert(url)
        inserts = {}
        for n in client_counts:
            plain.truncate()
            inserts[n] = measure(insert_client(url, plain.sql, plain.row), n, args.seconds, mode)
            log(f"plain INSERT {n:3d} clients: {short(inserts[n])}")

        background.append(busy_cores())
        log(f"cores busy after the runs (others' load): {background[1]}")
        profile = None if args.no_profile else profile_create(env, token, var)

        by_clients = {str(n): {"platform": sweep[best]["platform"][n], "bare_view": sweep[best]["bare_view"][n],
                               "plain_insert": inserts[n]} for n in client_counts}
        top = by_clients[str(most)]
        p1 = sweep[best]["platform"][client_counts[0]]["per_s"]
        result = {
            "bench": "intake",
            "when": when,
            "database": database,
            "server": f"gunicorn yiwang.wsgi:application -w {best_w} --threads {best_t} "
                      f"({'gthread' if best_t > 1 else 'sync'} workers)",
            "workers": best_w,
            "threads_per_worker": best_t,
            "cpus": os.cpu_count(),
            "others_busy_cores_before_after": background,
            "loadavg_1m_end": round(os.getloadavg()[0], 2),
            "clients": client_counts,
            "client_mode": client_mode,
            "seconds_per_run": args.seconds,
            "by_clients": by_clients,
            "workers_sweep": {f"{w}x{t}": {kind: {str(n): m["per_s"] for n, m in runs.items()}
                                           for kind, runs in sweep[w, t].items()} for w, t in configs},
            "errors": sum(sweep[c][k][n]["errors"] for c in configs for k in ("platform", "bare_view")
                          for n in client_counts) + sum(m["errors"] for m in inserts.values()),
            "profile_one_create": None if profile is None else {
                k: profile[k] for k in ("queries", "by_kind", "sql_ms", "cpu_ms", "wall_ms")},
            "sequencer_at_most_clients": top["platform"].get("sequencer"),
            "cases_per_s": top["platform"]["per_s"],
            f"scaling_{most}_vs_{client_counts[0]}": round(top["platform"]["per_s"] / p1, 2) if p1 else None,
            "ratio": round(top["platform"]["per_s"] / top["plain_insert"]["per_s"], 4),
            "ratio_to_bare_view": round(top["platform"]["per_s"] / top["bare_view"]["per_s"], 4),
        }
        print(json.dumps(result, ensure_ascii=False))
    finally:
        if plain is not None:
            try:
                plain.drop()
            except Exception:  # noqa: BLE001 - the database goes anyway
                pass
        if pg is not None:
            pg.remove()
        else:
            drop_database(admin, name)


if __name__ == "__main__":
    main()
