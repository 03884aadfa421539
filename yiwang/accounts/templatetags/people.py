"""People on pages: a person is shown by their name and their unit (or area), never by their login.

{% load people %}
{{ user|person }}            梁伟文 · 江门市住房和城乡建设局 (the login name only when no name is recorded)
{{ event|actor }}            the same for whoever made a case event ("系统" for the platform itself)
{% demo_accounts as rows %}  the login page's table of demo accounts, drawn from accounts.demo.DEMO_USERS
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.translation import gettext as _

from ..demo import DEMO_USERS
from ..models import User
from ..people import person_name, person_place

register = template.Library()


@register.filter
def person(user) -> str:
    return person_name(user)


@register.filter
def actor(event) -> str:
    """Who made an event (a CaseEvent or anything with `actor` and `actor_name`): the person while
    the account exists, else the name kept on the event."""
    if getattr(event, "actor_id", None):
        return person_name(event.actor)
    name = getattr(event, "actor_name", "") or ""
    return _("系统") if name in ("", "system") else name


@register.simple_tag
def demo_accounts() -> list[dict]:
    """One row per demo user (demo mode only): login, role, name and unit or area as loaded."""
    if not settings.DEMO_MODE:
        return []
    loaded = {
        u.username: u
        for u in User.objects.filter(username__in=[d.username for d in DEMO_USERS]).select_related("unit", "area")
    }
    rows = []
    for demo in DEMO_USERS:
        user = loaded.get(demo.username)
        rows.append(
            {
                "username": demo.username,
                "role": demo.role.label,
                "name": demo.name,
                "where": person_place(user) if user else "",
            }
        )
    return rows
