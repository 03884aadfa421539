"""Settings of the live stack (reliability suite, bench/intake.py): the project's, without the
per-client rate limits, since the load generator is one address sending on purpose."""

from yiwang.settings import *  # noqa: F403

INTAKE_RATE_LIMITS = []
