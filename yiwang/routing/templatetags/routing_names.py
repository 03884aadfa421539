"""Category and unit names in the reader's language, for templates (see yiwang/routing/names.py).

{% load routing_names %}
{{ case.category|display_name }}  {{ case.category|display_path }}  {{ case.lead_unit|display_name }}
{{ label|category_label }} or {{ label|category_label:label_names }}   (a classifier label: a level-1
category's Chinese name)
"""

from __future__ import annotations

from django import template

from .. import names

register = template.Library()


@register.filter
def display_name(obj) -> str:
    return names.display_name(obj) if obj else ""


@register.filter
def display_path(category) -> str:
    return names.display_path(category) if category else ""


@register.filter
def category_label(label, shown=None) -> str:
    """`shown`: a {label: display name} map the view built with names.label_names (one query for a
    whole page); without it each label is looked up on its own."""
    if not label:
        return ""
    if shown and str(label) in shown:
        return shown[str(label)]
    return names.label_name(str(label))
