"""Routing by the responsibility list (权责清单).

For a case's category and area: walk the area chain from the most specific area (grid) up to the
city, and at each area the category lineage from the most specific category up; the first rule
found decides. No rule anywhere means the dispatcher's queue (None).
"""

from __future__ import annotations

from dataclasses import dataclass

from yiwang.geo.models import Area, Level

from .models import Category, ResponsibilityRule, Unit


@dataclass
class RouteDecision:
    lead_unit: Unit
    assisting_units: list[Unit]
    rule_id: int
    rule_area: str
    rule_category: str  # the rule's category path as stored (simplified Chinese)
    rule_category_node: Category | None = None

    @property
    def rule_category_display(self) -> str:
        """The rule's category path in the reader's language."""
        return self.rule_category_node.display_path if self.rule_category_node else self.rule_category


def area_chain(area: Area | None) -> list[Area]:
    out = []
    while area is not None:
        out.append(area)
        area = area.parent
    return out  # most specific first


def route(*, category: Category | None, area: Area | None) -> RouteDecision | None:
    if category is None:
        return None
    areas = area_chain(area)
    if not areas:

        areas = list(Area.objects.filter(level=Level.CITY))
    categories = category.lineage()
    rules = {
        (r.area_id, r.category_id): r
        for r in ResponsibilityRule.objects.filter(area__in=areas, category__in=categories).select_related(
            "lead_unit"
        )
    }
    for a in areas:
        for c in categories:
            rule = rules.get((a.id, c.id))
            if rule is not None and rule.lead_unit.is_active:
                return RouteDecision(
                    rule.lead_unit,
                    list(rule.assisting_units.filter(is_active=True)),
                    rule.id,
                    # the chain's own nodes: the category's parents are loaded already
                    a.name,
                    c.path,
                    c,
                )
    return None
