"""gunicorn's settings for production (YIWANG_MODE=production): pre-forked worker processes.

    .venv/bin/gunicorn -c python:yiwang.platform.gunicorn_conf yiwang.wsgi

is what `yiwang serve` runs in production mode (after the system checks), with --host, --port,
--workers and --threads passed on through the same variables. Each worker is a process of its own:
requests run in parallel on every core, unlike threads of one process, which share one interpreter
lock. Every value comes from the environment (docs/operations.md, "Serving").

This module is read by gunicorn's master before Django is set up: it imports nothing of Django's.
"""

import os

bind = [f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"]
# The usual starting point for a server that mostly waits on its database: two workers a core.
workers = int(os.environ.get("WEB_WORKERS") or 2 * (os.cpu_count() or 1))
# One request at a time per worker by default (sync workers); more threads per worker use gthread.
threads = int(os.environ.get("WEB_THREADS") or 1)
worker_class = "gthread" if threads > 1 else "sync"
# A worker silent for this long is killed and replaced (an XLSX export is the slowest request).
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Each worker loads the application itself: no database connection or thread crosses a fork.
preload_app = False
proc_name = "yiwang"
accesslog = os.environ.get("WEB_ACCESS_LOG") or None  # "-": to standard output
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()


def post_worker_init(worker):
    """jieba, the area index and the classifier load in the background of each new worker, whose
    first requests would otherwise pay for them."""
    from .warmup import start_warm_up

    start_warm_up()
