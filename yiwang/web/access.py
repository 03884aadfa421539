"""Who may open which page: a named guard per desk, and where each role starts its day.

A page guard only decides whether the page opens (403 otherwise). What a person may do to a case is
decided again by `yiwang.cases.services.perform` (role, scope, state) on every move.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from yiwang.accounts.models import Role
from yiwang.core.http import forbidden

OPERATOR_ROLES = (Role.OPERATOR, Role.ADMIN)
DISPATCH_ROLES = (Role.DISPATCHER, Role.ADMIN)
UNIT_ROLES = (Role.HANDLER, Role.UNIT_LEADER, Role.ADMIN)
GRID_ROLES = (Role.GRIDWORKER, Role.ADMIN)
RESIDENT_ROLES = (Role.RESIDENT,)

# The first page of each role's day (the home page sends people there).
WORKBENCH = {
    Role.RESIDENT: "web:portal",
    Role.OPERATOR: "web:operator",
    Role.DISPATCHER: "web:dispatch",
    Role.HANDLER: "web:unit",
    Role.UNIT_LEADER: "web:unit",
    Role.GRIDWORKER: "web:grid",
    Role.LEADER: "analytics:cockpit",  # a leader's day starts on the cockpit
    Role.AUDITOR: "web:audit",  # an auditor's on the audit trail
}


def workbench_url(user) -> str | None:
    """Where this user's day starts, or None for roles whose home is the overview page."""
    name = WORKBENCH.get(getattr(user, "role", None))
    return reverse(name) if name else None


def role_required(*roles: str):
    """Login required, then one of `roles`; anyone else gets the 403 page (with a way back)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.user.role not in roles:
                return forbidden(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
