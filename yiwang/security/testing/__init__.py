"""A live stack for the reliability suite and bench/intake.py: real server processes (`yiwang serve`),
a PostgreSQL of their own (a private cluster started with initdb/pg_ctl when the binaries are there,
else a fresh database on the shared server), a private redis-server and Celery workers.

Nothing here sleeps to wait for something to happen: every wait polls a condition with a deadline.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
SHARED_PG = os.environ.get("RELIABILITY_SHARED_PG", "postgres://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check: Callable[[], object], *, timeout: float, what: str, every: float = 0.1):
    """Poll `check` until it returns something truthy; raise TimeoutError naming `what` at the deadline."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            result = check()
            if result:
                return result
        except Exception as exc:  # noqa: BLE001 - polled: the next try decides
            last_error = exc
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:g}s waiting for {what}: {last_error!r}")
        time.sleep(every)


# --------------------------------------------------------------------------- PostgreSQL
def private_postgres_available() -> bool:
    return (PG_BIN / "initdb").exists() and (PG_BIN / "pg_ctl").exists()


class PrivatePostgres:
    """A throwaway PostgreSQL cluster (trust auth, its own port and socket directory)."""

    def __init__(self, base: Path | None = None, port: int | None = None):
        # Its own directory straight under the temp dir: the postgres user must reach it, and test
        # temp dirs are private to root.
        import tempfile

        self.base = Path(base) if base else Path(tempfile.mkdtemp(prefix="yiwang-pg-"))
        self.data = self.base / "pgdata"
        self.sock = self.base / "sock"
        self.port = port or free_port()
        self.user = None
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            self.user = "postgres"

    def _run(self, args: list[str]) -> None:
        # Output to a file, never to pipes: pg_ctl start/restart leaves the server holding its
        # stdout, and a pipe would keep the caller waiting for an end that never comes.
        if self.user:
            args = ["runuser", "-u", self.user, "--", *args]
        out_path = self.base / "pg_ctl.out"
        with open(out_path, "ab") as out:
            code = subprocess.run(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL).returncode
        if code != 0:
            raise RuntimeError(f"{' '.join(args)} failed: {out_path.read_text(errors='replace')[-2000:]}")

    def init(self) -> PrivatePostgres:
        self.base.mkdir(parents=True, exist_ok=True)
        self.sock.mkdir(exist_ok=True)
        if self.user:
            shutil.chown(self.base, self.user)
            shutil.chown(self.sock, self.user)
        self._run([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                   "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"])
        return self

    def start(self) -> None:
        opts = (f"-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c max_connections=200 -c shared_buffers=64MB")
        self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.base / "pg.log"),
                   "-w", "-t", "60", "start"])

    def restart(self) -> None:
        self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-l", str(self.base / "pg.log"),
                   "-w", "-t", "60", "restart"])

    def stop(self) -> None:
        try:
            self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"])
        except RuntimeError:
            pass

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)

    def admin_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"


def create_database(admin_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --------------------------------------------------------------------------- the platform
SETUP_SCRIPT = """
import io, json
from django.core.management import call_command
from yiwang.platform.demo import load_demo
from yiwang.accounts.models import Role, User
from yiwang.geo.models import Area
load_demo(history=0)
city = Area.objects.get(code="440700")
tokens = {}
for name, role in (("rel_operator", Role.OPERATOR), ("rel_dispatcher", Role.DISPATCHER)):
    User.objects.get_or_create(username=name, defaults={"role": role, "area": city})
    out = io.StringIO()
    call_command("token", "create", "--user", name, stdout=out)
    tokens[name] = out.getvalue().strip()
print("TOKENS " + json.dumps(tokens))
"""


def platform_env(database_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    env.update({
        "DATABASE_URL": database_url,
        "YIWANG_MODE": "demo",
        "YIWANG_VAR_DIR": str(var_dir),
        "SWEEP_INTERVAL_SECONDS": "0",
        "NOTIFY_DELIVERY_ON_COMMIT": "periodic",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "yiwang.security.testing.settings",
    })
    env.update(extra)
    return env


def yiwang(*args: str, env: dict[str, str], timeout: float = 900) -> str:
    done = subprocess.run([sys.executable, "-m", "yiwang", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"yiwang {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return done.stdout


def prepare_platform(env: dict[str, str]) -> dict[str, str]:
    """Migrate, load the demo geography, units and rules (no history); return API tokens by user."""
    yiwang("migrate", "--noinput", "-v0", env=env)
    out = yiwang("shell", "-c", SETUP_SCRIPT, env=env)
    line = [ln for ln in out.splitlines() if ln.startswith("TOKENS ")][-1]
    return json.loads(line[len("TOKENS "):])


@dataclass
class Server:
    """One `yiwang serve` process on its own port."""

    env: dict[str, str]
    log_path: Path
    port: int = field(default_factory=free_port)
    threads: int = 8
    proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120) -> Server:
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "yiwang", "serve", "--port", str(self.port), "--threads", str(self.threads),
             "--no-periodic-jobs"],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
        )
        log.close()

        def healthy():
            if self.proc.poll() is not None:
                raise RuntimeError("server exited:\n" + self.log_path.read_text(errors="replace")[-3000:])
            with urllib.request.urlopen(self.base + "/healthz", timeout=2) as r:
                return r.status == 200

        try:
            wait_until(healthy, timeout=timeout, what=f"server on {self.port}")
        except TimeoutError:
            self.stop()
            raise RuntimeError(self.log_path.read_text(errors="replace")[-3000:]) from None
        return self

    def kill(self) -> None:
        """SIGKILL: no cleanup, requests in flight are cut."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


# --------------------------------------------------------------------------- Redis and Celery
def redis_available() -> bool:
    return shutil.which("redis-server") is not None


@dataclass
class PrivateRedis:
    base: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.base)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

        def up():
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")

        wait_until(up, timeout=30, what="redis-server")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)


# --------------------------------------------------------------------------- clients
@dataclass
class Submission:
    key: str
    number: str | None = None
    attempts: int = 0
    statuses: list = field(default_factory=list)


def post_json(url: str, body: dict, *, token: str, key: str | None = None, timeout: float = 15):
    data = json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as err:
        payload = err.read()
        try:
            return err.code, json.loads(payload or b"{}")
        except ValueError:
            return err.code, {"raw": payload[:500].decode(errors="replace")}


def case_body(i: int) -> dict:
    return {
        "request_type": "投诉",
        "title": f"路灯不亮 {i}",
        "text": f"白沙街道某路段第{i}号路灯一周不亮，夜间出行不便，请尽快维修。",
        "lon": 113.08,
        "lat": 22.60,
        "category": "C01",
        "requester_name": "张三",
        "requester_phone": "13800138000",
    }


def submit_until_created(base: Callable[[], str], body: dict, *, token: str, deadline: float,
                         key: str | None = None) -> Submission:
    """POST one case with an Idempotency-Key, retrying the same key on any failure until a 201."""
    sub = Submission(key=key or uuid.uuid4().hex)
    while time.monotonic() < deadline:
        sub.attempts += 1
        try:
            status, payload = post_json(base() + "/api/v1/cases", body, token=token, key=sub.key, timeout=10)
        except OSError as exc:  # refused, reset, timed out: the server is down or was killed mid-request
            sub.statuses.append(type(exc).__name__)
            time.sleep(0.05)  # back off a little before the retry (not an assertion)
            continue
        sub.statuses.append(status)
        if status == 201:
            sub.number = payload["number"]
            return sub
        if status < 500 and status != 429:
            raise AssertionError(f"unexpected {status}: {payload}")
        time.sleep(0.05)
    return sub
