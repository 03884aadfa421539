"""Sign-in lockout: failures are counted per username and per address within a window; past the
limit, sign-in from that username (or address) is refused for a while, even with the right password.

    LOGIN_LOCKOUT_USERNAME_FAILURES   5   failures of one username in the window
    LOGIN_LOCKOUT_ADDRESS_FAILURES   20   failures from one address in the window (password spraying)
    LOGIN_LOCKOUT_WINDOW_SECONDS    900
    LOGIN_LOCKOUT_SECONDS           900   how long a lock holds

A success clears the username's count (not the address's). Counters live in the database, so every
application server sees the same locks; each update locks its row, so concurrent failures all count.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction

from yiwang.core import clock

from .models import LoginLock

Scope = LoginLock.Scope


def _limits(scope: str) -> int:
    if scope == Scope.USERNAME:
        return settings.LOGIN_LOCKOUT_USERNAME_FAILURES
    return settings.LOGIN_LOCKOUT_ADDRESS_FAILURES


def _keys(username: str | None, address: str | None) -> list[tuple[str, str]]:
    keys = []
    if username:
        keys.append((Scope.USERNAME, username.strip().lower()[:150]))
    if address:
        keys.append((Scope.ADDRESS, address[:150]))
    return keys


def login_locked_until(*, username: str | None, address: str | None) -> dt.datetime | None:
    """When the lock on this username or address ends, or None when sign-in may be tried."""
    now = clock.now()
    ends = [
        lock.locked_until
        for scope, key in _keys(username, address)
        for lock in LoginLock.objects.filter(scope=scope, key=key, locked_until__gt=now)
    ]
    return max(ends) if ends else None


def login_failed(*, username: str | None, address: str | None) -> dt.datetime | None:
    """Count one failure for the username and the address; returns the lock's end if one now holds."""
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
            if now - lock.window_started_at > window and not (lock.locked_until and lock.locked_until > now):
                lock.failures, lock.window_started_at = 0, now
            lock.failures += 1
            lock.last_failure_at = now
            if lock.failures >= _limits(scope):
                lock.locked_until = now + dt.timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
                locked = max(locked, lock.locked_until) if locked else lock.locked_until
            lock.save(update_fields=["failures", "window_started_at", "last_failure_at", "locked_until"])
    return locked


def login_succeeded(*, username: str) -> None:
    login_unlock(username=username)  # the username's count only: the address keeps its failures


def login_unlock(*, username: str | None = None, address: str | None = None) -> int:
    """Lift the lock and forget the failures (admin). Returns how many counters were cleared."""
    cleared = 0
    for scope, key in _keys(username, address):
        cleared += LoginLock.objects.filter(scope=scope, key=key).delete()[0]
    return cleared
