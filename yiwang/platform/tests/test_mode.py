"""An unset YIWANG_MODE fails closed: production, which will not start on demo defaults (issue 15)."""

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

# What a WSGI server does first: load the application (yiwang serve execs gunicorn on the same).
PROBE = "import yiwang.wsgi; from django.conf import settings; print(settings.MODE, settings.DEMO_MODE)"
ROOT = Path(__file__).resolve().parents[3]


def _run(*argv, **env):
    base = {
        k: v for k, v in os.environ.items() if k not in ("YIWANG_MODE", "SECRET_KEY", "YIWANG_FIELD_KEYS")
    }
    base.update(DJANGO_SETTINGS_MODULE="yiwang.settings", **env)
    return subprocess.run(
        [sys.executable, *(argv or ("-c", PROBE))], env=base, capture_output=True, text=True, timeout=120,
        cwd=ROOT,
    )


def test_without_yiwang_mode_the_platform_is_in_production_and_refuses_demo_defaults():
    # when the variable is missing and nothing else is set
    refused = _run()
    # then it does not come up with the demo key
    assert refused.returncode != 0 and "SECRET_KEY must be set in production mode" in refused.stderr
    assert "YIWANG_FIELD_KEYS must be set in production mode" in refused.stderr
    # while a command that needs no secret still runs there (a migrations check, say)
    check = _run("manage.py", "makemigrations", "--check", "--dry-run")
    assert check.returncode == 0 and "No changes detected" in check.stdout, check.stderr[-2000:]
    # with production's secrets it runs, in production mode
    keys = {"SECRET_KEY": "k" * 50, "YIWANG_FIELD_KEYS": Fernet.generate_key().decode()}
    ok = _run(**keys)
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert ok.stdout.split() == ["production", "False"]
    # demo only when asked for
    assert _run(YIWANG_MODE="demo").stdout.split() == ["demo", "True"]
