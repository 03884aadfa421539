"""gunicorn hooks for bench/intake.py.

post_worker_init runs in each worker after the application is loaded and before it accepts: with
BENCH_WARM_UP=1 it loads what `yiwang serve` warms up in the background (jieba, the area index, the
classifier), then marks the worker ready with a file named by its pid in BENCH_READY_DIR, so the bench
starts measuring only when every worker is up and warm.
"""

from __future__ import annotations

import importlib
import logging
import os
from pathlib import Path

log = logging.getLogger("gunicorn.error")


def _warm_up() -> None:
    for module in ("yiwang.platform.warmup",):
        try:
            warm_up = importlib.import_module(module).warm_up
        except (ImportError, AttributeError):
            continue
        warm_up()
        return
    log.warning("bench: no warm_up() found; the warm-up requests load what is needed")


def post_worker_init(worker) -> None:
    if os.environ.get("BENCH_WARM_UP") == "1":
        try:
            _warm_up()
        except Exception:  # noqa: BLE001 - a cold worker is slower, not broken
            log.warning("bench: warm-up failed", exc_info=True)
    ready = os.environ.get("BENCH_READY_DIR")
    if ready:
        Path(ready, str(os.getpid())).touch()
