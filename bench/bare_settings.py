"""Settings of bench/intake.py's bare view: the live stack's settings (the project's, without the
per-client rate limits), with one JSON view as the whole URL configuration (bench/bare_view.py)."""

from yiwang.security.testing.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare_view"
