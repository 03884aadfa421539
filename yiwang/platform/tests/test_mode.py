"""An unset YIWANG_MODE fails closed: production, which will not start on demo defaults (issue 15)."""

import os
import subprocess
import sys

from cryptography.fernet import Fernet

PROBE = "import django; django.setup(); from django.conf import settings; print(settings.MODE, settings.DEMO_MODE)"


def _run(**env):
    base = {
        k: v for k, v in os.environ.items() if k not in ("YIWANG_MODE", "SECRET_KEY", "YIWANG_FIELD_KEYS")
    }
    base.update(DJANGO_SETTINGS_MODULE="yiwang.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", PROBE], env=base, capture_output=True, text=True, timeout=120
    )


def test_without_yiwang_mode_the_platform_is_in_production_and_refuses_demo_defaults():
    # when the variable is missing and nothing else is set
    refused = _run()
    # then it does not come up with the demo key
    assert refused.returncode != 0 and "SECRET_KEY must be set in production mode" in refused.stderr
    # with production's secrets it runs, in production mode
    keys = {"SECRET_KEY": "k" * 50, "YIWANG_FIELD_KEYS": Fernet.generate_key().decode()}
    ok = _run(**keys)
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert ok.stdout.split() == ["production", "False"]
    # demo only when asked for
    assert _run(YIWANG_MODE="demo").stdout.split() == ["demo", "True"]
