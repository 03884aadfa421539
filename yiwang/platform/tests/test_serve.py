"""`yiwang serve`: gunicorn's worker processes in production mode (waitress in demo mode is what the
browser tests and the reliability suite run)."""

import importlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from cryptography.fernet import Fernet

from yiwang.platform import gunicorn_conf


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_the_gunicorn_settings_come_from_the_environment(monkeypatch):
    try:
        monkeypatch.delenv("WEB_WORKERS", raising=False)
        monkeypatch.delenv("WEB_THREADS", raising=False)
        monkeypatch.setenv("PORT", "8123")
        conf = importlib.reload(gunicorn_conf)
        assert conf.workers == 2 * (os.cpu_count() or 1)
        assert (conf.threads, conf.worker_class, conf.bind) == (1, "sync", ["127.0.0.1:8123"])
        monkeypatch.setenv("WEB_WORKERS", "3")
        monkeypatch.setenv("WEB_THREADS", "4")
        conf = importlib.reload(gunicorn_conf)
        assert (conf.workers, conf.threads, conf.worker_class) == (3, 4, "gthread")
    finally:
        monkeypatch.undo()
        importlib.reload(gunicorn_conf)


def test_production_mode_serves_with_gunicorn_worker_processes(tmp_path):
    # given production settings (no tables are needed for the health check)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update({
        "YIWANG_MODE": "production", "SECRET_KEY": "test-" + "x" * 40, "YIWANG_FIELD_KEYS": Fernet.generate_key().decode(),
        "YIWANG_VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "yiwang.settings", "WEB_WORKERS": "2", "LOG_LEVEL": "WARNING",
    })
    port = _free_port()
    log = tmp_path / "serve.log"
    # when `yiwang serve` starts
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "yiwang", "serve", "--port", str(port)], env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
                time.sleep(0.3)
        # then the command became gunicorn's master, which forked WEB_WORKERS workers
        while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(_children(proc.pid)) == 2
        assert "gunicorn" in Path(f"/proc/{proc.pid}/cmdline").read_bytes().decode()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
