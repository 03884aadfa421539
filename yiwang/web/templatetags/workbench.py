"""Small pieces every workbench page shows the same way: status, deadline, card, move names."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from yiwang.accounts.models import Role
from yiwang.cases.models import CLOCK_STATUSES, Card, Satisfaction, Status
from yiwang.core import clock
from yiwang.routing.models import Category, Unit
from yiwang.security import masking

from .. import labels
from ..labels import ACTION_BUTTONS, ACTION_LABELS

register = template.Library()


# Personal values are shown masked by the platform's one rule; the full value only after a logged
# reveal (views.common.reveal), which hands it to the page as `revealed`.
@register.filter
def masked_name(value: str) -> str:
    return masking.mask_name(value)


@register.filter
def masked_phone(value: str) -> str:
    return masking.mask_phone(value)


@register.filter
def masked_id(value: str) -> str:
    return masking.mask_id_number(value)


@register.filter
def masked_text(value: str) -> str:
    """Free text with the personal data written into it masked (leaders', auditors' and public pages)."""
    return masking.mask_personal_text(value)


@register.filter
def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


@register.filter
def event_label(event) -> str:
    return labels.event_label(event.action, event.payload)


@register.filter
def action_button(action: str) -> str:
    return str(ACTION_BUTTONS.get(action, ACTION_LABELS.get(action, action)))


@register.filter
def role_label(role: str) -> str:
    if role == "system":
        return _("系统")
    try:
        return str(Role(role).label)
    except ValueError:
        return role


@register.filter
def satisfaction_label(value: str) -> str:
    try:
        return str(Satisfaction(value).label)
    except ValueError:
        return ""


@register.simple_tag
def status_badge(case) -> str:
    return format_html('<span class="badge st-{}">{}</span>', case.status, Status(case.status).label)


@register.simple_tag
def card_badge(case) -> str:
    if case.card not in (Card.YELLOW, Card.RED):
        return ""
    return format_html('<span class="badge card-{}">{}</span>', case.card, Card(case.card).label)


def _span(delta: dt.timedelta) -> str:
    seconds = abs(int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours = rest // 3600
    if days:
        return _("%(d)d 天 %(h)d 小时") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d 小时") % {"h": hours}
    return _("%(m)d 分钟") % {"m": max(1, rest // 60)}


@register.simple_tag
def deadline(case) -> str:
    """Remaining time against the handling deadline, or how late it is (calendar time)."""
    if case.due_at is None:
        return ""
    if case.status == Status.SUSPENDED:
        return format_html('<span class="due due-paused">{}</span>', _("已挂起，暂停计时"))
    if case.status not in CLOCK_STATUSES:
        if case.closed_on_time is False:
            return format_html('<span class="due due-late">{}</span>', _("超时办结"))
        return ""
    left = case.due_at - clock.now()
    if left.total_seconds() < 0:
        return format_html('<span class="due due-late">{}</span>', _("已超时 %(t)s") % {"t": _span(left)})
    near = case.yellow_at is not None and clock.now() >= case.yellow_at
    return format_html(
        '<span class="due {}">{}</span>',
        "due-near" if near else "due-ok",
        _("剩余 %(t)s") % {"t": _span(left)},
    )


@register.filter
def as_percent(value) -> str:
    return "" if value is None else f"{value * 100:.0f}%"


@register.filter
def unit_name(code: str) -> str:
    if not code:
        return ""
    unit = Unit.objects.filter(code=code).only("name", "name_en", "name_zh_hant").first()
    return unit.display_name if unit is not None else code


@register.filter
def category_name(code: str) -> str:
    """A category's path (环境保护 / 大气污染) from its code, as a case event records it, in the reader's
    language."""
    if not code:
        return ""
    category = Category.objects.filter(code=code).select_related("parent__parent").first()
    return category.display_path if category is not None else code
