from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def pct(value) -> str:
    """0.453 -> "45.3%"; None -> "—"."""
    if value is None:
        return "—"
    return f"{float(value) * 100:.1f}%"


@register.filter
def figure(value) -> str:
    """A Decimal or float without trailing zeros, thousands separated: 1000000.0000 -> "1,000,000"."""
    if value is None:
        return "—"
    d = Decimal(str(value)).quantize(Decimal("0.01"))
    text = f"{d:,.2f}".rstrip("0").rstrip(".")
    return text


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "") if mapping else ""
