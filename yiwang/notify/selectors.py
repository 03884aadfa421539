"""Reads for notifications: who supervises a case."""

from __future__ import annotations

from django.db.models import Q

from yiwang.accounts.models import Role, User
from yiwang.geo.models import Area, Level
from yiwang.routing.models import Unit


def _case_area_ranks(case) -> tuple[dict[int, int], int]:
    """Rank of each area covering the case (0 = its grid), and the rank of city-wide scope."""
    chain = [pk for pk in (case.grid_id, case.community_id, case.town_id, case.district_id) if pk]
    city_rank = len(chain)
    rank = {pk: i for i, pk in enumerate(chain)}
    rank.update({pk: city_rank for pk in Area.objects.filter(level=Level.CITY).values_list("pk", flat=True)})
    return rank, city_rank


def supervising_dispatchers(*, case) -> list[User]:
    """Who hears of a red card: the active dispatchers of the nearest area that covers the case.

    Nearest first (grid, community, town, district, city; a dispatcher without an area counts as
    city-wide), so a district command centre supervises its own cases and the city hears of the rest.
    When no dispatcher covers the case, the members of the nearest command centre (Unit kind
    "command") covering it hear instead. Empty when nobody does.
    """
    rank, city_rank = _case_area_ranks(case)
    dispatchers = list(
        User.objects.filter(role=Role.DISPATCHER, is_active=True).filter(
            Q(area_id__in=list(rank)) | Q(area__isnull=True)
        )
    )
    if dispatchers:
        best = min(rank.get(u.area_id, city_rank) for u in dispatchers)
        return sorted((u for u in dispatchers if rank.get(u.area_id, city_rank) == best), key=lambda u: u.pk)
    centres = list(Unit.objects.filter(kind=Unit.Kind.COMMAND, is_active=True, area_id__in=list(rank)))
    if not centres:
        return []
    best = min(rank[c.area_id] for c in centres)
    nearest = [c.pk for c in centres if rank[c.area_id] == best]
    return list(User.objects.filter(unit_id__in=nearest, is_active=True).order_by("pk"))
