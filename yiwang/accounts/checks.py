"""Production refuses to start with the demo passwords still valid."""

from django.conf import settings
from django.core.checks import Error, register
from django.db import DatabaseError

from .models import User

DEMO_PASSWORD = "yiwang-demo"  # demo mode only; see accounts.demo
DEMO_USERNAMES = (
    "admin",
    "operator",
    "dispatcher",
    "handler",
    "gridworker",
    "leader",
    "auditor",
    "resident",
    "resident2",
)


@register(deploy=False)
def no_demo_passwords_in_production(app_configs, **kwargs):
    if settings.DEMO_MODE:
        return []
    try:
        weak = [
            u.username
            for u in User.objects.filter(is_active=True, username__in=DEMO_USERNAMES)
            if u.check_password(DEMO_PASSWORD)
        ]
    except DatabaseError:  # tables not created yet: nothing to refuse
        return []
    if weak:
        return [
            Error(
                f"Demo password still set for: {', '.join(weak)}",
                hint="Set real passwords or deactivate these users.",
                id="yiwang.E001",
            )
        ]
    return []
