"""Production refuses to start with the demo passwords still valid."""

from django.conf import settings
from django.core.checks import Error, register
from django.db import DatabaseError

from .demo import DEMO_PASSWORD, DEMO_USERS
from .models import User


@register(deploy=False)
def no_demo_passwords_in_production(app_configs, **kwargs):
    if settings.DEMO_MODE:
        return []
    try:
        weak = [
            u.username
            for u in User.objects.filter(is_active=True, username__in=[name for name, *_ in DEMO_USERS])
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
