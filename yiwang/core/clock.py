"""The project clock. All code reads time from here, so tests can move it."""

import datetime as dt

from django.utils import timezone

_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    return _frozen if _frozen is not None else timezone.now()


def freeze(moment: dt.datetime | None) -> None:
    """Pin the clock (tests, demo history replay). None releases it."""
    global _frozen
    if moment is not None and timezone.is_naive(moment):
        raise ValueError("the project clock only takes aware datetimes")
    _frozen = moment


def today() -> dt.date:
    return timezone.localdate(now())
