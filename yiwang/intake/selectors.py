"""Reads of the intake: the likely duplicates (重复件) of a case, for the dispatcher to merge."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from yiwang.cases.models import Case, Status

from .duplicates import (
    NON_WORD,
    Where,
    duplicate_score,
    place_closeness,
    text_similarities,
    time_closeness,
)


@dataclass(frozen=True)
class DuplicateCandidate:
    number: str
    title: str
    status: str
    received_at: dt.datetime
    score: float  # 0..1, yiwang.intake.duplicates.duplicate_score
    text_similarity: float
    place_closeness: float
    distance_m: float | None
    days_apart: float
    same_spot: bool  # found as a report from the same spot at the same time, not by its words


def duplicate_candidates(*, case: Case, limit: int = 5) -> list[DuplicateCandidate]:
    """Cases that likely report the same thing: received within INTAKE_DUPLICATE_WINDOW_DAYS of it,
    in its district (or not placed), not rejected or merged away; best first, each with its score
    (at least INTAKE_DUPLICATE_MIN_SCORE). The dispatcher merges with the `merge` move."""
    window = dt.timedelta(days=settings.INTAKE_DUPLICATE_WINDOW_DAYS)
    qs = (
        Case.objects.exclude(pk=case.pk)
        .exclude(status__in=(Status.REJECTED, Status.MERGED))
        .filter(received_at__gte=case.received_at - window, received_at__lte=case.received_at + window)
    )
    if case.district_id:
        qs = qs.filter(Q(district_id=case.district_id) | Q(district__isnull=True))
    rows = list(
        qs.order_by("-received_at").values(
            "number",
            "title",
            "status",
            "text_normalized",
            "lon",
            "lat",
            "community_id",
            "town_id",
            "district_id",
            "received_at",
            "category_id",
        )[: settings.INTAKE_DUPLICATE_POOL]
    )
    if not rows:
        return []
    sims = text_similarities(
        NON_WORD.sub("", case.text_normalized), [NON_WORD.sub("", r["text_normalized"]) for r in rows]
    )
    here = Where(case.lon, case.lat, case.community_id, case.town_id, case.district_id)
    found = []
    for row, text in zip(rows, sims, strict=True):
        place, metres = place_closeness(
            here, Where(row["lon"], row["lat"], row["community_id"], row["town_id"], row["district_id"])
        )
        days = (row["received_at"] - case.received_at).total_seconds() / 86400
        same_category = None if None in (case.category_id, row["category_id"]) else case.category_id == row["category_id"]
        score, same_spot = duplicate_score(text, place, time_closeness(days, window.days), metres=metres,
                                           hours_apart=days * 24, same_category=same_category)
        if score < settings.INTAKE_DUPLICATE_MIN_SCORE:
            continue
        found.append(
            DuplicateCandidate(
                number=row["number"],
                title=row["title"],
                status=row["status"],
                received_at=row["received_at"],
                score=score,
                text_similarity=round(float(text), 4),
                place_closeness=round(place, 3),
                distance_m=round(metres, 1) if metres is not None else None,
                days_apart=round(days, 2),
                same_spot=same_spot,
            )
        )
    found.sort(key=lambda c: (-c.score, c.number))
    return found[: max(0, limit)]
