"""This process's copy of the routing configuration: categories, units and the responsibility list.

Intake and every dispatch read them; admins change them rarely. One snapshot per process
(core.revisions.SharedSnapshot), reloaded when the "routing" revision moves (bumped by every save or
delete of a Category, Unit or ResponsibilityRule, see apps.py), checked at most every
ROUTING_CHECK_SECONDS. The instances are shared by every thread of the process: read them, never
change and save them (load a fresh row from the database to edit one).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from yiwang.core.revisions import SharedSnapshot

from .models import Category, ResponsibilityRule, Unit


@dataclass
class Rule:
    id: int
    lead_unit_id: int
    assisting_unit_ids: tuple[int, ...]


@dataclass
class RoutingConfig:
    categories: dict[int, Category] = field(default_factory=dict)
    category_by_code: dict[str, Category] = field(default_factory=dict)  # active ones
    level1_by_name: dict[str, Category] = field(default_factory=dict)  # active first-level, by name
    units: dict[int, Unit] = field(default_factory=dict)
    unit_by_code: dict[str, Unit] = field(default_factory=dict)  # active ones
    rules: dict[tuple[int, int], Rule] = field(default_factory=dict)  # (area_id, category_id)


def _load() -> RoutingConfig:
    config = RoutingConfig()
    categories = {c.id: c for c in Category.objects.all()}
    for c in categories.values():
        # Link the parents in memory: lineage(), path and display_path then need no query.
        c.parent = categories.get(c.parent_id) if c.parent_id else None
    config.categories = categories
    for c in categories.values():
        if c.is_active:
            config.category_by_code[c.code] = c
            if c.level == 1:
                config.level1_by_name[c.name] = c
    config.units = {u.id: u for u in Unit.objects.all()}
    config.unit_by_code = {u.code: u for u in config.units.values() if u.is_active}
    assisting: dict[int, list[int]] = {}
    for rule_id, unit_id in ResponsibilityRule.assisting_units.through.objects.values_list(
        "responsibilityrule_id", "unit_id"
    ):
        assisting.setdefault(rule_id, []).append(unit_id)
    for rid, area_id, category_id, lead in ResponsibilityRule.objects.values_list(
        "id", "area_id", "category_id", "lead_unit_id"
    ):
        config.rules[(area_id, category_id)] = Rule(rid, lead, tuple(sorted(assisting.get(rid, ()))))
    return config


routing_snapshot: SharedSnapshot[RoutingConfig] = SharedSnapshot(
    "routing", _load, check_setting="ROUTING_CHECK_SECONDS"
)


def routing_config() -> RoutingConfig:
    return routing_snapshot.get()


def bump_routing_revision(**kwargs) -> None:
    """Receiver of every save and delete of the routing models (and their assisting-unit links)."""
    routing_snapshot.bump()
