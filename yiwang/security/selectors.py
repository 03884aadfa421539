"""Reads of the security app."""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from .models import PersonalDataReveal


def reveal_list(
    *,
    obj: models.Model | None = None,
    user=None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet[PersonalDataReveal]:
    """Reveals, newest first: of one object, by one user, in a period (any combination)."""
    qs = PersonalDataReveal.objects.select_related("content_type")
    if obj is not None:
        qs = qs.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))
    if user is not None:
        qs = qs.filter(user=user)
    if since is not None:
        qs = qs.filter(at__gte=since)
    if until is not None:
        qs = qs.filter(at__lt=until)
    return qs.order_by("-at", "-pk")
