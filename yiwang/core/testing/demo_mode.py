"""A pytest plugin the project's pytest config loads first (`-p yiwang.core.testing.demo_mode`).

Unset, YIWANG_MODE means production (yiwang/settings.py). pytest-django imports the settings before
any conftest.py runs, so the tests ask for demo mode here, unless the caller chose a mode.
"""

import os

os.environ.setdefault("YIWANG_MODE", "demo")
