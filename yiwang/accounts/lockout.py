"""Sign-in throttling: failures slow down the one who fails, never lock the right password out for long.

Two counters, each a row (LoginLock), so every application server sees the same delays:

- **pair** (username and address): the one guessing. After LOGIN_THROTTLE_FREE_FAILURES failures each
  further failure makes that username wait at that address, LOGIN_THROTTLE_BASE_SECONDS and doubling
  with each failure, up to LOGIN_THROTTLE_MAX_SECONDS. Other addresses — the real user at their own
  desk — are not held up, and one address (an office behind a proxy) failing for many users stops
  nobody else there.
- **username** (from any address): guessing from many addresses. After LOGIN_USERNAME_FREE_FAILURES
  failures the username waits too, doubling the same way but only up to LOGIN_USERNAME_MAX_SECONDS (a
  short ceiling): a stranger can slow a user down, not lock them out.

While a wait holds, sign-in is refused without checking the password (so a wait cannot be used to
test passwords) and the refusal is not counted (so waiting cannot be made longer by trying again).
Counts are forgotten after LOGIN_LOCKOUT_WINDOW_SECONDS without a failure, and a success clears the
username's counters. Each update locks its row, so concurrent failures all count.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction

from yiwang.core import clock

from .models import LoginLock

Scope = LoginLock.Scope


def _user_key(username: str) -> str:
    return username.strip().lower()[:100]


def _keys(username: str | None, address: str | None) -> list[tuple[str, str]]:
    if not username:
        return []
    keys = [(Scope.USERNAME, _user_key(username))]
    if address:
        keys.append((Scope.PAIR, f"{_user_key(username)}|{address[:49]}"))
    return keys


def _wait(scope: str, failures: int) -> dt.timedelta:
    """The wait after the `failures`-th failure: none while free, then doubling up to the ceiling."""
    if scope == Scope.USERNAME:
        free, ceiling = settings.LOGIN_USERNAME_FREE_FAILURES, settings.LOGIN_USERNAME_MAX_SECONDS
    else:
        free, ceiling = settings.LOGIN_THROTTLE_FREE_FAILURES, settings.LOGIN_THROTTLE_MAX_SECONDS
    if failures < free:
        return dt.timedelta(0)
    return dt.timedelta(
        seconds=min(settings.LOGIN_THROTTLE_BASE_SECONDS * 2 ** min(failures - free, 30), ceiling)
    )


def login_locked_until(*, username: str | None, address: str | None) -> dt.datetime | None:
    """When this username may try again from this address, or None when it may now."""
    now = clock.now()
    ends = [
        lock.locked_until
        for scope, key in _keys(username, address)
        for lock in LoginLock.objects.filter(scope=scope, key=key, locked_until__gt=now)
    ]
    return max(ends) if ends else None


def login_failed(*, username: str | None, address: str | None) -> dt.datetime | None:
    """Count one failure for the username and its address; returns the wait's end if one now holds."""
    now = clock.now()
    window = dt.timedelta(seconds=settings.LOGIN_LOCKOUT_WINDOW_SECONDS)
    locked = None
    for scope, key in _keys(username, address):
        with transaction.atomic():
            lock = LoginLock.objects.select_for_update().filter(scope=scope, key=key).first()
            if lock is None:
                try:
                    with transaction.atomic():
                        lock = LoginLock.objects.create(
                            scope=scope, key=key, failures=0, window_started_at=now, last_failure_at=now
                        )
                except IntegrityError:  # a concurrent failure created it first
                    lock = LoginLock.objects.select_for_update().get(scope=scope, key=key)
            if now - lock.last_failure_at > window:
                lock.failures, lock.window_started_at = 0, now
            lock.failures += 1
            lock.last_failure_at = now
            wait = _wait(scope, lock.failures)
            if wait:
                lock.locked_until = now + wait
                locked = max(locked, lock.locked_until) if locked else lock.locked_until
            lock.save(update_fields=["failures", "window_started_at", "last_failure_at", "locked_until"])
    return locked


def login_succeeded(*, username: str) -> None:
    login_unlock(username=username)


def login_unlock(*, username: str | None = None, address: str | None = None) -> int:
    """Lift the waits and forget the failures of a username (everywhere) or of an address (admin).
    Returns how many counters were cleared."""
    rows = LoginLock.objects.none()
    if username:
        key = _user_key(username)
        rows = LoginLock.objects.filter(scope=Scope.USERNAME, key=key) | LoginLock.objects.filter(
            scope=Scope.PAIR, key__startswith=f"{key}|"
        )
    if address:
        rows = rows | LoginLock.objects.filter(scope=Scope.PAIR, key__endswith=f"|{address[:49]}")
    return rows.delete()[0]
