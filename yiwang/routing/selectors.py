"""Routing by the responsibility list (权责清单).

For a case's category and area: walk the area chain from the most specific area (grid) up to the
city, and at each area the category lineage from the most specific category up; the first rule
found decides. No rule anywhere means the dispatcher's queue (None).
"""

from __future__ import annotations

from dataclasses import dataclass

from yiwang.geo.locate import get_index
from yiwang.geo.models import Area, Level

from .models import Category, Unit
from .snapshot import routing_config


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


def area_ids_up(area_id: int | None) -> list[int]:
    """The area and its ancestors, most specific first, from the in-memory area index (no query)."""
    if area_id is None:
        return []
    index = get_index()
    if area_id not in index.refs:
        return []
    return [a.id for a in reversed(index.chain(area_id))]


def route(*, category: Category | None, area: Area | None = None, area_id: int | None = None) -> RouteDecision | None:
    """The responsibility list's answer for (category, area): the first rule up the area chain, at each
    area the first up the category lineage. Reads this process's routing snapshot and area index: no
    query once they are loaded."""
    if category is None:
        return None
    config = routing_config()
    category = config.categories.get(category.id, category)
    area_ids = area_ids_up(area.id if area is not None else area_id)
    if not area_ids:
        area_ids = [ref.id for ref in get_index().refs.values() if ref.level == Level.CITY]
    index = get_index()
    for a in area_ids:
        for c in category.lineage():
            rule = config.rules.get((a, c.id))
            if rule is None:
                continue
            lead = config.units.get(rule.lead_unit_id)
            if lead is None or not lead.is_active:
                continue
            assisting = [config.units[u] for u in rule.assisting_unit_ids if u in config.units and config.units[u].is_active]
            return RouteDecision(lead, assisting, rule.id, index.refs[a].name, c.path, c)
    return None


def category_by_code(code: str | None) -> Category | None:
    """An active category by its code (the routing snapshot)."""
    return routing_config().category_by_code.get(code) if isinstance(code, str) else None


def unit_by_code(code: str | None) -> Unit | None:
    """An active unit by its code (the routing snapshot)."""
    return routing_config().unit_by_code.get(code) if isinstance(code, str) else None
