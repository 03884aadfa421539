"""Placing a case: from its point (GPS or map pick), else from an address or the text naming an area.

Text matching looks for the names of districts, towns and communities (with and without their
suffixes 区/市/街道/镇/社区/村), deepest match first, and checks the chain is consistent (a town named
together with a different district is not trusted). The case records how it was placed and with
what confidence.
"""

from __future__ import annotations

import threading

from django.utils.translation import gettext as _

from yiwang.core.errors import ApplicationError
from yiwang.geo.locate import get_index, locate
from yiwang.geo.models import Area, Level

from .models import Case, Placement

SUFFIXES = ("街道", "社区", "区", "市", "镇", "村")
_lock = threading.Lock()
_names: tuple[int, dict] | None = None


def _name_table() -> dict[str, list[tuple[int, int]]]:
    """name or short name -> [(area id, level)], rebuilt with the geo index."""
    global _names
    index = get_index()
    if _names is not None and _names[0] == id(index):
        return _names[1]
    with _lock:
        table: dict[str, list[tuple[int, int]]] = {}
        for ref in index.refs.values():
            if ref.level not in (Level.DISTRICT, Level.TOWN, Level.COMMUNITY):
                continue
            keys = {ref.name}
            for suffix in SUFFIXES:
                if ref.name.endswith(suffix) and len(ref.name) - len(suffix) >= 2:
                    keys.add(ref.name[: -len(suffix)])
            for key in keys:
                table.setdefault(key, []).append((ref.id, ref.level))
        _names = (id(index), table)
        return table


def match_area(text: str) -> tuple[int, float] | None:
    """(area id, confidence) for the deepest consistent area named in the text, or None."""
    if not text:
        return None
    table = _name_table()
    index = get_index()
    found: list[tuple[int, int, int]] = []  # (level, length, id)
    for key in sorted(table, key=len, reverse=True):
        if key in text:
            for area_id, level in table[key]:
                found.append((level, len(key), area_id))
    if not found:
        return None
    named_ids = {f[2] for f in found}
    best = None
    for level, length, area_id in sorted(found, key=lambda f: (-f[0], -f[1])):
        chain_ids = {a.id for a in index.chain(area_id)}
        # Ambiguous community names (many 新村) are only trusted with their town or district named too.
        supported = len(named_ids & chain_ids) > 1
        candidates = sum(1 for f in found if f[0] == level and f[1] == length)
        if level == Level.COMMUNITY and not supported and candidates > 1:
            continue
        conflict = any(
            other in named_ids and other not in chain_ids and index.refs[other].level < level
            for other in named_ids
        )
        if conflict:
            continue
        confidence = {Level.DISTRICT: 0.6, Level.TOWN: 0.75, Level.COMMUNITY: 0.85}[level]
        confidence = min(0.95, confidence + (0.1 if supported else 0.0))
        best = (area_id, confidence)
        break
    return best


def _set_chain(case: Case, chain) -> None:
    by_level = {a.level: a.id for a in chain}
    case.grid_id = by_level.get(Level.GRID)
    case.community_id = by_level.get(Level.COMMUNITY)
    case.town_id = by_level.get(Level.TOWN)
    case.district_id = by_level.get(Level.DISTRICT)


def place_case(case: Case) -> None:
    if case.lon is not None and case.lat is not None:
        found = locate(case.lon, case.lat)
        if found is None:
            raise ApplicationError(
                "outside_city",
                _("该位置不在本市辖区内，请重新选点或填写地址。"),
                fields={"lon": case.lon, "lat": case.lat},
            )
        _set_chain(case, found.chain)
        if case.placement in (Placement.NONE, "", None):
            case.placement = Placement.GPS
        case.placement_confidence = 1.0
        return
    for source, method in ((case.address, Placement.ADDRESS), (f"{case.title} {case.text}", Placement.TEXT)):
        match = match_area(source)
        if match:
            area_id, confidence = match
            index = get_index()
            _set_chain(case, index.chain(area_id))
            case.placement, case.placement_confidence = method, confidence
            area = Area.objects.only("centroid_lon", "centroid_lat").get(pk=area_id)
            if area.centroid_lon is not None and index.refs[area_id].level == Level.COMMUNITY:
                # A community is small enough to stand for the point; its grid comes from that point.
                found = locate(area.centroid_lon, area.centroid_lat)
                if (
                    found is not None
                    and found.at(Level.COMMUNITY)
                    and found.at(Level.COMMUNITY).id == area_id
                ):
                    _set_chain(case, found.chain)
            return
    case.placement, case.placement_confidence = Placement.NONE, None
