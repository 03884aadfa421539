"""Formatting of measures in the cockpit: rates as percentages, a dash where there is no value."""

from django import template

register = template.Library()
DASH = "—"


@register.filter
def pct(value, digits=1):
    if value is None or value == "":
        return DASH
    return f"{float(value) * 100:.{int(digits)}f}%"


@register.filter
def num(value, digits=1):
    if value is None or value == "":
        return DASH
    value = float(value)
    return f"{value:.0f}" if value.is_integer() and int(digits) == 0 else f"{value:.{int(digits)}f}"


@register.filter
def signed(value):
    if value is None:
        return DASH
    return f"{value:+.2f}"


@register.filter
def measure(row, code):
    """row.measures[code].value (templates cannot index a dict by a variable)."""
    return row["measures"][code]["value"]
